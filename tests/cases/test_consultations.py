"""难题会诊 through the app: a mediator asks a linked office a question on a case, with a due date from the
town's policy; the office's liaison finds it in the queue, opens the case and answers; questions and
answers are on the case page, its timeline and its file; refusals are form errors, 403 or a message."""
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, update

from mediation.cases.consultation_models import Consultation
from mediation.cases.consultations import ask
from mediation.cases.models import Case, TimelineEvent
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.notifications.models import Notification
from mediation.organisation.models import CalendarOverride, DeadlinePolicy
from mediation.organisation.town import current_town

from ..test_chinese_everywhere import findings_of

SH = ZoneInfo("Asia/Shanghai")
QUESTION = "当事人要求按合同违约金条款赔偿，违约金约定是否过高？联系电话13812345678"


def _ask(client, case, office, question=QUESTION, due_on=""):
    return client.post(f"/cases/{case.reference}/consultations/new",
                       data={"office": str(office.id) if office is not None else "", "question": question,
                             "due_on": due_on})


def _rows(db):
    db.session.expire_all()
    return db.session.scalars(select(Consultation).order_by(Consultation.id)).all()


def _notices(db, kind):
    return sorted(db.session.execute(select(Notification.user_id, Notification.case_id)
                                     .where(Notification.kind == kind)).all())


def _events(db, case, action):
    return db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                          TimelineEvent.action == action)).all()


@pytest.fixture
def case(make_case):
    """Led by the judicial office with the law firm as co-office: the police station does not work it."""
    return make_case(Status.IN_MEDIATION, category="合同")


def test_ask_queue_answer_case_page_and_file(client, db, users, login, town, case):
    police = town["offices"]["police_station"]
    liaison = users["liaison"]  # the police station's liaison
    login(liaison)
    assert client.get(f"/cases/{case.reference}").status_code == 404  # not their office's case (yet)

    login(users["mediator"])
    form = client.get(f"/cases/{case.reference}/consultations/new")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert police.name in html and town["offices"]["law_firm"].name in html
    assert town["offices"]["vc_xiaomiao"].name not in html and town["offices"]["petition_office"].name not in html
    r = _ask(client, case, police)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{case.reference}#consultations")
    [asked] = _rows(db)
    assert (asked.office_id, asked.asked_by_id, asked.question, asked.answered_at) == (
        police.id, users["mediator"].id, QUESTION, None)
    [event] = _events(db, case, "ask_consultation")
    assert (event.actor_id, event.from_status, event.to_status) == (users["mediator"].id, "in_mediation", "in_mediation")
    assert event.details["office_id"] == police.id and event.details["office"] == police.name
    assert datetime.fromisoformat(event.details["due"]) == asked.due_at
    assert _notices(db, "consultation_asked") == [(liaison.id, case.id)]

    login(liaison)
    queue = client.get("/cases/consultations/").get_data(as_text=True)
    assert case.reference in queue and "违约金约定是否过高" in queue
    assert "13812345678" not in queue  # the question's phone number is masked in lists
    assert users["mediator"].display_name in queue and "待反馈" in queue  # consultation_state unanswered
    page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 200  # the asked office's liaison opens the case, to answer
    html = page.get_data(as_text=True)
    assert f'id="consultation-{asked.id}"' in html and "answer-consultation" in html
    assert "13812345678" not in html
    assert client.post(f"/cases/{case.reference}/reveal").status_code == 403  # masked: not working the case
    assert client.get(f"/cases/{case.reference}/log_session").status_code == 403  # no action on the case itself
    assert client.get(f"/cases/{case.reference}/consultations/new").status_code == 403

    answer_url = f"/cases/{case.reference}/consultations/{asked.id}/answer"
    assert client.get(answer_url).status_code == 200
    r = client.post(answer_url, data={"answer": "约定违约金超过损失百分之三十的，可请求适当减少。"})
    assert r.status_code == 303
    [answered] = _rows(db)
    assert answered.answer.startswith("约定违约金") and answered.answered_by_id == liaison.id
    assert answered.answered_at is not None
    [event] = _events(db, case, "answer_consultation")
    assert (event.actor_id, event.from_status, event.to_status) == (liaison.id, "in_mediation", "in_mediation")
    assert _notices(db, "consultation_answered") == [(users["mediator"].id, case.id)]
    queue = client.get("/cases/consultations/").get_data(as_text=True)
    assert 'id="answered-consultations"' in queue and "约定违约金超过损失" in queue.split('id="answered-consultations"')[1]

    login(users["mediator"])
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    panel = html.split('id="consultations"')[1].split("</section>")[0]
    assert "违约金约定是否过高" in panel and "约定违约金超过损失百分之三十" in panel
    assert 'data-state="answered"' in panel and police.name in panel
    assert "请求适当减少" in html.split('class="timeline')[1]  # the answer on the timeline too
    file_html = client.get(f"/reports/cases/{case.reference}/file").get_data(as_text=True)
    section = file_html.split('id="consultations"')[1].split("</section>")[0]
    assert "违约金约定是否过高" in section and "约定违约金超过损失百分之三十" in section and police.name in section


def test_the_version_moves_with_a_question_and_an_answer(client, db, users, login, town, case):
    version = case.version
    login(users["mediator"])
    _ask(client, case, town["offices"]["law_firm"])
    db.session.expire_all()
    assert db.session.get(Case, case.id).version == version + 1  # a form opened before this is stale


@contextmanager
def _changed_meanwhile(db, case):
    """Someone else changes `case` while a request is under way: its version moves just before the
    request's own flush writes the case, as a commit by another request in between would."""
    cases, done = Case.__table__, []

    def bump(session, flush_context, instances):
        if not done and any(isinstance(o, Case) and o.id == case.id for o in session.dirty):
            done.append(True)
            session.execute(update(cases).where(cases.c.id == case.id).values(version=cases.c.version + 1))

    event.listen(db.session, "before_flush", bump)
    try:
        yield
    finally:
        event.remove(db.session, "before_flush", bump)
    assert done, "the case was not written"


def test_a_question_asked_while_the_case_changes_is_refused_and_saves_nothing(client, db, users, login, town,
                                                                             case):
    login(users["mediator"])
    with _changed_meanwhile(db, case):
        r = _ask(client, case, town["offices"]["police_station"])
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "他人修改了此案件" in html and "未保存任何内容" in html  # "Someone else changed this case …"
    assert "违约金约定是否过高" in html  # the form comes back with the question typed
    assert _rows(db) == [] and _events(db, case, "ask_consultation") == []
    assert _notices(db, "consultation_asked") == []
    assert _ask(client, case, town["offices"]["police_station"]).status_code == 303  # sent again, it goes


def _pin(monkeypatch, app, now):
    monkeypatch.setitem(app.config, "FIXED_NOW", now)


def test_default_due_is_the_policys_working_days_on_the_town_calendar(app, client, db, users, login, town, case,
                                                                      monkeypatch):
    # Thursday 26 November 2026, 10:00; the admin has made Monday 30th a day off. 3 working days:
    # Friday 27th, (weekend, Monday off) Tuesday 1st, Wednesday 2nd.
    _pin(monkeypatch, app, datetime(2026, 11, 26, 10, 0, tzinfo=SH).astimezone(timezone.utc))
    db.session.add(CalendarOverride(day=date(2026, 11, 30), is_workday=False, note="停工"))
    db.session.commit()
    login(users["mediator"])
    html = client.get(f"/cases/{case.reference}/consultations/new").get_data(as_text=True)
    assert 'value="2026-12-02"' in html and "2026-12-02" in html.split('id="policy-due"')[1]
    assert _ask(client, case, town["offices"]["law_firm"]).status_code == 303  # no date given: the policy's day
    [row] = _rows(db)
    assert row.due_at == datetime(2026, 12, 2, 23, 59, 59, tzinfo=SH)
    assert datetime.fromisoformat(_events(db, case, "ask_consultation")[0].details["due"]) == row.due_at
    # A later day chosen on the form is kept.
    assert _ask(client, case, town["offices"]["law_firm"], due_on="2026-12-09").status_code == 303
    assert _rows(db)[1].due_at == datetime(2026, 12, 9, 23, 59, 59, tzinfo=SH)


def test_the_admin_changes_the_policy_and_the_default_follows(app, client, db, users, login, town, case,
                                                              monkeypatch):
    _pin(monkeypatch, app, datetime(2026, 11, 26, 10, 0, tzinfo=SH).astimezone(timezone.utc))
    login(users["admin"])
    r = client.post("/admin/deadlines", data={"stage": "consultation", "channel": "", "variant": "", "days": "5",
                                              "unit": "working"})
    try:
        assert r.status_code == 303
        login(users["mediator"])
        html = client.get(f"/cases/{case.reference}/consultations/new").get_data(as_text=True)
        assert 'value="2026-12-03"' in html  # Fri 27, Mon 30, Tue 1, Wed 2, Thu 3
        _ask(client, case, town["offices"]["law_firm"])
        assert _rows(db)[0].due_at == datetime(2026, 12, 3, 23, 59, 59, tzinfo=SH)
    finally:
        db.session.execute(update(DeadlinePolicy).where(DeadlinePolicy.stage == "consultation",
                                                        DeadlinePolicy.channel == "").values(days=3, unit="working"))
        db.session.commit()


def test_the_migration_seeds_the_policy_row(db):
    row = db.session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.stage == "consultation"))
    assert (row.channel, row.variant, row.days, row.unit) == ("", "", 3, "working")


@pytest.mark.parametrize("data, field_error", [
    ({"question": "   "}, "必填"),  # This field is required.
    ({"due_on": "2020-01-01"}, None),  # a past day: the service's message under the field
    ({"due_on": "not a date"}, None),
])
def test_bad_questions_are_form_errors_and_save_nothing(client, db, users, login, town, case, data, field_error):
    login(users["mediator"])
    payload = {"office": str(town["offices"]["law_firm"].id), "question": QUESTION, "due_on": "", **data}
    r = client.post(f"/cases/{case.reference}/consultations/new", data=payload)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "invalid-feedback" in html
    if field_error:
        assert field_error in html
    assert _rows(db) == [] and _events(db, case, "ask_consultation") == []
    assert _notices(db, "consultation_asked") == []


def test_a_past_due_date_says_so(client, db, users, login, town, case):
    login(users["mediator"])
    yesterday = (utcnow().astimezone(SH).date() - timedelta(days=1)).isoformat()
    html = _ask(client, case, town["offices"]["law_firm"], due_on=yesterday).get_data(as_text=True)
    assert "答复期限不能是已经过去的日期" in html.split('id="due_on"')[1][:600]  # under the field
    assert _rows(db) == []


@pytest.mark.parametrize("office", ["vc_xiaomiao", "petition_office", None])
def test_an_office_that_is_not_asked_is_refused(client, db, users, login, town, case, office):
    login(users["mediator"])
    r = _ask(client, case, town["offices"][office] if office else None)
    assert r.status_code == 422 and "invalid-feedback" in r.get_data(as_text=True)
    assert _rows(db) == []


def test_an_inactive_office_and_ones_own_office_are_not_offered(client, db, users, login, town, case):
    law_firm = town["offices"]["law_firm"]
    login(users["lawyer"])  # a liaison of the co-office: may ask, but not the office they answer for
    assert law_firm.name not in client.get(f"/cases/{case.reference}/consultations/new").get_data(as_text=True)
    assert _ask(client, case, law_firm).status_code == 422
    assert _ask(client, case, town["offices"]["police_station"]).status_code == 303
    town["offices"]["police_station"].active = False
    db.session.commit()
    login(users["mediator"])
    assert _ask(client, case, town["offices"]["police_station"]).status_code == 422
    assert len(_rows(db)) == 1


@pytest.mark.parametrize("role, status", [("viewer", 403), ("admin", 403), ("village_mediator", 404),
                                          ("liaison", 404), ("other_mediator", 200), ("supervisor", 200),
                                          ("lawyer", 200), ("mediator", 200)])
def test_who_may_ask(client, users, login, case, role, status):
    login(users[role])
    assert client.get(f"/cases/{case.reference}/consultations/new").status_code == status


def test_questions_are_asked_on_open_cases_only(client, db, users, login, town, make_case):
    closed = make_case(Status.CLOSED)
    login(users["mediator"])
    r = client.get(f"/cases/{closed.reference}/consultations/new")
    assert r.status_code == 303
    r = _ask(client, closed, town["offices"]["law_firm"])
    assert r.status_code == 303 and _rows(db) == []
    assert "只能在办理中" in client.get(f"/cases/{closed.reference}").get_data(as_text=True)
    assert "ask-consultation" not in client.get(f"/cases/{closed.reference}").get_data(as_text=True)


def _asked(db, case, user, office, *, now=None, due_on=None, question=QUESTION):
    consultation = ask(case, user, office.id, question, due_on, now or utcnow(), current_town())
    db.session.commit()
    return consultation


def test_who_may_answer(client, db, users, login, town, case):
    c = _asked(db, case, users["mediator"], town["offices"]["police_station"])
    url = f"/cases/{case.reference}/consultations/{c.id}/answer"
    for role, status in (("lawyer", 403), ("other_mediator", 403), ("mediator", 403), ("supervisor", 403),
                         ("village_mediator", 404), ("viewer", 403), ("admin", 403)):
        login(users[role])
        assert client.post(url, data={"answer": "我来答"}).status_code == status, role
    assert _rows(db)[0].answered_at is None and _events(db, case, "answer_consultation") == []
    login(users["liaison"])
    assert client.get(f"/cases/{case.reference}/consultations/{c.id + 1000}/answer").status_code == 404
    other = _asked(db, case, users["mediator"], town["offices"]["law_firm"])
    assert client.get(f"/cases/{case.reference}/consultations/{other.id}/answer").status_code == 403


def test_an_empty_answer_is_a_form_error_and_a_second_answer_is_refused(client, db, users, login, town, case):
    c = _asked(db, case, users["mediator"], town["offices"]["police_station"])
    url = f"/cases/{case.reference}/consultations/{c.id}/answer"
    login(users["liaison"])
    r = client.post(url, data={"answer": "  "})
    assert r.status_code == 422 and "invalid-feedback" in r.get_data(as_text=True)
    assert _rows(db)[0].answered_at is None
    assert client.post(url, data={"answer": "第一次答复"}).status_code == 303
    r = client.post(url, data={"answer": "第二次答复"}, follow_redirects=True)
    assert "已经答复" in r.get_data(as_text=True)  # "This question has already been answered; ..."
    [row] = _rows(db)
    assert row.answer == "第一次答复" and len(_events(db, case, "answer_consultation")) == 1
    assert client.get(url).status_code == 303


def test_the_judicial_office_is_answered_by_a_supervisor(client, db, users, login, town, make_case):
    led_by_police = make_case(Status.IN_MEDIATION, lead="police_station", co=(), mediator=None)
    login(users["liaison"])
    assert _ask(client, led_by_police, town["offices"]["judicial_office"], question="是否属于人民调解受理范围？").status_code == 303
    [c] = _rows(db)
    assert _notices(db, "consultation_asked") == [(users["supervisor"].id, led_by_police.id)]
    login(users["supervisor"])
    assert "是否属于人民调解受理范围" in client.get("/cases/consultations/").get_data(as_text=True)
    r = client.post(f"/cases/{led_by_police.reference}/consultations/{c.id}/answer", data={"answer": "属于"})
    assert r.status_code == 303 and _rows(db)[0].answered_by_id == users["supervisor"].id
    assert _notices(db, "consultation_answered") == [(users["liaison"].id, led_by_police.id)]


def test_a_closed_case_is_not_answered_any_more(client, db, users, login, town, make_case):
    case = make_case(Status.IN_MEDIATION)
    c = _asked(db, case, users["mediator"], town["offices"]["police_station"])
    db.session.execute(update(Case).where(Case.id == case.id).values(status="closed"))
    db.session.commit()
    login(users["liaison"])
    r = client.post(f"/cases/{case.reference}/consultations/{c.id}/answer", data={"answer": "答复"})
    assert r.status_code == 303 and _rows(db)[0].answered_at is None
    assert case.reference not in client.get("/cases/consultations/").get_data(as_text=True)


def test_only_the_consulted_offices_liaisons_see_the_case(client, db, users, login, town, case, make_user):
    _asked(db, case, users["mediator"], town["offices"]["police_station"])
    login(users["liaison"])
    assert client.get(f"/cases/{case.reference}").status_code == 200
    assert client.get(f"/reports/cases/{case.reference}/file").status_code == 200
    login(users["village_mediator"])
    assert client.get(f"/cases/{case.reference}").status_code == 404
    police_mediator = make_user("mediator", "police_station")  # only the office's liaisons answer
    login(police_mediator)
    assert client.get(f"/cases/{case.reference}").status_code == 404


def test_after_the_answer_the_liaison_no_longer_sees_the_case_but_keeps_the_question(client, db, users, login,
                                                                                     town, case):
    c = _asked(db, case, users["mediator"], town["offices"]["police_station"])
    liaison = users["liaison"]
    login(liaison)
    queue = client.get("/cases/consultations/").get_data(as_text=True)
    assert f'href="/cases/{case.reference}#consultation-{c.id}"' in queue  # open: linked, the case opens
    r = client.post(f"/cases/{case.reference}/consultations/{c.id}/answer", data={"answer": "可以适当减少违约金"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/cases/consultations/#answered-consultations")
    assert _rows(db)[0].answered_by_id == liaison.id
    for url in (f"/cases/{case.reference}", f"/reports/cases/{case.reference}/file",
                f"/cases/{case.reference}/consultations/new"):
        assert client.get(url).status_code == 404, url
    # Opened before the answer: told it is answered, in the queue; not a 404, and nothing changed.
    again = client.post(f"/cases/{case.reference}/consultations/{c.id}/answer", data={"answer": "再答"},
                        follow_redirects=True)
    assert again.status_code == 200 and "已经答复" in again.get_data(as_text=True)
    assert _rows(db)[0].answer == "可以适当减少违约金"
    queue = client.get("/cases/consultations/").get_data(as_text=True)
    answered = queue.split('id="answered-consultations"')[1]
    assert f'data-id="{c.id}"' in answered and "违约金约定是否过高" in answered and "可以适当减少违约金" in answered
    assert case.reference in answered and f'href="/cases/{case.reference}' not in queue  # no link to a 404
    # Still open to those who work it, and the question with it.
    login(users["lawyer"])
    assert client.get(f"/cases/{case.reference}").status_code == 200
    assert f'href="/cases/{case.reference}#consultation-{c.id}"' not in client.get(
        "/cases/consultations/").get_data(as_text=True)  # a question to the police station: not in their queue


def test_a_closed_case_is_not_seen_by_the_asked_office_while_its_question_waits(client, db, users, login, town,
                                                                                make_case):
    case = make_case(Status.IN_MEDIATION)
    _asked(db, case, users["mediator"], town["offices"]["police_station"])
    login(users["liaison"])
    assert client.get(f"/cases/{case.reference}").status_code == 200
    db.session.execute(update(Case).where(Case.id == case.id).values(status="closed"))
    db.session.commit()
    assert client.get(f"/cases/{case.reference}").status_code == 404


def test_a_liaison_finds_the_question_they_asked_in_their_queue(client, db, users, login, town, case):
    lawyer = users["lawyer"]  # the co-office's liaison
    login(lawyer)
    assert _ask(client, case, town["offices"]["police_station"], question="派出所是否已出具情况说明？").status_code == 303
    [c] = _rows(db)
    queue = client.get("/cases/consultations/").get_data(as_text=True)
    assert f'data-id="{c.id}"' in queue.split('id="answered-consultations"')[0] and "是否已出具情况说明" in queue
    assert f'href="/cases/{case.reference}#consultation-{c.id}"' in queue  # their office works the case
    login(users["liaison"])
    assert client.post(f"/cases/{case.reference}/consultations/{c.id}/answer",
                       data={"answer": "已出具"}).status_code == 303
    login(lawyer)
    answered = client.get("/cases/consultations/").get_data(as_text=True).split('id="answered-consultations"')[1]
    assert f'data-id="{c.id}"' in answered and "已出具" in answered
    login(users["other_mediator"])  # a mediator: the ones they asked only
    assert f'data-id="{c.id}"' not in client.get("/cases/consultations/").get_data(as_text=True)


def test_the_queue_lists_overdue_first_then_by_due_date_for_each_reader(client, db, users, login, town, make_case):
    now = utcnow()
    police, law_firm = town["offices"]["police_station"], town["offices"]["law_firm"]
    a, b, c = (make_case(Status.IN_MEDIATION) for _ in range(3))
    later = _asked(db, a, users["mediator"], police, now=now, due_on=(now + timedelta(days=9)).astimezone(SH).date())
    late = _asked(db, b, users["mediator"], police, now=now - timedelta(days=10), question="早就该答复的问题")
    db.session.execute(update(Consultation).where(Consultation.id == late.id).values(due_at=now - timedelta(days=2)))
    soon = _asked(db, c, users["supervisor"], police, now=now, due_on=(now + timedelta(days=1)).astimezone(SH).date())
    to_lawyers = _asked(db, c, users["mediator"], law_firm, now=now)
    db.session.commit()
    login(users["liaison"])
    html = client.get("/cases/consultations/").get_data(as_text=True)
    open_part = html.split('id="answered-consultations"')[0]
    ids = [int(i) for i in re.findall(r'<tr class="consultation [^"]*" data-id="(\d+)"', open_part)]
    assert ids == [late.id, soon.id, later.id]  # not the law firm's
    assert 'data-id="%s"' % late.id in open_part and "table-danger" in open_part.split(f'data-id="{late.id}"')[0][-200:]
    assert "逾期未反馈" in open_part  # consultation_state overdue
    login(users["supervisor"])
    html = client.get("/cases/consultations/").get_data(as_text=True)
    assert f'data-id="{to_lawyers.id}"' in html  # supervisors: all
    login(users["other_mediator"])  # a mediator: the ones they asked (none)
    assert "data-id=" not in client.get("/cases/consultations/").get_data(as_text=True)
    for role in ("viewer", "admin"):
        login(users[role])
        assert client.get("/cases/consultations/").status_code == 403


def test_the_queue_takes_a_fixed_number_of_queries(client, db, users, login, town, make_case, count_queries):
    police = town["offices"]["police_station"]
    login(users["supervisor"])

    def add(n):
        for i in range(n):
            case = make_case(Status.IN_MEDIATION)
            c = _asked(db, case, users["mediator"], police)
            if i % 2:
                c.answer, c.answered_by_id, c.answered_at = "答复", users["liaison"].id, utcnow()
        db.session.commit()

    add(2)
    client.get("/cases/consultations/")  # warm up
    with count_queries() as few:
        assert client.get("/cases/consultations/").status_code == 200
    add(6)
    with count_queries() as more:
        html = client.get("/cases/consultations/").get_data(as_text=True)
    assert html.count('data-id="') == 8
    assert len(more) == len(few), "\n".join(more)


def test_the_case_page_takes_a_fixed_number_of_queries_whatever_the_questions(client, db, users, login, town,
                                                                                case, count_queries):
    login(users["mediator"])
    url = f"/cases/{case.reference}"
    _asked(db, case, users["mediator"], town["offices"]["police_station"])
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for office in ("law_firm", "police_station", "judicial_office"):
        _asked(db, case, users["mediator"], town["offices"][office])
    with count_queries() as more:
        html = client.get(url).get_data(as_text=True)
    assert html.count('class="mb-2 pb-2 border-bottom consultation ') == 4
    # The timeline grows by an event per question but is one query; the questions are one query.
    assert len(more) == len(few), "\n".join(more[len(few):])


def test_the_weekly_handout_lists_unanswered_questions_overdue_first(client, db, users, login, town, make_case):
    now = utcnow()
    police, law_firm = town["offices"]["police_station"], town["offices"]["law_firm"]
    a, b = make_case(Status.IN_MEDIATION), make_case(Status.IN_MEDIATION, co=("police_station",))
    waiting = _asked(db, a, users["mediator"], law_firm, now=now)
    late = _asked(db, b, users["mediator"], police, now=now - timedelta(days=6))
    db.session.execute(update(Consultation).where(Consultation.id == late.id).values(due_at=now - timedelta(days=3)))
    answered = _asked(db, a, users["mediator"], police, now=now)
    answered.answer, answered.answered_by_id, answered.answered_at = "答复", users["liaison"].id, now
    db.session.commit()
    login(users["supervisor"])
    html = client.get("/reports/weekly").get_data(as_text=True)
    section = html.split('id="consultations-list"')[1].split("</table>")[0]
    rows = re.findall(r'<tr data-ref="([^"]+)"', section)
    assert rows == [b.reference, a.reference]  # overdue first; the answered one not listed
    late_row = section.split(f'data-ref="{b.reference}"')[1].split("</tr>")[0]
    assert police.name in late_row and '<td class="num">3</td>' in late_row
    assert "难题会诊" in html.split('id="consultations"')[1][:200]
    # A liaison's handout covers the cases its office sees: the law firm works a only; the police
    # station works b, and saw a only while its own question on it waited for an answer.
    login(users["lawyer"])
    html = client.get("/reports/weekly").get_data(as_text=True)
    section = html.split('id="consultations-list"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-ref="([^"]+)"', section) == [a.reference]
    login(users["liaison"])
    section = client.get("/reports/weekly").get_data(as_text=True).split('id="consultations-list"')[1]
    assert re.findall(r'<tr data-ref="([^"]+)"', section.split("</table>")[0]) == [b.reference]
    db.session.execute(update(Consultation).where(Consultation.id == answered.id)
                       .values(answer=None, answered_by_id=None, answered_at=None))
    db.session.commit()  # the police station's question on a waits again: the case is theirs to see
    section = client.get("/reports/weekly").get_data(as_text=True).split('id="consultations-list"')[1]
    assert re.findall(r'<tr data-ref="([^"]+)"', section.split("</table>")[0]) == [
        b.reference, a.reference, a.reference]


def test_the_weekly_handout_is_scoped_to_the_reader(client, db, users, login, town, make_case):
    theirs = make_case(Status.IN_MEDIATION, lead="vc_qianqiao", co=(), mediator="village_mediator")
    _asked(db, theirs, users["village_mediator"], town["offices"]["judicial_office"])
    login(users["lawyer"])  # the law firm neither works it nor was asked
    section = client.get("/reports/weekly").get_data(as_text=True).split('id="consultations-list"')[1]
    assert theirs.reference not in section.split("</table>")[0]


def test_the_pages_are_in_chinese(client, db, users, login, town, case):
    for n, user in enumerate(users.values()):
        user.display_name = f"用户{n}"  # the fixtures' names are English
    db.session.commit()
    c = _asked(db, case, users["mediator"], town["offices"]["police_station"])
    login(users["liaison"])
    urls = ["/cases/consultations/", f"/cases/{case.reference}", f"/cases/{case.reference}/consultations/{c.id}/answer"]
    found = [f for url in urls for f in findings_of(url, client.get(url).get_data(as_text=True))]
    found += findings_of("empty answer", client.post(urls[2], data={"answer": ""}).get_data(as_text=True))
    login(users["mediator"])
    ask_url = f"/cases/{case.reference}/consultations/new"
    found += findings_of(ask_url, client.get(ask_url).get_data(as_text=True))
    found += findings_of("past day", _ask(client, case, town["offices"]["law_firm"], due_on="2020-01-01")
                         .get_data(as_text=True))
    login(users["supervisor"])
    found += findings_of("weekly", client.get("/reports/weekly").get_data(as_text=True))
    assert found == []
