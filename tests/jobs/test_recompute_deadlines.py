"""A calendar or policy change moves the deadlines of open cases: one recorded, set-based job run."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.intake.services import CaseData, PartyData, register_case
from mediation.jobs.models import JobRun
from mediation.jobs.recompute import recompute_deadlines
from mediation.jobs.runner import run_job
from mediation.organisation.models import CalendarOverride, DeadlinePolicy
from mediation.organisation.town import current_town, load_town

SH = ZoneInfo("Asia/Shanghai")
NEW_YEARS_EVE = datetime(2026, 12, 31, 10, 0, tzinfo=SH)  # Thursday; 2027 is a year the package lacks


def _received(db, users, at: datetime, channel: str = "walk_in") -> Case:
    case = register_case(CaseData(channel=channel, received_at=at, category="邻里", summary="纠纷",
                                  parties=[PartyData("甲", "applicant")]),
                         users["supervisor"], now=at + timedelta(hours=1), town=current_town())
    db.session.commit()
    return case


def _reload(db, case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def _runs(db):
    db.session.expire_all()
    return db.session.execute(select(JobRun.job, JobRun.rows, JobRun.error).order_by(JobRun.id)).all()


def test_new_years_day_2027_is_a_holiday_and_the_deadline_is_provisional(db, town, users):
    case = _reload(db, _received(db, users, NEW_YEARS_EVE))
    # 1 January 2027 (Friday) is 元旦 by the statutory rules, 2–3 January a weekend: Monday the 4th.
    assert case.accept_by.astimezone(SH).date() == date(2027, 1, 4)
    assert case.deadline_provisional is True


def test_admin_override_moves_open_cases_and_the_run_records_how_many(client, db, town, users, login, make_case):
    eve = _received(db, users, NEW_YEARS_EVE)
    november = _received(db, users, datetime(2026, 11, 20, 10, 0, tzinfo=SH))  # not touched by 2027
    mediating = make_case(Status.IN_MEDIATION)  # 30 calendar days: no working day counted
    rejected = make_case(Status.REJECTED)  # final: never rewritten
    eve, mediating, rejected = _reload(db, eve), _reload(db, mediating), _reload(db, rejected)
    version, conclude_by, untouched = eve.version, mediating.conclude_by, rejected.updated_at

    login(users["admin"])
    # A make-up workday on Saturday 2 January 2027.
    r = client.post("/admin/calendar?lang=en", data={"day": "2027-01-02", "is_workday": "1", "note": "元旦调休",
                                                      "submit": "1"})
    assert r.status_code == 303
    assert "Deadlines recomputed; open cases whose deadline moved: 1." in client.get("/admin/calendar?lang=en").get_data(as_text=True)
    assert _runs(db) == [("recompute_deadlines", 1, None)]
    eve = _reload(db, eve)
    assert eve.accept_by.astimezone(SH).date() == date(2027, 1, 2) and eve.next_deadline == eve.accept_by
    assert eve.deadline_provisional is True  # 1 January is still only computed
    assert eve.version == version  # a recompute is not an edit: nobody's open page goes stale
    assert _reload(db, november).accept_by.astimezone(SH).date() == date(2026, 11, 23)
    assert _reload(db, mediating).conclude_by == conclude_by
    assert _reload(db, rejected).updated_at == untouched

    # Marking 2027 entered moves no date but makes the deadline certain.
    r = client.post("/admin/calendar", data={"year": "2027", "submit_year": "1"})
    assert r.status_code == 303
    assert _runs(db)[-1] == ("recompute_deadlines", 0, None)
    assert _reload(db, eve).deadline_provisional is False

    # Deleting the override moves it back.
    client.post("/admin/calendar/2027-01-02/delete")
    assert _runs(db)[-1] == ("recompute_deadlines", 1, None)
    assert _reload(db, eve).accept_by.astimezone(SH).date() == date(2027, 1, 4)


def test_policy_change_recomputes_open_cases(client, db, town, users, login):
    monday = _received(db, users, datetime(2026, 11, 23, 10, 0, tzinfo=SH))
    login(users["admin"])
    try:
        r = client.post("/admin/deadlines", data={"stage": "accept", "channel": "", "variant": "", "days": "3",
                                                  "unit": "working"})
        assert r.status_code == 303
        assert _runs(db) == [("recompute_deadlines", 1, None)]
        assert _reload(db, monday).accept_by.astimezone(SH).date() == date(2026, 11, 26)
    finally:
        db.session.execute(update(DeadlinePolicy).where(DeadlinePolicy.stage == "accept", DeadlinePolicy.channel == "")
                           .values(days=1, unit="working"))
        db.session.commit()


def test_refused_input_runs_nothing(client, db, town, users, login):
    login(users["admin"])
    r = client.post("/admin/calendar?lang=en", data={"day": "2027-02-30", "is_workday": "1", "submit": "1"})
    assert r.status_code == 422
    assert _runs(db) == []


def test_recompute_is_set_based_and_twice_changes_nothing(app, db, town, users, count_queries):
    for day in range(26, 32):
        _received(db, users, datetime(2026, 12, day, 10, 0, tzinfo=SH))
    db.session.add(CalendarOverride(day=date(2027, 1, 4), is_workday=False, note="停工"))
    db.session.commit()
    now, town_now = datetime(2026, 12, 31, 12, 0, tzinfo=SH), load_town(app.config)
    with count_queries() as statements:
        moved = recompute_deadlines(now, town_now, batch=4)
    # Received 26–31 December: accept by the next working day; only the 31st's reaches 4 January.
    assert moved == 1
    # Two batches of at most 4: per batch one SELECT of cases, one of their outcomes, one of their
    # return visits (the scheduled day is the return-visit deadline), one UPDATE; then the empty
    # SELECT that ends it. Never one statement per case.
    assert len(statements) <= 2 * 4 + 1
    assert sum(s.lstrip().upper().startswith("UPDATE") for s in statements) == 1  # only the changed batch
    db.session.commit()
    assert recompute_deadlines(now, load_town(app.config), batch=4) == 0


def test_runner_records_the_recompute(db, town, users):
    _received(db, users, NEW_YEARS_EVE)
    db.session.add(CalendarOverride(day=date(2027, 1, 2), is_workday=True))
    db.session.commit()
    result = run_job("recompute_deadlines", datetime(2026, 12, 31, 12, 0, tzinfo=SH))
    assert (result.status, result.rows) == ("ran", 1)
    assert _runs(db) == [("recompute_deadlines", 1, None)]
