"""督办 as a loop: supervising notifies who must act, the mediator answers (反馈) on the case page, the
answer is on the timeline and reaches the supervisor, the dashboard counts answered / awaited / late,
and closing a case with an open 督办 asks for the answer first."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from mediation.auth.models import User
from mediation.cases.models import Case, Supervision, TimelineEvent
from mediation.cases.services import answer_supervision, notify_supervised, perform
from mediation.core.errors import TransitionRefused
from mediation.core.lifecycle import Action, Payload, Status
from mediation.core.vocab import Outcome
from mediation.db import utcnow
from mediation.notifications.models import Notification
from mediation.organisation.town import current_town

ANSWER = "已约谈双方，下周三再次调解"


def _due(days=5):
    return (utcnow() + timedelta(days=days)).astimezone(current_town().tz).strftime("%Y-%m-%dT%H:%M")


def _supervise(client, case, reason="请于本周内约谈双方"):
    r = client.post(f"/cases/{case.reference}/supervise", data={"version": case.version, "reason": reason,
                                                                "due_at": _due()})
    assert r.status_code == 303, r.get_data(as_text=True)


def _notices(db, kind):
    return sorted(db.session.execute(select(Notification.user_id, Notification.case_id)
                                     .where(Notification.kind == kind)).all())


def test_supervising_notifies_the_mediator_and_the_lead_offices_liaisons(client, db, users, login, make_case,
                                                                        make_user):
    police_liaison2 = make_user("liaison", "police_station")
    led_by_police = make_case(Status.IN_MEDIATION, lead="police_station", co=("judicial_office",))
    login(users["supervisor"])
    _supervise(client, led_by_police)
    db.session.expire_all()
    # The assigned mediator, and the lead office's liaisons; not the judicial office's other mediators
    # (a mediator is assigned), not the co-office's lawyer, not the supervisor who gave it.
    assert _notices(db, "supervised") == sorted([
        (users["mediator"].id, led_by_police.id), (users["liaison"].id, led_by_police.id),
        (police_liaison2.id, led_by_police.id)])
    notice = db.session.scalars(select(Notification).where(Notification.user_id == users["mediator"].id)).one()
    assert notice.details["reason"] == "请于本周内约谈双方" and notice.details["by"] == users["supervisor"].display_name


def test_without_a_mediator_the_lead_offices_mediators_hear_of_it(client, db, users, login, make_case):
    accepted = make_case(Status.ACCEPTED)  # not routed: no lead office, no mediator
    login(users["supervisor"])
    _supervise(client, accepted)
    assert _notices(db, "supervised") == []
    routed = make_case(Status.IN_MEDIATION, lead="vc_qianqiao", co=(), mediator=None)
    _supervise(client, routed)
    db.session.expire_all()
    assert _notices(db, "supervised") == [(users["village_mediator"].id, routed.id)]


def test_bulk_supervise_notifies_each_case(client, db, users, login, make_case):
    a, b = make_case(Status.IN_MEDIATION), make_case(Status.IN_MEDIATION, mediator="other_mediator")
    login(users["supervisor"])
    r = client.post("/supervision/bulk", data={"case": [a.reference, b.reference], "operation": "supervise",
                                               "reason": "本周内约谈双方", "due_at": _due()})
    assert r.status_code == 303
    assert _notices(db, "supervised") == sorted([(users["mediator"].id, a.id), (users["other_mediator"].id, b.id)])


def test_notify_supervised_is_reusable_and_fixed_in_queries(db, users, make_case, count_queries):
    """What a joint meeting's decision (or any other caller) uses: two statements for any number of cases."""
    cases = [make_case(Status.IN_MEDIATION) for _ in range(2)]
    now = utcnow()
    [(c.mediator_id, c.lead_office_id) for c in cases]  # loaded, as a caller in a transaction has them
    users["supervisor"].display_name
    with count_queries() as few:
        assert notify_supervised(cases, users["supervisor"], now, instruction="会议决定督办",
                                 due_at=now + timedelta(days=3)) == 2
    more = [make_case(Status.IN_MEDIATION, mediator=m) for m in ("mediator", "other_mediator") * 4]
    [(c.mediator_id, c.lead_office_id) for c in more]
    users["supervisor"].display_name
    with count_queries() as many:
        assert notify_supervised(more, users["supervisor"], now + timedelta(seconds=1), instruction="会议决定督办",
                                 due_at=now + timedelta(days=3)) == 8
    assert len(few) == len(many) == 2


def test_mediator_answers_on_the_case_page(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    _supervise(client, case)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.supervision_due_at is not None and case.next_stage in ("supervision", "conclude", "reply")
    login(users["mediator"])
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert 'id="answer-supervision"' in page and "Awaiting an answer" in page
    r = client.post(f"/cases/{case.reference}/supervision/answer", data={"version": case.version, "answer": ANSWER})
    assert r.status_code == 303
    db.session.expire_all()
    supervision = db.session.scalars(select(Supervision)).one()
    assert (supervision.answer, supervision.answered_by_id) == (ANSWER, users["mediator"].id)
    assert supervision.answered_at is not None and supervision.done_at == supervision.answered_at
    case = db.session.get(Case, case.id)
    assert case.supervision_due_at is None and case.status == Status.IN_MEDIATION.value
    event = case.timeline[-1]
    assert (event.action, event.details["answer"], event.actor_id) == ("answer_supervision", ANSWER,
                                                                      users["mediator"].id)
    assert event.at == supervision.answered_at  # one transaction, one moment
    # The supervisor who gave it hears of it; the page shows the answer and no form any more.
    assert _notices(db, "supervision_answered") == [(users["supervisor"].id, case.id)]
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert ANSWER in page and 'id="answer-supervision"' not in page and "supervision-answered" in page
    # Answering again: nothing open.
    r = client.post(f"/cases/{case.reference}/supervision/answer", data={"version": case.version, "answer": "再答"})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(TimelineEvent)
                             .where(TimelineEvent.action == "answer_supervision")) == 1


@pytest.mark.parametrize("role,status", [("supervisor", 403), ("other_mediator", 403), ("viewer", 403),
                                         ("village_mediator", 404), ("lawyer", 303), ("mediator", 303)])
def test_who_may_answer(client, db, users, login, make_case, role, status):
    case = make_case(Status.IN_MEDIATION)  # lead judicial office, co law firm (the lawyer's office)
    login(users["supervisor"])
    _supervise(client, case)
    login(users[role])
    r = client.post(f"/cases/{case.reference}/supervision/answer", data={"version": case.version + 1,
                                                                         "answer": ANSWER})
    assert r.status_code == status
    db.session.expire_all()
    answered = db.session.scalar(select(Supervision.answer))
    assert answered == (ANSWER if status == 303 else None)


def test_blank_answer_is_a_form_error(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    _supervise(client, case)
    login(users["mediator"])
    assert client.get(f"/cases/{case.reference}/supervision/answer").status_code == 200
    r = client.post(f"/cases/{case.reference}/supervision/answer?lang=en", data={"version": case.version + 1,
                                                                                 "answer": "   "})
    assert r.status_code == 422 and "This field is required." in r.get_data(as_text=True)
    r = client.post(f"/cases/{case.reference}/supervision/answer", data={"version": case.version, "answer": ANSWER})
    assert r.status_code == 409  # the form was opened before the supervision: stale, nothing saved
    assert db.session.scalar(select(Supervision.answer)) is None


def test_answer_page_without_open_supervision_redirects(client, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["mediator"])
    r = client.get(f"/cases/{case.reference}/supervision/answer")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/cases/{case.reference}")


def test_closing_with_an_open_supervision_asks_for_the_answer(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    make_case.act(case, Action.LOG_SESSION)
    db.session.commit()
    login(users["supervisor"])
    _supervise(client, case)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    login(users["mediator"])
    form = client.get(f"/cases/{case.reference}/close?lang=en").get_data(as_text=True)
    assert 'name="answer"' in form and "请于本周内约谈双方" in form
    data = {"version": case.version, "outcome": "withdrawn"}
    r = client.post(f"/cases/{case.reference}/close?lang=en", data=data)
    assert r.status_code == 422 and "This field is required." in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == Status.IN_MEDIATION.value
    assert db.session.scalar(select(Supervision.done_at)) is None
    r = client.post(f"/cases/{case.reference}/close", data={**data, "answer": "申请人撤回申请，督办事项已落实"})
    assert r.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    supervision = db.session.scalars(select(Supervision)).one()
    assert case.status == Status.CLOSED.value
    assert supervision.answer == "申请人撤回申请，督办事项已落实" and supervision.done_at == case.closed_at
    assert [e.action for e in case.timeline][-2:] == ["answer_supervision", "close"]
    assert _notices(db, "supervision_answered") == [(users["supervisor"].id, case.id)]


def test_lifecycle_refuses_closing_without_the_answer(db, users, make_case):
    """The rule holds whoever closes (a service, a CLI), not only through the form."""
    case = make_case(Status.IN_MEDIATION)
    make_case.act(case, Action.LOG_SESSION)
    now, town = utcnow(), current_town()
    perform(case, Action.SUPERVISE, users["supervisor"], Payload(reason="督办", due_at=now + timedelta(days=2)),
            now=now, town=town)
    with pytest.raises(TransitionRefused) as refused:
        perform(case, Action.CLOSE, users["mediator"], Payload(outcome=Outcome.WITHDRAWN), now=now, town=town)
    assert refused.value.field == "answer"


def test_close_form_without_open_supervision_has_no_answer_field(client, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["mediator"])
    form = client.get(f"/cases/{case.reference}/close").get_data(as_text=True)
    assert 'name="answer"' not in form


def test_dashboard_counts_and_lists_answered_unanswered_overdue(client, db, users, login, make_case):
    answered, waiting, late = (make_case(Status.IN_MEDIATION) for _ in range(3))
    login(users["supervisor"])
    for case in (answered, waiting, late):
        _supervise(client, case)
    db.session.execute(update(Supervision).where(Supervision.case_id == late.id)
                       .values(due_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    login(users["mediator"])
    client.post(f"/cases/{answered.reference}/supervision/answer",
                data={"version": db.session.get(Case, answered.id).version, "answer": ANSWER})
    login(users["supervisor"])
    page = client.get("/supervision/?lang=en").get_data(as_text=True)
    for state, n in (("answered", 1), ("unanswered", 2), ("overdue", 1)):
        assert f"sv-count-{state} " in page and f'sv-count-{state} {"text-danger" if state == "overdue" else ""}">{n}<' in page
    listed = lambda html: {ref for ref in (answered.reference, waiting.reference, late.reference)  # noqa: E731
                           if f'data-case="{ref}"' in html}
    assert listed(page) == {waiting.reference, late.reference}  # awaited, by default
    assert listed(client.get("/supervision/?supervision=overdue").get_data(as_text=True)) == {late.reference}
    answered_page = client.get("/supervision/?supervision=answered").get_data(as_text=True)
    assert listed(answered_page) == {answered.reference} and ANSWER in answered_page


def test_dashboard_supervision_lists_take_a_fixed_number_of_queries(client, db, users, login, make_case,
                                                                     count_queries):
    def supervise(n):
        now, town = utcnow(), current_town()
        for _ in range(n):
            case = make_case(Status.IN_MEDIATION)
            perform(case, Action.SUPERVISE, users["supervisor"], Payload(reason="督办", due_at=now + timedelta(days=2)),
                    now=now, town=town)
            perform(case, Action.SUPERVISE, users["supervisor"], Payload(reason="再督办", due_at=now + timedelta(days=3)),
                    now=now, town=town)
        db.session.commit()

    login(users["supervisor"])
    supervise(1)
    counts = {}
    for state in ("unanswered", "answered"):
        with count_queries() as few:
            client.get(f"/supervision/?supervision={state}")
        counts[state] = len(few)
    supervise(6)
    for case in db.session.scalars(select(Case)).all()[:4]:
        answer_supervision(case, db.session.get(User, users["mediator"].id), ANSWER, now=utcnow(), town=current_town())
    db.session.commit()
    for state in ("unanswered", "answered"):
        with count_queries() as many:
            client.get(f"/supervision/?supervision={state}")
        assert len(many) == counts[state], state
