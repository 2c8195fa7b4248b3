"""Sign-in under attack and sessions held on the server (issue #10 item 2)."""
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from mediation.auth.models import AuditEvent, User, UserSession
from mediation.db import utcnow

from ..conftest import TEST_PASSWORD


def test_forty_parallel_wrong_passwords_lock_the_account(app, db, users):
    user = users["mediator"]
    username = user.username  # read here: the threads have no app context of the test's

    def attempt(_):
        c = app.test_client()
        return c.post("/login", data={"username": username, "password": "wrong"},
                      environ_base={"REMOTE_ADDR": f"10.0.{_ // 200}.{_ % 200 + 1}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(40)))
    assert set(statuses) <= {200, 503}, statuses
    db.session.expire_all()
    locked = db.session.get(User, user.id)
    assert locked.locked_until is not None and locked.locked_until > utcnow()
    failures = db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "account_locked",
                                                             AuditEvent.object_id == str(user.id)).limit(1))
    assert failures is not None
    # and the right password does not get in while it holds
    assert app.test_client().post("/login", data={"username": username,
                                                  "password": TEST_PASSWORD}).status_code == 200


def test_failures_are_counted_in_the_database_not_in_python(app, db, users):
    """Five wrong passwords through five separate clients (as five workers would) lock."""
    user = users["supervisor"]
    for n in range(5):
        app.test_client().post("/login", data={"username": user.username, "password": f"wrong{n}"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None


def test_one_address_spraying_many_accounts_gets_429(app, client, db, users):
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    for n in range(limit):
        r = client.post("/login", data={"username": f"guess{n}", "password": "Spray-2026!"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert r.status_code == 200
    r = client.post("/login", data={"username": users["mediator"].username, "password": TEST_PASSWORD},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in r.get_data(as_text=True)
    # another address is not held back, and the limit lives in the database (any worker sees it)
    r = app.test_client().post("/login", data={"username": users["mediator"].username, "password": TEST_PASSWORD},
                               environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert r.status_code == 302
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "login_throttled").limit(1))


def test_unknown_users_cost_as_much_as_wrong_passwords(app, db, users):
    """A real hash (the production default) against the dummy one: no username oracle in the timing.
    Without the dummy hash an unknown user answers ~10x faster; the bound leaves room for noise."""
    user = db.session.get(User, users["viewer"].id)
    user.password_hash = generate_password_hash(TEST_PASSWORD)
    db.session.commit()

    def median(username):
        times = []
        for _ in range(5):
            c = app.test_client()
            start = time.perf_counter()
            c.post("/login", data={"username": username, "password": "wrong"},
                   environ_base={"REMOTE_ADDR": "192.0.2.1"})
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    median("nobody-at-all")  # warm-up: the dummy hash is made once
    db.session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None))
    db.session.commit()
    known, unknown = median(user.username), median("nobody-at-all")
    assert unknown > 0.4 * known, (known, unknown)


def test_a_copied_cookie_is_refused_after_logout(app, client, users, login):
    login(users["supervisor"])
    assert client.get("/cases/").status_code == 200
    copied = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    r = thief.get("/cases/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_session_changes_at_sign_in(app, client, users):
    client.get("/login")
    before = client.get_cookie("session")
    client.post("/login", data={"username": users["mediator"].username, "password": TEST_PASSWORD})
    after = client.get_cookie("session").value
    assert before is None or before.value != after
    other = app.test_client()
    other.post("/login", data={"username": users["mediator"].username, "password": TEST_PASSWORD})
    assert other.get_cookie("session").value != after


def test_idle_for_thirty_minutes_ends_the_session(app, client, db, users, login):
    login(users["mediator"])
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    r = client.get("/cases/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert db.session.scalar(select(UserSession.ended_reason)) == "idle"


def test_active_sessions_are_kept_alive_but_not_past_eight_hours(app, client, db, users, login):
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == 8 * 3600
    login(users["mediator"])
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=29),
                                                  created_at=utcnow() - timedelta(hours=7)))
    db.session.commit()
    assert client.get("/cases/").status_code == 200  # 29 minutes idle: still in, and touched
    db.session.expire_all()
    assert utcnow() - db.session.scalar(select(UserSession.last_seen_at)) < timedelta(minutes=1)
    db.session.execute(update(UserSession).values(created_at=utcnow() - timedelta(hours=8, minutes=1)))
    db.session.commit()
    r = client.get("/cases/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert db.session.scalar(select(UserSession.ended_reason)) == "absolute"
