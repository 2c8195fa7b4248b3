"""Hypothesis over every form and every page: random text (NUL, control characters, any Unicode
but lone surrogates, overlong strings), huge, negative and malformed numbers, posted to every
form-posting route as a role that may post it, and random query parameters on every GET route.
The answer is a page, a redirect, a refusal or a field error, never a 500 (issue #10, item 6).

The routes come from the app's URL map, so a new page is fuzzed without being listed here (an
unknown one as the admin, its path parameters given plausible values). The fields posted are
the ones the page's own form renders (what a browser sends), starting from the values it shows
with blanks filled in, then some of them replaced by hostile ones; POST-only routes get the
fields of the form that posts to them (`POST_ONLY_FIELDS`). The test app raises instead of
answering 500, so a failure shows the traceback. Examples are bounded so that the file takes
about a minute per database.
"""
import io
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from mediation import create_app
from mediation.api.cli import create_token
from mediation.cases.models import RoutingRule
from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Payload, Status
from mediation.db import utcnow
from mediation.jobs.sweeps import pre_meeting_agenda
from mediation.meetings.models import Meeting
from mediation.organisation.models import CalendarOverride, DeadlinePolicy
from mediation.organisation.town import current_town

# 303 is the redirect after a successful POST; 429 the per-address limit on signing in.
ALLOWED = {200, 302, 303, 400, 403, 404, 409, 422, 429}
SKIPPED = {"static", "bootstrap.static"}  # files; the channel API is schemathesis's (tests/api)
FORM_EXAMPLES, PAGE_EXAMPLES, HEAVY_EXAMPLES = 25, 12, 4
# Routes that render a PDF or a workbook, hash a password or write an audit row and re-render a
# case: a few examples each keep the file within its time.
HEAVY = ("pdf", "xlsx", "case_file", "agreement", "password", "reveal")

URL_MAP_APP = create_app("testing")  # only its URL map, read at collection to name the tests

SUSPENDED = "suspended"
ACTION_STATE = {
    Action.ACCEPT: Status.REGISTERED, Action.REJECT: Status.REGISTERED, Action.MERGE: Status.REGISTERED,
    Action.ROUTE: Status.ACCEPTED, Action.RESUME: SUSPENDED, Action.FOLLOW_UP: Status.CLOSED,
    Action.REOPEN: Status.CLOSED, Action.ARCHIVE: Status.FOLLOWED_UP,
}  # every other action: in_mediation
ACTION_ROLE = {Action.PROPOSE_CLOSE: "lawyer"}  # every other action: the supervisor

# POST routes without a page of their own: the fields of the form that posts to them.
POST_ONLY_FIELDS = {
    "dashboard.bulk": {"case": "{reference}", "operation": "assign", "mediator": "{mediator_id}",
                       "office": "{office_id}", "reason": "理由", "due_at": "{due_at}"},
    "cases.link": {"other": "{other_reference}"},
}
BULK_OPERATIONS = ["assign", "transfer", "supervise", "agenda", "accept", "escalate", "nonsense"]

# --------------------------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------------------------

CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f"
TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),  # any Unicode but lone surrogates
    st.text(st.sampled_from(CONTROL + "a张 \t\n\u2028\ufeff"), min_size=1, max_size=12),
    st.builds(lambda char, n: char * n, st.sampled_from("a张9 "), st.integers(200, 30_000)),  # overlong
)
NUMBERS = st.one_of(
    st.integers(-10**400, 10**400).map(str),
    st.integers(-3, 40).map(str),
    st.sampled_from(["9" * 400, "-" + "9" * 400, "9" * 5000, "1e400", "1E-999999999", "sNaN", "NaN",
                     "-Infinity", "²", "١٢", "１２", "0x10", "1_000", " 7 ", "-0", "3.5", "1e20", ""]),
)
DATES = st.sampled_from(["0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T10:00", "2026-11-26T25:00",
                         "2026-11-26", "0001-01-01", "9999-12-31", "2026-13-01", "昨天", "2026-11-26T08:00\x00"])
KNOWN_BAD = st.sampled_from(["\x00", "a\x00b", "\x00" * 3, "张\x1b三", "9" * 400, "-" + "9" * 400, "x" * 30_000,
                             "²", "sNaN", "1E-999999999", " ", "-1"])  # each once found a 500 somewhere
VALUES = st.one_of(KNOWN_BAD, TEXTS, NUMBERS, DATES)
PARAM_NAMES = ["q", "page", "year", "week", "start", "end", "meeting", "list", "lang", "scope", "status",
               "channel", "category", "village", "next", "per_page", "updated_since", "id", "user", "event"]
QUERIES = st.dictionaries(st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=8)), VALUES, max_size=4)
FILES = st.one_of(st.binary(max_size=300), st.lists(st.lists(TEXTS.filter(lambda t: len(t) < 300), max_size=4),
                                                     max_size=4).map(lambda rows: _csv(rows)))


def _csv(rows) -> bytes:
    header = ["工单编号", "来电时间", "诉求内容", "联系人", "联系电话"]
    lines = [header, ["GD1", "2026-11-20 09:30", "噪音", "张三", "13812345678"], *rows]
    return "\r\n".join(",".join('"' + c.replace('"', '""') + '"' for c in r) for r in lines).encode("utf-8")


# --------------------------------------------------------------------------------------------
# The forms a page renders
# --------------------------------------------------------------------------------------------

class _Forms(HTMLParser):
    """The POST forms of a page: for each, its action and its fields with the values shown."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._textarea, self._select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": {}, "submits": [], "files": []}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind, name = (a.get("type") or "text").lower(), a["name"]
            if kind == "submit":
                self._form["submits"].append((name, a.get("value") or "1"))
            elif kind == "file":
                self._form["files"].append(name)
            elif kind in ("checkbox", "radio"):
                if kind == "radio" or "checked" in a:
                    self._form["fields"].setdefault(name, a.get("value") or "y")
            else:
                self._form["fields"][name] = a.get("value") or _blank(kind, name)
        elif tag == "button":
            self._form["submits"].append((a["name"], a.get("value") or "1"))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._form is not None and not self._form["fields"][self._textarea].strip():
                self._form["fields"][self._textarea] = "双方同意"  # a filled-in baseline
            self._textarea = None
        elif tag == "select":
            self._select = None


def _blank(kind: str, name: str) -> str:
    """A plausible value for an empty input, so that the baseline can pass validation."""
    if kind == "datetime-local":
        return (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    if kind == "date":
        return datetime.now().strftime("%Y-%m-%d")
    if kind == "number":
        return "1"
    if kind in ("hidden", "password"):
        return ""
    return "徐行" if "phone" not in name and "id_number" not in name else ""


def page_form(client, path: str) -> dict | None:
    """The fields, submit buttons and file inputs of the POST forms on `path` that post back to it."""
    response = client.get(path)
    if response.status_code != 200:
        return None
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    merged = {"fields": {}, "submits": [], "files": []}
    for form in parser.forms:
        if form["method"] == "post" and (not form["action"] or urlsplit(form["action"]).path == urlsplit(path).path):
            merged["fields"].update(form["fields"])
            merged["submits"] += form["submits"]
            merged["files"] += form["files"]
    merged["fields"].pop("csrf_token", None)
    return merged


# --------------------------------------------------------------------------------------------
# The routes, their roles and their path parameters
# --------------------------------------------------------------------------------------------

def _routes(app, method: str) -> list[tuple]:
    """(endpoint, rule, action) for every route taking `method`; cases.act once per action."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if method not in rule.methods or rule.endpoint in SKIPPED or rule.endpoint.startswith("api."):
            continue
        if rule.endpoint == "cases.act":
            found += [(rule.endpoint, rule.rule, action) for action in Action]
        else:
            found.append((rule.endpoint, rule.rule, None))
    return found


def _route_ids(app, method):
    return [f"{e}:{a.value}" if a else f"{e}:{r}" for e, r, a in _routes(app, method)]


def role_for(endpoint: str, action: Action | None, path: str) -> str | None:
    if endpoint == "auth.login":
        return None
    if action is not None:
        return ACTION_ROLE.get(action, "supervisor")
    if endpoint.startswith(("admin.", "api_admin.")) or path.startswith("/admin"):
        return "admin"  # and every page not known here under /admin
    return "supervisor"


class World:
    """Rows for the path parameters, made once per test: a case in the state a route needs, a
    meeting, an import batch, a routing rule, a deadline policy, a calendar override, a token."""

    def __init__(self, db, client, make_case, users, town, login):
        self.db, self.client, self.make_case, self.users, self.town = db, client, make_case, users, town
        self.login = login
        self._cases, self._rows = {}, {}

    def case(self, state):
        case = self._cases.get(state)
        if case is not None:
            self.db.session.expire_all()
            wanted = Status.IN_MEDIATION if state == SUSPENDED else state
            if self.db.session.get(type(case), case.id).status == wanted:
                return case
        if state == SUSPENDED:
            case = self.make_case(Status.IN_MEDIATION)
            perform(case, Action.SUSPEND, self.users["supervisor"], Payload(reason="双方外出务工"), now=utcnow(),
                    town=current_town())
            self.db.session.commit()
        else:
            case = self.make_case(state)
        self._cases[state] = case
        return case

    def path(self, rule: str, endpoint: str, action: Action | None) -> str:
        state = ACTION_STATE.get(action, Status.IN_MEDIATION) if action else (
            Status.CLOSED if endpoint in ("reports.agreement", "reports.case_file") else Status.IN_MEDIATION)
        values = {}
        for part in rule.split("<")[1:]:
            spec = part.split(">", 1)[0]
            name = spec.rsplit(":", 1)[-1]
            if name not in ("reference", "action_name") and name not in self._rows:
                self._rows[name] = self._value(name, state, action, endpoint)  # made once, then kept
            values[spec] = self._rows.get(name) or self._value(name, state, action, endpoint)
        for spec, value in values.items():
            rule = rule.replace(f"<{spec}>", str(value))
        return rule

    def _value(self, name, state, action, endpoint):
        db = self.db
        if name == "reference":
            return self.case(state).reference
        if name == "action_name":
            return action.value
        if name == "rule_id":
            rule = RoutingRule(name="fuzz", position=1, combine="all", lead_office_id=self.town["offices"][
                "judicial_office"].id)
            db.session.add(rule)
            db.session.commit()
            return rule.id
        if name == "policy_id":
            row = DeadlinePolicy(stage="accept", channel="walk_in", variant="fuzz", days=1, unit="working")
            db.session.add(row)
            db.session.commit()
            return row.id
        if name == "day":
            row = CalendarOverride(day=datetime(2030, 5, 6).date(), is_workday=True, note="fuzz")
            db.session.merge(row)
            db.session.commit()
            return "2030-05-06"
        if name == "meeting_id":
            pre_meeting_agenda(utcnow(), current_town())
            db.session.commit()
            return db.session.scalar(select(Meeting.id).order_by(Meeting.id.desc()))
        if name == "batch_id":
            self.login(self.users["supervisor"])
            r = self.client.post("/intake/import/", data={"channel": "hotline_12345", "file": (
                io.BytesIO(_csv([])), "x.csv")}, content_type="multipart/form-data")
            return r.headers["Location"].rstrip("/").rsplit("/", 1)[-1] if r.status_code == 303 else 999999
        if name == "token_id":
            row, _token = create_token("hotline_12345", "fuzz")
            db.session.commit()
            return row.id
        if name in ("user_id", "id"):
            return self.users["other_mediator"].id
        return "1"  # a path parameter of a page this file does not know yet

    def substitutions(self) -> dict:
        now = datetime.now(current_town().tz)
        return {"reference": self.case(Status.IN_MEDIATION).reference,
                "other_reference": self.case(Status.ACCEPTED).reference,
                "mediator_id": self.users["mediator"].id,
                "office_id": self.town["offices"]["police_station"].id,
                "due_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}


@pytest.fixture
def world(db, client, make_case, users, town, login):
    return World(db, client, make_case, users, town, login)


@pytest.fixture
def keep_policies(db):
    """The deadline policies are reference rows kept between tests: put them back as they were."""
    rows = [(r.stage, r.channel, r.variant, r.days, r.unit) for r in db.session.scalars(select(DeadlinePolicy))]
    yield
    db.session.rollback()
    db.session.execute(delete(DeadlinePolicy))
    db.session.add_all(DeadlinePolicy(stage=s, channel=c, variant=v, days=d, unit=u) for s, c, v, d, u in rows)
    db.session.commit()


def _examples(endpoint: str, rule: str, usual: int) -> int:
    return HEAVY_EXAMPLES if any(word in endpoint or word in rule for word in HEAVY) else usual


def _sign_in(world, role):
    if role is None:
        world.client.post("/logout")
    else:
        world.login(world.users[role])


def _assert_answer(response, what):
    assert response.status_code in ALLOWED, (what, response.status_code, response.get_data(as_text=True)[:500])


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------

FUZZ = settings(max_examples=FORM_EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.large_base_example, HealthCheck.data_too_large])


POST_ROUTES = _routes(URL_MAP_APP, "POST")
GET_ROUTES = _routes(URL_MAP_APP, "GET")


@pytest.mark.parametrize("endpoint, rule, action", POST_ROUTES, ids=_route_ids(URL_MAP_APP, "POST"))
def test_every_form_answers_hostile_input_without_a_server_error(world, keep_policies, endpoint, rule, action):
    role = role_for(endpoint, action, rule)
    has_page = any("GET" in r.methods for r in URL_MAP_APP.url_map.iter_rules(endpoint))
    current = {}

    def target() -> tuple[str, dict]:
        """The path (a new case once an example moved the last one on) and the form it shows."""
        path = world.path(rule, endpoint, action)
        if current.get("path") != path:
            _sign_in(world, role)
            form = page_form(world.client, path) if has_page else None
            if form is None:
                fields = {k: v.format(**world.substitutions()) for k, v in POST_ONLY_FIELDS.get(endpoint, {}).items()}
                form = {"fields": fields, "submits": [], "files": []}
            current.update(path=path, form=form)
        return current["path"], current["form"]

    @settings(FUZZ, max_examples=_examples(endpoint, rule, FORM_EXAMPLES))
    @given(st.data())
    def post(data):
        path, form = target()
        names = sorted(form["fields"]) + ["extra"]
        body = dict(form["fields"])
        for name in data.draw(st.lists(st.sampled_from(names), unique=True, max_size=4), "hostile fields"):
            body[name] = data.draw(VALUES, name)
        if endpoint == "dashboard.bulk":
            body["operation"] = data.draw(st.sampled_from(BULK_OPERATIONS), "operation")
        if form["submits"]:
            name, value = data.draw(st.sampled_from(form["submits"]), "button")
            body[name] = value
        kwargs = {}
        for name in form["files"]:
            body[name] = (io.BytesIO(data.draw(FILES, name)), data.draw(st.sampled_from(["a.csv", "a.xlsx"])))
            kwargs["content_type"] = "multipart/form-data"
        response = world.client.post(path, data=body, **kwargs)
        _assert_answer(response, (path, {k: v if isinstance(v, str) else "<file>" for k, v in body.items()}))
        world.db.session.rollback()

    post()


@pytest.mark.parametrize("endpoint, rule, action", GET_ROUTES, ids=_route_ids(URL_MAP_APP, "GET"))
def test_every_page_answers_hostile_query_parameters_without_a_server_error(world, endpoint, rule, action):
    role = role_for(endpoint, action, rule)
    path = world.path(rule, endpoint, action)
    _sign_in(world, role)

    @settings(FUZZ, max_examples=_examples(endpoint, rule, PAGE_EXAMPLES))
    @given(QUERIES)
    def get(query):
        _assert_answer(world.client.get(path, query_string=query), (path, query))
        world.db.session.rollback()

    get()
