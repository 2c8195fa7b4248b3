"""One case's file (卷宗) and its agreement (调解协议书): content, who sees what, audit."""
from html import unescape

import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.core.lifecycle import Status
from mediation.labels import local_time

from ..factories import VALID_ID, VALID_PHONE
from .helpers import text_of

MASKED_PHONE = "138****5678"
MASKED_ID = "110***********002X"

# Who opens a routed case's prints (lead judicial_office, co-office law_firm, "mediator" assigned),
# and how personal data shows: the same rules as the case page (tests/test_access_matrix.py).
PRINT_ACCESS = {"admin": "masked", "supervisor": "full", "mediator": "full", "other_mediator": "masked",
                "village_mediator": None, "liaison": None, "lawyer": "full", "viewer": "masked"}


def printed(client, case, document):
    response = client.get(f"/reports/cases/{case.reference}/{document}?lang=en")
    return response.status_code, response.get_data(as_text=True)


def audits(db, action="print_personal_data"):
    return [(e.user_id, e.object_id, e.details.get("document"))
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


@pytest.fixture
def followed_up(make_case, place):
    case = make_case(Status.FOLLOWED_UP)
    return place(case, summary="邻居噪音纠纷，申请人另留电话13712345678")


def test_case_file_holds_registration_parties_sessions_outcome_visits_and_timeline(followed_up, login, users):
    status, html = printed(login(users["supervisor"]), followed_up, "file")
    assert status == 200
    assert text_of(html, "cover-reference") == followed_up.reference
    for text in ("Registration", "12345 hotline", "邻里", "小庙村",  # registration
                 "张三", "李四", "Applicant", "Respondent", VALID_PHONE, VALID_ID, "徐行镇小庙村88号",  # parties
                 "双方陈述意见", "In person",  # the session record
                 "Written agreement", "赔偿500元", "500.00", "七日内付清",  # outcome
                 "Performed",  # return visit
                 "Accept", "Route", "Log session", "Close", "Return visit", "Registered → Accepted"):  # timeline
        assert text in html, text
    assert "13712345678" in html  # free text in full for those who work the case
    assert 'href="/reports/cases/%s/agreement"' % followed_up.reference in html


@pytest.mark.parametrize("role, seen", PRINT_ACCESS.items())
def test_case_file_access_and_masking_per_role(role, seen, followed_up, login, users, db):
    status, html = printed(login(users[role]), followed_up, "file")
    if seen is None:
        assert status == 404
        return
    assert status == 200
    if seen == "full":
        assert VALID_PHONE in html and VALID_ID in html and "徐行镇小庙村88号" in html
        assert audits(db) == [(users[role].id, followed_up.reference, "file")]
    else:
        for full in (VALID_PHONE, VALID_ID, "13900001111", "13712345678", "徐行镇小庙村88号"):
            assert full not in html, full
        assert MASKED_PHONE in html and MASKED_ID in html and "137****5678" in html
        assert "Personal data is masked" in html
        assert audits(db) == []


def test_agreement_has_what_article_29_requires(followed_up, login, users, db):
    status, html = printed(login(users["supervisor"]), followed_up, "agreement")
    assert status == 200
    html = unescape(html)
    assert "People's mediation agreement" in html
    assert text_of(html, "agreement-number") == followed_up.reference
    # the parties' basic information: name, role, ID number, address
    for text in ("张三", "Applicant", VALID_ID, "徐行镇小庙村88号", "李四", "Respondent"):
        assert text in html, text
    # the facts and the dispute, what was agreed, how and when it is performed
    assert "The main facts and the matters in dispute" in html and "邻居噪音纠纷" in html
    assert "赔偿500元" in html and "Amount involved: 500.00 yuan." in html
    assert "How and when the agreement is performed" in html and "七日内付清" in html
    assert "art. 29" in html and "art. 33" in html and "made in 3 copies" in html
    # signature, fingerprint and seal blocks, the date and the mediator's name
    assert html.count("(signature):") == 3 and html.count("Fingerprint") == 2
    assert "徐行镇 People's Mediation Committee (seal)" in html and "Seal here" in html
    assert text_of(html, "mediator-name") == users["mediator"].display_name
    with login(users["supervisor"]).application.test_request_context("/?lang=en"):
        assert text_of(html, "agreement-date") == local_time(followed_up.outcome.closed_at, "yyyy-MM-dd")
    assert audits(db) == [(users["supervisor"].id, followed_up.reference, "agreement")]


def test_oral_agreement_prints_as_a_record(make_case, place, login, users):
    case = place(make_case(Status.CLOSED), outcome="agreement_oral")
    status, html = printed(login(users["mediator"]), case, "agreement")
    assert status == 200
    assert "Record of an oral mediation agreement" in html and "art. 28" in html
    assert "art. 29" not in html


def test_a_village_committee_seals_its_own_agreements(make_case, login, users):
    case = make_case(Status.CLOSED, lead="vc_qianqiao", co=(), mediator="village_mediator", village="qianqiao")
    status, html = printed(login(users["village_mediator"]), case, "agreement")
    assert status == 200
    assert "钱桥村调委会 (seal)" in html


@pytest.mark.parametrize("role, seen", PRINT_ACCESS.items())
def test_agreement_access_and_masking_per_role(role, seen, followed_up, login, users):
    status, html = printed(login(users[role]), followed_up, "agreement")
    if seen is None:
        assert status == 404
    elif seen == "full":
        assert status == 200 and VALID_ID in html and VALID_PHONE in html
    else:
        assert status == 200 and VALID_ID not in html and VALID_PHONE not in html and MASKED_ID in html


@pytest.mark.parametrize("status, outcome", [(Status.IN_MEDIATION, None), (Status.CLOSED, "failed_referred"),
                                             (Status.CLOSED, "withdrawn")])
def test_no_agreement_no_agreement_print(status, outcome, make_case, place, login, users, db):
    case = make_case(status)
    if outcome:
        place(case, outcome=outcome, amount=None)
    code, html = printed(login(users["supervisor"]), case, "agreement")
    assert code == 404
    assert f"{case.reference} has no written or oral agreement to print." in html
    assert audits(db) == []


def test_unknown_case_is_404(login, users, town):
    client = login(users["supervisor"])
    assert client.get("/reports/cases/XH-2026-999999/file").status_code == 404
    assert client.get("/reports/cases/XH-2026-999999/agreement").status_code == 404


def test_free_text_is_escaped(make_case, place, login, users):
    case = place(make_case(Status.IN_MEDIATION), summary="<script>alert(1)</script>")
    _, html = printed(login(users["supervisor"]), case, "file")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_signed_out_users_are_sent_to_sign_in(followed_up, client):
    response = client.get(f"/reports/cases/{followed_up.reference}/file")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_case_file_takes_a_fixed_number_of_queries(make_case, login, users, count_queries):
    """Sessions, visits and timeline events are loaded together, not one query per row."""
    client = login(users["supervisor"])
    small = make_case(Status.CLOSED).reference
    big = make_case(Status.ARCHIVED).reference  # a return visit, more timeline events
    client.get(f"/reports/cases/{small}/file")
    with count_queries() as few:
        assert client.get(f"/reports/cases/{small}/file").status_code == 200
    with count_queries() as more:
        assert client.get(f"/reports/cases/{big}/file").status_code == 200
    assert len(more) == len(few), "\n".join(more)
