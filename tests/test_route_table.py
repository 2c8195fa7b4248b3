"""Every route x every role (and anonymous) -> the HTTP status, as one explicit table, kept complete:
`test_every_route_has_a_row` walks `app.url_map` and fails for any rule and method without a row.

The users are tests/conftest.py's `users` (see tests/test_access_matrix.py's docstring). The
objects the URLs name: CASE, an in_mediation case led by judicial_office with law_firm as
co-office and "mediator" assigned; MEETING, a planned joint meeting with CASE on its agenda;
TARGET, a spare judicial_office mediator for the account pages; ids that do not exist (NONE) for
rows, batches, tokens and rules. POSTs carry an empty form: an allowed role then gets its form
error (422, or 200 for pages that re-render their form) or, for a one-click action, its redirect
(303, or 302 where the view answers so); the table says which.

Columns: admin, supervisor, mediator, other_mediator, village_mediator, liaison, lawyer, viewer,
anonymous. "L" is a redirect to the sign-in page (302 to /login).

These statuses are the specification (DESIGN.md, Roles; core/permissions.py as intended). They
are written out, not computed from the app's permission functions.
"""
from urllib.parse import urlparse

import pytest

from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.meetings.models import AgendaItem, Meeting

from .test_access_matrix import ROLES

COLUMNS = (*ROLES, "anonymous")
NONE = 999999
ADMIN_ONLY = "200 403 403 403 403 403 403 403 L"
ANY_SIGNED_IN = "200 200 200 200 200 200 200 200 L"

# (method, rule as in app.url_map, URL to request, statuses in COLUMNS order)
TABLE = [
    # -- sign-in ------------------------------------------------------------------------------
    ("GET", "/", "/", "302 302 302 302 302 302 302 302 302"),
    ("GET", "/login", "/login", "302 302 302 302 302 302 302 302 200"),
    ("POST", "/login", "/login", "302 302 302 302 302 302 302 302 200"),
    ("POST", "/logout", "/logout", "L L L L L L L L L"),
    ("GET", "/account/password", "/account/password", ANY_SIGNED_IN),
    ("POST", "/account/password", "/account/password", "200 200 200 200 200 200 200 200 L"),
    # -- cases --------------------------------------------------------------------------------
    ("GET", "/cases/", "/cases/", ANY_SIGNED_IN),
    ("GET", "/cases/consultations/", "/cases/consultations/", "403 200 200 200 200 200 200 403 L"),
    ("GET", "/cases/<reference>/consultations/new", "/cases/{case}/consultations/new", "403 200 200 200 404 404 200 403 L"),
    ("POST", "/cases/<reference>/consultations/new", "/cases/{case}/consultations/new", "403 422 422 422 404 404 422 403 L"),
    ("GET", "/cases/<reference>/consultations/<int(max=2147483647):consultation_id>/answer",
     f"/cases/{{case}}/consultations/{NONE}/answer", "404 404 404 404 404 404 404 404 L"),
    ("POST", "/cases/<reference>/consultations/<int(max=2147483647):consultation_id>/answer",
     f"/cases/{{case}}/consultations/{NONE}/answer", "404 404 404 404 404 404 404 404 L"),
    ("GET", "/cases/<reference>", "/cases/{case}", "200 200 200 200 404 404 200 200 L"),
    ("POST", "/cases/<reference>/reveal", "/cases/{case}/reveal", "403 200 200 403 404 404 200 403 L"),
    ("GET", "/cases/<reference>/appointments/new", "/cases/{case}/appointments/new", "403 200 200 403 404 404 200 403 L"),
    ("POST", "/cases/<reference>/appointments/new", "/cases/{case}/appointments/new", "403 422 422 403 404 404 422 403 L"),
    ("POST", "/cases/<reference>/appointments/<int(max=2147483647):appointment_id>/cancel",
     f"/cases/{{case}}/appointments/{NONE}/cancel", "403 404 404 403 404 404 404 403 L"),
    ("POST", "/cases/<reference>/link", "/cases/{case}/link", "403 404 403 403 403 403 403 403 L"),
    ("GET", "/cases/<reference>/<action_name>", "/cases/{case}/log_session", "403 200 200 403 404 404 200 403 L"),
    ("POST", "/cases/<reference>/<action_name>", "/cases/{case}/log_session", "403 422 422 403 404 404 422 403 L"),
    ("GET", "/cases/<reference>/supervision/answer", "/cases/{case}/supervision/answer",
     "403 403 302 403 404 404 302 403 L"),
    ("POST", "/cases/<reference>/supervision/answer", "/cases/{case}/supervision/answer",
     "403 403 422 403 404 404 422 403 L"),
    ("POST", "/cases/saved-filters", "/cases/saved-filters", "303 303 303 303 303 303 303 303 L"),
    ("POST", "/cases/saved-filters/<int(max=2147483647):filter_id>/delete", f"/cases/saved-filters/{NONE}/delete",
     "404 404 404 404 404 404 404 404 L"),
    ("GET", "/exports/queue.xlsx", "/exports/queue.xlsx", ANY_SIGNED_IN),
    # -- intake -------------------------------------------------------------------------------
    ("GET", "/intake/register", "/intake/register", "403 200 200 200 200 200 200 403 L"),
    ("POST", "/intake/register", "/intake/register", "403 422 422 422 422 422 422 403 L"),
    ("GET", "/intake/import/", "/intake/import/", "403 200 200 200 200 200 200 403 L"),
    ("POST", "/intake/import/", "/intake/import/", "403 422 422 422 422 422 422 403 L"),
    ("GET", "/intake/import/<int(max=2147483647):batch_id>", f"/intake/import/{NONE}",
     "403 404 404 404 404 404 404 403 L"),
    ("POST", "/intake/import/<int(max=2147483647):batch_id>/confirm", f"/intake/import/{NONE}/confirm",
     "403 404 404 404 404 404 404 403 L"),
    ("POST", "/intake/import/<int(max=2147483647):batch_id>/discard", f"/intake/import/{NONE}/discard",
     "403 404 404 404 404 404 404 403 L"),
    # -- supervision, meetings, notices -------------------------------------------------------------
    ("GET", "/supervision/", "/supervision/", "403 200 403 403 403 403 403 403 L"),
    ("POST", "/supervision/bulk", "/supervision/bulk", "403 303 403 403 403 403 403 403 L"),
    ("GET", "/meetings/", "/meetings/", "200 200 403 403 403 200 200 200 L"),
    ("POST", "/meetings/build", "/meetings/build", "403 303 403 403 403 403 403 403 L"),
    ("GET", "/meetings/<int(max=2147483647):meeting_id>", "/meetings/{meeting}", "200 200 403 403 403 200 200 200 L"),
    ("POST", "/meetings/<int(max=2147483647):meeting_id>", "/meetings/{meeting}", "403 422 403 403 403 403 403 403 L"),
    ("GET", "/notifications/", "/notifications/", ANY_SIGNED_IN),
    ("POST", "/notifications/read", "/notifications/read", "303 303 303 303 303 303 303 303 L"),
    # -- reports ------------------------------------------------------------------------------
    ("GET", "/reports/weekly", "/reports/weekly", "200 200 403 403 403 200 200 200 L"),
    ("GET", "/reports/weekly.pdf", "/reports/weekly.pdf", "200 200 403 403 403 200 200 200 L"),
    ("GET", "/reports/statistics", "/reports/statistics", "200 200 403 403 403 403 403 200 L"),
    ("GET", "/reports/statistics.xlsx", "/reports/statistics.xlsx", "200 200 403 403 403 403 403 200 L"),
    ("GET", "/reports/ministry", "/reports/ministry", "200 200 403 403 403 403 403 200 L"),
    ("GET", "/reports/ministry.xlsx", "/reports/ministry.xlsx", "200 200 403 403 403 403 403 200 L"),
    ("GET", "/reports/performance", "/reports/performance", "200 200 403 403 403 403 403 200 L"),
    ("GET", "/reports/performance.xlsx", "/reports/performance.xlsx", "200 200 403 403 403 403 403 200 L"),
    # -- hotspot warnings (热点预警) -------------------------------------------------------------
    ("GET", "/hotspots/", "/hotspots/", "403 200 403 403 403 403 403 403 L"),
    ("POST", "/hotspots/scan", "/hotspots/scan", "403 303 403 403 403 403 403 403 L"),
    ("GET", "/hotspots/<int(max=2147483647):warning_id>", f"/hotspots/{NONE}", "403 404 403 403 403 403 403 403 L"),
    ("GET", "/admin/hotspot-rules", "/admin/hotspot-rules", ADMIN_ONLY),
    ("GET", "/admin/hotspot-rules/<code>", "/admin/hotspot-rules/village_category", ADMIN_ONLY),
    ("POST", "/admin/hotspot-rules/<code>", "/admin/hotspot-rules/village_category", "422 403 403 403 403 403 403 403 L"),
    # -- case-file review (卷宗评查) and per-case subsidy (以案定补) ---------------------------------
    ("GET", "/review/cases/<reference>", "/review/cases/{case}", "403 404 403 403 403 403 403 403 L"),
    ("POST", "/review/cases/<reference>/adjust", "/review/cases/{case}/adjust", "403 404 403 403 403 403 403 403 L"),
    ("GET", "/review/monthly", "/review/monthly", "403 200 403 403 403 403 403 403 L"),
    ("GET", "/review/subsidy", "/review/subsidy", "403 200 403 403 403 403 403 403 L"),
    ("GET", "/review/monthly.xlsx", "/review/monthly.xlsx", "403 200 403 403 403 403 403 403 L"),
    ("GET", "/review/subsidy.xlsx", "/review/subsidy.xlsx", "403 200 403 403 403 403 403 403 L"),
    ("GET", "/review/rules", "/review/rules", ADMIN_ONLY),
    ("POST", "/review/rules/items/<code>", "/review/rules/items/nothing", "404 403 403 403 403 403 403 403 L"),
    ("POST", "/review/rules/grades", "/review/rules/grades", "422 403 403 403 403 403 403 403 L"),
    ("POST", "/review/rules/rates", "/review/rules/rates", "422 403 403 403 403 403 403 403 L"),
    ("POST", "/review/rules/rates/<int(max=2147483647):rate_id>/delete", f"/review/rules/rates/{NONE}/delete",
     "404 403 403 403 403 403 403 403 L"),
    ("POST", "/review/rules/defaults", "/review/rules/defaults", "303 403 403 403 403 403 403 403 L"),
    # -- screening (矛盾纠纷排查) --------------------------------------------------------------------
    ("GET", "/screening/", "/screening/", "403 302 403 403 200 403 403 403 L"),
    ("POST", "/screening/", "/screening/", "403 403 403 403 422 403 403 403 L"),
    ("GET", "/screening/overview", "/screening/overview", "403 200 403 403 403 403 403 403 L"),
    ("GET", "/screening/settings", "/screening/settings", ADMIN_ONLY),
    ("POST", "/screening/settings", "/screening/settings", "422 403 403 403 403 403 403 403 L"),
    ("GET", "/reports/cases/<reference>/file", "/reports/cases/{case}/file", "200 200 200 200 404 404 200 200 L"),
    # CASE has no agreement yet: the print says so (404) to whoever may see the case.
    ("GET", "/reports/cases/<reference>/agreement", "/reports/cases/{case}/agreement",
     "404 404 404 404 404 404 404 404 L"),
    ("GET", "/reports/cases/<reference>/agreement.pdf", "/reports/cases/{case}/agreement.pdf",
     "404 404 404 404 404 404 404 404 L"),
    ("GET", "/reports/cases/<reference>/receipt", "/reports/cases/{case}/receipt", "200 200 200 200 404 404 200 200 L"),
    ("GET", "/reports/cases/<reference>/receipt.pdf", "/reports/cases/{case}/receipt.pdf",
     "200 200 200 200 404 404 200 200 L"),
    ("GET", "/reports/cases/<reference>/appointments/<int(max=2147483647):appointment_id>/notice",
     f"/reports/cases/{{case}}/appointments/{NONE}/notice", "404 404 404 404 404 404 404 404 L"),
    ("GET", "/reports/cases/<reference>/appointments/<int(max=2147483647):appointment_id>/notice.pdf",
     f"/reports/cases/{{case}}/appointments/{NONE}/notice.pdf", "404 404 404 404 404 404 404 404 L"),
    # -- the parties' progress lookup: public, no account ------------------------------------------
    ("GET", "/progress/", "/progress/", "200 200 200 200 200 200 200 200 200"),
    ("POST", "/progress/", "/progress/", "422 422 422 422 422 422 422 422 422"),
    # -- admin: the town's data, tokens, job runs ----------------------------------------------------
    ("GET", "/admin/calendar", "/admin/calendar", ADMIN_ONLY),
    ("POST", "/admin/calendar", "/admin/calendar", "200 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/calendar/<day>/delete", "/admin/calendar/2026-10-01/delete", "404 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/deadlines", "/admin/deadlines", ADMIN_ONLY),
    ("POST", "/admin/deadlines", "/admin/deadlines", "422 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/deadlines/<int(max=2147483647):policy_id>/delete", f"/admin/deadlines/{NONE}/delete",
     "404 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/jobs", "/admin/jobs", ADMIN_ONLY),
    ("GET", "/admin/callbacks", "/admin/callbacks", ADMIN_ONLY),
    ("GET", "/admin/callbacks/<channel>", "/admin/callbacks/hotline_12345", ADMIN_ONLY),
    ("POST", "/admin/callbacks/<channel>", "/admin/callbacks/hotline_12345", "422 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/outbox", "/admin/outbox", ADMIN_ONLY),
    ("POST", "/admin/outbox/<int(max=2147483647):message_id>/retry", f"/admin/outbox/{NONE}/retry",
     "404 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/risk/", "/admin/risk/", ADMIN_ONLY),
    ("GET", "/admin/routing", "/admin/routing", ADMIN_ONLY),
    ("GET", "/admin/routing/new", "/admin/routing/new", ADMIN_ONLY),
    ("POST", "/admin/routing/new", "/admin/routing/new", "422 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/routing/<int(max=2147483647):rule_id>", f"/admin/routing/{NONE}", "404 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/routing/<int(max=2147483647):rule_id>", f"/admin/routing/{NONE}", "404 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/routing/<int(max=2147483647):rule_id>/delete", f"/admin/routing/{NONE}/delete",
     "404 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/routing/defaults", "/admin/routing/defaults", "302 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/tokens/", "/admin/tokens/", ADMIN_ONLY),
    ("POST", "/admin/tokens/new", "/admin/tokens/new", "422 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/tokens/<int(max=2147483647):token_id>/revoke", f"/admin/tokens/{NONE}/revoke",
     "404 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/category-rules", "/admin/category-rules", ADMIN_ONLY),
    ("POST", "/admin/category-rules", "/admin/category-rules", "422 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/category-rules/<int(max=2147483647):rule_id>", f"/admin/category-rules/{NONE}",
     "404 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/category-rules/<int(max=2147483647):rule_id>", f"/admin/category-rules/{NONE}",
     "404 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/category-rules/<int(max=2147483647):rule_id>/delete", f"/admin/category-rules/{NONE}/delete",
     "404 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/category-rules/<int(max=2147483647):rule_id>/move", f"/admin/category-rules/{NONE}/move",
     "404 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/category-rules/defaults", "/admin/category-rules/defaults", "303 403 403 403 403 403 403 403 L"),
    # -- admin: accounts and the audit trail -------------------------------------------------------
    ("GET", "/admin/users/", "/admin/users/", ADMIN_ONLY),
    ("GET", "/admin/users/new", "/admin/users/new", ADMIN_ONLY),
    ("POST", "/admin/users/new", "/admin/users/new", "200 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/users/<int(max=2147483647):user_id>", "/admin/users/{target}", ADMIN_ONLY),
    ("POST", "/admin/users/<int(max=2147483647):user_id>", "/admin/users/{target}", "200 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/users/<int(max=2147483647):user_id>/disable", "/admin/users/{target}/disable",
     "302 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/users/<int(max=2147483647):user_id>/enable", "/admin/users/{target}/enable",
     "302 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/users/<int(max=2147483647):user_id>/unlock", "/admin/users/{target}/unlock",
     "302 403 403 403 403 403 403 403 L"),
    ("POST", "/admin/users/<int(max=2147483647):user_id>/reset-password", "/admin/users/{target}/reset-password",
     "200 403 403 403 403 403 403 403 L"),
    ("GET", "/admin/audit/", "/admin/audit/", ADMIN_ONLY),
    # -- the channel API: a bearer token, never the session cookie ----------------------------------
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", "200 200 200 200 200 200 200 200 200"),
    ("GET", "/api/v1/cases", "/api/v1/cases", "401 401 401 401 401 401 401 401 401"),
    ("POST", "/api/v1/cases", "/api/v1/cases", "401 401 401 401 401 401 401 401 401"),
    ("POST", "/api/v1/cases/batch", "/api/v1/cases/batch", "401 401 401 401 401 401 401 401 401"),
    ("GET", "/api/v1/cases/<reference>", "/api/v1/cases/{case}", "401 401 401 401 401 401 401 401 401"),
    *[(method, rule, url, "404 404 404 404 404 404 404 404 404")
      for rule, url in (("/api/v1/", "/api/v1/"), ("/api/v1/<path:path>", "/api/v1/nope"))
      for method in ("GET", "POST", "PUT", "PATCH", "DELETE")],
]

# Served files, not pages: nothing to check per role.
UNLISTED_ENDPOINTS = {"static", "bootstrap.static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _key(method: str, rule: str) -> tuple[str, str]:
    return method, rule


def test_every_route_has_a_row(app):
    rows = {_key(method, rule) for method, rule, _url, _statuses in TABLE}
    assert len(rows) == len(TABLE), "a route is listed twice"
    missing = sorted({_key(method, rule.rule) for rule in app.url_map.iter_rules()
                      if rule.endpoint not in UNLISTED_ENDPOINTS
                      for method in rule.methods - IGNORED_METHODS} - rows)
    assert not missing, f"routes without a row in TABLE: {missing}"


def test_every_row_has_a_status_for_every_column():
    for method, rule, _url, statuses in TABLE:
        assert len(statuses.split()) == len(COLUMNS), (method, rule)


def _existing(app) -> set[tuple[str, str]]:
    return {_key(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods}


@pytest.mark.parametrize("method,rule", [(m, r) for m, r, _u, _s in TABLE], ids=[f"{m} {r}" for m, r, _u, _s in TABLE])
def test_every_row_names_a_route(app, method, rule):
    """Rows may come before their routes (pages others are adding): such a row is skipped, saying so."""
    if _key(method, rule) not in _existing(app):
        pytest.skip(f"{method} {rule} is not a route (yet): its row waits for it")


@pytest.fixture
def objects(db, make_case, make_user):
    case = make_case(Status.IN_MEDIATION)
    meeting = Meeting(scheduled_at=utcnow().replace(microsecond=0))
    db.session.add(meeting)
    db.session.flush()
    db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, reasons=["overdue"], added_at=utcnow()))
    db.session.commit()
    target = make_user("mediator")
    return {"case": case.reference, "meeting": meeting.id, "target": target.id}


def _status(response) -> str:
    if response.status_code == 302 and urlparse(response.headers["Location"]).path == "/login":
        return "L"
    return str(response.status_code)


# Signing out ends the session the other rows use: it goes last.
def _request_order(row) -> bool:
    return (row[0], row[1]) == ("POST", "/logout")


@pytest.mark.parametrize("column", COLUMNS)
def test_route_statuses(app, client, users, login, objects, column):
    """One role (or anonymous) through every row: one sign-in, every route, every mismatch reported."""
    if column != "anonymous":
        login(users[column])
    existing = _existing(app)
    index = COLUMNS.index(column)
    expected, got = {}, {}
    for method, rule, url, statuses in sorted(TABLE, key=_request_order):
        if _key(method, rule) not in existing:
            continue
        key = f"{method} {url}"
        expected[key] = statuses.split()[index]
        got[key] = _status(client.open(url.format(**objects), method=method, data={}))
    assert {k: v for k, v in got.items() if v != expected[k]} == {}, f"{column}: got != expected"
    assert len(got) >= 60  # the table is walked, not skipped
