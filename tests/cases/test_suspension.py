"""Suspending and resuming a case through the test client: the clock stops, and the time
spent suspended is added to the deadline to conclude."""
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from mediation.cases.models import Case, TimelineEvent
from mediation.core.lifecycle import Status

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The request's `now` and the test's differ by the time a request takes.
SLACK = timedelta(minutes=1)


def _case(db, reference) -> Case:
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def _post(client, case, action, **data):
    data.setdefault("version", str(case.version))
    return client.post(f"/cases/{case.reference}/{action}?lang=en", data=data)


def _backdate_suspension(db, case, days: int) -> None:
    """Pretend the case was suspended `days` days ago."""
    db.session.execute(update(Case).where(Case.id == case.id)
                       .values(suspended_at=case.suspended_at - timedelta(days=days)))
    db.session.commit()


def _events(db, case) -> list[TimelineEvent]:
    return db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id)
                              .order_by(TimelineEvent.id)).all()


@pytest.mark.parametrize("who", ["supervisor", "mediator"])
def test_suspending_stops_the_clock_and_resuming_moves_conclude_by(client, db, users, login, make_case, who):
    case = make_case(Status.IN_MEDIATION, channel="walk_in")
    reference, conclude_by = case.reference, case.conclude_by
    assert conclude_by is not None and case.next_deadline == conclude_by and case.next_stage == "conclude"
    login(users[who])

    r = _post(client, case, "suspend", reason="双方外出务工，春节后再调")
    assert r.status_code == 303, r.get_data(as_text=True)
    case = _case(db, reference)
    assert case.status == "in_mediation"
    assert case.suspended_at is not None
    assert case.next_deadline is None and case.next_stage is None  # the clock stops
    assert case.conclude_by == conclude_by
    assert _events(db, case)[-1].action == "suspend"
    assert _events(db, case)[-1].details == {"reason": "双方外出务工，春节后再调"}

    _backdate_suspension(db, case, 10)
    case = _case(db, reference)
    r = _post(client, case, "resume")
    assert r.status_code == 303, r.get_data(as_text=True)
    case = _case(db, reference)
    assert case.status == "in_mediation" and case.suspended_at is None
    assert timedelta(days=10) <= timedelta(seconds=case.suspended_seconds) < timedelta(days=10) + SLACK
    assert timedelta(days=10) <= case.conclude_by - conclude_by < timedelta(days=10) + SLACK
    assert case.next_deadline == case.conclude_by and case.next_stage == "conclude"
    event = _events(db, case)[-1]
    assert (event.action, event.from_status, event.to_status) == ("resume", "in_mediation", "in_mediation")
    assert event.details == {"suspended_days": 10.0}


def test_suspending_does_not_stop_the_channel_reply_clock(client, db, users, login, make_case):
    """12345 counts its reply deadline whatever the mediation does (issue #11 item 4)."""
    case = make_case(Status.IN_MEDIATION, channel="hotline_12345")
    assert case.reply_by is not None and case.next_deadline == min(case.reply_by, case.conclude_by)
    reply_by = case.reply_by
    login(users["supervisor"])
    assert _post(client, case, "suspend", reason="等待法院判决").status_code == 303
    case = _case(db, case.reference)
    assert (case.next_deadline, case.next_stage) == (reply_by, "reply")


def test_a_suspension_counts_whole_days_and_the_deadline_stays_at_the_end_of_a_day(client, db, users, login,
                                                                                  make_case):
    """2 days 6 hours suspended: the deadline moves by the local dates between suspending and resuming
    (2, or 3 when the hours cross another midnight), never by hours: it stays at 23:59:59."""
    case = make_case(Status.IN_MEDIATION, channel="walk_in")
    reference, conclude_by = case.reference, case.conclude_by
    login(users["mediator"])
    assert _post(client, case, "suspend", reason="当事人住院").status_code == 303
    case = _case(db, reference)
    db.session.execute(update(Case).where(Case.id == case.id)
                       .values(suspended_at=case.suspended_at - timedelta(days=2, hours=6)))
    db.session.commit()
    suspended_at = _case(db, reference).suspended_at
    assert _post(client, _case(db, reference), "resume").status_code == 303
    case = _case(db, reference)
    resumed_at = _events(db, case)[-1].at
    days = (resumed_at.astimezone(SHANGHAI).date() - suspended_at.astimezone(SHANGHAI).date()).days
    assert days in (2, 3)
    assert case.conclude_by - conclude_by == timedelta(days=days)
    assert case.conclude_by.astimezone(SHANGHAI).time() == time(23, 59, 59)
    assert case.suspended_seconds == days * 86400
    assert _events(db, case)[-1].details == {"suspended_days": days}


def test_a_suspension_within_one_day_moves_nothing(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, channel="walk_in")
    reference, conclude_by = case.reference, case.conclude_by
    login(users["supervisor"])
    assert _post(client, case, "suspend", reason="等待当事人回电").status_code == 303
    assert _post(client, _case(db, reference), "resume").status_code == 303
    case = _case(db, reference)
    if _events(db, case)[-1].at.astimezone(SHANGHAI).date() == _events(db, case)[-2].at.astimezone(SHANGHAI).date():
        assert (case.conclude_by, case.suspended_seconds) == (conclude_by, 0)


def test_suspensions_add_up(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, channel="walk_in")
    reference, conclude_by = case.reference, case.conclude_by
    login(users["supervisor"])
    for days in (3, 4):
        assert _post(client, _case(db, reference), "suspend", reason="当事人住院").status_code == 303
        _backdate_suspension(db, _case(db, reference), days)
        assert _post(client, _case(db, reference), "resume").status_code == 303
    case = _case(db, reference)
    assert timedelta(days=7) <= case.conclude_by - conclude_by < timedelta(days=7) + SLACK


def test_suspend_needs_a_reason_and_not_twice(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    assert _post(client, case, "suspend", reason="  ").status_code == 422
    assert _case(db, case.reference).suspended_at is None
    assert _post(client, case, "suspend", reason="等待法院判决").status_code == 303
    case = _case(db, case.reference)
    suspended_at, version = case.suspended_at, case.version
    # The form is not offered again, and a submission anyway is refused with nothing changed.
    r = client.get(f"/cases/{case.reference}/suspend")
    assert r.status_code == 302
    r = _post(client, case, "suspend", reason="再次暂停")
    assert r.status_code == 422
    assert "already suspended" in r.get_data(as_text=True)
    case = _case(db, case.reference)
    assert (case.suspended_at, case.version) == (suspended_at, version)


def test_resume_only_a_suspended_case(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    assert client.get(f"/cases/{case.reference}/resume").status_code == 302
    r = _post(client, case, "resume")
    assert r.status_code == 422
    assert "not suspended" in r.get_data(as_text=True)
    case = _case(db, case.reference)
    assert case.suspended_at is None and case.suspended_seconds == 0


def test_closing_a_suspended_case_resumes_it_first(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, channel="walk_in")
    reference, conclude_by = case.reference, case.conclude_by
    login(users["mediator"])
    assert _post(client, case, "suspend", reason="双方均在外地").status_code == 303
    _backdate_suspension(db, _case(db, reference), 5)
    r = _post(client, _case(db, reference), "close", outcome="withdrawn")
    assert r.status_code == 303, r.get_data(as_text=True)
    case = _case(db, reference)
    assert case.status == "closed" and case.suspended_at is None
    assert timedelta(days=5) <= timedelta(seconds=case.suspended_seconds) < timedelta(days=5) + SLACK
    assert timedelta(days=5) <= case.conclude_by - conclude_by < timedelta(days=5) + SLACK
    # The closed case's clock runs again: towards the return visit.
    assert case.follow_up_by is not None
    assert case.next_deadline == case.follow_up_by and case.next_stage == "follow_up"
    assert _events(db, case)[-1].action == "close"


def test_reopening_starts_a_fresh_month_without_the_old_suspension(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, channel="walk_in")
    reference = case.reference
    login(users["supervisor"])
    assert _post(client, case, "suspend", reason="等待鉴定").status_code == 303
    _backdate_suspension(db, _case(db, reference), 5)
    assert _post(client, _case(db, reference), "close", outcome="withdrawn").status_code == 303
    assert _post(client, _case(db, reference), "reopen", reason="申请人重新申请").status_code == 303
    case = _case(db, reference)
    assert case.status == "in_mediation" and case.suspended_at is None and case.suspended_seconds == 0
    assert case.conclude_by - case.mediation_started_at < timedelta(days=31)
