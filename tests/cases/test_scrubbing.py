"""The one free-text scrubber (core.identity.scrub_identifiers): a table of the ways people write
phone and ID numbers, a table of numbers that must stay, and the scrubber at work on every kind of
output: the weekly summary (HTML and PDF), the meeting page, the API, the Excel export, notices."""
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from mediation.api.cli import create_token
from mediation.cases.models import Case, CaseOutcome
from mediation.core.identity import may_hold_identifier, scrub_identifiers
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.meetings.models import AgendaItem, Meeting
from mediation.notifications.models import Notification

from ..reports.helpers import normalise, page_texts, read_pdf

# (as typed, the digits that must not survive, the masked form)
MASKED = [
    ("+8613800138001", "13800138001", "+86138****8001"),
    ("+86 138 0013 8001", "0013", "+86 138****8001"),
    ("0086-138 0013 8001", "0013", "0086-138****8001"),
    ("0086-13800138001", "13800138001", "0086-138****8001"),
    ("(+86)13800138001", "13800138001", "(+86)138****8001"),
    ("13800138000", "13800138000", "138****8000"),
    ("138 0013 8002", "0013", "138****8002"),
    ("138-0013-8003", "0013", "138****8003"),
    ("１３８００１３８００４", "１３８００１３８００４", "138****8004"),
    ("021-59591234", "5959", "021-****1234"),
    ("(021)59591234", "5959", "021-****1234"),
    ("（021）59591234", "5959", "021-****1234"),
    ("02159591234", "5959", "021-****1234"),
    ("021 5959 1234", "5959", "021-****1234"),
    ("0512-6666 8888", "6666", "0512-****8888"),
    ("0512-66668888", "6666", "0512-****8888"),
    ("021-59591234-123", "5959", "021-****1234-***"),
    ("021-59591234转123", "5959", "021-****1234-***"),
    ("11010519491231002X", "19491231", "110***********002X"),
    ("11010519491231002x", "19491231", "110***********002X"),
    ("310101 19900101 123X", "19900101", "310***********123X"),
    ("310101-19900101-1234", "19900101", "310***********1234"),
    ("１１０１０５１９４９１２３１００２Ｘ", "１９４９１２３１", "110***********002X"),
    ("310101900101123", "900101", "310********1123"),
    ("310101 900101 123", "900101", "310********1123"),
]

# Ordinary numbers stay exactly as written.
KEPT = ["12000元", "赔偿12,000元", "2026-03-01", "2026-03-01 13:00", "2026年3月1日", "XH-2026-000123",
        "XH-2026-000123号案", "第3次调解", "10086", "95588", "110", "12345热线", "1380013800", "138001380011",
        "12345678901234567890", "0213", "门牌88号", "邮编201808", "2026-11-09 – 2026-11-15"]


@pytest.mark.parametrize("typed,secret,masked", MASKED, ids=[m[0] for m in MASKED])
def test_masks_every_common_format(typed, secret, masked):
    for text in (typed, f"申请人电话{typed}，请回电", f"号码:{typed}。", f"{typed} 和 {typed}"):
        scrubbed = scrub_identifiers(text)
        assert secret not in scrubbed, text
        assert masked in scrubbed, (text, scrubbed)
    assert scrub_identifiers(f"电话{typed}，") == f"电话{masked}，"


@pytest.mark.parametrize("text", KEPT)
def test_keeps_ordinary_numbers(text):
    assert scrub_identifiers(text) == text
    assert scrub_identifiers(f"双方约定{text}前付清") == f"双方约定{text}前付清"


def test_a_sentence_with_everything():
    text = ("XH-2026-000123：张三（+86 138 0013 8001，身份证310101 19900101 123X）与李四（座机021-59591234）"
            "约定2026-03-01前支付12000元。")
    assert scrub_identifiers(text) == (
        "XH-2026-000123：张三（+86 138****8001，身份证310***********123X）与李四（座机021-****1234）"
        "约定2026-03-01前支付12000元。")


def test_empty_and_cheap_check():
    assert scrub_identifiers(None) == "" and scrub_identifiers("") == ""
    assert not may_hold_identifier("邻居噪音纠纷，协商未果")
    assert all(may_hold_identifier(typed) for typed, _secret, _masked in MASKED)


# --------------------------------------------------------------------------------------------
# Through the outputs
# --------------------------------------------------------------------------------------------

SECRETS = {"+86 138 0013 8001": "0013 8001", "１３８００１３８００４": "１３８００１３８００４",
           "310101 19900101 123X": "19900101", "0512-6666 8888": "6666 8888"}
TEXT = "联系" + "，".join(SECRETS) + "，金额12000元，2026-03-01前"


def assert_scrubbed(text: str, where: str):
    for typed, secret in SECRETS.items():
        assert secret not in text, (where, typed)
    assert "138****8001" in text and "12000元" in text and "2026-03-01" in text, where


@pytest.fixture
def meeting_world(db, make_case, users):
    """An open meeting whose agenda item carries a decision full of numbers, and a held one with minutes."""
    case = make_case(Status.IN_MEDIATION)
    now = utcnow()
    planned = Meeting(scheduled_at=now + timedelta(days=2))
    held = Meeting(scheduled_at=now - timedelta(days=5), held_at=now - timedelta(days=5), minutes=TEXT,
                   attendees="司法所 138-0013-8003")
    db.session.add_all([planned, held])
    db.session.flush()
    db.session.add_all([
        AgendaItem(meeting_id=planned.id, case_id=case.id, reasons=["overdue"], added_at=now, decision=TEXT,
                   decided_at=now, decided_by_id=users["supervisor"].id),
        AgendaItem(meeting_id=held.id, case_id=case.id, reasons=["overdue"], added_at=now, decision=TEXT,
                   decided_at=now, decided_by_id=users["supervisor"].id)])
    db.session.commit()
    return planned, held, case


@pytest.mark.parametrize("role", ["supervisor", "viewer", "lawyer"])
def test_weekly_summary_decisions_are_scrubbed_html_and_pdf(client, login, users, meeting_world, role):
    planned, _held, case = meeting_world
    login(users[role])
    html = client.get(f"/reports/weekly?meeting={planned.id}").get_data(as_text=True)
    assert case.reference in html
    assert_scrubbed(html, "weekly html")
    response = client.get(f"/reports/weekly.pdf?meeting={planned.id}")
    assert response.status_code == 200
    text = "".join(page_texts(read_pdf(response.data)))
    assert normalise("138****8001") in normalise(text)
    for secret in SECRETS.values():
        assert normalise(secret) not in normalise(text)


@pytest.mark.parametrize("role", ["supervisor", "viewer", "lawyer"])
def test_meeting_pages_scrub_decisions_and_minutes(client, login, users, meeting_world, role):
    planned, held, _case = meeting_world
    login(users[role])
    planned_html = client.get(f"/meetings/{planned.id}").get_data(as_text=True)
    assert 'class="alert alert-success mt-2 mb-0 decision"' in planned_html
    assert_scrubbed(planned_html, "planned meeting")
    held_html = client.get(f"/meetings/{held.id}").get_data(as_text=True)
    assert 'class="border rounded p-2 minutes"' in held_html
    assert_scrubbed(held_html, "held meeting")
    assert "0013-8003" not in held_html and "138****8003" in held_html


def test_api_case_read_scrubs_free_text(client, db, make_case):
    case = make_case(Status.CLOSED, channel="hotline_12345")
    db.session.execute(update(CaseOutcome).where(CaseOutcome.case_id == case.id)
                       .values(agreement_text=TEXT, referred_to="人民法院 021-59591234"))
    rejected = make_case(Status.REJECTED, channel="hotline_12345")
    db.session.execute(update(Case).where(Case.id == rejected.id).values(reject_reason=TEXT))
    _row, token = create_token("hotline_12345", "test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/cases/{case.reference}", headers=headers).get_json()
    assert_scrubbed(body["outcome"]["agreement_summary"], "api agreement")
    assert body["outcome"]["referred_to"] == "人民法院 021-****1234"
    assert "5959" not in body["status_note"]
    note = client.get(f"/api/v1/cases/{rejected.reference}", headers=headers).get_json()["status_note"]
    assert_scrubbed(note, "api reject reason")
    listed = client.get("/api/v1/cases", headers=headers).get_data(as_text=True)
    for secret in SECRETS.values():
        assert secret not in listed and "5959" not in listed


def test_excel_export_scrubs_summaries(client, db, login, users, make_case):
    case = make_case(Status.CLOSED)
    db.session.execute(update(Case).where(Case.id == case.id).values(summary=TEXT))
    db.session.commit()
    day = utcnow().date()
    login(users["viewer"])
    response = client.get(f"/reports/statistics.xlsx?start={day - timedelta(days=1)}&end={day + timedelta(days=1)}")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data)).worksheets[-1].iter_rows(values_only=True))
    cells = " ".join(str(v) for row in rows for v in row if v is not None)
    assert case.reference in cells
    assert_scrubbed(cells, "excel")


def test_notification_text_is_scrubbed(client, db, login, users, make_case):
    case = make_case(Status.IN_MEDIATION)
    db.session.add(Notification(user_id=users["mediator"].id, case_id=case.id, kind="close_proposed",
                                details={"reason": TEXT, "by": "lawyer"}, dedupe_key="test:1"))
    db.session.commit()
    login(users["mediator"])
    html = client.get("/notifications/").get_data(as_text=True)
    assert 'class="small notice-text"' in html
    assert_scrubbed(html, "notifications")


@pytest.mark.parametrize("role", ["viewer", "mediator", "supervisor"])
def test_case_page_and_queue_scrub_by_default(client, db, login, users, make_case, role):
    case = make_case(Status.IN_MEDIATION)
    db.session.execute(update(Case).where(Case.id == case.id).values(summary=TEXT))
    db.session.commit()
    login(users[role])
    assert_scrubbed(client.get(f"/cases/{case.reference}").get_data(as_text=True), "detail")
    assert_scrubbed(client.get(f"/cases/?q={case.reference}&scope=office").get_data(as_text=True)
                    if role == "mediator" else client.get(f"/cases/?q={case.reference}").get_data(as_text=True),
                    "queue")
    html = client.get(f"/reports/cases/{case.reference}/file").get_data(as_text=True)
    if role == "viewer":  # prints are full only for those who work the case (and recorded)
        assert_scrubbed(html, "case file")
