"""The overdue sweep flags 难题会诊 questions past their due date and unanswered: the asked office's
answerers and the asker hear of it once per question, in a fixed number of statements."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mediation.cases.consultation_models import Consultation
from mediation.cases.consultations import ask, answer
from mediation.core.lifecycle import Status
from mediation.jobs import sweeps
from mediation.jobs.runner import run_job
from mediation.notifications.models import Notification
from mediation.organisation.town import current_town

SH = ZoneInfo("Asia/Shanghai")
# Monday 23 November 2026, 09:00 in Shanghai: asked then, due by the end of Thursday 26th (3 working days).
ASKED = datetime(2026, 11, 23, 9, 0, tzinfo=SH).astimezone(timezone.utc)
AFTER_DUE = datetime(2026, 11, 27, 9, 0, tzinfo=SH).astimezone(timezone.utc)


def _ask(db, case, user, office, now=ASKED):
    c = ask(case, user, office.id, "违约金是否过高？", None, now, current_town())
    db.session.commit()
    return c


def _overdue_notices(db):
    return sorted(db.session.execute(select(Notification.user_id, Notification.case_id)
                                     .where(Notification.kind == "consultation_overdue")).all())


def test_an_overdue_question_is_flagged_once_to_the_office_and_the_asker(db, users, town, make_case, make_user):
    police = town["offices"]["police_station"]
    second_liaison = make_user("liaison", "police_station")
    case = make_case(Status.IN_MEDIATION)
    c = _ask(db, case, users["mediator"], police)
    assert c.due_at == datetime(2026, 11, 26, 23, 59, 59, tzinfo=SH)

    assert sweeps.overdue_consultations(c.due_at - timedelta(minutes=1)) == 0  # not yet due
    db.session.commit()
    assert _overdue_notices(db) == []

    assert sweeps.overdue_consultations(AFTER_DUE) == 1
    db.session.commit()
    assert _overdue_notices(db) == sorted([(users["mediator"].id, case.id), (users["liaison"].id, case.id),
                                           (second_liaison.id, case.id)])
    db.session.expire_all()
    assert db.session.get(Consultation, c.id).overdue_notified_at == AFTER_DUE
    # Run again, later: nothing new.
    assert sweeps.overdue_consultations(AFTER_DUE + timedelta(hours=1)) == 0
    db.session.commit()
    assert len(_overdue_notices(db)) == 3


def test_answered_and_closed_cases_questions_are_not_flagged(db, users, town, make_case):
    police = town["offices"]["police_station"]
    answered = _ask(db, make_case(Status.IN_MEDIATION), users["mediator"], police)
    answer(answered, users["liaison"], "已答复", ASKED + timedelta(hours=1))
    db.session.commit()
    closing = make_case(Status.IN_MEDIATION)
    _ask(db, closing, users["mediator"], police)
    sweeps_case = db.session.get(type(closing), closing.id)
    sweeps_case.status = Status.CLOSED.value  # closed before anyone answered: no longer chased
    db.session.commit()
    assert sweeps.overdue_consultations(AFTER_DUE) == 0
    assert _overdue_notices(db) == []


def test_the_judicial_offices_supervisors_hear_of_its_overdue_questions(db, users, town, make_case):
    led_by_police = make_case(Status.IN_MEDIATION, lead="police_station", co=(), mediator=None)
    _ask(db, led_by_police, users["liaison"], town["offices"]["judicial_office"])
    assert sweeps.overdue_consultations(AFTER_DUE) == 1
    db.session.commit()
    assert _overdue_notices(db) == sorted([(users["liaison"].id, led_by_police.id),
                                           (users["supervisor"].id, led_by_police.id)])


def test_a_fixed_number_of_statements_whatever_the_number(db, users, town, make_case, count_queries):
    offices = [town["offices"][k] for k in ("police_station", "law_firm", "judicial_office")]
    _ask(db, make_case(Status.IN_MEDIATION), users["mediator"], offices[0])
    with count_queries() as few:
        assert sweeps.overdue_consultations(AFTER_DUE) == 1
    db.session.commit()
    for i in range(6):
        _ask(db, make_case(Status.IN_MEDIATION), users["mediator"], offices[i % 3])
    later = AFTER_DUE + timedelta(hours=1)
    with count_queries() as more:
        assert sweeps.overdue_consultations(later) == 6
    db.session.commit()
    assert len(more) <= 5 and len(few) <= 5, "\n".join(more)


def test_the_scheduled_overdue_sweep_runs_it(db, users, town, make_case):
    """Through the job runner, as the scheduler calls it: the sweep's firing flags the question."""
    case = make_case(Status.IN_MEDIATION)
    _ask(db, case, users["mediator"], town["offices"]["law_firm"])
    result = run_job("overdue_sweep", AFTER_DUE)
    assert result.status == "ran"
    assert _overdue_notices(db) == sorted([(users["mediator"].id, case.id), (users["lawyer"].id, case.id)])
    assert run_job("overdue_sweep", AFTER_DUE + timedelta(minutes=10)).status == "ran"
    assert len(_overdue_notices(db)) == 2
