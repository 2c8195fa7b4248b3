"""受理回执: the slip a party takes home. Reference, when and what was received, who handles it, how
to ask; the party's own name and nobody else's personal data; one A4 page; who may print it; audit."""
from html import unescape

import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.core.lifecycle import Status

from ..factories import VALID_ID, VALID_PHONE
from .conftest import local
from .helpers import normalise, page_sizes, page_texts, read_pdf, text_of
from .test_case_prints import PRINT_ACCESS

SUMMARY = "申请人张三反映：楼上住户李四家卫生间漏水，李四电话13900001111，王五物业不管。"


@pytest.fixture
def received(agreement_case, place):
    """In mediation: routed to the judicial office, the mediator assigned; three parties."""
    case = agreement_case(1)
    return place(case, received=local(2026, 11, 26, 8, 15), summary=SUMMARY)


def sheet(html: str) -> str:
    """The printed part: the toolbar (staff's screen only) offers a receipt for each party by name."""
    return html[html.index("<main"):html.index("</main>")]


def receipt(client, case, query=""):
    response = client.get(f"/reports/cases/{case.reference}/receipt{query}")
    return response.status_code, unescape(response.get_data(as_text=True))


def test_the_receipt_says_what_was_received_who_handles_it_and_how_to_ask(received, login, users, app, monkeypatch):
    monkeypatch.setitem(app.config, "ENQUIRY_PHONE", "021-59591234")
    status, html = receipt(login(users["supervisor"]), received, "?lang=en")
    assert status == 200
    assert text_of(html, "receipt-reference") == received.reference
    assert text_of(html, "receipt-received") == "2026-11-26 08:15"
    assert text_of(html, "receipt-addressee") == "张三 (Applicant):"
    assert text_of(html, "receipt-office") == "徐行镇司法所"
    assert text_of(html, "receipt-mediator") == users["mediator"].display_name
    assert text_of(html, "receipt-enquiries") == f"Call 021-59591234 and quote the reference {received.reference}."
    assert "徐行镇司法所 (seal)" in html and "Seal here" in html  # the receiving office seals it
    assert text_of(html, "receipt-registered-by") == users["supervisor"].display_name


def test_the_receipt_names_its_party_and_nobody_else(received, login, users):
    status, html = receipt(login(users["supervisor"]), received)
    assert status == 200
    summary = text_of(html, "receipt-summary")
    assert summary == "申请人张三反映：楼上住户李*家卫生间漏水，李*电话139****1111，王*物业不管。"
    assert text_of(html, "receipt-others") == "李*（被申请人）、王*（第三人）"
    printed = sheet(html)
    for other in ("李四", "王五", "13900001111", "021-59591234", received.parties[1].id_number, "小庙村90号"):
        assert other not in printed, other
    for own in (VALID_PHONE, VALID_ID):  # not even the party's own numbers: the slip needs none
        assert own not in html
    assert 'href="/reports/cases/%s/receipt?party=%s"' % (received.reference, received.parties[1].id) in html


def test_a_receipt_for_another_party(received, login, users):
    respondent = received.parties[1]
    status, html = receipt(login(users["supervisor"]), received, f"?party={respondent.id}")
    assert status == 200
    assert text_of(html, "receipt-addressee") == "李四（被申请人）："
    assert text_of(html, "receipt-others") == "张*（申请人）、王*（第三人）"
    assert "申请人张*反映：楼上住户李四家卫生间漏水" in text_of(html, "receipt-summary")
    client = login(users["supervisor"])
    assert client.get(f"/reports/cases/{received.reference}/receipt?party=abc").status_code == 404
    other_case = received.parties[0].id + 1000
    assert client.get(f"/reports/cases/{received.reference}/receipt?party={other_case}").status_code == 404


def test_a_new_case_not_routed_yet(make_case, login, users):
    case = make_case(Status.REGISTERED)
    status, html = receipt(login(users["supervisor"]), case, "?lang=en")
    assert status == 200
    assert text_of(html, "receipt-office") == "To be assigned within one working day"
    assert text_of(html, "receipt-mediator") == "To be assigned"
    assert "Phone:" in text_of(html, "receipt-enquiries")  # no number configured: a line to write it on


def test_the_receipt_prints_on_one_a4_page_and_is_audited(received, login, users, db):
    response = login(users["mediator"]).get(f"/reports/cases/{received.reference}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="receipt-{received.reference}.pdf"' in response.headers["Content-Disposition"]
    pdf = read_pdf(response.data)
    assert [(round(w), round(h)) for w, h in page_sizes(pdf)] == [(595, 842)]
    text = normalise(page_texts(pdf)[0])
    assert normalise("受理回执") in text and received.reference in text and normalise("盖章处") in text
    assert [(e.user_id, e.object_id, e.details) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "print_personal_data"))] == [
        (users["mediator"].id, received.reference, {"document": "receipt", "format": "pdf"})]


@pytest.mark.parametrize("role, seen", PRINT_ACCESS.items())
def test_who_may_print_a_receipt(role, seen, received, login, users):
    """The agreement's rules: those who see the case; a viewer sees party names masked."""
    client = login(users[role])
    for suffix in ("receipt", "receipt.pdf"):
        code = client.get(f"/reports/cases/{received.reference}/{suffix}").status_code
        assert code == (404 if seen is None else 200), (suffix, code)
    if seen is not None:
        _, html = receipt(client, received)
        assert ("张*（申请人）" if role == "viewer" else "张三（申请人）") in text_of(html, "receipt-addressee")


def test_signed_out_is_sent_to_sign_in(received, client):
    response = client.get(f"/reports/cases/{received.reference}/receipt")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
