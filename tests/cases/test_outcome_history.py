"""Reopening a case keeps its earlier outcome whole (case_outcome_history): in the database, on the
case page and in the case file, masked for those who may not see personal data."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mediation.cases.models import Case, CaseOutcome, CaseOutcomeHistory
from mediation.core.lifecycle import Status

FIRST_AGREEMENT = "被申请人赔偿申请人800元，联系电话13712345678"
FIRST_TERMS = "十日内付清，转账至13712345678绑定账户"
SECOND_AGREEMENT = "被申请人当面道歉并赔偿600元"


def _case(db, reference) -> Case:
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def _post(client, db, reference, action, **data):
    data.setdefault("version", str(_case(db, reference).version))
    response = client.post(f"/cases/{reference}/{action}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


def _page(client, path):
    response = client.get(f"{path}?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def closed_twice(client, db, users, login, make_case):
    """Closed with a written agreement, reopened (not performed), closed again: all through the app."""
    reference = make_case(Status.IN_MEDIATION).reference
    login(users["mediator"])
    _post(client, db, reference, "log_session", held_at="2026-11-26T14:00", method="in_person",
          record="双方同意赔偿")
    _post(client, db, reference, "close", outcome="agreement_written", agreement_text=FIRST_AGREEMENT,
          amount="800", performance_terms=FIRST_TERMS, signed_on="2026-11-26", performance_due_on="2026-12-06")
    _post(client, db, reference, "reopen", reason="被申请人未按期付款")
    _post(client, db, reference, "close", outcome="agreement_written", agreement_text=SECOND_AGREEMENT,
          amount="600", performance_terms="当场付清", signed_on="2026-11-27", performance_due_on="2026-11-27")
    return reference


def test_reopening_keeps_the_first_outcome_whole_in_the_database(closed_twice, db, users):
    case = _case(db, closed_twice)
    assert case.status == Status.CLOSED.value
    assert (case.outcome.agreement_text, case.outcome.amount) == (SECOND_AGREEMENT, Decimal("600.00"))
    [earlier] = case.outcome_history
    assert (earlier.outcome, earlier.agreement_text, earlier.amount, earlier.performance_terms) == (
        "agreement_written", FIRST_AGREEMENT, Decimal("800.00"), FIRST_TERMS)
    assert earlier.closed_by_id == users["mediator"].id and earlier.reopened_by_id == users["mediator"].id
    assert earlier.reopen_reason == "被申请人未按期付款"
    assert earlier.closed_at < earlier.reopened_at < case.outcome.closed_at
    # case_outcomes still holds one row per case, the current one: the statistics count it once.
    assert db.session.scalar(select(func.count()).select_from(CaseOutcome).where(CaseOutcome.case_id == case.id)) == 1
    reopen = [e for e in case.timeline if e.action == "reopen"][0]
    assert reopen.details["previous_outcome"] == "agreement_written"


def test_every_reopening_adds_to_the_history(closed_twice, client, db, users, login):
    login(users["mediator"])
    _post(client, db, closed_twice, "reopen", reason="第二次反悔")
    case = _case(db, closed_twice)
    assert case.outcome is None and case.status == Status.IN_MEDIATION.value
    assert [(h.agreement_text, h.reopen_reason) for h in case.outcome_history] == [
        (FIRST_AGREEMENT, "被申请人未按期付款"), (SECOND_AGREEMENT, "第二次反悔")]


def _in_full(client, path):
    """The page as the person working the case sees it in full: the case page masks until revealed."""
    html = _page(client, path)
    if f'action="{path}/reveal"' in html:
        response = client.post(f"{path}/reveal?lang=en")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
    return html


def test_case_page_and_case_file_show_both_outcomes(closed_twice, client, users, login):
    login(users["mediator"])  # assigned: may see personal data in full
    for path in (f"/cases/{closed_twice}", f"/reports/cases/{closed_twice}/file"):
        html = _in_full(client, path)
        assert "Earlier outcomes (1)" in html, path
        assert SECOND_AGREEMENT in html and FIRST_AGREEMENT in html and FIRST_TERMS in html, path
        assert "800.00" in html and "被申请人未按期付款" in html, path
        assert "2026-11-26" in html and "2026-12-06" in html, path  # the first agreement's dates


def test_earlier_outcomes_are_masked_for_readers_without_personal_data(closed_twice, client, users, login):
    login(users["viewer"])
    for path in (f"/cases/{closed_twice}", f"/reports/cases/{closed_twice}/file"):
        html = _page(client, path)
        assert "Earlier outcomes (1)" in html, path
        assert "13712345678" not in html, path
        assert FIRST_AGREEMENT.replace("13712345678", "137****5678") in html, path
        assert FIRST_TERMS.replace("13712345678", "137****5678") in html, path


def test_a_case_never_closed_twice_shows_no_history(make_case, client, users, login):
    reference = make_case(Status.CLOSED).reference
    login(users["supervisor"])
    assert "Earlier outcomes" not in _page(client, f"/cases/{reference}")
    assert "Earlier outcomes" not in _page(client, f"/reports/cases/{reference}/file")


def test_no_cascade_deletes_the_history(closed_twice, make_case, db):
    relationship = Case.outcome_history.property
    assert not relationship.cascade.delete and not relationship.cascade.delete_orphan
    assert relationship.passive_deletes == "all"
    plain = make_case(Status.CLOSED)  # without history a case can still be deleted (its children cascade)
    db.session.delete(plain)
    db.session.commit()
    case = _case(db, closed_twice)
    db.session.delete(case)
    with pytest.raises(IntegrityError):  # the database refuses: the history's foreign key has no ON DELETE
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CaseOutcomeHistory)) == 1
