"""回访 scheduled at closing and recorded later: the close form's date (the deadline policy's by default)
and method make a scheduled visit and the case's return-visit deadline; recording it fills method,
performance, satisfaction and notes and moves the case to followed up."""
from datetime import date, timedelta

from sqlalchemy import select, update

from mediation.cases.models import Case, ReturnVisit
from mediation.cases.services import perform
from mediation.core.deadlines import end_of_day
from mediation.core.lifecycle import Action, Payload, Status
from mediation.db import utcnow
from mediation.organisation.models import DeadlinePolicy
from mediation.organisation.town import current_town


def _today():
    return utcnow().astimezone(current_town().tz).date()


def _in_mediation_with_session(db, make_case):
    case = make_case(Status.IN_MEDIATION)
    make_case.act(case, Action.LOG_SESSION)
    db.session.commit()
    return case


def _close(client, case, **fields):
    data = {"version": case.version, "outcome": "withdrawn", **fields}
    return client.post(f"/cases/{case.reference}/close", data=data)


def test_close_form_defaults_the_return_visit_from_the_policy(client, db, users, login, make_case):
    case = _in_mediation_with_session(db, make_case)
    login(users["mediator"])
    form = client.get(f"/cases/{case.reference}/close").get_data(as_text=True)
    policy_day = _today() + timedelta(days=15)  # DESIGN.md: 15 calendar days after closing
    assert f'name="return_visit_on" type="date" value="{policy_day.isoformat()}"' in form
    assert '<input checked class="form-check-input" id="visit_method-0" name="visit_method" type="radio" value="phone">' in form
    # The admin changes the policy: the form follows.
    db.session.execute(update(DeadlinePolicy).where(DeadlinePolicy.stage == "follow_up",
                                                    DeadlinePolicy.channel == "").values(days=7))
    db.session.commit()
    try:
        form = client.get(f"/cases/{case.reference}/close").get_data(as_text=True)
        assert f'value="{(_today() + timedelta(days=7)).isoformat()}"' in form
    finally:
        db.session.execute(update(DeadlinePolicy).where(DeadlinePolicy.stage == "follow_up",
                                                        DeadlinePolicy.channel == "").values(days=15))
        db.session.commit()


def test_closing_schedules_the_visit_on_the_chosen_day(client, db, users, login, make_case):
    case = _in_mediation_with_session(db, make_case)
    login(users["mediator"])
    chosen = _today() + timedelta(days=4)
    assert _close(client, case, return_visit_on=chosen.isoformat(), visit_method="visit").status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    visit = db.session.scalars(select(ReturnVisit)).one()
    assert (visit.due_on, visit.method, visit.scheduled_by_id) == (chosen, "visit", users["mediator"].id)
    assert (visit.visited_at, visit.visited_by_id, visit.performance, visit.satisfaction) == (None, None, None, None)
    # The daily reminders read follow_up_by: it is the scheduled day, and the case works towards it.
    assert case.follow_up_by == end_of_day(chosen, current_town().tz)
    assert (case.next_deadline, case.next_stage) == (case.follow_up_by, "follow_up")
    assert case.timeline[-1].details["return_visit_on"] == chosen.isoformat()
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert "return-visit-scheduled" in page and chosen.isoformat() in page and "Home visit" in page
    assert f'/cases/{case.reference}/follow_up' in page


def test_closing_without_a_date_takes_the_policys(client, db, users, login, make_case):
    case = _in_mediation_with_session(db, make_case)
    login(users["mediator"])
    assert _close(client, case).status_code == 303
    db.session.expire_all()
    visit = db.session.scalars(select(ReturnVisit)).one()
    assert visit.due_on == _today() + timedelta(days=15) and visit.method == "phone"


def test_a_return_visit_before_today_is_refused(client, db, users, login, make_case):
    case = _in_mediation_with_session(db, make_case)
    login(users["mediator"])
    r = _close(client, case, return_visit_on=(_today() - timedelta(days=1)).isoformat())
    assert r.status_code == 422
    assert "回访日期不能早于今天" in r.get_data(as_text=True)
    r = _close(client, case, visit_method="carrier_pigeon")
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == Status.IN_MEDIATION.value
    assert db.session.scalars(select(ReturnVisit)).all() == []


def test_recording_the_visit_fills_the_scheduled_one(client, db, users, login, make_case):
    case = _in_mediation_with_session(db, make_case)
    login(users["mediator"])
    _close(client, case, visit_method="sms")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    form = client.get(f"/cases/{case.reference}/follow_up").get_data(as_text=True)
    assert '<input checked class="form-check-input" id="visit_method-2" name="visit_method" type="radio" value="sms">' in form
    r = client.post(f"/cases/{case.reference}/follow_up", data={
        "version": case.version, "visit_method": "phone", "performance": "performed",
        "satisfaction": "fairly_satisfied", "notes": "双方关系平稳"})
    assert r.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    visit = db.session.scalars(select(ReturnVisit)).one()  # filled in, not a second row
    assert case.status == Status.FOLLOWED_UP.value
    assert (visit.method, visit.performance, visit.satisfaction, visit.notes) == (
        "phone", "performed", "fairly_satisfied", "双方关系平稳")
    assert visit.visited_by_id == users["mediator"].id and visit.visited_at == case.timeline[-1].at
    assert case.timeline[-1].details == {"performance": "performed", "visit_method": "phone",
                                         "satisfaction": "fairly_satisfied"}
    assert case.follow_up_by == end_of_day(visit.due_on, current_town().tz)  # still the scheduled day
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert "return-visit-done" in page and "Fairly satisfied" in page and "return-visit-scheduled" not in page


def test_unknown_satisfaction_is_refused(client, db, users, login, make_case):
    case = make_case(Status.CLOSED)
    login(users["mediator"])
    r = client.post(f"/cases/{case.reference}/follow_up", data={
        "version": case.version, "performance": "performed", "satisfaction": "thrilled"})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == Status.CLOSED.value


def test_a_case_closed_before_visits_were_scheduled_still_records_one(db, users, make_case):
    case = make_case(Status.CLOSED)
    db.session.execute(ReturnVisit.__table__.delete())  # as closed before this change: nothing scheduled
    db.session.commit()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    perform(case, Action.FOLLOW_UP, users["mediator"], Payload(performance="partly", satisfaction="dissatisfied"),
            now=utcnow(), town=current_town())
    db.session.commit()
    visit = db.session.scalars(select(ReturnVisit)).one()
    assert (visit.due_on, visit.performance, visit.satisfaction) == (None, "partly", "dissatisfied")


def test_reopening_drops_the_visit_never_made(client, db, users, login, make_case):
    case = make_case(Status.CLOSED)
    assert len(case.return_visits) == 1
    perform(case, Action.REOPEN, users["mediator"], Payload(reason="当事人反映未履行"), now=utcnow(),
            town=current_town())
    db.session.commit()
    assert db.session.scalars(select(ReturnVisit)).all() == []
    case = db.session.get(Case, case.id)
    assert case.follow_up_by is None and case.status == Status.IN_MEDIATION.value


def test_the_schema_ties_a_made_visit_to_its_finding(db, make_case):
    import pytest
    from sqlalchemy.exc import IntegrityError
    case = make_case(Status.CLOSED)
    with pytest.raises(IntegrityError):
        db.session.execute(update(ReturnVisit).where(ReturnVisit.case_id == case.id)
                           .values(visited_at=utcnow()))
        db.session.flush()
    db.session.rollback()


def test_recompute_keeps_the_scheduled_day(client, db, users, login, make_case):
    """A policy change recomputes open cases; a return visit already scheduled stays on its day."""
    from mediation.jobs.recompute import recompute_deadlines
    case = _in_mediation_with_session(db, make_case)
    login(users["mediator"])
    chosen = _today() + timedelta(days=3)
    _close(client, case, return_visit_on=chosen.isoformat())
    recompute_deadlines(utcnow(), current_town())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).follow_up_by == end_of_day(chosen, current_town().tz)
    assert isinstance(chosen, date)


def test_my_cases_lists_my_return_visits_due_in_a_fixed_number_of_queries(client, db, users, login, make_case,
                                                                          count_queries):
    """Closed cases leave "my cases" (open by default), but their return visits due this week stay on it."""
    login(users["mediator"])

    def close_with_visit(days):
        case = _in_mediation_with_session(db, make_case)
        assert _close(client, case, return_visit_on=(_today() + timedelta(days=days)).isoformat(),
                      visit_method="phone").status_code == 303
        return case.reference

    soon = close_with_visit(2)
    later = close_with_visit(20)  # beyond the week: not listed yet

    def page():
        with count_queries() as statements:
            body = client.get("/cases/?scope=mine").get_data(as_text=True)
        return body, len(statements)

    body, few = page()
    section = body.split('id="return-visits-due"', 1)[1].split("</section>", 1)[0]
    assert soon in section and later not in section
    for _ in range(4):
        close_with_visit(1)
    body, many = page()
    assert body.split('id="return-visits-due"', 1)[1].split("</section>", 1)[0].count("/cases/") == 5
    assert few == many
    # Another mediator's visits are not mine; the office scope shows no such list.
    login(users["other_mediator"])
    assert 'id="return-visits-due"' not in client.get("/cases/?scope=mine").get_data(as_text=True)
