"""Scheduled jobs, driven with an explicit `now`; each run twice changes nothing the second time."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from mediation.organisation.town import current_town
from mediation.cases.models import Case, TimelineEvent
from mediation.core.lifecycle import Status
from mediation.jobs import registry, sweeps
from mediation.jobs.models import JobRun
from mediation.jobs.runner import run_job
from mediation.meetings.models import AgendaItem, Meeting
from mediation.notifications.models import Notification

SH = ZoneInfo("Asia/Shanghai")


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _set(db, case, **values):
    db.session.execute(update(Case).where(Case.id == case.id).values(**values))
    db.session.commit()


def _reload(db, case):
    db.session.expire_all()
    return db.session.get(Case, case.id)


def _digests(db, kind="deadline_digest"):
    rows = db.session.execute(select(Notification.user_id, Notification.case_id, Notification.details)
                              .where(Notification.kind == kind).order_by(Notification.id)).all()
    assert all(case_id is None for _u, case_id, _d in rows)
    return [(user_id, details) for user_id, _c, details in rows]


def test_overdue_sweep_flags_and_sends_one_digest_per_user_per_run(db, users, make_case):
    # Wednesday 2026-11-25 10:00 in Shanghai; due-soon reaches the end of Friday 27th.
    now = datetime(2026, 11, 25, 10, 0, tzinfo=SH).astimezone(timezone.utc)
    late = make_case(Status.IN_MEDIATION)
    late2 = make_case(Status.IN_MEDIATION, mediator="other_mediator")
    soon = make_case(Status.IN_MEDIATION)
    later = make_case(Status.IN_MEDIATION)
    _set(db, late, next_deadline=now - timedelta(hours=1))
    _set(db, late2, next_deadline=now - timedelta(hours=2))
    _set(db, soon, next_deadline=datetime(2026, 11, 27, 23, 0, tzinfo=SH))
    _set(db, later, next_deadline=datetime(2026, 11, 30, 23, 0, tzinfo=SH))  # Monday: 3 working days

    assert sweeps.overdue_sweep(now, current_town()) == 3
    db.session.commit()
    assert (_reload(db, late).due_state, _reload(db, soon).due_state, _reload(db, later).due_state) == (
        "overdue", "due_soon", None)
    # One notice per recipient, not one per case: the supervisor's lists all three.
    assert _count(db, Notification) == 3
    digests = dict(_digests(db))
    assert set(digests) == {users["mediator"].id, users["other_mediator"].id, users["supervisor"].id}
    sup = digests[users["supervisor"].id]
    assert sup["counts"] == {"due_soon": 1, "overdue": 2}
    assert [ref for ref, _due in sup["cases"]["overdue"]] == [late2.reference, late.reference]  # earliest first
    assert [ref for ref, _due in sup["cases"]["due_soon"]] == [soon.reference]
    assert digests[users["mediator"].id]["counts"] == {"due_soon": 1, "overdue": 1}
    assert digests[users["other_mediator"].id]["cases"] == {"overdue": [[late2.reference, ANY_DUE]]}

    assert sweeps.overdue_sweep(now, current_town()) == 0  # the same `now` again: nothing new
    assert sweeps.overdue_sweep(now + timedelta(minutes=10), current_town()) == 0  # nothing changed: no digest
    db.session.commit()
    assert _count(db, Notification) == 3

    # Saturday: soon is overdue, later (Monday) is within 2 working days; the extended one clears
    # without a notice. One new digest per recipient with the new flags only.
    _set(db, late, next_deadline=now + timedelta(days=20))
    assert sweeps.overdue_sweep(datetime(2026, 11, 28, 9, 0, tzinfo=SH), current_town()) == 3
    db.session.commit()
    assert _reload(db, soon).due_state == "overdue" and _reload(db, late).due_state is None
    assert _reload(db, later).due_state == "due_soon"
    assert _count(db, Notification) == 5  # the mediator's and the supervisor's second digests
    second = dict(_digests(db)[3:])
    assert second[users["supervisor"].id]["cases"] == {"overdue": [[soon.reference, ANY_DUE]],
                                                      "due_soon": [[later.reference, ANY_DUE]]}


class _AnyDue:
    def __eq__(self, other):
        return isinstance(other, str) and datetime.fromisoformat(other).tzinfo is not None


ANY_DUE = _AnyDue()


def test_digest_lists_at_most_fifty_per_state_and_counts_all(db, users, town, make_case):
    from mediation.notifications.services import DIGEST_LIST
    now = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
    case = make_case(Status.IN_MEDIATION)
    db.session.execute(update(Case).where(Case.id == case.id).values(next_deadline=now - timedelta(days=1)))
    # 59 more overdue cases in bulk, each a copy of the first with its own reference.
    row = db.session.execute(select(Case.__table__).where(Case.id == case.id)).mappings().one()
    copies = [{**{k: v for k, v in row.items() if k != "id"}, "reference": f"XH-2026-9{n:05d}",
               "external_ref": f"COPY{n}", "next_deadline": now - timedelta(days=1, minutes=n)} for n in range(59)]
    db.session.execute(Case.__table__.insert(), copies)
    db.session.commit()
    assert sweeps.overdue_sweep(now, current_town()) == 60
    db.session.commit()
    digests = dict(_digests(db))
    assert len(digests) == 2  # the mediator and the supervisor, one each
    sup = digests[users["supervisor"].id]
    assert sup["counts"] == {"overdue": 60} and len(sup["cases"]["overdue"]) == DIGEST_LIST == 50


def test_sweep_clears_flags_of_closed_and_finished_cases(db, users, make_case):
    now = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
    case = make_case(Status.IN_MEDIATION)
    _set(db, case, next_deadline=now - timedelta(days=1))
    sweeps.overdue_sweep(now, current_town())
    db.session.commit()
    _set(db, case, status="archived", next_deadline=None)  # as the lifecycle leaves a finished case
    assert sweeps.overdue_sweep(now, current_town()) == 1
    db.session.commit()
    assert _reload(db, case).due_state is None


def test_runner_claims_each_firing_once_and_records_it(app, db, users, make_case):
    now = datetime(2026, 11, 25, 10, 3, tzinfo=timezone.utc)
    first = run_job("overdue_sweep", now)
    second = run_job("overdue_sweep", now + timedelta(minutes=2))  # same 10-minute firing
    assert first.status == "ran" and second.status == "skipped"
    assert first.fire_time == datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    runs = db.session.scalars(select(JobRun)).all()
    assert len(runs) == 1 and runs[0].finished_at is not None and runs[0].rows == 0 and runs[0].error is None
    assert run_job("overdue_sweep", now + timedelta(minutes=10)).status == "ran"  # the next firing


def test_failed_run_is_recorded_and_rolled_back(app, db, monkeypatch, make_case):

    def broken(now, town):
        db.session.execute(update(Case).values(summary="half-written"))
        raise RuntimeError("boom")

    case = make_case()
    monkeypatch.setattr(registry.sweeps, "daily_reminders", broken)
    result = run_job("daily_reminders", datetime(2026, 11, 25, 8, 0, tzinfo=SH))
    assert result.status == "failed" and "boom" in result.error
    assert _reload(db, case).summary != "half-written"
    run = db.session.scalar(select(JobRun))
    assert run.error.startswith("RuntimeError") and run.finished_at is not None


def test_pre_meeting_agenda_builds_once_and_notifies(app, db, users, make_case, make_user):
    police = make_user("liaison", "police_station")
    now = datetime(2026, 11, 25, 9, 0, tzinfo=SH)  # Wednesday, 24 hours before Thursday's meeting
    overdue = make_case(Status.IN_MEDIATION)
    risky = make_case(Status.IN_MEDIATION)
    escalated = make_case(Status.IN_MEDIATION)
    supervised = make_case(Status.ACCEPTED)
    calm = make_case(Status.IN_MEDIATION)
    closed = make_case(Status.CLOSED)
    _set(db, overdue, next_deadline=now - timedelta(days=1))  # overdue since the last sweep: no flag yet
    _set(db, calm, due_state="overdue")  # a stale flag: its deadline is weeks away, so it is not overdue
    _set(db, risky, risk_level="high")
    _set(db, escalated, escalated=True)
    _set(db, supervised, supervision_due_at=now + timedelta(days=3))
    _set(db, closed, risk_level="high")

    assert sweeps.pre_meeting_agenda(now, current_town()) == 4
    db.session.commit()
    meeting = db.session.scalar(select(Meeting))
    assert meeting.scheduled_at == datetime(2026, 11, 26, 9, 0, tzinfo=SH)
    items = {i.case_id: i.reasons for i in db.session.scalars(select(AgendaItem))}
    assert items == {overdue.id: ["overdue"], risky.id: ["high_risk"], escalated.id: ["escalated"],
                     supervised.id: ["supervised"]}
    assert calm.id not in items and closed.id not in items
    # The job writes the same timeline event as the supervisor's "put on the agenda".
    events = db.session.execute(select(TimelineEvent.case_id, TimelineEvent.actor_id, TimelineEvent.details)
                                .where(TimelineEvent.action == "on_agenda")).all()
    assert {e.case_id for e in events} == set(items)
    assert all(e.actor_id is None and e.details["meeting"] == meeting.scheduled_at.isoformat() for e in events)
    on_agenda = _count(db, Notification, Notification.kind == "on_agenda")
    assert _count(db, Notification, Notification.kind == "on_agenda",  # the accepted one has no mediator yet
                  Notification.user_id == users["mediator"].id) == 3
    assert _count(db, Notification, Notification.kind == "on_agenda",
                  Notification.user_id == users["supervisor"].id) == 4
    ready = db.session.scalars(select(Notification.user_id).where(Notification.kind == "agenda_ready")).all()
    assert police.id in ready and users["supervisor"].id in ready and users["village_mediator"].id not in ready

    assert sweeps.pre_meeting_agenda(now + timedelta(minutes=5), current_town()) == 0  # twice: nothing new
    db.session.commit()
    assert _count(db, AgendaItem) == 4 and _count(db, Meeting) == 1
    assert _count(db, Notification, Notification.kind == "on_agenda") == on_agenda


def test_daily_reminders_one_digest_per_user_per_day(db, users, make_case):
    case = make_case(Status.CLOSED)
    other = make_case(Status.CLOSED)
    case, other = _reload(db, case), db.session.get(Case, other.id)
    now = case.follow_up_by - timedelta(days=2, hours=12)  # mid-day in Shanghai (the deadline ends a day)
    assert sweeps.daily_reminders(now, current_town()) == 1  # one digest for the mediator, both return visits
    db.session.commit()
    (user_id, details), = _digests(db, "reminder_digest")
    assert user_id == users["mediator"].id
    assert details["counts"] == {"return_visit_due": 2}  # the confirmation windows are later
    assert {ref for ref, _due in details["cases"]["return_visit_due"]} == {case.reference, other.reference}
    assert sweeps.daily_reminders(now, current_town()) == 0  # the same run again
    assert sweeps.daily_reminders(now + timedelta(minutes=30), current_town()) == 0  # the same day
    db.session.commit()
    assert sweeps.daily_reminders(now + timedelta(days=1), current_town()) == 1  # the next day: today's list
    db.session.commit()
    window = case.confirmation_by - timedelta(days=1)
    assert sweeps.daily_reminders(window, current_town()) == 1
    db.session.commit()
    latest = _digests(db, "reminder_digest")[-1][1]
    assert latest["counts"] == {"confirmation_window": 2}
    assert _count(db, Notification, Notification.case_id.is_not(None)) == 0  # no notice per case


@pytest.mark.parametrize("job", ["overdue_sweep", "pre_meeting_agenda", "daily_reminders"])
def test_every_job_twice_changes_nothing_the_second_time(app, db, users, make_case, job):
    """Forced second runs (fire time = now) bypass the claim: the job itself must be idempotent."""
    now = datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    for status in (Status.REGISTERED, Status.IN_MEDIATION, Status.CLOSED):
        case = make_case(status)
        _set(db, case, next_deadline=now - timedelta(hours=2), risk_level="high",
             follow_up_by=now + timedelta(days=1), confirmation_by=now + timedelta(days=2))

    def snapshot():
        db.session.expire_all()
        return (db.session.execute(select(Case.id, Case.due_state).order_by(Case.id)).all(),
                _count(db, Notification), _count(db, AgendaItem))

    assert run_job(job, now, fire_time=now).status == "ran"
    first = snapshot()
    assert first[1] > 0  # it did something the first time
    assert run_job(job, now + timedelta(seconds=1), fire_time=now + timedelta(seconds=1)).status == "ran"
    assert snapshot() == first


def test_cli_lists_and_runs_jobs(runner, db, make_case):
    listing = runner.invoke(args=["jobs", "list"])
    assert all(name in listing.output for name in ("overdue_sweep", "pre_meeting_agenda", "daily_reminders"))
    ran = runner.invoke(args=["jobs", "run", "overdue_sweep", "--now", "2026-11-25T10:05:00+08:00"])
    assert ran.exit_code == 0 and "2026-11-25T02:00:00+00:00 ran" in ran.output
    again = runner.invoke(args=["jobs", "run", "overdue_sweep", "--now", "2026-11-25T10:06:00+08:00"])
    assert "skipped" in again.output
    assert runner.invoke(args=["jobs", "run", "nope"]).exit_code != 0
    bad = runner.invoke(args=["jobs", "run", "overdue_sweep", "--now", "2026-11-25T10:05"])
    assert bad.exit_code != 0 and "offset" in bad.output


def test_bell_counts_unread_and_page_marks_read(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    _set(db, case, next_deadline=datetime(2026, 1, 1, tzinfo=timezone.utc))
    sweeps.overdue_sweep(datetime(2026, 11, 25, tzinfo=timezone.utc), current_town())
    db.session.commit()
    login(users["mediator"])
    page = client.get("/cases/").get_data(as_text=True)
    assert 'id="unread-count">1<' in page
    notices = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert case.reference in notices and "Overdue" in notices
    client.post("/notifications/read")
    assert 'id="unread-count"' not in client.get("/cases/").get_data(as_text=True)
    login(users["viewer"])
    assert case.reference not in client.get("/notifications/").get_data(as_text=True)


def test_admin_sees_job_history(client, db, users, login):
    run_job("overdue_sweep", datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc))
    login(users["admin"])
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "overdue_sweep" in page and "2026-11-25 18:00" in page
    login(users["supervisor"])
    assert client.get("/admin/jobs").status_code == 403
