"""The daily sweep `screening_reminders(now, town)`: due-soon and overdue notices, each once, with a
fixed clock around the due day, across a month end and a year end."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from mediation.notifications.models import Notification
from mediation.organisation.models import Office
from mediation.organisation.town import current_town
from mediation.screening.models import ScreeningReport, ScreeningSettings
from mediation.screening.reminders import screening_reminders

from .conftest import SH


def at(y, m, d, h=8):
    return datetime(y, m, d, h, 0, tzinfo=SH)


def _notices(db):
    db.session.expire_all()
    return db.session.scalars(select(Notification).order_by(Notification.id)).all()


def _kinds(db, user):
    return sorted((n.kind, n.details["month"]) for n in _notices(db) if n.user_id == user.id)


def _report(db, office, user, month, nil=True):
    db.session.add(ScreeningReport(office_id=office.id, month=month, nil_report=nil, disputes_found=0, mediated=0,
                                   in_progress=0, risks_and_hazards="", key_disputes="", submitted_by_id=user.id,
                                   submitted_at=at(month.year, month.month, 2)))
    db.session.commit()


@pytest.fixture
def run(db):
    def running(now):
        written = screening_reminders(now, current_town())
        db.session.commit()
        return written
    return running


def test_nothing_before_the_window(db, run, members):
    # Due the 25th, reminded from the 22nd; last month (October) reported by both committees.
    for office_id, user in ((members["xiaomiao"].office_id, members["xiaomiao"]),
                            (members["qianqiao"].office_id, members["qianqiao"])):
        _report(db, db.session.get(Office, office_id), user, date(2026, 10, 1))
    assert run(at(2026, 11, 21)) == 0
    assert _notices(db) == []


def test_due_soon_once_then_overdue_once(db, run, users, members, town):
    for member in (members["xiaomiao"], members["qianqiao"]):
        _report(db, db.session.get(Office, member.office_id), member, date(2026, 10, 1))
    # qianqiao reports November on time; xiaomiao does not.
    _report(db, town["offices"]["vc_qianqiao"], members["qianqiao"], date(2026, 11, 1))
    written = run(at(2026, 11, 22))
    # xiaomiao's two who report (mediator, liaison) are reminded; not its viewer, no one else.
    assert written == 2
    assert _kinds(db, members["xiaomiao_viewer"]) == []
    assert _kinds(db, members["xiaomiao"]) == [("screening_due", "2026-11")]
    assert _kinds(db, members["xiaomiao_liaison"]) == [("screening_due", "2026-11")]
    assert _kinds(db, members["qianqiao"]) == [] and _kinds(db, users["supervisor"]) == []
    [notice] = [n for n in _notices(db) if n.user_id == members["xiaomiao"].id]
    assert notice.details["reason"] == "小庙村调委会"
    assert datetime.fromisoformat(notice.details["due"]) == datetime(2026, 11, 25, 23, 59, 59, tzinfo=SH)
    # Run again the same day and through the due day: no second reminder.
    assert run(at(2026, 11, 22, 20)) == 0
    assert run(at(2026, 11, 25)) == 0
    # The day after the due day: overdue, once for the committee's users, once for each supervisor.
    assert run(at(2026, 11, 26)) == 3
    assert _kinds(db, members["xiaomiao"]) == [("screening_due", "2026-11"), ("screening_overdue", "2026-11")]
    [sup] = [n for n in _notices(db) if n.user_id == users["supervisor"].id]
    assert (sup.kind, sup.details["committees"], sup.details["count"]) == ("screening_overdue", ["小庙村调委会"], 1)
    assert run(at(2026, 11, 27)) == 0
    assert run(at(2026, 11, 30, 23)) == 0


def test_overdue_across_a_month_end_when_the_due_day_is_the_last(db, run, users, members, town):
    """Due the 28th: February 2027's report is overdue from 1 March, in the next month's first run."""
    db.session.add(ScreeningSettings(id=1, due_day=28, remind_days=0))
    db.session.commit()
    for member in (members["xiaomiao"], members["qianqiao"]):
        _report(db, db.session.get(Office, member.office_id), member, date(2027, 1, 1))
    _report(db, town["offices"]["vc_qianqiao"], members["qianqiao"], date(2027, 2, 1))
    assert run(at(2027, 2, 27)) == 0  # remind_days 0: only on the due day itself
    assert run(at(2027, 2, 28)) == 2
    assert run(at(2027, 3, 1)) == 3  # February overdue: 2 xiaomiao reporters + the supervisor
    assert _kinds(db, users["supervisor"]) == [("screening_overdue", "2027-02")]
    assert run(at(2027, 3, 2)) == 0


def test_across_a_year_end(db, run, users, members, town):
    """December's report, still missing in January, is overdue once; January's reminders start in January."""
    db.session.add(ScreeningSettings(id=1, due_day=3, remind_days=5))
    db.session.commit()
    for member in (members["xiaomiao"], members["qianqiao"]):
        _report(db, db.session.get(Office, member.office_id), member, date(2026, 11, 1))
    _report(db, town["offices"]["vc_qianqiao"], members["qianqiao"], date(2026, 12, 1))
    _report(db, town["offices"]["vc_qianqiao"], members["qianqiao"], date(2027, 1, 1))
    assert run(at(2026, 12, 30)) == 3  # December overdue since the 4th; January's window not begun
    assert _kinds(db, members["xiaomiao"]) == [("screening_overdue", "2026-12")]
    assert run(at(2027, 1, 1)) == 2  # January due on the 3rd: reminded on the 1st
    assert _kinds(db, members["xiaomiao"]) == [("screening_due", "2027-01"), ("screening_overdue", "2026-12")]
    assert run(at(2027, 1, 2)) == 0
    assert run(at(2027, 1, 4)) == 3  # January overdue now
    assert _kinds(db, users["supervisor"]) == [("screening_overdue", "2026-12"), ("screening_overdue", "2027-01")]
    before = {n.id for n in _notices(db)}
    # February's window opens on the 1st (both committees); December is closed: nothing more for it.
    assert run(at(2027, 2, 1)) == 3
    assert {(n.kind, n.details["month"]) for n in _notices(db) if n.id not in before} == {("screening_due", "2027-02")}


def test_a_report_stops_the_reminders(db, run, members, users, town):
    for member in (members["xiaomiao"], members["qianqiao"]):
        _report(db, db.session.get(Office, member.office_id), member, date(2026, 10, 1))
    for member in (members["xiaomiao"], members["qianqiao"]):
        _report(db, db.session.get(Office, member.office_id), member, date(2026, 11, 1))
    assert run(at(2026, 11, 23)) == 0
    assert run(at(2026, 11, 26)) == 0
    assert _notices(db) == []


def test_inactive_users_and_committees_are_left_out(db, run, members, users, town):
    members["xiaomiao_liaison"].active = False
    town["offices"]["vc_qianqiao"].active = False
    db.session.commit()
    _report(db, town["offices"]["vc_xiaomiao"], members["xiaomiao"], date(2026, 10, 1))
    assert run(at(2026, 11, 24)) == 1  # xiaomiao's mediator (its viewer does not report)
    assert {n.user_id for n in _notices(db)} == {members["xiaomiao"].id}


def test_a_fixed_number_of_statements(db, run, members, count_queries):
    current_town()  # the town is loaded once per app context, before any job runs
    with count_queries() as few:
        run(at(2026, 11, 26))
    for n in range(6):
        db.session.add(Office(code=f"vc_extra{n}", name=f"村{n}调委会", kind="village_committee"))
    db.session.commit()
    with count_queries() as many:
        # December overdue for the 8 committees: xiaomiao's 2 reporters, qianqiao's 1 (the others have none),
        # the supervisor 1 (November's were written on the 26th).
        assert run(at(2026, 12, 26)) == 4
    assert len(many) == len(few) == 5
    [sup] = [n for n in _notices(db) if n.kind == "screening_overdue" and n.details["month"] == "2026-12"
             and "count" in n.details]
    assert sup.details["count"] == 8
