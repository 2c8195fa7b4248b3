"""难题会诊: a mediator (or a supervisor) asks a linked office a question on a hard case, with a due date
from the town's policy (core.deadlines.Stage.CONSULTATION, 3 working days by default); the office's
liaison (for the judicial office, a supervisor too) answers. Each step writes a timeline event on the
case and its notices in the same transaction, and flushes; the caller commits.

Who asks: the supervisors, the case's assigned mediator, and the mediators and liaisons of the offices
working the case (lead and co-offices), while the case is open. Whom: an active law firm, judicial
office or police station, not one the asker answers for. Who answers: the asked office's liaisons, and
for the judicial office its supervisors; once, while the case is open. The asked office's liaisons see
the case (cases/access.py), masked as any office not working it, while a question to their office
is unanswered and the case open; the queue keeps the answered question, without the link."""
import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.models import User
from ..core.deadlines import consultation_due, end_of_day
from ..core.errors import DomainError, N_
from ..core.lifecycle import OPEN_STATUSES
from ..core.permissions import Page, may_open
from ..core.town import Town
from ..core.vocab import OfficeKind, Role
from ..extensions import db
from ..notifications.services import notify_once, supervisor_ids
from ..organisation.models import Office
from .access import visibility_clause
from .consultation_models import Consultation
from .models import Case, TimelineEvent
from .queries import is_open

log = logging.getLogger(__name__)

ASKABLE_KINDS = (OfficeKind.LAW_FIRM.value, OfficeKind.JUDICIAL_OFFICE.value, OfficeKind.POLICE_STATION.value)
MAX_QUESTION = 4000
MAX_ANSWER = 4000
QUEUE_OPEN_LIMIT = 200  # open questions the queue lists (the oldest due first); the count says how many in all
QUEUE_ANSWERED_LIMIT = 20  # recently answered ones below them


class ConsultationRefused(DomainError):
    """Asking or answering is not allowed, or the input is not usable; `field` names the form field."""


# --------------------------------------------------------------------------------------------
# Who may
# --------------------------------------------------------------------------------------------

def may_ask(user: User, case: Case) -> bool:
    """Whether `user` may ask on `case` now: it is open, and `asks_on` holds."""
    return case.status_enum in OPEN_STATUSES and asks_on(user, case)


def asks_on(user: User, case: Case) -> bool:
    """Supervisors; the assigned mediator; mediators and liaisons of an office working the case (whatever its status)."""
    role = user.role_enum
    if role == Role.SUPERVISOR:
        return True
    if role == Role.MEDIATOR:
        return case.mediator_id == user.id or user.office_id in case.office_ids
    if role == Role.LIAISON:
        return user.office_id in case.office_ids
    return False


def answers_for(user: User, office: Office) -> bool:
    """The office's liaisons answer its questions; the judicial office's supervisors answer its own."""
    role = user.role_enum
    if role == Role.LIAISON:
        return user.office_id == office.id
    return role == Role.SUPERVISOR and office.kind == OfficeKind.JUDICIAL_OFFICE.value


def may_answer(user: User, consultation: Consultation) -> bool:
    """Whether `user` may answer this question now (it is open, its case too, and `user` answers for the office)."""
    return (consultation.answered_at is None and consultation.case.status_enum in OPEN_STATUSES
            and answers_for(user, consultation.office))


def askable_offices(user: User) -> list[Office]:
    """The offices `user` may put a question to: active linked offices (三所联动), not one they answer for."""
    offices = db.session.scalars(select(Office).where(Office.active.is_(True), Office.kind.in_(ASKABLE_KINDS))
                                 .order_by(Office.id)).all()
    return [o for o in offices if not answers_for(user, o)]


def default_due_on(now: datetime, town: Town) -> date:
    """The day the town's policy gives for an answer to a question asked at `now` (the form's default)."""
    return consultation_due(now, town.policy, town.calendar, town.tz).at.date()


# --------------------------------------------------------------------------------------------
# Ask and answer
# --------------------------------------------------------------------------------------------

def ask(case: Case, user: User, office_id: int | None, question: str, due_on: date | None, now: datetime,
        town: Town) -> Consultation:
    """Put `question` to the office `office_id` on `case`, due by the end of `due_on` (the policy's day when
    None). Raises ConsultationRefused with nothing changed."""
    if not asks_on(user, case):
        raise ConsultationRefused(N_("You may not ask for a consultation on this case."))
    if case.status_enum not in OPEN_STATUSES:
        raise ConsultationRefused(N_("Questions are asked on open cases only."))
    question = (question or "").strip()
    if not question:
        raise ConsultationRefused(N_("Write the question."), field="question")
    if len(question) > MAX_QUESTION:
        raise ConsultationRefused(N_("Keep the question under %(n)s characters."), field="question", n=MAX_QUESTION)
    office = db.session.get(Office, office_id) if office_id else None
    if office is None or not office.active or office.kind not in ASKABLE_KINDS or answers_for(user, office):
        raise ConsultationRefused(N_("Choose a law firm, judicial office or police station to ask."), field="office")
    today = now.astimezone(town.tz).date()
    if due_on is not None and due_on < today:
        raise ConsultationRefused(N_("The answer cannot be due on a day that has passed."), field="due_on")
    due = end_of_day(due_on, town.tz) if due_on is not None else consultation_due(now, town.policy, town.calendar,
                                                                                   town.tz).at
    consultation = Consultation(case_id=case.id, office_id=office.id, question=question, asked_by_id=user.id,
                                asked_at=now, due_at=due)
    db.session.add(consultation)
    db.session.add(TimelineEvent(case_id=case.id, at=now, actor_id=user.id, action="ask_consultation",
                                 from_status=case.status, to_status=case.status,
                                 details={"office_id": office.id, "office": office.name, "due": due.isoformat(),
                                          "reason": question}))
    case.updated_at = now  # the version moves, as for a 督办 answer: a form opened before this is stale
    db.session.flush()
    recipients = set(answerer_ids([office]).get(office.id, ())) - {user.id}
    notify_once(({"user_id": uid, "case_id": case.id, "kind": "consultation_asked",
                  "details": {"reason": question, "due": due.isoformat(), "by": user.display_name},
                  "dedupe_key": f"consultation_asked:{consultation.id}:{uid}"} for uid in sorted(recipients)), now)
    log.info("case %s: consultation %s asked of %s by %s", case.reference, consultation.id, office.code,
             user.username)
    return consultation


def answer(consultation: Consultation, user: User, text: str, now: datetime) -> Consultation:
    """Record the office's answer; the asker hears of it. Raises ConsultationRefused with nothing changed."""
    case = consultation.case
    if not answers_for(user, consultation.office):
        raise ConsultationRefused(N_("Only the asked office answers this question."))
    if consultation.answered_at is not None:
        raise ConsultationRefused(N_("This question has already been answered; an answer is not changed."))
    if case.status_enum not in OPEN_STATUSES:
        raise ConsultationRefused(N_("This case is no longer open: the question is not answered any more."))
    text = (text or "").strip()
    if not text:
        raise ConsultationRefused(N_("Write the answer."), field="answer")
    if len(text) > MAX_ANSWER:
        raise ConsultationRefused(N_("Keep the answer under %(n)s characters."), field="answer", n=MAX_ANSWER)
    consultation.answer, consultation.answered_by_id, consultation.answered_at = text, user.id, now
    db.session.add(TimelineEvent(case_id=case.id, at=now, actor_id=user.id, action="answer_consultation",
                                 from_status=case.status, to_status=case.status,
                                 details={"office_id": consultation.office_id, "office": consultation.office.name,
                                          "answer": text}))
    case.updated_at = now
    db.session.flush()
    if consultation.asked_by_id != user.id:
        notify_once([{"user_id": consultation.asked_by_id, "case_id": case.id, "kind": "consultation_answered",
                      "details": {"reason": text, "by": user.display_name},
                      "dedupe_key": f"consultation_answered:{consultation.id}:{consultation.asked_by_id}"}], now)
    log.info("case %s: consultation %s answered by %s", case.reference, consultation.id, user.username)
    return consultation


def answerer_ids(offices) -> dict[int, list[int]]:
    """Office id -> the active users who answer its questions (its liaisons; the judicial office's
    supervisors too), in two statements at most for any number of offices."""
    offices = list(offices)
    ids = {o.id for o in offices}
    found: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return found
    for uid, office_id in db.session.execute(select(User.id, User.office_id).where(
            User.office_id.in_(ids), User.active.is_(True), User.role == Role.LIAISON.value)):
        found[office_id].append(uid)
    judicial = [o.id for o in offices if o.kind == OfficeKind.JUDICIAL_OFFICE.value]
    if judicial:
        supervisors = supervisor_ids()
        for office_id in judicial:
            found[office_id].extend(supervisors)
    return found


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

def case_consultations(case_id: int) -> list[Consultation]:
    """One case's questions, oldest first, with who asked and answered and the office: one query."""
    return list(db.session.scalars(
        select(Consultation).where(Consultation.case_id == case_id)
        .options(joinedload(Consultation.office), joinedload(Consultation.asked_by),
                 joinedload(Consultation.answered_by))
        .order_by(Consultation.asked_at, Consultation.id)))


@dataclass(frozen=True)
class ConsultationQueue:
    open: list[Consultation]  # due first (so the overdue ones lead)
    open_total: int
    answered: list[Consultation]  # newest answer first
    visible: frozenset[int] = frozenset()  # ids of the listed questions' cases the reader may open

    def links(self, consultation: Consultation) -> bool:
        """Whether the queue links to the question's case: not to one the reader no longer sees (a 404),
        e.g. a liaison's after their office answered."""
        return consultation.case_id in self.visible


def _queue_scope(user: User):
    """Liaisons: questions to their office and the ones they asked; supervisors: all; mediators: the
    ones they asked."""
    role = user.role_enum
    if role == Role.SUPERVISOR:
        return []
    if role == Role.LIAISON:
        return [or_(Consultation.office_id == user.office_id, Consultation.asked_by_id == user.id)]
    return [Consultation.asked_by_id == user.id]


def queue_for(user: User) -> ConsultationQueue:
    """The consultation queue: open questions of open cases, the oldest due first, and the latest answered;
    three queries whatever the number of rows."""
    scope = _queue_scope(user)
    base = (select(Consultation).join(Case, Case.id == Consultation.case_id)
            .options(contains_eager(Consultation.case), joinedload(Consultation.office),
                     joinedload(Consultation.asked_by), joinedload(Consultation.answered_by)))
    open_rows = list(db.session.scalars(
        base.where(Consultation.answered_at.is_(None), is_open(), *scope)
        .order_by(Consultation.due_at, Consultation.id).limit(QUEUE_OPEN_LIMIT)).unique())
    total = len(open_rows)
    if total == QUEUE_OPEN_LIMIT:  # only when the list is cut is the rest counted
        total = db.session.scalar(select(func.count()).select_from(Consultation).join(
            Case, Case.id == Consultation.case_id).where(Consultation.answered_at.is_(None), is_open(), *scope))
    answered = list(db.session.scalars(
        base.where(Consultation.answered_at.is_not(None), *scope)
        .order_by(Consultation.answered_at.desc(), Consultation.id.desc()).limit(QUEUE_ANSWERED_LIMIT)).unique())
    return ConsultationQueue(open=open_rows, open_total=total, answered=answered,
                             visible=_visible_case_ids(user, {c.case_id for c in open_rows + answered}))


def _visible_case_ids(user: User, case_ids: set[int]) -> frozenset[int]:
    """Which of `case_ids` `user` may open: one query (none for those who see every case, or no case)."""
    clause = visibility_clause(user)
    if clause is None or not case_ids:
        return frozenset(case_ids)
    return frozenset(db.session.scalars(select(Case.id).where(Case.id.in_(case_ids), clause)))


def may_open_queue(user: User) -> bool:
    """The queue is for those who answer (liaisons, supervisors) and those who ask (mediators)."""
    return may_open(user.role, Page.CONSULTATIONS)


@dataclass(frozen=True)
class ConsultationPanel:
    """What the case page shows of its questions: each one, whether `user` may ask, which ones they answer."""

    rows: list[Consultation]
    may_ask: bool
    answerable: frozenset[int]  # ids of the questions the user may answer now

    def __bool__(self) -> bool:
        return bool(self.rows) or self.may_ask


def consultation_panel(case: Case, user: User) -> ConsultationPanel:
    """The case page's 难题会诊 panel: one query (the questions, their offices and people)."""
    rows = case_consultations(case.id)
    for row in rows:
        set_committed_value(row, "case", case)  # already loaded: no query per row
    return ConsultationPanel(rows=rows, may_ask=may_ask(user, case),
                             answerable=frozenset(c.id for c in rows if may_answer(user, c)))
