"""Bad input anywhere gets a message or a 4xx, never a 500 (found by review; kept as a net)."""
import html
import re

import pytest
from sqlalchemy import func, select, update

from mediation.cases.models import Case, RoutingRule
from mediation.core.lifecycle import Status
from mediation.core.search import plan
from mediation.db import utcnow
from mediation.jobs.sweeps import pre_meeting_agenda
from mediation.meetings.models import Meeting
from mediation.organisation.models import CalendarYear, DeadlinePolicy
from mediation.organisation.town import current_town

from .api.conftest import hotline, make_token, submission  # noqa: F401 (fixtures of the API tests)

BIG = "99999999999999999999"


@pytest.mark.parametrize("url", [
    "/cases/?page=abc", f"/cases/?page={BIG}", "/cases/?page=-5",
    "/reports/weekly?week=garbage", "/reports/weekly?week=0001-01-01", "/reports/weekly?week=9999-12-31",
    "/reports/weekly.pdf?week=0001-01-01", f"/reports/weekly?meeting={BIG}", "/reports/weekly?meeting=x",
    "/reports/statistics?start=2026-13-01", "/reports/statistics?start=0001-01-01&end=0001-02-01",
    f"/meetings/{BIG}", "/meetings/999999", f"/intake/import/{BIG}", f"/admin/routing/{BIG}",
])
def test_get_never_500(client, users, login, url):
    login(users["supervisor"] if "admin" not in url else users["admin"])
    assert client.get(url).status_code < 500, url


def test_posts_never_500(client, db, users, login, make_case, town):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    for data in ({"case": [case.reference], "operation": "transfer", "office": BIG},
                 {"case": [case.reference], "operation": "assign", "mediator": BIG},
                 {"case": [case.reference], "operation": "supervise", "reason": "x", "due_at": "9999-12-31T23:59"}):
        assert client.post("/supervision/bulk", data=data).status_code < 500
    r = client.post(f"/cases/{case.reference}/supervise", data={"version": case.version, "reason": "x",
                                                                 "due_at": "9999-12-31T23:59"})
    assert r.status_code == 422
    r = client.post("/intake/register?lang=en", data={
        "channel": "walk_in", "received_at": "0001-01-01T00:00", "category": "邻里", "summary": "x",
        "parties-0-name": "甲", "parties-0-role": "applicant", "amount": "1e20"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "between the years 2000 and 2100" in body and "Number must be between" in body
    login(users["mediator"])
    r = client.post(f"/cases/{case.reference}/close", data={
        "version": case.version, "outcome": "withdrawn", "amount": "1e20"})
    assert r.status_code == 422


# --------------------------------------------------------------------------------------------
# NUL bytes and out-of-range numbers (issue #10, item 6): the field that holds one is named in
# the error, on SQLite and PostgreSQL (which refuses NUL in text, so it used to answer 500).
# --------------------------------------------------------------------------------------------

HUGE = "9" * 400
NUL_MESSAGE = "Remove the control characters (such as NUL) from this text."


def field_error(response, name: str) -> str | None:
    """The error shown under the input, select or textarea named `name`, or None."""
    page = html.unescape(response.get_data(as_text=True))
    tags = list(re.finditer(rf'<(?:input|textarea|select)\b[^>]*\bname="{re.escape(name)}"[^>]*>', page))
    assert tags, f"no field {name} on the page"
    for tag in tags:  # the page's own form, not the search box of the navigation bar
        if "is-invalid" in tag.group(0):
            after = re.search(r'class="invalid-feedback d-block">(.*?)</div>', page[tag.end():], re.S)
            return after.group(1).strip() if after else None
    return None


def _registration(**changes) -> dict:
    data = {"channel": "walk_in", "received_at": "2026-01-05T09:00", "category": "邻里",
            "summary": "邻居噪音纠纷", "address": "小庙村88号", "external_ref": "",
            "parties-0-name": "张三", "parties-0-role": "applicant", "parties-0-address": "小庙村",
            "parties-1-name": "", "parties-1-role": "respondent", "submit": "1"}
    return {**data, **changes}


def _case_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize("value", ["张三\x00", "a\x00b", "\x00"])
def test_nul_in_the_search_box_is_a_field_error(client, db, users, login, make_case, value):
    make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = client.get("/cases/", query_string={"q": value, "lang": "en"})
    assert r.status_code == 200
    assert field_error(r, "q") == NUL_MESSAGE


def test_an_overlong_or_control_only_query_finds_nothing_and_does_not_fail(client, db, users, login, make_case):
    make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    assert field_error(client.get("/cases/", query_string={"q": "张" * 10_000, "lang": "en"}), "q")
    assert plan("\x00\x01 \x1b") == [] and plan("张三" * 10_000)  # the planner itself copes too
    assert all(len(t) <= 40 for a in plan("张" * 10_000 + "x" * 10_000) for t in a.terms)


@pytest.mark.parametrize("field", ["summary", "address", "external_ref", "parties-0-name", "parties-0-address",
                                   "parties-0-phone", "parties-0-id_number"])
def test_nul_in_any_registration_field_is_named(client, db, users, login, field):
    login(users["supervisor"])
    r = client.post("/intake/register?lang=en", data=_registration(**{field: "小庙\x00村"}))
    assert r.status_code == 422
    assert NUL_MESSAGE in (field_error(r, field) or "")
    assert _case_count(db) == 0


def test_a_400_digit_people_involved_is_named(client, db, users, login):
    login(users["supervisor"])
    for value in (HUGE, "-" + HUGE, "9" * 5000, "1e3", "²", "0"):
        r = client.post("/intake/register?lang=en", data=_registration(people_involved=value))
        assert r.status_code == 422, value
        assert field_error(r, "people_involved") == "Give a whole number from 1 to 100000.", value
    assert _case_count(db) == 0
    r = client.post("/intake/register?lang=en", data=_registration(people_involved=" 12 "))
    assert r.status_code == 303 and _case_count(db) == 1


@pytest.mark.parametrize("amount", ["sNaN", "NaN", "Infinity", "1e400", HUGE, "-1"])
def test_unreadable_amounts_are_field_errors(client, db, users, login, amount):
    login(users["supervisor"])
    r = client.post("/intake/register?lang=en", data=_registration(amount=amount))
    assert r.status_code == 422
    assert field_error(r, "amount")


# (action, field, state) for every text field of a lifecycle form
ACTION_TEXT_FIELDS = [
    ("reject", "reason", Status.REGISTERED), ("merge", "target", Status.REGISTERED),
    ("log_session", "place", Status.IN_MEDIATION), ("log_session", "participants", Status.IN_MEDIATION),
    ("log_session", "record", Status.IN_MEDIATION), ("log_session", "next_steps", Status.IN_MEDIATION),
    ("transfer", "reason", Status.IN_MEDIATION), ("extend", "reason", Status.IN_MEDIATION),
    ("escalate", "reason", Status.IN_MEDIATION), ("supervise", "reason", Status.IN_MEDIATION),
    ("suspend", "reason", Status.IN_MEDIATION), ("close", "agreement_text", Status.IN_MEDIATION),
    ("close", "performance_terms", Status.IN_MEDIATION), ("close", "referred_to", Status.IN_MEDIATION),
    ("follow_up", "notes", Status.CLOSED), ("reopen", "reason", Status.CLOSED),
]


@pytest.mark.parametrize("action, field, state", ACTION_TEXT_FIELDS, ids=[f"{a}-{f}" for a, f, _s in ACTION_TEXT_FIELDS])
def test_nul_in_any_action_field_is_named(client, db, users, login, make_case, action, field, state):
    case = make_case(state)
    login(users["supervisor"])
    r = client.post(f"/cases/{case.reference}/{action}?lang=en",
                    data={"version": case.version, field: "双方\x00同意", "submit": "1"})
    assert r.status_code == 422
    assert NUL_MESSAGE in (field_error(r, field) or "")
    db.session.rollback()
    assert db.session.get(Case, case.id).status == state.value


def test_nul_in_a_proposal_is_named(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["lawyer"])
    r = client.post(f"/cases/{case.reference}/propose_close?lang=en",
                    data={"version": case.version, "outcome": "withdrawn", "reason": "\x00"})
    assert r.status_code == 422 and field_error(r, "reason") == NUL_MESSAGE


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "31", "0", "1e1", "９"])
def test_out_of_range_extension_days_are_named(client, db, users, login, make_case, value):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = client.post(f"/cases/{case.reference}/extend?lang=en", data={
        "version": case.version, "extension_days": value, "parties_consent": "y", "reason": "双方同意延期"})
    assert r.status_code == 422
    assert field_error(r, "extension_days") == "Give a whole number from 1 to 30."
    db.session.rollback()
    assert db.session.get(Case, case.id).extension_days == 0


@pytest.mark.parametrize("version", ["²", HUGE, "9" * 5000, "-1", "\x00"])
def test_an_unreadable_version_is_refused_without_acting(client, db, users, login, make_case, version):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = client.post(f"/cases/{case.reference}/escalate", data={"version": version, "reason": "风险升高"})
    assert r.status_code == 422
    db.session.rollback()
    assert not db.session.get(Case, case.id).escalated


@pytest.mark.parametrize("path", ["/cases/XH\x00", "/cases/\x00/close", "/reports/cases/\x00/file",
                                  "/reports/cases/\x00/agreement"])
def test_nul_in_a_case_reference_is_not_found(client, users, login, path):
    login(users["supervisor"])
    assert client.get(path).status_code == 404


def test_nul_in_a_linked_reference_is_not_found(client, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    assert client.post(f"/cases/{case.reference}/link", data={"other": "XH\x00"}).status_code == 404


@pytest.mark.parametrize("data", [
    {"case": "\x00", "operation": "escalate"},
    {"operation": "assign", "mediator": "²"},
    {"operation": "assign", "mediator": HUGE},
    {"operation": "transfer", "office": "²", "reason": "x"},
    {"operation": "transfer", "office": "1", "reason": "改由\x00派出所"},
    {"operation": "supervise", "reason": "\x00", "due_at": "2030-01-01T09:00"},
])
def test_bulk_actions_refuse_nul_and_unreadable_ids(client, db, users, login, make_case, data):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = client.post("/supervision/bulk?lang=en", data={"case": case.reference, **data})
    assert r.status_code == 303
    db.session.rollback()
    assert db.session.get(Case, case.id).version == case.version  # nothing done


@pytest.mark.parametrize("field, value, message", [
    ("position", HUGE, "Give a whole number from 0 to 100000."),
    ("position", "-1", "Give a whole number from 0 to 100000."),
    ("min_parties", HUGE, "Give a whole number from 1 to 10000."),
    ("min_amount", "sNaN", "Not a valid decimal value."),
    ("name", "规则\x00", NUL_MESSAGE),
])
def test_routing_rule_fields_are_named(client, db, users, login, town, field, value, message):
    login(users["admin"])
    data = {"name": "规则", "position": "10", "combine": "all", "lead_office": town["offices"]["judicial_office"].id,
            "submit": "1", field: value}
    r = client.post("/admin/routing/new?lang=en", data=data)
    assert r.status_code == 422
    assert message in (field_error(r, field) or "")
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 0


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1999", "2101", "２０３０"])
def test_an_out_of_range_calendar_year_is_named(client, db, users, login, value):
    login(users["admin"])
    r = client.post("/admin/calendar?lang=en", data={"year": value, "submit_year": "1"})
    assert r.status_code == 422
    assert field_error(r, "year") == "Give a whole number from 2000 to 2100."
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_calendar_and_policy_text_fields_refuse_nul(client, db, users, login):
    login(users["admin"])
    r = client.post("/admin/calendar?lang=en", data={"day": "2030-05-06", "is_workday": "0", "note": "调休\x00",
                                                      "submit": "1"})
    assert r.status_code == 422 and field_error(r, "note") == NUL_MESSAGE
    before = db.session.scalars(select(DeadlinePolicy.days).order_by(DeadlinePolicy.id)).all()
    for field, value, message in (("variant", "咨询\x00", NUL_MESSAGE),
                                  ("days", HUGE, "Give a whole number from 0 to 366.")):
        r = client.post("/admin/deadlines?lang=en", data={"stage": "accept", "channel": "", "variant": "",
                                                           "days": "3", "unit": "working", "submit": "1",
                                                           field: value})
        assert r.status_code == 422 and field_error(r, field) == message
    db.session.rollback()
    assert db.session.scalars(select(DeadlinePolicy.days).order_by(DeadlinePolicy.id)).all() == before


def test_meeting_fields_refuse_nul(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    db.session.execute(update(Case).where(Case.id == case.id).values(escalated=True))
    db.session.commit()
    pre_meeting_agenda(utcnow(), current_town())
    db.session.commit()
    meeting = db.session.scalar(select(Meeting))
    item = meeting.items[0]
    login(users["supervisor"])
    url = f"/meetings/{meeting.id}?lang=en"
    for data, field in (({"add-reference": "XH\x00", "add-add": "1"}, "add-reference"),
                        ({"close-minutes": "会议\x00纪要", "close-close": "1"}, "close-minutes"),
                        ({"close-minutes": "纪要", "close-attendees": "\x00", "close-close": "1"}, "close-attendees"),
                        ({f"item{item.id}-decision": "\x00", f"item{item.id}-save": "1"}, f"item{item.id}-decision")):
        r = client.post(url, data=data)
        assert r.status_code == 422, field
        assert field_error(r, field) == NUL_MESSAGE, field
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).held_at is None


def test_nul_in_the_sign_in_form_is_a_field_error(client, users):
    r = client.post("/login?lang=en", data={"username": users["mediator"].username + "\x00", "password": "x\x00"})
    assert r.status_code == 200
    assert field_error(r, "username") == NUL_MESSAGE


API_TEXT_FIELDS = ["external_id", "summary", "location.address", "location.village", "parties[0].name",
                   "parties[0].address", "parties[0].phone", "parties[0].id_number", "details.incident_number",
                   "details.grid_id"]


def _with(body: dict, path: str, value):
    """`body` with the field at `path` (parties[0].name) set to `value`."""
    target, parts = body, re.findall(r"[^.\[\]]+", path)
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
    target[parts[-1]] = value
    return body


@pytest.mark.parametrize("path", API_TEXT_FIELDS)
def test_nul_in_any_api_text_field_is_named(client, db, town, hotline, path):
    r = client.post("/api/v1/cases", headers=hotline, json=_with(submission(), path, "小庙\x00村"))
    assert r.status_code == 422
    assert "NUL" in r.get_json()["errors"][path]
    assert _case_count(db) == 0


@pytest.mark.parametrize("value", [10 ** 400, -(10 ** 400)])
def test_a_400_digit_api_people_involved_is_named(client, db, town, hotline, value):
    r = client.post("/api/v1/cases", headers=hotline, json=submission(people_involved=value))
    assert r.status_code == 422
    assert r.get_json()["errors"]["people_involved"] == "Must be between 1 and 100000."


@pytest.mark.parametrize("query", ["page=" + HUGE, "per_page=" + HUGE, "page=²", "page=%00", "updated_since=%00"])
def test_api_list_parameters_are_named(client, db, town, hotline, query):
    r = client.get(f"/api/v1/cases?{query}", headers=hotline)
    assert r.status_code == 422
    assert query.split("=")[0] in r.get_json()["errors"]
