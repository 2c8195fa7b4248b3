"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mediation.extensions import db as _db


def test_migrations_match_models(db):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_schema_enforces_state_constraints(db, make_case):
    """The merged ⇔ merged_into rule holds in the database itself, not only in Python."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from mediation.cases.models import Case
    case = make_case()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Case).where(Case.id == case.id).values(status="merged"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Case).where(Case.id == case.id).values(status="rejected", reject_reason=None))
        db.session.flush()
    db.session.rollback()
