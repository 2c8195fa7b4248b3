"""Browser tests: the session app served by a live werkzeug server, driven by Playwright through
Debian's Chromium (/usr/bin/chromium; no downloaded browser). Screenshots and PDFs are kept under
test-artifacts/browser/ (gitignored)."""
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
TIMEOUT_MS = 10_000


def _unavailable(reason: str):
    """Without the browser: fail on CI (the browser tests must run there), skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} CI must run the browser tests.", pytrace=False)
    pytest.skip(reason)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):  # one line per request only adds noise to failures
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The session app on a free port, one thread per request (each in its own app context)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for this package; stopped when the package is done, because Playwright's sync
    API runs an event loop in this thread and refuses to start a second one (another test starting
    its own `sync_playwright()` while ours runs would fail)."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Debian's Chromium is not at {CHROMIUM} (apt-get install chromium).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The playwright Python package is not installed (pip install -r requirements.txt).")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@pytest.fixture
def artifacts(request):
    """Where this test's screenshots and PDFs go, and a helper that numbers them in order."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = _slug(request.node.name)
    for old in ARTIFACTS.glob(f"{prefix}-*"):  # only this run's files for this test
        old.unlink()

    class Artifacts:
        dir = ARTIFACTS
        count = 0

        def path(self, name: str) -> Path:
            return ARTIFACTS / f"{prefix}-{name}"

        def shot(self, page, name: str) -> Path:
            self.count += 1
            path = self.path(f"{self.count:02d}-{name}.png")
            page.screenshot(path=str(path), full_page=True)
            return path

    return Artifacts()


@pytest.fixture
def new_page(db, browser, live_server, artifacts, request):
    """Open a page in a fresh browser context (own cookies); context options as keywords.
    A failing test leaves a screenshot of each of its pages behind."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "_report_call", None)
    for n, context in enumerate(contexts):
        if report is not None and report.failed:
            for m, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(artifacts.path(f"FAILED-{n}{m}.png")), full_page=True)
                except Exception:  # noqa: BLE001  (the page may be gone; the failure itself matters)
                    pass
        context.close()


@pytest.fixture
def sign_in():
    """Sign in through the real form; `lang` is kept in the session across sign-in."""

    def sign_in_as(page, user, password: str = TEST_PASSWORD, lang: str = "en"):
        page.goto(f"/login?lang={lang}")
        page.fill("#username", user.username)
        page.fill("#password", password)
        page.click("#submit")
        page.wait_for_url(re.compile(r"/cases/"))
        return page

    return sign_in_as


@pytest.fixture
def no_horizontal_scroll():
    def check(page, where: str = ""):
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, f"horizontal scroll on {where or page.url}: scrollWidth {width[0]} > {width[1]}"

    return check
