"""Configuration: SQLite defaults and pragmas, production refusals."""
import pytest
from sqlalchemy import text

import config
from mediation import create_app


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import importlib
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI.endswith("instance/mediation.db")
    finally:
        importlib.reload(config)


def test_sqlite_pragmas(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


@pytest.mark.parametrize("env, message", [
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({}, "SECRET_KEY"),
    ({"SECRET_KEY": "x" * 40, "FLASK_DEBUG": "1"}, "debug"),
])
def test_production_refuses_unsafe_settings(monkeypatch, env, message):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", env.get("SECRET_KEY"))
    with pytest.raises(RuntimeError, match=message):
        create_app("production")


def test_production_starts_with_a_long_key(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "k" * 32)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True and not app.debug
