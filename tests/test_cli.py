"""Admin commands: create-user reads the password from stdin; offices lists codes; seed-demo."""
from datetime import date

from sqlalchemy import func, select

from mediation.auth.models import User
from mediation.cases.models import Case
from mediation.db import utcnow
from mediation.meetings.models import AgendaItem, Meeting
from mediation.notifications.models import Notification
from mediation.organisation.models import CalendarOverride

from .conftest import TEST_PASSWORD, TEST_PASSWORD_HASH


def test_create_user_reads_password_from_stdin(runner, db, town):
    result = runner.invoke(args=["create-user", "wang", "--role", "supervisor", "--office", "judicial_office"],
                           input="A-long-enough-secret7\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert user.role == "supervisor" and user.office.code == "judicial_office"
    assert user.check_password("A-long-enough-secret7") and "A-long-enough-secret7" not in user.password_hash


def test_create_user_refuses_bad_input(runner, db, town):
    short = runner.invoke(args=["create-user", "li", "--role", "mediator", "--office", "judicial_office"],
                          input="short\n")
    assert short.exit_code != 0 and "at least 8" in short.output
    common = runner.invoke(args=["create-user", "li", "--role", "mediator", "--office", "judicial_office"],
                           input="Password1\n")
    assert common.exit_code != 0 and "most common" in common.output
    office = runner.invoke(args=["create-user", "li", "--role", "mediator", "--office", "nowhere"],
                           input="A-long-enough-secret7\n")
    assert office.exit_code != 0 and "No office" in office.output
    role = runner.invoke(args=["create-user", "li", "--role", "god", "--office", "judicial_office"],
                         input="A-long-enough-secret7\n")
    assert role.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_offices_lists_codes(runner, town):
    result = runner.invoke(args=["offices"])
    codes = [line.split("\t")[0] for line in result.output.splitlines()]
    assert {"judicial_office", "police_station", "law_firm"} <= set(codes)


def test_seed_demo_loads_every_state_and_channel_once(runner, db):
    result = runner.invoke(args=["seed-demo", "--cases", "60"])
    assert result.exit_code == 0, result.output
    assert "supervisor" in result.output
    statuses = set(db.session.scalars(select(Case.status).distinct()))
    channels = set(db.session.scalars(select(Case.channel).distinct()))
    assert statuses == {"registered", "accepted", "rejected", "in_mediation", "closed", "followed_up",
                        "archived", "merged"}
    assert channels == {"hotline_12345", "police_110", "grid_patrol", "dispute_platform", "walk_in", "referral"}
    assert db.session.scalar(select(func.count()).select_from(User)) >= 5
    again = runner.invoke(args=["seed-demo"])
    assert "already" in again.output
    assert db.session.scalar(select(func.count()).select_from(Case)) == 60


def test_seed_demo_has_a_held_meeting_and_a_coming_one(runner, db, client):
    assert runner.invoke(args=["seed-demo", "--cases", "60"]).exit_code == 0
    held, coming = db.session.scalars(select(Meeting).order_by(Meeting.scheduled_at)).all()
    assert held.held_at is not None and held.minutes and held.attendees
    assert held.scheduled_at < utcnow() < coming.scheduled_at and coming.held_at is None
    decided = [i for i in held.items if i.decided_at is not None]
    assert len(decided) >= 2 and all(i.decision for i in decided)
    assert coming.items and coming.agenda_built_at is not None
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "meeting_decision")) >= len(decided)
    items = db.session.scalar(select(func.count()).select_from(AgendaItem))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # a second time: nothing more
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == items
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 2
    # The pages show them: the meeting list, the held meeting's minutes and the weekly handout's agenda.
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    supervisor.password_hash = TEST_PASSWORD_HASH
    db.session.commit()
    assert client.post("/login", data={"username": "supervisor", "password": TEST_PASSWORD}).status_code == 302
    listing = client.get("/meetings/").get_data(as_text=True)
    assert f"/meetings/{held.id}" in listing and f"/meetings/{coming.id}" in listing
    page = client.get(f"/meetings/{held.id}").get_data(as_text=True)
    assert held.items[0].decision in page and "会议通报了上周" in page
    weekly = client.get("/reports/weekly").get_data(as_text=True)
    assert coming.items[0].case.reference in weekly


def test_calendar_show_a_year_the_package_does_not_know(runner, db):
    db.session.add(CalendarOverride(day=date(2027, 2, 20), is_workday=True, note="春节 调休"))
    db.session.commit()
    result = runner.invoke(args=["calendar", "show", "2027"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2027-01-01 holiday 元旦 statutory" in lines
    # 除夕–初三 are 5–8 February; the 6th and 7th are a weekend anyway, so only the weekdays are listed.
    assert {"2027-02-05 holiday 春节 statutory", "2027-02-08 holiday 春节 statutory"} <= set(lines)
    assert not any(line.startswith(("2027-02-06", "2027-02-07")) for line in lines)
    assert "2027-02-20 workday 春节_调休 admin" in lines
    assert all(len(line.split(" ")) == 4 and line.split(" ")[1] in ("holiday", "workday") for line in lines)
    assert lines == sorted(lines)


def test_calendar_show_a_year_the_package_knows(runner, db):
    result = runner.invoke(args=["calendar", "show", "2026"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert {"2026-01-01 holiday 元旦 package", "2026-02-14 workday 春节 package", "2026-02-16 holiday 春节 package",
            "2026-02-28 workday 春节 package", "2026-10-01 holiday 国庆节 package"} <= set(lines)
    assert not any(line.startswith("2026-02-15") for line in lines)  # a Sunday off is no exception
    assert runner.invoke(args=["calendar", "show", "twenty"]).exit_code != 0
