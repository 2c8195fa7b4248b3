"""Configuration classes. `MEDIATION_CONFIG` picks one: development (default), testing, production."""
import os
import secrets
from datetime import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _dev_secret_key() -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'mediation.db'}"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DEBUG = False
    TESTING = False

    TOWN_NAME = os.environ.get("TOWN_NAME", "徐行镇")
    REFERENCE_PREFIX = os.environ.get("REFERENCE_PREFIX", "XH")
    TIMEZONE = "Asia/Shanghai"

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "mediation" / "translations")
    LANGUAGES = ("zh_CN", "en")

    BOOTSTRAP_SERVE_LOCAL = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, which has its own limits

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 30 * 60  # idle limit, seconds (等保 2.0 session timeout)
    SESSION_ABSOLUTE_LIFETIME = 8 * 3600  # signed in at most this long (a working day), whatever the activity
    LOGIN_MAX_FAILURES = 5  # per account, then locked
    LOGIN_LOCK_MINUTES = 15
    # Per address, whatever the account: password spraying, and one office's NAT still has room.
    LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "20"))
    LOGIN_ADDRESS_WINDOW_MINUTES = 15
    PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))  # 等保 定期更换; 0: never

    # Weekly joint meeting (联席会议) and the jobs before it.
    MEETING_WEEKDAY = int(os.environ.get("MEETING_WEEKDAY", "3"))  # Monday is 0: Thursday
    MEETING_TIME = time.fromisoformat(os.environ.get("MEETING_TIME", "09:00"))
    MEETING_LEAD_HOURS = int(os.environ.get("MEETING_LEAD_HOURS", "24"))
    # The three linked offices (三所联动: police station, judicial office, contracted law firm) and the
    # petition and safety offices.
    MEETING_ATTENDEE_OFFICES = ("police_station", "judicial_office", "law_firm", "petition_office", "safety_office")
    JOBS_SWEEP_SECONDS = int(os.environ.get("JOBS_SWEEP_SECONDS", "600"))
    JOBS_DAILY_AT = time(8, 0)

    # The address parties reach from outside (printed on the 受理回执 as a URL and QR code); empty:
    # the address of the request that printed it.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # The judicial office's phone for parties' questions, printed on the 受理回执.
    ENQUIRY_PHONE = os.environ.get("ENQUIRY_PHONE", "")  # empty: a blank line on the receipt, to fill in by hand

    # Outbound messages (mediation/outbox): SMS to parties, signed callbacks to channels.
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL")  # unset: SMS are recorded only, for the admin to see
    SMS_GATEWAY_TEMPLATE = os.environ.get("SMS_GATEWAY_TEMPLATE",
                                          '{"to": "$to", "text": "$text", "id": "$delivery_id"}')
    SMS_GATEWAY_CONTENT_TYPE = os.environ.get("SMS_GATEWAY_CONTENT_TYPE", "application/json")
    OUTBOX_SECONDS = int(os.environ.get("OUTBOX_SECONDS", "60"))
    OUTBOX_HTTP_TIMEOUT = 5
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_BACKOFF_MINUTES = 1
    OUTBOX_BACKOFF_CAP_MINUTES = 60
    OUTBOX_BATCH = 50
    OUTBOX_MAX_PER_RUN = 500

    # Audit trail: rows are kept at least 180 days (网络安全法 art. 21; the database's triggers refuse
    # deleting younger rows whatever this says), then the daily purge removes them.
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "180"))
    AUDIT_PURGE_AT = time(2, 30)

    # Security headers. HSTS is sent when the app is served over https (PREFERRED_URL_SCHEME).
    HSTS = "max-age=31536000; includeSubDomains"

    PAGE_SIZE = 25
    MAX_CONTENT_LENGTH = 1024 * 1024


class DevelopmentConfig(Config):
    DEBUG = True
    SECRET_KEY = Config.SECRET_KEY or _dev_secret_key()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-32b"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite://"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"  # behind TLS: external URLs and HSTS

    @classmethod
    def validate(cls) -> None:
        """Refuse to start in a state that is unsafe to serve."""
        if cls.DEBUG or os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes"):
            raise RuntimeError("Production config refuses to run with debug on.")
        if not cls.SECRET_KEY or len(cls.SECRET_KEY.encode()) < 32:
            raise RuntimeError("Production config needs SECRET_KEY of at least 32 bytes.")


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}
