"""Admin commands: create-user reads the password from stdin; offices lists codes; seed-demo."""
from sqlalchemy import func, select

from mediation.auth.models import User
from mediation.cases.models import Case


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
