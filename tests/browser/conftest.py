"""Browser tests: the session app served by a live werkzeug server, driven by Playwright through
Debian's Chromium (/usr/bin/chromium; no downloaded browser). Screenshots and PDFs are kept under
test-artifacts/browser/ (gitignored)."""
import re
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
TIMEOUT_MS = 10_000


@pytest.fixture
def browser(chromium):
    return chromium


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
