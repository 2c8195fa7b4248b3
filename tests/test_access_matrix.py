"""Every route x every role: the expected HTTP status, written out as explicit tables.

The tables below are the specification (DESIGN.md, Roles; core/lifecycle.py, TRANSITIONS as
intended). They are deliberately NOT computed from the app's own permission functions, so a
change in access.py, lifecycle.py or the views makes these tests fail.

The users (tests/conftest.py `users`):
    admin            admin, judicial_office
    supervisor       supervisor, judicial_office
    mediator         mediator, judicial_office; assigned by make_case's route step
    other_mediator   mediator, judicial_office; not assigned
    village_mediator mediator, vc_qianqiao (the case happens in xiaomiao); not involved
    liaison          liaison, police_station; not involved
    lawyer           liaison, law_firm; co-office of every routed case (make_case default)
    viewer           viewer, safety_office

Cases are registered by the supervisor, so their intake office is judicial_office. Before
routing (registered, accepted) a case has no lead office, no co-office and no mediator; from
routing on it is led by judicial_office with law_firm as co-office and "mediator" assigned.
SUSPENDED below is such an in_mediation case that the supervisor then suspended.
"""
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mediation.cases.models import Case, Supervision, TimelineEvent
from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Payload, Status
from mediation.db import utcnow
from mediation.notifications.models import Notification
from mediation.organisation.town import current_town

from .factories import VALID_ID, VALID_PHONE

ROLES = ("admin", "supervisor", "mediator", "other_mediator", "village_mediator", "liaison", "lawyer",
         "viewer")

MASKED_PHONE = "138****5678"

# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

# GET /cases/  (the queue): everyone signed in may open it.
QUEUE_PAGE = {"admin": 200, "supervisor": 200, "mediator": 200, "other_mediator": 200,
              "village_mediator": 200, "liaison": 200, "lawyer": 200, "viewer": 200}

# GET /intake/register: supervisors, mediators and liaisons register cases; admin and viewer do not.
REGISTER_PAGE = {"admin": 403, "supervisor": 200, "mediator": 200, "other_mediator": 200,
                 "village_mediator": 200, "liaison": 200, "lawyer": 200, "viewer": 403}

# GET /cases/<ref> for a routed case (lead judicial_office, co-office law_firm, mediator assigned).
DETAIL_PAGE = {"admin": 200, "supervisor": 200, "mediator": 200, "other_mediator": 200,
               "village_mediator": 404, "liaison": 404, "lawyer": 200, "viewer": 200}

# The applicant's phone and ID number on that detail page. Masked for everyone by default;
# "revealable": the page offers the reveal button and POST /cases/<ref>/reveal shows them in full
# (recorded); "masked": the reveal answers 403; None: the page is not shown (reveal 404).
PERSONAL_DATA = {"admin": "masked", "supervisor": "revealable", "mediator": "revealable",
                 "other_mediator": "masked", "village_mediator": None, "liaison": None, "lawyer": "revealable",
                 "viewer": "masked"}
REVEAL_STATUS = {"revealable": 200, "masked": 403, None: 404}

# An in_mediation case that has been suspended (the only state RESUME is available in).
SUSPENDED = "suspended"

# The state in which each action is available (where the matrix below is measured).
STATE_FOR = {
    "accept": Status.REGISTERED,
    "reject": Status.REGISTERED,
    "merge": Status.REGISTERED,
    "route": Status.ACCEPTED,
    "log_session": Status.IN_MEDIATION,
    "transfer": Status.IN_MEDIATION,
    "extend": Status.IN_MEDIATION,
    "escalate": Status.IN_MEDIATION,
    "propose_close": Status.IN_MEDIATION,
    "assign": Status.IN_MEDIATION,
    "supervise": Status.IN_MEDIATION,  # also registered and accepted: see SUPERVISE_BEFORE_ROUTING
    "suspend": Status.IN_MEDIATION,
    "resume": SUSPENDED,
    "close": Status.IN_MEDIATION,
    "follow_up": Status.CLOSED,
    "reopen": Status.CLOSED,
    "archive": Status.FOLLOWED_UP,
}

# GET /cases/<ref>/<action> on a case in STATE_FOR[action]:
#   200 the role's capacity may take the action; 403 sees the case, lacks the capacity;
#   404 cannot see the case (lawyer before routing: law_firm is not yet a co-office).
ACTION_MATRIX = {
    #               admin sup  med  omed vmed pol  law  view
    "accept":      (403, 200, 403, 403, 404, 404, 404, 403),
    "reject":      (403, 200, 403, 403, 404, 404, 404, 403),
    "merge":       (403, 200, 403, 403, 404, 404, 404, 403),
    "route":       (403, 200, 403, 403, 404, 404, 404, 403),
    "log_session": (403, 200, 200, 403, 404, 404, 200, 403),
    "transfer":    (403, 200, 403, 403, 404, 404, 403, 403),
    "extend":      (403, 200, 403, 403, 404, 404, 403, 403),
    "escalate":    (403, 200, 200, 403, 404, 404, 403, 403),
    "propose_close": (403, 403, 403, 403, 404, 404, 200, 403),  # a participating liaison only
    "assign":      (403, 200, 403, 403, 404, 404, 403, 403),
    "supervise":   (403, 200, 403, 403, 404, 404, 403, 403),
    "suspend":     (403, 200, 200, 403, 404, 404, 403, 403),
    "resume":      (403, 200, 200, 403, 404, 404, 403, 403),
    "close":       (403, 200, 200, 403, 404, 404, 403, 403),
    "follow_up":   (403, 200, 200, 403, 404, 404, 403, 403),
    "reopen":      (403, 200, 200, 403, 404, 404, 403, 403),
    "archive":     (403, 200, 403, 403, 404, 404, 403, 403),
}

# Status after a successful POST (None: the case keeps its status).
TARGET = {
    "accept": Status.ACCEPTED, "reject": Status.REJECTED, "merge": Status.MERGED,
    "route": Status.IN_MEDIATION, "log_session": None, "transfer": None, "extend": None,
    "escalate": None, "propose_close": None, "assign": None, "supervise": None, "suspend": None, "resume": None, "close": Status.CLOSED, "follow_up": Status.FOLLOWED_UP,
    "reopen": Status.IN_MEDIATION, "archive": Status.ARCHIVED,
}

# A state in which the action is NOT available but every role allowed it above still sees the
# case: a GET then redirects (302) back to the detail page with a warning.
WRONG_STATE = {
    "accept": Status.IN_MEDIATION,
    "reject": Status.IN_MEDIATION,
    "merge": Status.IN_MEDIATION,
    "route": Status.REGISTERED,
    "log_session": Status.CLOSED,
    "transfer": Status.CLOSED,
    "extend": Status.CLOSED,
    "escalate": Status.CLOSED,
    "propose_close": Status.CLOSED,
    "assign": Status.CLOSED,
    "supervise": Status.CLOSED,
    "suspend": SUSPENDED,  # already suspended
    "resume": Status.IN_MEDIATION,  # not suspended
    "close": Status.CLOSED,
    "follow_up": Status.IN_MEDIATION,
    "reopen": Status.IN_MEDIATION,
    "archive": Status.CLOSED,
}

# The queue (GET /cases/?scope=...) with one routed case: is the case listed?
# scope None: the role's default (mediator: mine; liaison: office; others: all).
# A scope the role may not use falls back to its default.
QUEUE_LISTING = [
    ("admin", None, True),
    ("supervisor", None, True),
    ("supervisor", "office", True),
    ("supervisor", "mine", False),
    ("viewer", None, True),
    ("mediator", None, True),
    ("mediator", "office", True),
    ("other_mediator", None, False),
    ("other_mediator", "office", True),
    ("village_mediator", None, False),
    ("village_mediator", "office", False),
    ("village_mediator", "all", False),
    ("liaison", None, False),
    ("liaison", "all", False),
    ("lawyer", None, True),
]


# SUPERVISE is also available before routing. GET /cases/<ref>/supervise on a registered or an
# accepted case (no lead office, co-office or mediator yet; intake office judicial_office):
SUPERVISE_BEFORE_ROUTING = {
    #                   admin sup  med  omed vmed pol  law  view
    Status.REGISTERED: (403, 200, 403, 403, 404, 404, 404, 403),
    Status.ACCEPTED:   (403, 200, 403, 403, 404, 404, 404, 403),
}

# The mediator choices on GET /cases/<ref>/assign for a routed case (lead judicial_office,
# co-office law_firm): active mediators and liaisons of those two offices.
ASSIGN_CHOICES = {"admin": False, "supervisor": False, "mediator": True, "other_mediator": True,
                  "village_mediator": False, "liaison": False, "lawyer": True, "viewer": False}


def expected_action_status(action: str, role: str) -> int:
    return ACTION_MATRIX[action][ROLES.index(role)]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def build_case(make_case, users, db, state):
    """A case in `state`: a Status, or SUSPENDED (in_mediation, then suspended by the supervisor)."""
    if state != SUSPENDED:
        return make_case(state)
    case = make_case(Status.IN_MEDIATION)
    perform(case, Action.SUSPEND, users["supervisor"], Payload(reason="双方外出务工"), now=utcnow(),
            town=current_town())
    db.session.commit()
    assert case.suspended_at is not None
    return case


def path_of(response) -> str:
    return urlparse(response.headers["Location"]).path


def case_state(db, case_id: int) -> tuple[str, int, int]:
    """(status, version, timeline events) read straight from the database."""
    db.session.rollback()  # the views commit in their own session; read fresh
    status, version = db.session.execute(select(Case.status, Case.version).where(Case.id == case_id)).one()
    events = db.session.scalar(select(func.count()).select_from(TimelineEvent)
                               .where(TimelineEvent.case_id == case_id))
    return status, version, events


SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_input(moment: datetime) -> str:
    """A datetime-local input value, as the browser sends it, in the town's zone."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def future_due_at(days: int = 14) -> str:
    return local_input(datetime.now(timezone.utc) + timedelta(days=days))


def case_extras(db, case_id: int) -> tuple[int | None, int, datetime | None]:
    """(mediator id, supervision rows, supervision due date) read straight from the database."""
    db.session.rollback()
    mediator_id, due = db.session.execute(select(Case.mediator_id, Case.supervision_due_at)
                                          .where(Case.id == case_id)).one()
    supervisions = db.session.scalar(select(func.count()).select_from(Supervision)
                                     .where(Supervision.case_id == case_id))
    return mediator_id, supervisions, due


def valid_form(action: str, case, town, users, make_case) -> dict:
    """A submission that would succeed for someone with the right capacity."""
    offices = town["offices"]
    data = {"version": str(case.version)}
    if action in ("reject", "escalate", "suspend", "reopen"):
        data["reason"] = "测试理由"
    elif action == "merge":
        data["target"] = make_case(Status.ACCEPTED).reference
    elif action == "route":
        data.update(lead_office=str(offices["judicial_office"].id), co_offices=[str(offices["law_firm"].id)],
                    mediator=str(users["mediator"].id))
    elif action == "log_session":
        data.update(held_at="2024-05-06T10:00", method="in_person", record="双方陈述意见")
    elif action == "transfer":
        data.update(lead_office=str(offices["police_station"].id), reason="涉嫌治安案件")
    elif action == "extend":
        data.update(extension_days="10", parties_consent="y", reason="双方同意延长")
    elif action == "close":
        data.update(outcome="withdrawn")
    elif action == "propose_close":
        data.update(outcome="agreement_oral", reason="双方已当面和解，建议结案")
    elif action == "follow_up":
        data.update(performance="performed")
    elif action == "assign":
        data.update(mediator=str(users["other_mediator"].id))  # judicial_office, like the case's lead
    elif action == "supervise":
        data.update(reason="请于两周内上报调解进展", due_at=future_due_at())
    return data


# --------------------------------------------------------------------------------------------
# The tables themselves
# --------------------------------------------------------------------------------------------

def test_tables_cover_every_action_and_role(users):
    actions = {a.value for a in Action}
    for table in (STATE_FOR, ACTION_MATRIX, TARGET, WRONG_STATE):
        assert set(table) == actions
    for table in (ASSIGN_CHOICES,):
        assert set(table) == set(ROLES)
    assert all(len(row) == len(ROLES) for row in SUPERVISE_BEFORE_ROUTING.values())
    assert set(users) == set(ROLES)
    for table in (QUEUE_PAGE, REGISTER_PAGE, DETAIL_PAGE, PERSONAL_DATA):
        assert set(table) == set(ROLES)
    assert all(len(row) == len(ROLES) for row in ACTION_MATRIX.values())


# --------------------------------------------------------------------------------------------
# Anonymous
# --------------------------------------------------------------------------------------------

def _anonymous_requests():
    rows = [("GET", "/cases/"), ("GET", "/cases/{ref}"), ("GET", "/cases/XH-NO-SUCH-CASE"),
            ("GET", "/cases/{ref}/no_such_action"), ("GET", "/intake/register"), ("POST", "/intake/register"),
            ("POST", "/logout")]
    for action in Action:
        rows += [("GET", f"/cases/{{ref}}/{action.value}"), ("POST", f"/cases/{{ref}}/{action.value}")]
    return rows


@pytest.mark.parametrize("method,path", _anonymous_requests())
def test_anonymous_is_sent_to_login(client, db, make_case, method, path):
    case = make_case(Status.REGISTERED)
    before = case_state(db, case.id)
    response = client.open(path.format(ref=case.reference), method=method, data={"reason": "x"})
    assert response.status_code == 302
    assert path_of(response) == "/login"
    assert case_state(db, case.id) == before


def test_anonymous_login_page_and_root(client):
    assert client.get("/login").status_code == 200
    response = client.get("/")
    assert response.status_code == 302 and path_of(response) == "/cases/"
    assert client.get("/", follow_redirects=True).request.path == "/login"


# --------------------------------------------------------------------------------------------
# Pages that do not depend on a case
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_queue_and_register_pages(client, users, login, role):
    login(users[role])
    assert client.get("/cases/").status_code == QUEUE_PAGE[role]
    assert client.get("/intake/register").status_code == REGISTER_PAGE[role]


@pytest.mark.parametrize("role", [r for r in ROLES if REGISTER_PAGE[r] == 403])
def test_register_post_refused(client, db, users, login, town, role):
    login(users[role])
    response = client.post("/intake/register", data={
        "channel": "walk_in", "received_at": "2024-05-06T09:00", "category": "邻里", "summary": "噪音",
        "parties-0-name": "王五", "parties-0-role": "applicant", "parties-0-phone": "13700001111"})
    assert response.status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


# --------------------------------------------------------------------------------------------
# Case detail and personal data
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_case_detail(client, users, login, make_case, role):
    case = make_case(Status.IN_MEDIATION)
    login(users[role])
    response = client.get(f"/cases/{case.reference}")
    assert response.status_code == DETAIL_PAGE[role]
    html = response.get_data(as_text=True)
    if PERSONAL_DATA[role] is not None:
        assert MASKED_PHONE in html
        assert VALID_PHONE not in html
        assert VALID_ID not in html
        assert (f'action="/cases/{case.reference}/reveal"' in html) is (PERSONAL_DATA[role] == "revealable")
    else:
        assert VALID_PHONE not in html and MASKED_PHONE not in html
    revealed = client.post(f"/cases/{case.reference}/reveal")
    assert revealed.status_code == REVEAL_STATUS[PERSONAL_DATA[role]]
    revealed_html = revealed.get_data(as_text=True)
    assert (VALID_PHONE in revealed_html and VALID_ID in revealed_html) is (PERSONAL_DATA[role] == "revealable")
    # The action buttons offered are exactly those the role may take in this state.
    if response.status_code == 200:
        offered = {a for a in ACTION_MATRIX if f'href="/cases/{case.reference}/{a}"' in html}
        assert offered == {a for a, state in STATE_FOR.items()
                           if state == Status.IN_MEDIATION and expected_action_status(a, role) == 200}


# The buttons on a suspended case: resume instead of suspend; everything else as before.
SUSPENDED_BUTTONS = {
    "supervisor": {"log_session", "transfer", "extend", "escalate", "assign", "supervise", "resume", "close"},
    "mediator": {"log_session", "escalate", "resume", "close"},
    "lawyer": {"log_session", "propose_close"},
    "admin": set(), "other_mediator": set(), "viewer": set(),
}


@pytest.mark.parametrize("role", sorted(SUSPENDED_BUTTONS))
def test_suspended_case_detail_offers_resume(client, db, users, login, make_case, role):
    case = build_case(make_case, users, db, SUSPENDED)
    login(users[role])
    response = client.get(f"/cases/{case.reference}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    offered = {a for a in ACTION_MATRIX if f'href="/cases/{case.reference}/{a}"' in html}
    assert offered == SUSPENDED_BUTTONS[role]


@pytest.mark.parametrize("role", ["supervisor", "village_mediator"])
def test_unknown_reference_is_404(client, users, login, make_case, role):
    make_case(Status.IN_MEDIATION)
    login(users[role])
    assert client.get("/cases/XH-NO-SUCH-CASE").status_code == 404
    assert client.get("/cases/XH-NO-SUCH-CASE/accept").status_code == 404


# --------------------------------------------------------------------------------------------
# Lifecycle actions: every action x every role
# --------------------------------------------------------------------------------------------

MATRIX_CASES = [(a.value, r) for a in Action for r in ROLES]


@pytest.mark.parametrize("action,role", MATRIX_CASES)
def test_action_get(client, db, users, login, make_case, action, role):
    case = build_case(make_case, users, db, STATE_FOR[action])
    login(users[role])
    response = client.get(f"/cases/{case.reference}/{action}")
    assert response.status_code == expected_action_status(action, role)


@pytest.mark.parametrize("action,role", MATRIX_CASES)
def test_action_post(client, db, town, users, login, make_case, action, role):
    case = build_case(make_case, users, db, STATE_FOR[action])
    form = valid_form(action, case, town, users, make_case)
    status_before, version_before, events_before = case_state(db, case.id)
    mediator_before, supervisions_before, due_before = case_extras(db, case.id)
    login(users[role])
    response = client.post(f"/cases/{case.reference}/{action}", data=form)
    expected = expected_action_status(action, role)
    status_after, version_after, events_after = case_state(db, case.id)
    mediator_after, supervisions_after, due_after = case_extras(db, case.id)
    if expected == 200:
        # The refusals below are only meaningful if this very form succeeds for the right people.
        assert response.status_code == 303, response.get_data(as_text=True)
        assert path_of(response) == f"/cases/{case.reference}"
        assert status_after == (TARGET[action] or status_before)
        assert events_after == events_before + 1
        if action in ("suspend", "resume"):
            suspended_at = db.session.scalar(select(Case.suspended_at).where(Case.id == case.id))
            assert (suspended_at is not None) == (action == "suspend")
        # The mediator after a successful POST: route assigns the one chosen, transfer to
        # police_station drops the judicial_office mediator, assign puts in other_mediator.
        if action == "route":
            assert (mediator_before, mediator_after) == (None, users["mediator"].id)
        elif action == "transfer":
            assert (mediator_before, mediator_after) == (users["mediator"].id, None)
        elif action == "assign":
            assert (mediator_before, mediator_after) == (users["mediator"].id, users["other_mediator"].id)
        else:
            assert mediator_after == mediator_before
        if action == "supervise":
            assert (supervisions_before, supervisions_after) == (0, 1)
            supervision = db.session.scalars(select(Supervision).where(Supervision.case_id == case.id)).one()
            assert supervision.instruction == form["reason"]
            assert supervision.created_by_id == users[role].id
            assert supervision.done_at is None
            assert local_input(supervision.due_at) == form["due_at"]
            assert due_after == supervision.due_at
        else:
            assert (supervisions_after, due_after) == (supervisions_before, due_before)
    else:
        assert response.status_code == expected
        assert (status_after, version_after, events_after) == (status_before, version_before, events_before)
        assert (mediator_after, supervisions_after, due_after) == (mediator_before, supervisions_before,
                                                                   due_before)


ALLOWED_CASES = [(a, r) for a, row in ACTION_MATRIX.items() for r, code in zip(ROLES, row) if code == 200]


@pytest.mark.parametrize("action,role", ALLOWED_CASES)
def test_action_in_wrong_state_redirects_with_warning(client, db, town, users, login, make_case, action, role):
    case = build_case(make_case, users, db, WRONG_STATE[action])
    login(users[role])
    response = client.get(f"/cases/{case.reference}/{action}")
    assert response.status_code == 302
    assert path_of(response) == f"/cases/{case.reference}"
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    assert [category for category, _message in flashes] == ["warning"]
    # Submitting anyway is refused by the lifecycle, nothing changes.
    form = valid_form(action, case, town, users, make_case)
    before = case_state(db, case.id)
    response = client.post(f"/cases/{case.reference}/{action}", data=form)
    assert response.status_code == 422
    assert case_state(db, case.id) == before


def test_extend_twice_redirects(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    response = client.post(f"/cases/{case.reference}/extend", data=valid_form("extend", case, town, users,
                                                                              make_case))
    assert response.status_code == 303
    response = client.get(f"/cases/{case.reference}/extend")
    assert response.status_code == 302
    assert path_of(response) == f"/cases/{case.reference}"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ["supervisor", "mediator", "village_mediator"])
def test_unknown_action_is_404(client, users, login, make_case, role, method):
    case = make_case(Status.IN_MEDIATION)
    login(users[role])
    assert client.open(f"/cases/{case.reference}/frobnicate", method=method).status_code == 404


# --------------------------------------------------------------------------------------------
# Assign and supervise: beyond the matrix
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", list(SUPERVISE_BEFORE_ROUTING), ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_supervise_before_routing(client, db, town, users, login, make_case, state, role):
    case = make_case(state)
    login(users[role])
    expected = SUPERVISE_BEFORE_ROUTING[state][ROLES.index(role)]
    assert client.get(f"/cases/{case.reference}/supervise").status_code == expected
    before = case_state(db, case.id)
    response = client.post(f"/cases/{case.reference}/supervise",
                           data=valid_form("supervise", case, town, users, make_case))
    after = case_state(db, case.id)
    _mediator, supervisions, due = case_extras(db, case.id)
    if expected == 200:
        assert response.status_code == 303, response.get_data(as_text=True)
        assert after[0] == before[0] == state.value
        assert after[2] == before[2] + 1
        assert supervisions == 1 and due is not None
        html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
        assert "请于两周内上报调解进展" in html
    else:
        assert response.status_code == expected
        assert after == before
        assert (supervisions, due) == (0, None)


def test_supervise_button_before_routing(client, users, login, make_case):
    login(users["supervisor"])
    for state in SUPERVISE_BEFORE_ROUTING:
        case = make_case(state)
        html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
        assert f'href="/cases/{case.reference}/supervise"' in html
        assert f'href="/cases/{case.reference}/assign"' not in html


def test_assign_choices_are_the_case_offices_people(client, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    response = client.get(f"/cases/{case.reference}/assign")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for role, offered in ASSIGN_CHOICES.items():
        assert (f'value="{users[role].id}"' in html) is offered, role
    # the current mediator is preselected
    assert f'selected value="{users["mediator"].id}"' in html or \
        f'value="{users["mediator"].id}" selected' in html


@pytest.mark.parametrize("who", ["village_mediator", "liaison", "supervisor", "nobody"])
def test_assign_someone_outside_the_case_offices_is_refused(client, db, town, users, login, make_case, who):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    form = valid_form("assign", case, town, users, make_case)
    form["mediator"] = "999999" if who == "nobody" else str(users[who].id)
    before, extras = case_state(db, case.id), case_extras(db, case.id)
    response = client.post(f"/cases/{case.reference}/assign", data=form)
    assert response.status_code == 422
    assert case_state(db, case.id) == before
    assert case_extras(db, case.id) == extras
    assert extras[0] == users["mediator"].id


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_bulk_assign_only_a_mediator_or_liaison(client, db, users, login, make_case, who):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    client.post("/supervision/bulk", data={"case": [case.reference], "operation": "assign",
                                           "mediator": str(users[who].id)})
    assert case_extras(db, case.id)[0] == users["mediator"].id


def test_assign_needs_a_mediator(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    form = valid_form("assign", case, town, users, make_case)
    del form["mediator"]
    before = case_state(db, case.id)
    assert client.post(f"/cases/{case.reference}/assign", data=form).status_code == 422
    assert case_state(db, case.id) == before


def test_assign_hands_the_case_over(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    response = client.post(f"/cases/{case.reference}/assign",
                           data=valid_form("assign", case, town, users, make_case))
    assert response.status_code == 303
    event = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id)
                               .order_by(TimelineEvent.id.desc())).first()
    assert event.action == "assign"
    assert event.details["mediator_id"] == users["other_mediator"].id
    assert event.details["from_mediator_id"] == users["mediator"].id
    # the new mediator works the case, the old one no longer stands as its mediator
    login(users["other_mediator"])
    assert client.get(f"/cases/{case.reference}/log_session").status_code == 200
    assert client.get(f"/cases/{case.reference}/close").status_code == 200
    login(users["mediator"])
    assert client.get(f"/cases/{case.reference}/log_session").status_code == 403
    assert client.get(f"/cases/{case.reference}/close").status_code == 403


def test_assign_with_a_stale_version_changes_nothing(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    form = valid_form("assign", case, town, users, make_case)
    form["version"] = str(case.version - 1)
    before, extras = case_state(db, case.id), case_extras(db, case.id)
    response = client.post(f"/cases/{case.reference}/assign", data=form)
    assert response.status_code == 409
    assert case_state(db, case.id) == before
    assert case_extras(db, case.id) == extras


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, name
    return match.group(1)


STALE_TYPED = {
    "log_session": {"held_at": "2024-05-06T10:00", "method": "in_person", "record": "第二次面谈：双方同意分期赔偿，细节待定",
                    "next_steps": "下周三再约双方"},
    "close": {"outcome": "agreement_written", "agreement_text": "李四于十日内赔偿张三修理费", "amount": "1800",
              "performance_terms": "十日内一次付清", "signed_on": "2024-05-06", "performance_due_on": "2024-05-16"},
}


@pytest.mark.parametrize("action", sorted(STALE_TYPED))
def test_stale_version_keeps_what_was_typed_and_shows_the_other_change(client, db, town, users, login, make_case,
                                                                       action):
    """The mediator opens the form; meanwhile the supervisor escalates the case; the mediator's submission
    is refused (409, nothing saved) but comes back as typed, on the current version, listing the
    supervisor's change; submitting it again then succeeds."""
    case = make_case(Status.IN_MEDIATION)
    if action == "close":  # a written agreement needs a session on record
        make_case.act(case, Action.LOG_SESSION)
        db.session.commit()
    login(users["mediator"])
    page = client.get(f"/cases/{case.reference}/{action}").get_data(as_text=True)
    loaded = {"version": _hidden(page, "version"), "seen": _hidden(page, "seen")}

    login(users["supervisor"])
    other = client.post(f"/cases/{case.reference}/escalate",
                        data={"version": loaded["version"], "reason": "双方在村口再次争吵，需联席会议研究"})
    assert other.status_code == 303
    before = case_state(db, case.id)

    login(users["mediator"])
    typed = STALE_TYPED[action]
    response = client.post(f"/cases/{case.reference}/{action}", data={**loaded, **typed})
    assert response.status_code == 409
    assert case_state(db, case.id) == before  # nothing saved
    html = response.get_data(as_text=True)
    for name in ("record", "next_steps", "agreement_text", "performance_terms"):
        if name in typed:
            assert typed[name] in html, name
    if "amount" in typed:
        assert f'value="{typed["amount"]}"' in html
    changes = html[html.index('class="mb-0 mt-2 stale-changes"'):html.index("</ul>", html.index("stale-changes"))]
    assert "双方在村口再次争吵，需联席会议研究" in changes
    assert users["supervisor"].display_name in changes
    assert changes.count("<li>") == 1  # only the escalation: events from before the form was opened are not listed
    assert _hidden(html, "version") == str(before[1])

    again = client.post(f"/cases/{case.reference}/{action}",
                        data={"version": _hidden(html, "version"), "seen": _hidden(html, "seen"), **typed})
    assert again.status_code == 303, again.get_data(as_text=True)
    status, _version, events = case_state(db, case.id)
    assert events > before[2]
    assert status == (Status.CLOSED.value if action == "close" else Status.IN_MEDIATION.value)


def test_stale_version_without_a_seen_marker_lists_the_latest_changes(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    assert client.post(f"/cases/{case.reference}/escalate",
                       data={"version": str(case.version), "reason": "再次冲突"}).status_code == 303
    login(users["mediator"])
    for seen in (None, "x", "9" * 400, "-1"):
        data = {"version": str(case.version), **STALE_TYPED["log_session"]}
        if seen is not None:
            data["seen"] = seen
        response = client.post(f"/cases/{case.reference}/log_session", data=data)
        assert response.status_code == 409, seen
        html = response.get_data(as_text=True)
        assert "再次冲突" in html and STALE_TYPED["log_session"]["record"] in html


@pytest.mark.parametrize("change", ["past", "now", "missing_due_at", "garbage_due_at", "blank_reason"])
def test_supervise_refused(client, db, town, users, login, make_case, change):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    form = valid_form("supervise", case, town, users, make_case)
    if change == "past":
        form["due_at"] = local_input(datetime.now(timezone.utc) - timedelta(days=1))
    elif change == "now":
        form["due_at"] = local_input(datetime.now(timezone.utc))  # this minute: already begun, not future
    elif change == "missing_due_at":
        del form["due_at"]
    elif change == "garbage_due_at":
        form["due_at"] = "next week"
    else:
        form["reason"] = "   "
    before, extras = case_state(db, case.id), case_extras(db, case.id)
    response = client.post(f"/cases/{case.reference}/supervise", data=form)
    assert response.status_code == 422
    assert case_state(db, case.id) == before
    assert case_extras(db, case.id) == extras == (users["mediator"].id, 0, None)


def test_supervise_due_at_is_read_in_shanghai(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    year = datetime.now(timezone.utc).year + 1
    form = valid_form("supervise", case, town, users, make_case)
    form["due_at"] = f"{year}-03-01T10:00"
    assert client.post(f"/cases/{case.reference}/supervise", data=form).status_code == 303
    _mediator, supervisions, due = case_extras(db, case.id)
    assert supervisions == 1
    assert due == datetime(year, 3, 1, 2, 0, tzinfo=timezone.utc)


def test_supervise_twice_the_earliest_open_instruction_is_due(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    year = datetime.now(timezone.utc).year + 1
    for due_at in (f"{year}-05-01T09:00", f"{year}-03-01T09:00", f"{year}-04-01T09:00"):
        form = valid_form("supervise", case, town, users, make_case)
        form.update(due_at=due_at, version=str(case_state(db, case.id)[1]))
        assert client.post(f"/cases/{case.reference}/supervise", data=form).status_code == 303
    _mediator, supervisions, due = case_extras(db, case.id)
    assert supervisions == 3
    assert due == datetime(year, 3, 1, 1, 0, tzinfo=timezone.utc)


# --------------------------------------------------------------------------------------------
# Propose close: beyond the matrix
# --------------------------------------------------------------------------------------------

def test_propose_close_records_and_notifies(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["lawyer"])
    form = valid_form("propose_close", case, town, users, make_case)
    status_before, _version, events_before = case_state(db, case.id)
    response = client.post(f"/cases/{case.reference}/propose_close", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    status_after, _version, events_after = case_state(db, case.id)
    assert status_after == status_before == Status.IN_MEDIATION.value
    assert events_after == events_before + 1
    event = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id)
                               .order_by(TimelineEvent.id.desc())).first()
    assert event.action == "propose_close"
    assert event.details["outcome"] == "agreement_oral"
    assert event.details["reason"] == "双方已当面和解，建议结案"
    notified = set(db.session.scalars(select(Notification.user_id).where(
        Notification.case_id == case.id, Notification.kind == "close_proposed")))
    assert {users["mediator"].id, users["supervisor"].id} <= notified
    assert users["lawyer"].id not in notified


@pytest.mark.parametrize("change", ["missing_outcome", "bad_outcome", "blank_reason", "missing_reason"])
def test_propose_close_refused(client, db, town, users, login, make_case, change):
    case = make_case(Status.IN_MEDIATION)
    login(users["lawyer"])
    form = valid_form("propose_close", case, town, users, make_case)
    if change == "missing_outcome":
        del form["outcome"]
    elif change == "bad_outcome":
        form["outcome"] = "settled_somehow"
    elif change == "blank_reason":
        form["reason"] = "   "
    else:
        del form["reason"]
    before = case_state(db, case.id)
    response = client.post(f"/cases/{case.reference}/propose_close", data=form)
    assert response.status_code == 422
    assert case_state(db, case.id) == before
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "close_proposed")) == 0


# --------------------------------------------------------------------------------------------
# Queue visibility
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,scope,listed", QUEUE_LISTING)
def test_queue_lists_case(client, users, login, make_case, role, scope, listed):
    case = make_case(Status.IN_MEDIATION)
    login(users[role])
    response = client.get("/cases/", query_string={"scope": scope} if scope else None)
    assert response.status_code == 200
    assert (case.reference in response.get_data(as_text=True)) is listed
