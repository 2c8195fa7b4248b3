"""Small things on the case page and its forms (issue #12): the accept form's office order, the session
time's default, the repeat-dispute reason's link to the earlier case, 事发地点, and channel details
without the bookkeeping keys."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from mediation.cases.models import Case
from mediation.cases.services import answer_supervision, perform
from mediation.core.lifecycle import Action, Payload, Status
from mediation.db import utcnow
from mediation.organisation.town import current_town

SH = ZoneInfo("Asia/Shanghai")


def test_accept_form_lists_the_lead_office_above_the_co_offices(client, users, login, make_case):
    case = make_case(Status.REGISTERED)
    login(users["supervisor"])
    html = client.get(f"/cases/{case.reference}/accept").get_data(as_text=True)
    lead, co, mediator = (html.index(f'name="{name}"') for name in ("lead_office", "co_offices", "mediator"))
    assert html.index('name="route_now"') < lead < co < mediator


def test_log_session_time_defaults_to_now_in_town(client, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["mediator"])
    before = datetime.now(SH).replace(second=0, microsecond=0, tzinfo=None)
    html = client.get(f"/cases/{case.reference}/log_session").get_data(as_text=True)
    after = datetime.now(SH).replace(second=0, microsecond=0, tzinfo=None)
    shown = re.search(r'name="held_at"[^>]*value="([^"]+)"', html).group(1)
    assert before <= datetime.strptime(shown, "%Y-%m-%dT%H:%M") <= after


def test_repeat_dispute_links_the_earlier_case(client, db, users, login, make_case):
    first = make_case(Status.CLOSED)
    again = make_case(Status.REGISTERED)  # the same applicant and respondent (the factory's parties)
    assert "repeat_dispute" in again.risk_reasons
    assert again.risk_evidence == {"repeat_dispute": first.reference}
    login(users["supervisor"])
    html = client.get(f"/cases/{again.reference}").get_data(as_text=True)
    assert (f'<a class="risk-earlier-case" href="/cases/{first.reference}">{first.reference}</a>') in html
    assert 'data-code="repeat_dispute"' in html
    # A case assessed before the reference was kept: the reason without a link.
    db.session.execute(update(Case).where(Case.id == again.id).values(risk_evidence=None))
    db.session.commit()
    html = client.get(f"/cases/{again.reference}").get_data(as_text=True)
    assert 'data-code="repeat_dispute"' in html and "risk-earlier-case" not in html


def test_the_incident_place_is_not_an_address(client, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert re.search(r"<dt[^>]*>事发地点</dt><dd[^>]*id=\"incident-place\"", html)
    assert "住址: " in html  # the parties' addresses stay 住址


def test_only_labelled_details_reach_the_page(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    db.session.execute(update(Case).where(Case.id == case.id).values(details={
        "work_order_type": "投诉", "import_batch": 17, "import_row": 4, "channel_category": "邻里纠纷-噪音"}))
    db.session.commit()
    login(users["supervisor"])
    html = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert "12345 work-order type" in html and "投诉" in html
    for internal in ("import_batch", "import_row", "channel_category", "邻里纠纷-噪音"):
        assert internal not in html


def test_answered_at_in_utc_shows_in_town_time(client, db, users, login, make_case):
    """The timeline shows the answer at the town's time (a guard for the answer's timestamp)."""
    case = make_case(Status.IN_MEDIATION)
    now = utcnow()
    perform(case, Action.SUPERVISE, users["supervisor"], Payload(reason="督办", due_at=now + timedelta(days=1)),
            now=now, town=current_town())
    answer_supervision(case, users["mediator"], "已办", now=now, town=current_town())
    db.session.commit()
    login(users["mediator"])
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert now.astimezone(SH).strftime("%Y-%m-%d %H:%M") in html and "timeline-answer" in html
