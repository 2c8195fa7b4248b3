"""Scheduled mediation sessions: scheduled through the case page with its timeline event and one SMS per
invited party with a mobile, in the same transaction; refusals as field errors; cancelling tells those
who were told; the deliver job sends them (record only, or to an HTTP gateway with its template); the
progress lookup shows the session; the case page's queries stay fixed."""
import json
import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from mediation.auth.models import AuditEvent
from mediation.cases.appointment_models import SessionAppointment
from mediation.cases.appointments import cancel, schedule
from mediation.cases.models import TimelineEvent
from mediation.core.errors import TransitionRefused
from mediation.core.lifecycle import Status
from mediation.core.notices import SMS_MAX, SessionText, cancel_sms, mobile, session_sms
from mediation.db import utcnow
from mediation.intake.services import PartyData
from mediation.jobs.runner import run_job
from mediation.organisation.town import current_town
from mediation.outbox.delivery import deliver_outbox
from mediation.outbox.models import OutboxMessage
from mediation.outbox.services import sms
from tests.factories import VALID_ID, VALID_PHONE
from tests.outbox.test_outbox import Receiver

SH = ZoneInfo("Asia/Shanghai")
WEEKDAY = "一二三四五六日"
LANDLINE = "021-59591234"


def parties():
    return [PartyData("张三", "applicant", VALID_PHONE, VALID_ID, "徐行镇小庙村88号"),
            PartyData("李四", "respondent", "13900001111", "", "徐行镇小庙村90号"),
            PartyData("王五", "third_party", LANDLINE, "", "")]


@pytest.fixture
def case(make_case):
    return make_case(Status.IN_MEDIATION, parties=parties())


def local_in(days: int, hour: int = 14, minute: int = 30) -> datetime:
    day = (utcnow().astimezone(SH) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def form_data(case, when=None, place="徐行镇司法所调解室", party_ids=None, sms=True, **extra):
    when = when or local_in(3)
    data = {"starts_at": when.strftime("%Y-%m-%dT%H:%M"), "place": place, "other_invitees": "村调委会主任",
            "note": "带齐材料", "party_ids": [str(i) for i in (party_ids if party_ids is not None
                                                              else [p.id for p in case.parties])]}
    if sms:
        data["send_sms"] = "y"
    data.update(extra)
    return data


def post_new(client, case, data):
    return client.post(f"/cases/{case.reference}/appointments/new", data=data)


def messages(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def appointments(db) -> list[SessionAppointment]:
    db.session.expire_all()
    return db.session.scalars(select(SessionAppointment).order_by(SessionAppointment.id)).all()


def events(db, case, action):
    return db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                          TimelineEvent.action == action)).all()


def field_error(html: str, field: str) -> str:
    """The error shown under `field` (its input, or the parties' fieldset), or fail."""
    anchor = "appointment-parties" if field == "party_ids" else field
    match = re.search(rf'id="{anchor}"(?:(?!<div class="mb-3|<fieldset).)*?class="invalid-feedback[^"]*">([^<]+)<',
                      html, re.S)
    assert match, f"no error under {field}"
    return match.group(1).strip()


def when_text(at: datetime) -> str:
    local = at.astimezone(SH)
    return f"{local.month}月{local.day}日（星期{WEEKDAY[local.weekday()]}）{local:%H:%M}"


def test_scheduling_writes_the_event_and_one_sms_per_party_with_a_mobile(client, login, users, case, db):
    when = local_in(3)
    version = case.version
    login(users["mediator"])
    form = client.get(f"/cases/{case.reference}/appointments/new")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "张三（申请人） · 138****5678" in page and "王五（第三人） · 021****1234" in page
    assert VALID_PHONE not in page and LANDLINE not in page  # the phones masked
    assert page.count('name="party_ids"') == 3 and page.count("checked") == 4  # all parties, and the SMS
    response = post_new(client, case, form_data(case, when))
    assert response.status_code == 303, response.get_data(as_text=True)
    [appointment] = appointments(db)
    zhang, li, wang = case.parties
    assert (appointment.starts_at, appointment.place, appointment.party_ids, appointment.other_invitees,
            appointment.sms_requested, appointment.scheduled_by_id) == (
        when, "徐行镇司法所调解室", [zhang.id, li.id, wang.id], "村调委会主任", True, users["mediator"].id)
    [event] = events(db, case, "schedule_session")
    assert event.details == {"appointment_id": appointment.id, "starts_at": when.isoformat(),
                             "place": "徐行镇司法所调解室", "invited": 3, "sms": 2}
    assert "13812345678" not in json.dumps(event.details) and LANDLINE not in json.dumps(event.details)
    db.session.refresh(case)
    assert case.version > version  # a form opened before the scheduling is stale
    sent = messages(db)
    assert [(m.kind, m.target, m.event_id, m.status) for m in sent] == [
        ("sms", VALID_PHONE, f"appointment:{appointment.id}:party:{zhang.id}", "pending"),
        ("sms", "13900001111", f"appointment:{appointment.id}:party:{li.id}", "pending")]  # the landline: none
    text = sent[0].payload["text"]
    assert text.startswith("【徐行镇人民调解委员会】张三您好，")
    assert case.reference in text and when_text(when) in text and "徐行镇司法所调解室" in text and "请准时参加" in text
    assert "李四" not in text and "王五" not in text and "13900001111" not in text
    assert "李四您好" in sent[1].payload["text"] and "张三" not in sent[1].payload["text"]
    assert all(len(m.payload["text"]) <= SMS_MAX for m in sent)
    page = unescape(client.get(f"/cases/{case.reference}").get_data(as_text=True))
    assert 'id="appointments"' in page and "徐行镇司法所调解室" in page
    assert page.count('class="sms-status" data-status="pending"') == 2
    assert 'class="sms-status" data-status="none"' in page  # the landline party: print the notice
    assert page.count('class="print-notice"') == 3


def test_without_sms_nothing_is_sent(client, login, users, case, db):
    login(users["supervisor"])
    assert post_new(client, case, form_data(case, sms=False)).status_code == 303
    assert len(appointments(db)) == 1 and messages(db) == []
    assert events(db, case, "schedule_session")[0].details["sms"] == 0


def test_the_sms_is_in_the_enquiry_phone_and_a_village_committee_signs(app, client, login, users, make_case, db,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "ENQUIRY_PHONE", "021-59590000")
    case = make_case(Status.IN_MEDIATION, lead="vc_qianqiao", co=(), mediator="village_mediator", parties=parties())
    login(users["village_mediator"])
    long_place = "徐行镇钱桥村村民委员会二楼人民调解室（村委会大院内，沿钱桥路向北走到底右转即到）" * 2
    assert post_new(client, case, form_data(case, place=long_place[:128])).status_code == 303
    texts = [m.payload["text"] for m in messages(db)]
    assert len(texts) == 2
    for text in texts:
        assert text.startswith("【钱桥村调委会】") and text.endswith("咨询电话021-59590000。")
        assert len(text) <= SMS_MAX and "…" in text  # the place shortened to fit one long SMS


@pytest.mark.parametrize("change, field", [
    ({"when": "past"}, "starts_at"),
    ({"starts_at": ""}, "starts_at"),
    ({"starts_at": "2026-13-45T99:99"}, "starts_at"),
    ({"place": "  "}, "place"),
    ({"place": "x" * 129}, "place"),
    ({"party_ids": []}, "party_ids"),
    ({"party_ids": "other"}, "party_ids"),  # a party of another case
    ({"note": "x" * 2001}, "note"),
])
def test_bad_input_is_a_field_error_and_nothing_is_saved(client, login, users, case, make_case, db, change, field):
    login(users["mediator"])
    other = make_case(Status.IN_MEDIATION)
    data = form_data(case)
    if change.get("when") == "past":
        data["starts_at"] = (utcnow().astimezone(SH) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    elif change.get("party_ids") == "other":
        data["party_ids"] = [str(case.parties[0].id), str(other.parties[0].id)]
    else:
        data.update(change)
    response = post_new(client, case, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback") == 1  # one message, under the field
    message = field_error(html, field)
    if field == "starts_at" and change.get("when") == "past":
        assert message == "调解时间须晚于现在。"
    if field == "party_ids" and change.get("party_ids") == []:
        assert message == "请至少邀请一方当事人。"
    assert appointments(db) == [] and messages(db) == [] and events(db, case, "schedule_session") == []


def test_who_may_schedule(client, login, users, case, make_case, db):
    expected = {"supervisor": 200, "mediator": 200, "lawyer": 200, "other_mediator": 403, "viewer": 403,
                "admin": 403, "village_mediator": 404, "liaison": 404}
    for role, status in expected.items():
        login(users[role])
        assert client.get(f"/cases/{case.reference}/appointments/new").status_code == status, role
        assert post_new(client, case, form_data(case)).status_code in ({200: 303}.get(status, status),), role
    assert len(appointments(db)) == 3
    # Not while the case is registered or closed: a message, no 500, nothing saved.
    login(users["supervisor"])
    for status in (Status.REGISTERED, Status.CLOSED):
        other = make_case(status, parties=parties())
        response = client.get(f"/cases/{other.reference}/appointments/new")
        assert response.status_code == 302
        response = post_new(client, other, form_data(other))
        assert response.status_code == 422
        assert "只有已受理或调解中的案件才能安排调解" in response.get_data(as_text=True)
    assert len(appointments(db)) == 3


def test_a_rolled_back_schedule_leaves_no_message_and_a_committed_one_exactly_one_per_party(db, users, case):
    town = current_town()
    kwargs = dict(starts_at=local_in(2), place="司法所", party_ids=[p.id for p in case.parties], other_invitees="",
                  note="", send_sms=True, town=town, town_name="徐行镇")
    schedule(case, users["mediator"], now=utcnow(), **kwargs)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # in the transaction …
    db.session.rollback()  # … which does not commit: neither the session nor its messages exist
    assert appointments(db) == [] and messages(db) == []
    appointment = schedule(case, users["mediator"], now=utcnow(), **kwargs)
    db.session.commit()
    assert sorted(m.event_id for m in messages(db)) == sorted(
        f"appointment:{appointment.id}:party:{p.id}" for p in case.parties[:2])
    with pytest.raises(TransitionRefused) as refused:
        schedule(case, users["other_mediator"], now=utcnow(), **kwargs)
    assert refused.value.field is None
    db.session.rollback()
    assert len(appointments(db)) == 1 and len(messages(db)) == 2


def test_cancelling_tells_those_who_were_told_and_the_job_records_each_once(app, client, login, users, case, db,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", None)  # the default: record only, for the admin to see
    login(users["mediator"])
    assert post_new(client, case, form_data(case)).status_code == 303
    [appointment] = appointments(db)
    assert deliver_outbox(utcnow(), current_town()) == 2  # the notices went (recorded)
    db.session.commit()
    url = f"/cases/{case.reference}/appointments/{appointment.id}/cancel"
    response = client.post(url, data={"reason": " "})
    assert response.status_code == 422 and "invalid-feedback" in response.get_data(as_text=True)
    assert client.post(url, data={"reason": "被申请人住院，张三 13812345678 另约"}).status_code == 303
    appointment = appointments(db)[0]
    assert appointment.cancelled and appointment.cancelled_by_id == users["mediator"].id
    [event] = events(db, case, "cancel_session")
    assert event.details["sms"] == 2 and event.details["invited"] == 3
    sent = messages(db)
    zhang, li, _wang = case.parties
    assert [(m.target, m.event_id) for m in sent[2:]] == [
        (VALID_PHONE, f"appointment:{appointment.id}:party:{zhang.id}:cancel"),
        ("13900001111", f"appointment:{appointment.id}:party:{li.id}:cancel")]
    assert "已取消" in sent[2].payload["text"] and "张三您好" in sent[2].payload["text"]
    assert "李四" not in sent[2].payload["text"]
    # Cancelling again is refused (a message, not a 500), and sends nothing more.
    assert client.post(url, data={"reason": "再取消"}).status_code == 422
    assert len(messages(db)) == 4
    # The deliver job, as the scheduler runs it: each message recorded once, with its delivery id.
    now = utcnow() + timedelta(seconds=5)
    assert run_job("deliver_outbox", now).rows == 2
    assert run_job("deliver_outbox", now + timedelta(minutes=5)).rows == 0
    done = messages(db)
    assert [(m.status, m.attempts) for m in done] == [("recorded", 1)] * 4
    assert len({m.delivery_id for m in done}) == 4 and all(len(m.delivery_id) == 36 for m in done)
    page = unescape(client.get(f"/cases/{case.reference}").get_data(as_text=True))
    assert "appointment-cancelled" in page
    assert page.count('class="sms-cancel-status" data-status="recorded"') == 2
    assert 'class="print-notice"' not in page  # a cancelled session has no notice to print
    assert "13812345678" not in page  # the reason is scrubbed on the masked page


def status_of(db, message_id: int) -> str:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id).status


def _set_status(db, event_id: str, status: str) -> None:
    """The outbox's own record of a notice (the deliver job's, here set directly): pending, sent, recorded, failed."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.event_id == event_id)
                       .values(status=status, done_at=None if status == "pending" else utcnow()))
    db.session.commit()


def test_cancelling_gives_up_the_notices_not_sent_and_tells_only_those_who_were_told(client, login, users, make_case,
                                                                                     db):
    four = parties() + [PartyData("赵六", "respondent", "13700002222", "", "")]
    case = make_case(Status.IN_MEDIATION, parties=four)
    login(users["mediator"])
    assert post_new(client, case, form_data(case)).status_code == 303
    [appointment] = appointments(db)
    zhang, li, _wang, zhao = case.parties
    notice = {p.id: f"appointment:{appointment.id}:party:{p.id}" for p in (zhang, li, zhao)}
    _set_status(db, notice[zhang.id], "sent")  # went through the gateway
    _set_status(db, notice[zhao.id], "failed")  # given up: 赵六 never heard of the session
    # 李四's is still waiting (the gateway is down, say): it must never go now.
    assert client.post(f"/cases/{case.reference}/appointments/{appointment.id}/cancel",
                       data={"reason": "改期"}).status_code == 303
    by_event = {m.event_id: m for m in messages(db)}
    pending = by_event[notice[li.id]]
    assert (pending.status, pending.last_error, pending.next_attempt_at) == ("failed", "session cancelled", None)
    assert pending.done_at is not None
    assert by_event[notice[zhang.id]].status == "sent" and by_event[notice[zhao.id]].last_error is None
    # The cancellation goes to 张三 only: 李四 and 赵六 were never told of the session.
    assert sorted(e for e in by_event if e.endswith(":cancel")) == [f"{notice[zhang.id]}:cancel"]
    assert events(db, case, "cancel_session")[0].details["sms"] == 1
    # The deliver job sends the cancellation only; the given-up notice stays given up.
    assert run_job("deliver_outbox", utcnow() + timedelta(seconds=5)).rows == 1
    assert messages(db)[-1].event_id == f"{notice[zhang.id]}:cancel"
    assert {m.event_id: m.status for m in messages(db)}[notice[li.id]] == "failed"
    # The admin cannot put a cancelled session's notice back in the queue; the cancellation, yes.
    login(users["admin"])
    for event_id in (notice[li.id], notice[zhao.id]):
        answer = client.post(f"/admin/outbox/{by_event[event_id].id}/retry", follow_redirects=True)
        assert "该通知所属的调解已取消或已开始" in answer.get_data(as_text=True)
        assert {m.event_id: m.status for m in messages(db)}[event_id] == "failed"
    cancellation = messages(db)[-1]
    _set_status(db, cancellation.event_id, "failed")
    assert client.post(f"/admin/outbox/{cancellation.id}/retry").status_code == 303
    assert status_of(db, cancellation.id) == "pending"
    assert db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "outbox_retry")).all() == [
        str(cancellation.id)]


def test_a_given_up_notice_is_retried_until_its_session_begins(client, login, users, case, db):
    login(users["mediator"])
    assert post_new(client, case, form_data(case, local_in(2))).status_code == 303
    [appointment] = appointments(db)
    first, second = messages(db)
    _set_status(db, first.event_id, "failed")
    _set_status(db, second.event_id, "failed")
    login(users["admin"])
    assert client.post(f"/admin/outbox/{first.id}/retry").status_code == 303  # the session is still to come
    assert status_of(db, first.id) == "pending"
    # Time passes: the session has begun (its time moved to a minute ago).
    db.session.execute(update(SessionAppointment).where(SessionAppointment.id == appointment.id)
                       .values(starts_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    answer = client.post(f"/admin/outbox/{second.id}/retry", follow_redirects=True)
    assert "该通知所属的调解已取消或已开始" in answer.get_data(as_text=True)
    assert status_of(db, second.id) == "failed"
    # Other messages are retried as before.
    sms("13812345678", "x", "n:1", utcnow())
    db.session.commit()
    other = messages(db)[-1]
    _set_status(db, other.event_id, "failed")
    assert client.post(f"/admin/outbox/{other.id}/retry").status_code == 303
    assert status_of(db, other.id) == "pending"


def test_the_gateway_gets_the_configured_template(app, client, login, users, case, db, monkeypatch):
    receiver = Receiver()
    receiver.thread.start()
    try:
        monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", receiver.url + "/sms")
        monkeypatch.setitem(app.config, "SMS_GATEWAY_TEMPLATE",
                            '{"mobile": "$to", "content": "$text", "sign": "徐行镇", "ref": "$delivery_id"}')
        login(users["mediator"])
        assert post_new(client, case, form_data(case)).status_code == 303
        assert run_job("deliver_outbox", utcnow() + timedelta(seconds=5)).rows == 2
        sent = {m.target: m for m in messages(db)}
        assert {m.status for m in sent.values()} == {"sent"}
        assert len(receiver.requests) == 2
        for request in receiver.requests:
            body = json.loads(request["body"])
            message = sent[body["mobile"]]
            assert body == {"mobile": message.target, "content": message.payload["text"], "sign": "徐行镇",
                            "ref": message.delivery_id}
            assert request["headers"]["X-Mediation-Event-Id"] == message.event_id
        assert "张三您好" in json.loads(next(r["body"] for r in receiver.requests
                                           if json.loads(r["body"])["mobile"] == VALID_PHONE))["content"]
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_the_progress_lookup_shows_the_next_session_time_and_place_only(client, login, users, case, db):
    when = local_in(4, 9, 0)
    login(users["mediator"])
    assert post_new(client, case, form_data(case, when, place="徐行镇司法所二楼调解室")).status_code == 303
    assert post_new(client, case, form_data(case, local_in(9), place="钱桥村委会")).status_code == 303
    client.post("/logout")
    html = unescape(client.post("/progress/", data={"reference": case.reference, "digits": "1111"},
                                environ_base={"REMOTE_ADDR": "203.0.113.50"}).get_data(as_text=True))
    local = when.astimezone(SH)
    next_step = re.search(r'id="progress-next"[^>]*>([^<]+)<', html).group(1)
    assert next_step == (f"已安排于{local.year}年{local.month}月{local.day}日（星期{WEEKDAY[local.weekday()]}）"
                         f"09:00在徐行镇司法所二楼调解室进行调解，请准时参加。")
    for secret in ("张三", "李四", "王五", VALID_PHONE, "村调委会主任", "带齐材料", users["mediator"].display_name):
        assert secret not in html
    # Cancelled: the next one is the later session.
    first = appointments(db)[0]
    cancel(first, users["mediator"], "改期", now=utcnow(), town=current_town(), town_name="徐行镇")
    db.session.commit()
    html = unescape(client.post("/progress/", data={"reference": case.reference, "digits": "5678"},
                                environ_base={"REMOTE_ADDR": "203.0.113.50"}).get_data(as_text=True))
    assert "钱桥村委会进行调解" in html and "二楼调解室" not in html


def test_the_case_page_takes_the_same_queries_with_more_sessions(client, login, users, case, db, count_queries):
    town, mediator = current_town(), users["mediator"]

    def add(n):
        for i in range(n):
            a = schedule(case, mediator, starts_at=local_in(2 + i), place=f"调解室{i}", party_ids=[p.id for p in case.parties],
                         other_invitees="", note="", send_sms=True, now=utcnow(), town=town, town_name="徐行镇")
            if i % 2:
                cancel(a, mediator, "改期", now=utcnow(), town=town, town_name="徐行镇")
        db.session.commit()

    login(mediator)
    counts = []
    for n in (1, 4):
        add(n)
        with count_queries() as statements:
            response = client.get(f"/cases/{case.reference}")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert response.get_data(as_text=True).count('class="appointment ') == 5


def test_sms_wording_is_plain_and_only_for_mobiles():
    text = SessionText(committee="徐行镇人民调解委员会", reference="XH-2026-000123",
                       starts_at=datetime(2026, 12, 3, 6, 30, tzinfo=ZoneInfo("UTC")), tz=SH, place="司法所调解室",
                       enquiry_phone="021-59591234")
    assert session_sms(text, "张三") == ("【徐行镇人民调解委员会】张三您好，您的纠纷（案件编号XH-2026-000123）定于12月3日（星期四）"
                                       "14:30在司法所调解室进行调解，请准时参加，可携带身份证件和相关证据材料。"
                                       "咨询电话021-59591234。")
    assert cancel_sms(text, "") == ("【徐行镇人民调解委员会】您好，原定于12月3日（星期四）14:30在司法所调解室进行的调解"
                                    "（案件编号XH-2026-000123）已取消，另行通知。咨询电话021-59591234。")
    assert [mobile(p) for p in ("13812345678", "021-59591234", "59591234", "", None, "12345")] == [
        "13812345678", None, None, None, None, None]


def test_the_panel_names_the_invited_parties_as_the_party_list_does(client, login, users, case, db):
    login(users["mediator"])
    assert post_new(client, case, form_data(case)).status_code == 303
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)  # masked page, not revealed
    panel = html.split('id="appointments"')[1].split("</section>")[0]
    names = re.findall(r'<span class="party-name">([^<]+)</span>', panel)
    assert names == ["张三", "李四", "王五"]  # as in the party list: names are not personal data to mask here
    login(users["viewer"])  # the town's leadership reads names masked, in both places
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    panel = html.split('id="appointments"')[1].split("</section>")[0]
    assert re.findall(r'<span class="party-name">([^<]+)</span>', panel) == ["张*", "李*", "王*"]
    assert "张三" not in html


def test_scheduling_and_cancelling_use_the_requests_clock(app, client, login, users, case, db, monkeypatch):
    """FIXED_NOW (testing) is the request's now, as for consultations and notices: a session a day after it
    is to come, though before the wall clock; the event and the cancellation carry that time."""
    pinned = (utcnow() - timedelta(days=30)).replace(microsecond=0)
    monkeypatch.setitem(app.config, "FIXED_NOW", pinned)
    when = (pinned + timedelta(days=1)).astimezone(SH).replace(second=0)
    login(users["mediator"])
    response = post_new(client, case, form_data(case, when))
    assert response.status_code == 303, field_error(response.get_data(as_text=True), "starts_at")
    [appointment] = appointments(db)
    assert appointment.created_at == pinned and events(db, case, "schedule_session")[0].at == pinned
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "appointment-cancel" in html  # upcoming as of the request's now
    assert client.post(f"/cases/{case.reference}/appointments/{appointment.id}/cancel",
                       data={"reason": "改期"}).status_code == 303
    assert appointments(db)[0].cancelled_at == pinned
