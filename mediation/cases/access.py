"""Who sees which case, and how much of it (DESIGN.md's Roles table), in one place.

Every query for cases goes through `visible_cases`; every object loaded by id goes
through `get_visible_case_or_404`; rows of other tables that point at a case (agenda items,
notices, outcomes) are narrowed with `case_in_scope`, in SQL, so a list keeps its fixed number
of queries.
"""
from flask import abort
from sqlalchemy import Select, and_, exists, false, or_, select, true

from ..auth.models import User
from ..core.lifecycle import OPEN_STATUSES, Actor
from ..core.vocab import Role
from ..extensions import db
from ..forms_common import has_unstorable
from .consultation_models import Consultation
from .models import Case, case_co_offices
from .queries import is_open

SEES_ALL = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.VIEWER})


def visibility_clause(user: User):
    role = user.role_enum
    if role in SEES_ALL:
        return None
    if role in (Role.MEDIATOR, Role.LIAISON):
        co = exists().where(case_co_offices.c.case_id == Case.id,
                            case_co_offices.c.office_id == user.office_id)
        clauses = [Case.lead_office_id == user.office_id, Case.intake_office_id == user.office_id,
                   Case.mediator_id == user.id, co]
        if role == Role.LIAISON:
            # A question to their office (难题会诊): its liaisons open the case to answer it, masked
            # as any office not working it (sees_personal_data), with no action on the case itself;
            # only while it is unanswered and the case open (then it cannot be answered any more).
            clauses.append(and_(is_open(), exists().where(Consultation.case_id == Case.id,
                                                          Consultation.office_id == user.office_id,
                                                          Consultation.answered_at.is_(None))))
        return or_(*clauses)
    return false()


def visible_cases(user: User, assigned_only: bool = False) -> Select:
    """The cases `user` may see; with `assigned_only`, those assigned to them. A case assigned to a
    mediator or liaison is one they see (a branch of their clause), so that needs no visibility
    clause, and the mediator's index then serves it: the clause's ORs would read every case."""
    stmt = select(Case)
    if assigned_only and (user.role_enum in SEES_ALL or user.role_enum in (Role.MEDIATOR, Role.LIAISON)):
        return stmt.where(Case.mediator_id == user.id)
    clause = visibility_clause(user)
    stmt = stmt if clause is None else stmt.where(clause)
    return stmt.where(Case.mediator_id == user.id) if assigned_only else stmt


def case_in_scope(user: User, case_id_column):
    """A WHERE clause: `case_id_column` names a case `user` may see (TRUE for those who see all)."""
    clause = visibility_clause(user)
    return true() if clause is None else case_id_column.in_(select(Case.id).where(clause))


def in_scope(user: User):
    """A WHERE clause on Case itself: the cases `user` may see (TRUE for those who see all)."""
    clause = visibility_clause(user)
    return true() if clause is None else clause


def sees_case(user: User, case_id: int) -> bool:
    """Whether `user` may open the case `case_id` (one query; none for those who see all)."""
    clause = visibility_clause(user)
    return clause is None or db.session.scalar(select(Case.id).where(Case.id == case_id, clause)) is not None


def get_visible_case_or_404(user: User, reference: str) -> Case:
    """404, not 403, for a case the user may not see: its existence is not disclosed."""
    if has_unstorable(reference):  # a NUL is no reference (and PostgreSQL refuses it in a query)
        abort(404)
    stmt = visible_cases(user).where(Case.reference == reference)
    case = db.session.scalars(stmt).first()
    if case is None:
        abort(404)
    return case


def actor_for(user: User, case: Case) -> Actor:
    return Actor(role=user.role_enum,
                 is_assigned_mediator=case.mediator_id == user.id,
                 office_participates=user.office_id in case.office_ids)


def masks_party_names(user: User) -> bool:
    """Town leadership reads statistics and summaries: it sees parties as 张*国."""
    return user.role_enum == Role.VIEWER


def sees_personal_data(user: User, case: Case) -> bool:
    """Full phone, ID number and address only for those who work the case: on the case page after
    an explicit, recorded reveal (masked by default), and on its prints (recorded)."""
    role = user.role_enum
    if role == Role.SUPERVISOR:
        return True
    if role == Role.MEDIATOR:
        # The assigned mediator; and whoever registered a walk-in, until it is routed to someone.
        return case.mediator_id == user.id or (case.registered_by_id == user.id and case.lead_office_id is None
                                               and case.status_enum in OPEN_STATUSES)
    if role == Role.LIAISON:
        return user.office_id in case.office_ids
    return False

