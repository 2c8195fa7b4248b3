"""The queue's Excel export: the queue's filters, personal data as the reader may see it,
formula-safe cells, a bound on the rows, an audit row for each export."""
import zipfile
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.core.lifecycle import Status
from mediation.intake.services import PartyData
from mediation.reports import queue_export

PHONE = "13812345678"


def _rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == queue_export.XLSX
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cases-')
    sheet = load_workbook(BytesIO(response.data)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _parties(evil=""):
    return [PartyData(evil or "张三丰", "applicant", PHONE, "", "徐行镇小庙村88号"),
            PartyData("李四", "respondent", "13900001111", "", "")]


def test_export_follows_the_filters_and_is_audited(client, db, users, login, make_case):
    open_one = make_case(Status.IN_MEDIATION, channel="police_110")
    other_channel = make_case(Status.IN_MEDIATION, channel="grid_patrol")
    closed = make_case(Status.CLOSED, channel="police_110")
    login(users["supervisor"])
    page = client.get("/cases/?channel=police_110").get_data(as_text=True)
    assert 'href="/exports/queue.xlsx?scope=all&amp;status=open&amp;channel=police_110"' in page
    assert "10,000" in page  # the bound, said on the page
    rows = _rows(client.get("/exports/queue.xlsx?scope=all&status=open&channel=police_110&lang=en"))
    assert rows[0][:3] == ["Reference", "Status", "Channel"]
    assert [r[0] for r in rows[1:]] == [open_one.reference]
    rows = _rows(client.get("/exports/queue.xlsx?status=&channel=police_110"))
    assert {r[0] for r in rows[1:]} == {open_one.reference, closed.reference}
    assert other_channel.reference not in {r[0] for r in rows}
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                        AuditEvent.object_type == "queue")).all()
    assert len(audit) == 2 and audit[-1].details["rows"] == 2 and "channel=police_110" in audit[-1].details["filters"]
    assert audit[-1].user_id == users["supervisor"].id


@pytest.mark.parametrize("role, full_phone, masked_name", [
    ("supervisor", True, False), ("mediator", True, False), ("other_mediator", False, False),
    ("viewer", False, True)])
def test_personal_data_as_the_reader_may_see_it(client, db, users, login, make_case, role, full_phone, masked_name):
    case = make_case(Status.IN_MEDIATION, parties=_parties(),
                     summary=f"申请人电话{PHONE}，要求赔偿")
    login(users[role])
    rows = _rows(client.get("/exports/queue.xlsx?scope=office" if role.endswith("mediator") else "/exports/queue.xlsx"))
    row = next(r for r in rows if r[0] == case.reference)
    parties, summary = row[10], row[11]
    assert (PHONE in parties) == full_phone and ("138****5678" in parties) == (not full_phone)
    assert ("张*丰" in parties) == masked_name and ("张三丰" in parties) == (not masked_name)
    assert PHONE not in summary  # free text is scrubbed for everyone
    assert "申请人电话" in summary


def test_cells_never_become_formulas(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, summary='=HYPERLINK("http://evil","x")', parties=_parties("@SUM(1)"))
    login(users["supervisor"])
    rows = _rows(client.get("/exports/queue.xlsx"))
    row = next(r for r in rows if r[0] == case.reference)
    assert row[11] == "'=HYPERLINK(\"http://evil\",\"x\")" and row[10].startswith("'@SUM(1)")
    sheet_xml = zipfile.ZipFile(BytesIO(client.get("/exports/queue.xlsx").data)).read(
        "xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_export_is_bounded(client, db, users, login, make_case, monkeypatch):
    monkeypatch.setattr(queue_export, "EXPORT_LIMIT", 3)
    for _ in range(5):
        make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    rows = _rows(client.get("/exports/queue.xlsx?lang=en"))
    assert len(rows) == 1 + 3 + 1 and rows[-1][0].startswith("The list stops at 3 cases")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "queue")).one()
    assert event.details["rows"] == 3 and event.details["truncated"] is True


def test_export_sees_only_visible_cases_and_needs_sign_in(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    assert client.get("/exports/queue.xlsx").status_code == 302
    login(users["village_mediator"])
    rows = _rows(client.get("/exports/queue.xlsx?scope=office&status="))
    assert case.reference not in {r[0] for r in rows}
    assert client.get("/exports/queue.xlsx?village=abc&page=zz&status=bogus").status_code == 200


def test_export_of_a_search(client, db, users, login, make_case):
    found = make_case(Status.ARCHIVED, parties=[PartyData("欧阳修", "applicant", "13700001234", "", "徐行镇1号"),
                                                 PartyData("李四", "respondent", "", "", "徐行镇2号")])
    make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    rows = _rows(client.get("/exports/queue.xlsx?q=欧阳修"))
    assert [r[0] for r in rows[1:]] == [found.reference]
