"""The rows of the Ministry of Justice's statistics form (core/ministry.py lays them out): one GROUP BY
over the period's closings, whatever the number of cases."""
from datetime import date

from sqlalchemy import case as sql_case, func, select

from ..auth.models import User
from ..cases.models import Case, Party
from ..core.ministry import GROUP_SIZE, MinistryForm, ministry_form
from ..core.statistics import local_bounds
from ..core.town import Town
from ..extensions import db
from .queries import SUCCESS, _closings, _escalation_prevented, _scope, _without_jit


def _persons():
    """The people a case involves: its parties, or the number the channel or mediator gave when more."""
    parties = select(func.count()).where(Party.case_id == Case.id).correlate(Case).scalar_subquery()
    involved = func.coalesce(Case.people_involved, 0)
    greatest = func.greatest if db.engine.dialect.name == "postgresql" else func.max  # SQLite: max(a, b)
    return greatest(parties, involved)


def ministry_rows(first: date, last: date, town: Town, office_id: int | None = None,
                  reader: User | None = None) -> list[tuple]:
    """(category, channel, outcome, cases, amount, criminal cases, criminal persons, petition cases,
    petition persons) for the closings in [first, last], of one lead office (committee) or all."""
    start, end = local_bounds(first, last, town.tz)
    closings = _closings(start, end)
    persons = _persons()
    criminal = _escalation_prevented(closings.c.outcome)
    petition = closings.c.outcome.in_(SUCCESS) & (persons >= GROUP_SIZE)
    stmt = (select(Case.category, Case.channel, closings.c.outcome, func.count(), func.sum(closings.c.amount),
                   func.sum(sql_case((criminal, 1), else_=0)), func.sum(sql_case((criminal, persons), else_=0)),
                   func.sum(sql_case((petition, 1), else_=0)), func.sum(sql_case((petition, persons), else_=0)))
            .join(Case, Case.id == closings.c.case_id).where(_scope(reader))
            .group_by(Case.category, Case.channel, closings.c.outcome))
    if office_id is not None:
        stmt = stmt.where(Case.lead_office_id == office_id)
    _without_jit()
    return db.session.execute(stmt).all()


def ministry_figures(first: date, last: date, town: Town, office_id: int | None = None,
                     reader: User | None = None) -> MinistryForm:
    return ministry_form(ministry_rows(first, last, town, office_id, reader))
