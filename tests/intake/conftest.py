"""The import tests see the default category keyword rules, as a freshly migrated database does:
the migration seeds them, and the suite empties every table after each test (tests/conftest.py),
so they are loaded again here."""
import pytest

from mediation.intake.services import load_default_category_rules


@pytest.fixture(autouse=True)
def category_rules(db):
    load_default_category_rules()
    db.session.commit()
