"""Each checklist item passes and fails on a case built through the services; grades by thresholds,
the mandatory items, and the rules' data edited through the admin page."""
import pytest
from sqlalchemy import select

from mediation.core.review import Grade, Item
from mediation.core.vocab import Outcome
from mediation.intake.services import PartyData
from mediation.db import utcnow
from mediation.organisation.town import current_town
from mediation.review.models import CaseReview, ReviewGrade, ReviewItem
from mediation.review.services import review_closed_cases

from tests.factories import VALID_ID, VALID_PHONE


def stored(db, case) -> CaseReview:
    db.session.expire_all()
    return db.session.scalar(select(CaseReview).where(CaseReview.case_id == case.id))


def computed(db, case) -> CaseReview:
    review_closed_cases(utcnow(), current_town(), case_ids=[case.id])
    db.session.commit()
    return stored(db, case)


def test_a_complete_file_scores_100_and_is_excellent(db, build):
    review = computed(db, build(follow_up=True))
    assert review.score == 100 and review.grade == Grade.EXCELLENT
    assert review.items == {code.value: True for code in Item}


def test_return_visit_item_fails_without_a_visit(db, build):
    review = computed(db, build(follow_up=False))
    assert review.items[Item.RETURN_VISIT] is False
    assert all(passed for code, passed in review.items.items() if code != Item.RETURN_VISIT)
    assert review.score == 85 and review.grade == Grade.PASS  # 85 < 90: 合格


def test_deadlines_item_fails_when_accepted_and_concluded_late(db, build):
    case = build(follow_up=True, late=True)
    assert case.accepted_at > case.accept_by and case.closed_at > case.conclude_by
    review = computed(db, case)
    assert review.items[Item.DEADLINES_MET] is False
    assert review.score == 85 and review.grade == Grade.PASS


def test_session_item_fails_for_a_withdrawn_case_without_sessions_and_it_is_mandatory(db, build):
    review = computed(db, build(outcome=Outcome.WITHDRAWN, sessions=0, follow_up=True))
    assert review.items[Item.SESSION_RECORD] is False
    # No agreement: the art. 29 and confirmation items do not apply, they count neither way.
    assert review.items[Item.AGREEMENT_CONTENTS] is None and review.items[Item.CONFIRMATION_NOTICE] is None
    assert review.score == round(100 * 45 / 65)  # registration 15 + visit 15 + deadlines 15, of 65
    assert review.grade == Grade.FAIL  # a failed mandatory item, whatever the score


def test_registration_item_fails_without_a_respondent(db, build):
    only_applicant = [PartyData("张三", "applicant", VALID_PHONE, VALID_ID, "徐行镇小庙村88号")]
    review = computed(db, build(outcome=Outcome.AGREEMENT_ORAL, parties=only_applicant, follow_up=True))
    assert review.items[Item.REGISTRATION] is False
    assert review.items[Item.AGREEMENT_CONTENTS] is True  # an oral agreement, recorded (art. 28)
    assert review.items[Item.CONFIRMATION_NOTICE] is None  # nothing written: no art. 33 notice
    assert review.grade == Grade.FAIL


def test_agreement_item_fails_for_a_written_agreement_without_its_signing_date(db, build):
    """An agreement recorded before the dates were kept (the close form asks for them now)."""
    case = build(follow_up=True)
    case.outcome.signed_on = None
    db.session.commit()
    review = computed(db, case)
    assert review.items[Item.AGREEMENT_CONTENTS] is False
    assert review.score == 75 and review.grade == Grade.FAIL


def test_confirmation_item_fails_without_the_day_of_effect(db, build):
    case = build(follow_up=True)
    case.outcome.effective_on = None
    db.session.commit()
    review = computed(db, case)
    assert review.items[Item.CONFIRMATION_NOTICE] is False
    assert review.score == 90 and review.grade == Grade.EXCELLENT  # not mandatory: 90 is still 优秀


def test_open_cases_are_not_reviewed(db, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    assert review_closed_cases(utcnow(), current_town()) == 0
    assert stored(db, case) is None


def test_the_job_reviews_missing_and_stale_ones_only(db, build, users):
    first, second = build(), build(follow_up=True)
    assert review_closed_cases(utcnow(), current_town()) == 2
    db.session.commit()
    assert review_closed_cases(utcnow(), current_town()) == 0  # nothing changed: nothing to do
    from mediation.cases.services import perform
    from mediation.core.lifecycle import Action, Payload
    perform(first, Action.FOLLOW_UP, users["mediator"], Payload(performance="performed"), now=utcnow(),
            town=current_town())
    db.session.commit()
    assert review_closed_cases(utcnow(), current_town()) == 1  # the case changed: its review is stale
    db.session.commit()
    assert stored(db, first).grade == Grade.EXCELLENT


def test_the_case_page_shows_each_item_with_why(db, build, users, login, client):
    case = build(follow_up=False)
    login(users["supervisor"])
    html = client.get(f"/review/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert 'data-item="return_visit" data-passed="no"' in html
    assert 'data-item="session_record" data-passed="yes"' in html
    assert "No return visit is recorded." in html
    assert 'id="score">85<' in html and 'data-grade="pass"' in html


def test_an_open_case_has_no_review_page(db, make_case, users, login, client):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    assert client.get(f"/review/cases/{case.reference}").status_code == 404


def test_changing_a_threshold_on_the_admin_page_changes_the_grade(db, build, users, login, client):
    case = build(follow_up=False)
    assert computed(db, case).grade == Grade.PASS  # 85
    login(users["admin"])
    response = client.post("/review/rules/grades", data={"excellent": "80", "passing": "50"})
    assert response.status_code == 303
    assert {g.grade: g.min_score for g in db.session.scalars(select(ReviewGrade))} == {
        "excellent": 80, "pass": 50, "fail": 0}
    login(users["supervisor"])
    html = client.get(f"/review/cases/{case.reference}").get_data(as_text=True)
    assert 'id="computed-grade" data-grade="excellent"' in html
    assert stored(db, case).grade == Grade.EXCELLENT


def test_a_bad_threshold_is_a_form_error_and_nothing_is_saved(db, users, login, client):
    login(users["admin"])
    response = client.post("/review/rules/grades", data={"excellent": "50", "passing": "60"})
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    response = client.post("/review/rules/items/return_visit", data={"return_visit-weight": "1000"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(ReviewGrade, "excellent").min_score == 90
    assert db.session.get(ReviewItem, "return_visit").weight == 15


def test_changing_a_weight_on_the_admin_page_changes_the_score(db, build, users, login, client):
    case = build(follow_up=False)
    assert computed(db, case).score == 85
    login(users["admin"])
    response = client.post("/review/rules/items/return_visit",
                           data={"return_visit-weight": "0", "return_visit-active": "y"})
    assert response.status_code == 303
    assert review_closed_cases(utcnow(), current_town()) == 1  # every review before the change is stale
    db.session.commit()
    review = stored(db, case)
    assert review.score == 100 and review.grade == Grade.EXCELLENT


def test_an_item_taken_out_of_use_no_longer_counts(db, build, users, login, client):
    case = build(outcome=Outcome.WITHDRAWN, sessions=0, follow_up=True)
    assert computed(db, case).grade == Grade.FAIL
    login(users["admin"])
    assert client.post("/review/rules/items/session_record",
                       data={"session_record-weight": "20", "session_record-mandatory": "y"}).status_code == 303
    review_closed_cases(utcnow(), current_town())
    db.session.commit()
    review = stored(db, case)
    assert Item.SESSION_RECORD.value not in review.items and review.grade == Grade.EXCELLENT


@pytest.mark.parametrize("role", ["supervisor", "mediator"])
def test_only_admins_edit_the_rules(role, users, login, client):
    login(users[role])
    assert client.get("/review/rules").status_code == 403
    assert client.post("/review/rules/grades", data={"excellent": "80", "passing": "50"}).status_code == 403


def test_the_admin_page_lists_the_rules(users, login, client):
    login(users["admin"])
    html = client.get("/review/rules?lang=en").get_data(as_text=True)
    assert 'id="points-total" colspan="4">100<' in html
    assert 'data-category="征地拆迁" data-grade="excellent"' in html
