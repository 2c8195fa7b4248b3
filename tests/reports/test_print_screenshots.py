"""The agreement, the acknowledgement and the weekly handout as a real browser prints them:
headless Chromium (Debian's) loads each from a live server, prints it to PDF (page count checked:
one A4 page for the agreement of five clauses and for the receipt) and saves PNG renderings
under test-artifacts/prints/ for a person to look at:

    agreement.png, receipt.png, weekly.png        the sheet as it looks on screen
    agreement.pdf, receipt.pdf, weekly.pdf        Chromium's print

With CI=true the test must run; elsewhere it is skipped only when /usr/bin/chromium is missing.
"""
from pathlib import Path

import pytest

from ..conftest import TEST_PASSWORD
from .conftest import WEEK, local
from .helpers import normalise, page_sizes, page_texts, read_pdf
from .test_weekly import add_visit

PRINTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "prints"


@pytest.fixture
def page(chromium, live_server, users):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 900, "height": 1200})
    page = context.new_page()
    page.goto(live_server + "/login")
    page.fill("input[name=username]", users["supervisor"].username)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("[type=submit]")
    assert "/login" not in page.url, "sign-in failed"
    yield page
    context.close()


def render(page, url: str, name: str):
    """Screenshot the sheet on screen, print to PDF; the PDF, read."""
    PRINTS.mkdir(parents=True, exist_ok=True)
    response = page.goto(url)
    assert response.status == 200, url
    # The sticky toolbar would cover the top of a tall sheet in an element screenshot: out of the way
    # (through the CSSOM, which the page's CSP allows).
    page.evaluate("() => document.querySelector('.toolbar').style.display = 'none'")
    page.locator("main.sheet").screenshot(path=str(PRINTS / f"{name}.png"))
    page.emulate_media(media="print")
    data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    (PRINTS / f"{name}.pdf").write_bytes(data)
    return read_pdf(data)


def one_a4_page(pdf):
    sizes = page_sizes(pdf)
    assert len(sizes) == 1, f"{len(sizes)} pages"
    assert abs(sizes[0][0] - 595) <= 1 and abs(sizes[0][1] - 842) <= 1, sizes


def test_the_agreement_and_the_receipt_print_on_one_page_each(page, live_server, agreement_case):
    case = agreement_case(5)
    pdf = render(page, f"{live_server}/reports/cases/{case.reference}/agreement", "agreement")
    one_a4_page(pdf)
    text = normalise(page_texts(pdf)[0])
    assert normalise("本协议书一式四份") in text and normalise("盖章处") in text

    pdf = render(page, f"{live_server}/reports/cases/{case.reference}/receipt", "receipt")
    one_a4_page(pdf)
    text = normalise(page_texts(pdf)[0])
    assert normalise("受理回执") in text and case.reference in text
    assert normalise("李四") not in text  # the other parties are masked


def test_the_weekly_handout(page, live_server, weekly_world, db, users):

    for key, verdict in (("c1", "satisfied"), ("c2", "satisfied"), ("c3", "fairly_satisfied")):
        add_visit(db, weekly_world.cases[key], local(2026, 11, 12, 10, 0), verdict, users["mediator"])
    pdf = render(page, f"{live_server}/reports/weekly?week={WEEK}&meeting={weekly_world.meeting.id}", "weekly")
    texts = [normalise(t) for t in page_texts(pdf)]
    assert normalise("内部资料注意保存") in texts[0] and normalise("年第1期") in texts[0]
    assert normalise("本周回访满意度：满意2、基本满意1、不满意0（满意率100.0%）") in texts[0]
    assert normalise("签约律师事务所") in texts[-1]  # the law firm signs too
