"""The judicial office's overview at /screening/overview: every committee's status for a month, the
totals, a fixed number of queries, and who may open it."""
from datetime import date, datetime

import pytest

from mediation.organisation.models import Office
from mediation.screening.models import ScreeningReport

from .conftest import NOW, SH

NOVEMBER = date(2026, 11, 1)


def _report(db, office, user, *, month=NOVEMBER, nil=False, found=0, mediated=0, in_progress=0, risks="",
            at=NOW):
    row = ScreeningReport(office_id=office.id, month=month, nil_report=nil, disputes_found=found, mediated=mediated,
                          in_progress=in_progress, risks_and_hazards=risks, key_disputes="", submitted_by_id=user.id,
                          submitted_at=at)
    db.session.add(row)
    db.session.commit()
    return row


def _committee(db, code, name, active=True):
    office = Office(code=code, name=name, kind="village_committee", active=active)
    db.session.add(office)
    db.session.commit()
    return office


def _state(html, office):
    return html.split(f'data-office="{office.id}" data-state="', 1)[1].split('"', 1)[0]


def test_statuses_and_totals(db, login, users, members, town, pin):
    offices = town["offices"]
    third = _committee(db, "vc_xuxing", "徐行村调委会")
    _committee(db, "vc_closed", "已撤并村调委会", active=False)  # closed, never reported: not listed
    _report(db, offices["vc_xiaomiao"], members["xiaomiao"], found=5, mediated=3, in_progress=1,
            risks="河边违章搭建，有火灾隐患")
    _report(db, offices["vc_qianqiao"], members["qianqiao"], nil=True)
    client = login(users["supervisor"])
    html = client.get("/screening/overview?month=2026-11").get_data(as_text=True)
    assert _state(html, offices["vc_xiaomiao"]) == "reported"
    assert _state(html, offices["vc_qianqiao"]) == "nil_report"
    assert _state(html, third) == "awaiting"  # the 20th: not yet due
    assert "已撤并村调委会" not in html
    assert 'id="kpi-committees">3<' in html and 'id="kpi-reported">1<' in html and 'id="kpi-nil">1<' in html
    assert 'id="kpi-missing">1<' in html and 'id="kpi-found">5<' in html and 'id="kpi-mediated">3<' in html
    assert "河边违章搭建" in html and "徐行村调委会" in html.split('id="missing-list"')[1]

    pin(datetime(2026, 11, 26, 9, 0, tzinfo=SH))  # past the due day
    html = client.get("/screening/overview").get_data(as_text=True)
    assert 'id="month">2026-11<' in html
    assert _state(html, third) == "overdue" and _state(html, offices["vc_xiaomiao"]) == "reported"
    assert "逾期未报" in html


def test_a_late_report_is_marked(db, login, users, members, town, pin):
    pin(datetime(2026, 12, 2, 9, 0, tzinfo=SH))
    _report(db, town["offices"]["vc_xiaomiao"], members["xiaomiao"], nil=True,
            at=datetime(2026, 12, 1, 8, 0, tzinfo=SH))
    html = login(users["supervisor"]).get("/screening/overview?month=2026-11").get_data(as_text=True)
    row = html.split(f'data-office="{town["offices"]["vc_xiaomiao"].id}"', 1)[1].split("</tr>", 1)[0]
    assert "迟报" in row
    assert _state(html, town["offices"]["vc_qianqiao"]) == "overdue"


def test_a_closed_committee_keeps_its_history(db, login, users, members, pin):
    gone = _committee(db, "vc_gone", "已撤并村调委会", active=False)
    _report(db, gone, members["xiaomiao"], found=2, mediated=2)
    html = login(users["supervisor"]).get("/screening/overview?month=2026-11").get_data(as_text=True)
    assert _state(html, gone) == "reported"


def test_a_fixed_number_of_queries(db, login, users, members, town, pin, count_queries):
    client = login(users["supervisor"])
    _report(db, town["offices"]["vc_xiaomiao"], members["xiaomiao"], found=1, mediated=1)
    with count_queries() as few:
        assert client.get("/screening/overview?month=2026-11").status_code == 200
    for n in range(6):
        office = _committee(db, f"vc_extra{n}", f"村{n}调委会")
        if n % 2:
            _report(db, office, members["xiaomiao"], found=n, mediated=1)
    with count_queries() as many:
        assert client.get("/screening/overview?month=2026-11").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("role", ["admin", "mediator", "village_mediator", "liaison", "lawyer", "viewer"])
def test_only_supervisors_open_it(login, users, pin, role):
    assert login(users[role]).get("/screening/overview").status_code == 403


def test_an_unreadable_month_is_400(login, users, pin):
    assert login(users["supervisor"]).get("/screening/overview?month=11-2026").status_code == 400


def test_it_prints(login, users, pin):
    html = login(users["supervisor"]).get("/screening/overview").get_data(as_text=True)
    assert "print.css" in html and "data-print" in html
