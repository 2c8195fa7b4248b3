"""Web hardening (issue #10 item 6): HSTS in production, no server version banner (gunicorn),
`Cache-Control: no-store` on every answer but static files, session cookies HttpOnly, SameSite=Lax
and Secure in production, and nothing inline the CSP would have to allow."""
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import config
from mediation import create_app

REPO = Path(__file__).resolve().parents[1]
HSTS = "max-age=31536000; includeSubDomains"
VERSION = re.compile(r"\d+\.\d+")


@pytest.fixture
def production_app(app, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "p" * 40)
    return create_app("production", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_hsts_in_production_only(client, production_app):
    assert production_app.config["PREFERRED_URL_SCHEME"] == "https"
    r = production_app.test_client().get("/login")
    assert r.status_code == 200 and r.headers["Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in client.get("/login").headers  # development, tests: plain http


def test_hsts_whenever_served_over_https(app, monkeypatch):
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    assert app.test_client().get("/login").headers["Strict-Transport-Security"] == HSTS


def test_csp_and_framing_headers(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_the_app_adds_no_server_header(client):
    """The server in front says what it is: gunicorn without a version (below). Werkzeug's development
    server (`flask run`, never deployed) adds its own with versions, which no app can remove."""
    assert "Server" not in client.get("/login").headers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_version_banner_from_gunicorn(tmp_path):
    """gunicorn.conf.py as deployed, one worker, production config: one Server header, no version."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    env.update({"MEDIATION_CONFIG": "production", "SECRET_KEY": secrets.token_hex(16),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'banner.db'}", "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "1"})
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, headers = time.monotonic() + 30, None
        while headers is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    headers = r.headers
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        assert headers is not None, (tmp_path / "gunicorn.log").read_text()
        servers = headers.get_all("Server")
        assert len(servers) == 1 and not VERSION.search(servers[0]), servers
        assert headers["Strict-Transport-Security"] == HSTS and headers["Cache-Control"] == "no-store"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
        log.close()


def test_no_store_on_every_answer_but_static_files(client, db, users, login):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/no/such/page").headers["Cache-Control"] == "no-store"  # no endpoint at all
    assert client.get("/api/v1/cases").headers["Cache-Control"] == "no-store"  # 401 JSON
    login(users["mediator"])
    assert client.get("/cases/").headers["Cache-Control"] == "no-store"
    assert client.get("/admin/routing").headers["Cache-Control"] == "no-store"  # 403
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = _session_cookie(client.get("/login?lang=en"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http here


def test_session_cookie_is_secure_in_production(production_app):
    cookie = _session_cookie(production_app.test_client().get("/login?lang=en"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# Nothing inline: the CSP (script-src 'self', style-src 'self', no 'unsafe-inline') would block it.

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
INLINE = {"inline <script>": INLINE_SCRIPT, "event handler attribute": EVENT_HANDLER,
          "style attribute": STYLE_ATTRIBUTE, "<style> element": STYLE_ELEMENT}


def inline_violations(html: str) -> list[str]:
    return [f"{kind}: {m.group(0)[:80]}" for kind, pattern in INLINE.items() for m in pattern.finditer(html)]


def test_the_checks_find_what_they_look_for():
    assert inline_violations('<script>alert(1)</script><a href="#" onclick="x()">'
                             '<div style="color:red"><style>p{}</style>') != []
    assert len(inline_violations('<script>alert(1)</script><a href="#" onclick="x()">'
                                 '<div style="color:red"><style>p{}</style>')) == 4
    assert inline_violations('<script src="/static/print.js" defer></script><a data-onclick="1" href="/x">') == []


def test_no_template_has_inline_script_handlers_or_styles():
    found = {}
    for path in sorted((REPO / "templates").rglob("*.html")):
        violations = inline_violations(path.read_text())
        if violations:
            found[str(path.relative_to(REPO))] = violations
    assert found == {}


def test_rendered_pages_have_nothing_inline(client, db, users, login, make_case):
    """What the browser gets, macros and Bootstrap's helpers included."""
    case = make_case()
    login(users["admin"])
    pages = ["/cases/", "/admin/routing", "/admin/calendar", "/admin/deadlines", "/admin/jobs", "/admin/tokens/",
             "/admin/audit/", "/no/such/page"]
    for url in pages:
        r = client.get(url)
        assert r.status_code in (200, 404), url
        assert inline_violations(r.get_data(as_text=True)) == [], url
    login(users["supervisor"])
    for url in (f"/cases/{case.reference}", "/supervision/", "/intake/register"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert inline_violations(r.get_data(as_text=True)) == [], url
