"""Lookups of users that several pages need."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..core.vocab import Role
from ..extensions import db
from .models import User


def assignable_users(office_ids=None) -> list[User]:
    """Active mediators and liaisons, with their offices, optionally of some offices only."""
    stmt = (select(User).options(joinedload(User.office))
            .where(User.role.in_([Role.MEDIATOR.value, Role.LIAISON.value]), User.active.is_(True))
            .order_by(User.office_id, User.id))
    if office_ids is not None:
        stmt = stmt.where(User.office_id.in_(office_ids))
    return list(db.session.scalars(stmt))
