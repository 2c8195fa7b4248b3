"""The working calendar and the deadline policy are data an admin edits; deadlines follow them."""
import html
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mediation.organisation.models import CalendarOverride, CalendarYear, DeadlinePolicy
from mediation.cases.models import Case

SH = ZoneInfo("Asia/Shanghai")


def _register(client, town, received_at: str, channel="walk_in", ref=""):
    r = client.post("/intake/register", data={
        "channel": channel, "external_ref": ref, "received_at": received_at, "category": "邻里",
        "summary": "纠纷", "parties-0-name": "甲", "parties-0-role": "applicant"})
    assert r.status_code == 303, r.get_data(as_text=True)
    return r.headers["Location"].rsplit("/", 1)[-1]


def _case(db, reference):
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def test_only_admin_edits_calendar_and_policy(client, users, login):
    for role, status in (("admin", 200), ("supervisor", 403), ("viewer", 403)):
        login(users[role])
        assert client.get("/admin/calendar").status_code == status
        assert client.get("/admin/deadlines").status_code == status


def test_override_moves_the_accept_deadline(client, db, town, users, login):
    # Friday 2026-11-20: the first working day after is Monday the 23rd.
    login(users["supervisor"])
    before = _case(db, _register(client, town, "2026-11-20T10:00"))
    assert before.accept_by.astimezone(SH).date() == date(2026, 11, 23)
    login(users["admin"])
    r = client.post("/admin/calendar", data={"day": "2026-11-23", "is_workday": "0", "note": "台风停工",
                                             "submit": "1"})
    assert r.status_code == 303
    assert db.session.get(CalendarOverride, date(2026, 11, 23)).is_workday is False
    login(users["supervisor"])
    after = _case(db, _register(client, town, "2026-11-20T10:00"))
    assert after.accept_by.astimezone(SH).date() == date(2026, 11, 24)


def test_unknown_year_is_provisional_and_admin_is_told(client, db, town, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    case = db.session.get(Case, case.id)
    login(users["admin"])
    this_year = datetime.now(SH).year
    page = html.unescape(client.get("/admin/calendar?lang=en").get_data(as_text=True))
    warning = f"{this_year + 1} is provisional: the holiday package does not know it"
    banner = (f"{this_year + 1} is provisional: the statutory holidays are in use, but the State Council's 调休 "
              "arrangement for it must be entered.")
    if this_year + 1 > 2026:  # the package knows holidays up to 2026
        assert warning in page and banner in page
        # What is in use meanwhile is shown: the computed 元旦, marked provisional.
        assert "元旦" in page and "computed (provisional)" in page
    client.post("/admin/calendar", data={"year": str(this_year + 1), "submit_year": "1"})
    assert db.session.get(CalendarYear, this_year + 1) is not None
    page = html.unescape(client.get("/admin/calendar?lang=en").get_data(as_text=True))
    assert warning not in page and banner not in page


def test_provisional_badge_for_a_deadline_in_an_unknown_year(client, db, town, users, login):
    from mediation.intake.services import CaseData, PartyData, register_case
    from mediation.organisation.town import current_town
    # Received on Thursday 2026-12-31: accept by the first working day of 2027, a year the package lacks.
    received = datetime(2026, 12, 31, 10, 0, tzinfo=SH)
    case = register_case(CaseData(channel="walk_in", received_at=received, category="邻里", summary="纠纷",
                                  parties=[PartyData("甲", "applicant")]),
                         users["supervisor"], now=received + timedelta(hours=1), town=current_town())
    db.session.commit()
    assert case.deadline_provisional is True
    login(users["supervisor"])
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert "(provisional)" in page


def test_policy_row_changes_the_12345_reply_deadline(client, db, town, users, login):
    login(users["admin"])
    r = client.post("/admin/deadlines", data={"stage": "channel_reply", "channel": "hotline_12345", "variant": "",
                                              "days": "2", "unit": "working"})
    assert r.status_code == 303
    row = db.session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.stage == "channel_reply",
                                                         DeadlinePolicy.channel == "hotline_12345",
                                                         DeadlinePolicy.variant == ""))
    assert (row.days, row.unit) == (2, "working")
    try:
        login(users["supervisor"])
        # Monday 2026-11-23 + 2 working days = Wednesday 25th.
        case = _case(db, _register(client, town, "2026-11-23T10:00", "hotline_12345", "GD1"))
        assert case.reply_by.astimezone(SH).date() == date(2026, 11, 25)
        assert case.next_deadline == case.accept_by  # the earlier of the two is next
    finally:
        row.days = 5
        db.session.commit()


def test_bad_policy_input_is_refused(client, db, users, login):
    login(users["admin"])
    r = client.post("/admin/deadlines?lang=en", data={"stage": "accept", "channel": "", "days": "-3",
                                                      "unit": "working"})
    assert r.status_code == 422
    assert db.session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.days < 0)) is None


def test_queue_shows_next_due_with_working_days(client, db, town, users, login):
    login(users["supervisor"])
    reference = _register(client, town, (datetime.now(SH) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page = client.get("/cases/?lang=en").get_data(as_text=True)
    start = page.index(f'href="/cases/{reference}"')
    row = page[start:start + 900]
    assert "accept or reject" in row and ("working days" in row or "Due today" in row)
