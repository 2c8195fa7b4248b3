"""Dispute-mediation case management for a town's mediation network."""
import logging
import os

from flask import Flask, current_app, g, make_response, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

import config

from . import cli, models, templating  # models: every model registered before migrations look
from .admin.accounts import bp as accounts_bp
from .admin.risk_views import bp as risk_rules_bp
from .admin.audit_views import bp as audit_bp
from .admin.views import bp as admin_bp
from .api import cli as api_cli
from .api.admin_views import bp as api_admin_bp
from .api.auth import database_busy
from .api.views import bp as api_bp
from .api.views import busy as api_busy
from .auth import audit, audit_cli
from .auth.sessions import enforce_session_limits
from .auth.views import bp as auth_bp
from .cases.views import bp as cases_bp
from .db import utcnow
from .extensions import babel, bootstrap, csrf, db, login_manager, migrate
from .intake.import_views import allow_large_uploads
from .intake.import_views import bp as imports_bp
from .intake.views import bp as intake_bp
from .jobs import cli as jobs_cli
from .lookup.views import bp as lookup_bp
from .meetings.views import bp as meetings_bp
from .notifications.views import bp as notifications_bp
from .reports.views import bp as reports_bp
from .reports import ministry_views, performance_views  # noqa: F401  (their routes are on the reports blueprint)
from .reports.queue_export import bp as queue_export_bp
from .supervision.views import bp as dashboard_bp
from .review.views import bp as review_bp
from .reports.review_views import bp as review_exports_bp
from .screening.views import bp as screening_bp
from .hotspots.views import bp as hotspots_bp

log = logging.getLogger(__name__)


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_path=_instance_path())
    config_class = config.CONFIGS[config_name or os.environ.get("MEDIATION_CONFIG", "development")]
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    if hasattr(config_class, "validate"):
        config_class.validate()
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def _instance_path() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance")


def select_locale() -> str:
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    app.before_request(allow_large_uploads)  # before CSRF's check, which reads the form
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)


@event.listens_for(Engine, "connect")
def _connection_settings(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, real foreign keys, waiting on a lock instead of failing.
    PostgreSQL: a row lock is waited for 5 s at most, as on SQLite, then the request answers 503
    (without it a blocked request waits until gunicorn kills its worker)."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            if cursor.fetchone()[0] == "0":  # not set by the connection's own options
                cursor.execute("SET lock_timeout = '5s'")
        dbapi_connection.commit()
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # 5 s: under concurrent intake a writer can queue for 1-2 s (SQLite polls for the lock,
        # it does not queue fairly); waiting longer than 5 s means a long transaction holds the
        # lock, and the request answers 503 with Retry-After rather than holding its worker.
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    csrf.exempt(api_bp)  # bearer-token clients, no cookies: CSRF does not apply
    for blueprint in (auth_bp, cases_bp, intake_bp, imports_bp, admin_bp, accounts_bp, risk_rules_bp, api_bp, api_admin_bp,
                      notifications_bp, dashboard_bp, meetings_bp, reports_bp, audit_bp, queue_export_bp, lookup_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(review_bp)
    app.register_blueprint(review_exports_bp)
    app.register_blueprint(screening_bp)
    app.register_blueprint(hotspots_bp)


def register_errorhandlers(app: Flask) -> None:
    def render_error(code: int, message: str):
        return render_template("errors/error.html", code=code, message=message), code

    app.register_error_handler(400, lambda e: render_error(400, _("The request could not be understood.")))
    app.register_error_handler(CSRFError, lambda e: render_error(
        400, _("The form expired. Go back, reload the page and submit again.")))
    app.register_error_handler(403, lambda e: render_error(403, _("You may not open this page.")))
    app.register_error_handler(404, lambda e: render_error(404, _("Not found.")))
    app.register_error_handler(413, lambda e: render_error(413, _("The upload is too large.")))

    def busy(e: DBAPIError):
        """A busy database (lock held elsewhere, deadlock, serialization failure) is 503, not 500:
        the transaction is rolled back, so nothing is half-written, and the same request may be
        sent again after Retry-After. JSON under /api/, the error page elsewhere."""
        db.session.rollback()
        log.warning("database busy: %s %s: %s", request.method, request.path, getattr(e, "orig", e))
        if request.path.startswith("/api/"):
            return api_busy()
        response = make_response(render_error(503, _("The system is busy; nothing was saved. "
                                                      "Wait a moment and try again.")))
        response.headers["Retry-After"] = "1"
        return response

    def database_error(e: DBAPIError):
        if database_busy(e):
            return busy(e)
        raise e  # anything else is a real error: Flask's usual handling (500, or raised in tests)

    def server_error(e):
        if database_busy(getattr(e, "original_exception", None)):  # raised where no handler caught it
            return busy(e.original_exception)
        db.session.rollback()
        log.exception("unhandled error")
        return render_error(500, _("Something went wrong on our side; nothing was saved."))

    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(500, server_error)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _language_and_session():
        if request.args.get("lang") in app.config["LANGUAGES"]:
            session["lang"] = request.args["lang"]
        return enforce_session_limits()

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Every answer but a static file may carry personal data: error pages and 404s too.
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["PREFERRED_URL_SCHEME"] == "https":  # production: served over TLS only
            response.headers.setdefault("Strict-Transport-Security", app.config["HSTS"])
        return response

    @app.after_request
    def _audit_refusals_and_api_calls(response):
        return audit_request(response)


REFUSED = (403, 404)
# The API's public description: no token, no data, the same for everyone (and served by apps
# without a database, e.g. to generate clients).
UNAUDITED_ENDPOINTS = frozenset({"api.openapi_document"})


def audit_request(response):
    """Refused access (403, 404) of a signed-in user or a channel client, and every API call: one
    audit row per request, in its own transaction after the view's. A 503 (busy database) is only
    logged: its row would wait on the same lock, and the client retries anyway."""
    status = response.status_code
    api = request.path.startswith("/api/")
    client = g.get("api_client")
    user = current_user if current_user.is_authenticated else None
    refused = status in REFUSED and (user is not None or client is not None)
    if not (api or refused) or request.endpoint in UNAUDITED_ENDPOINTS:
        return response
    details = {"method": request.method, "path": request.path[:512], "status": status}
    if client is not None:
        details["channel"] = client.channel
    if status == 503:
        log.warning("audit: %s %s answered 503, not recorded (database busy)", request.method, request.path)
        return response
    try:
        db.session.rollback()  # whatever the refused request left unsaved is not the audit's to commit
        audit.record("access_refused" if refused else "api_call", user,
                     "channel_token" if client is not None else None, client.token_id if client else None,
                     at=utcnow(), ip=request.remote_addr, success=status < 400, **details)
        db.session.commit()
    except DBAPIError as exc:
        db.session.rollback()
        if not database_busy(exc):
            raise
        log.warning("audit: database busy, %s %s (%s) not recorded", request.method, request.path, status)
    return response


def register_template_helpers(app: Flask) -> None:
    templating.register(app)


def register_commands(app: Flask) -> None:
    cli.register(app)
    api_cli.register(app)
    jobs_cli.register(app)
    audit_cli.register(app)
