"""调解通知书: one per invited party, naming that party and nobody else in full; when (date, weekday,
time) and where, who mediates, what to bring, that an agent may come; one A4 page; audited."""
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.cases.appointments import cancel, schedule
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.intake.services import PartyData
from mediation.organisation.town import current_town

from ..factories import VALID_ID, VALID_PHONE
from .helpers import normalise, page_sizes, page_texts, read_pdf, text_of

SH = ZoneInfo("Asia/Shanghai")
WEEKDAY = "一二三四五六日"


@pytest.fixture
def scheduled(db, make_case, users):
    """In mediation at the judicial office with the law firm; 张三 and 李四 invited, 王五 not."""
    case = make_case(Status.IN_MEDIATION, parties=[
        PartyData("张三", "applicant", VALID_PHONE, VALID_ID, "徐行镇小庙村88号"),
        PartyData("李四", "respondent", "13900001111", "", "徐行镇小庙村90号"),
        PartyData("王五", "third_party", "021-59591234", "", "")])
    day = (utcnow().astimezone(SH) + timedelta(days=5)).date()
    when = datetime(day.year, day.month, day.day, 9, 30, tzinfo=SH)
    appointment = schedule(case, users["mediator"], starts_at=when, place="徐行镇司法所调解室",
                           party_ids=[case.parties[0].id, case.parties[1].id], other_invitees="村调委会主任",
                           note="", send_sms=True, now=utcnow(), town=current_town(), town_name="徐行镇")
    db.session.commit()
    return case, appointment, when


def url(case, appointment, suffix="notice", party=None):
    query = f"?party={party.id}" if party is not None else ""
    return f"/reports/cases/{case.reference}/appointments/{appointment.id}/{suffix}{query}"


def sheet(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_the_notice_says_when_where_who_and_what_to_bring(scheduled, login, users, app, monkeypatch):
    monkeypatch.setitem(app.config, "ENQUIRY_PHONE", "021-59590000")
    case, appointment, when = scheduled
    respondent = case.parties[1]
    response = login(users["supervisor"]).get(url(case, appointment, party=respondent))
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "<h1>调解通知书</h1>" in html
    assert text_of(html, "notice-addressee") == "李四（被申请人）："
    assert text_of(html, "notice-reference") == case.reference
    assert text_of(html, "notice-dispute") == "邻里纠纷"
    assert text_of(html, "notice-others") == "张*（申请人）、王*（第三人）"
    assert text_of(html, "notice-time") == f"{when.year}年{when.month}月{when.day}日 星期{WEEKDAY[when.weekday()]} 09:30"
    assert text_of(html, "notice-place") == "徐行镇司法所调解室"
    attending = text_of(html, "notice-attending")
    assert "徐行镇司法所、签约律师事务所" in attending and users["mediator"].display_name in attending
    assert "村调委会主任" in attending
    assert "身份证件" in text_of(html, "notice-bring") and "代理人" in text_of(html, "notice-agent")
    assert "021-59590000" in text_of(html, "notice-enquiries")
    assert "徐行镇人民调解委员会（印）" in html
    printed = sheet(html)
    for other in ("张三", "王五", VALID_PHONE, "13900001111", "021-59591234", VALID_ID, "小庙村90号", "小庙村88号"):
        assert other not in printed, other
    # The toolbar offers the notice of each invited party (not 王五, who was not invited).
    assert f"party={case.parties[0].id}" in html and f"party={case.parties[2].id}" not in html


def test_by_default_the_first_invited_party_and_only_the_invited(scheduled, login, users):
    case, appointment, _when = scheduled
    client = login(users["mediator"])
    html = unescape(client.get(url(case, appointment)).get_data(as_text=True))
    assert text_of(html, "notice-addressee") == "张三（申请人）："
    assert "李四" not in sheet(html)
    assert client.get(url(case, appointment, party=case.parties[2])).status_code == 404  # not invited
    assert client.get(url(case, appointment) + "?party=abc").status_code == 404
    other = f"/reports/cases/{case.reference}/appointments/{appointment.id + 1000}/notice"
    assert client.get(other).status_code == 404


def test_the_pdf_is_one_a4_page_and_the_print_is_audited(scheduled, login, users, db):
    case, appointment, _when = scheduled
    respondent = case.parties[1]
    response = login(users["mediator"]).get(url(case, appointment, "notice.pdf", party=respondent))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="session-notice-{case.reference}.pdf"' in response.headers["Content-Disposition"]
    pdf = read_pdf(response.data)
    assert [(round(w), round(h)) for w, h in page_sizes(pdf)] == [(595, 842)]
    text = normalise(page_texts(pdf)[0])
    assert normalise("调解通知书") in text and case.reference in text and normalise("李四") in text
    assert normalise("张三") not in text and normalise("王五") not in text
    assert normalise("徐行镇司法所调解室") in text
    assert [(e.user_id, e.object_id, e.details) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "print_personal_data"))] == [
        (users["mediator"].id, case.reference, {"document": "session_notice", "format": "pdf"})]


def test_who_may_print_and_a_cancelled_session_has_none(scheduled, login, users, db):
    case, appointment, _when = scheduled
    expected = {"supervisor": 200, "mediator": 200, "other_mediator": 200, "lawyer": 200, "admin": 200,
                "viewer": 200, "village_mediator": 404, "liaison": 404}
    for role, status in expected.items():
        response = login(users[role]).get(url(case, appointment))
        assert response.status_code == status, role
        if role == "viewer":  # town leadership reads names masked, even the addressee's
            assert text_of(unescape(response.get_data(as_text=True)), "notice-addressee") == "张*（申请人）："
    cancel(appointment, users["mediator"], "改期", now=utcnow(), town=current_town(), town_name="徐行镇")
    db.session.commit()
    response = login(users["mediator"]).get(url(case, appointment))
    assert response.status_code == 404 and "本次调解已取消" in response.get_data(as_text=True)
