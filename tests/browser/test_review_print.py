"""A supervisor opens the month's case-file review sheet (卷宗评查) in a real browser, switches it to
per mediator, and prints it: the print button calls the browser's print, the toolbar is not printed,
and Chromium lays the sheet out on A4 pages that carry every case listed and the grade counts."""
import re

from playwright.sync_api import expect

from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.organisation.town import current_town
from mediation.review.services import load_defaults

from tests.reports.helpers import normalise, page_sizes, page_texts, read_pdf

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
A4 = (595.0, 842.0)


def test_supervisor_opens_and_prints_the_monthly_review_sheet(db, make_case, users, new_page, sign_in, artifacts):
    load_defaults(utcnow())
    cases = [make_case(Status.FOLLOWED_UP), make_case(Status.FOLLOWED_UP), make_case(Status.CLOSED)]
    refs = [c.reference for c in cases]
    month = cases[0].outcome.closed_at.astimezone(current_town().tz).strftime("%Y-%m")
    db.session.commit()
    db.session.rollback()  # no transaction of the test's stays open while the server writes

    page = new_page(**DESKTOP)
    sign_in(page, users["supervisor"])
    response = page.goto(f"/review/monthly?month={month}")
    assert response.status == 200
    body = page.locator("main")
    for ref in refs:
        expect(page.locator(f'tr[data-ref="{ref}"]')).to_be_visible()
    expect(page.locator("#total-cases")).to_have_text("3")
    expect(page.locator("#total-excellent")).to_have_text("2")  # followed up: every item passed
    expect(page.locator("#total-pass")).to_have_text("1")  # no return visit yet: 85 points
    artifacts.shot(page, "review-sheet-by-committee")

    with page.expect_navigation():
        page.click("#by-mediator")
    assert re.search(r"by=mediator", page.url)
    expect(body).to_contain_text(users["mediator"].display_name)
    artifacts.shot(page, "review-sheet-by-mediator")

    print_button = page.locator("[data-print]")
    expect(print_button).to_be_visible()  # revealed by print.js
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    print_button.click()
    assert page.evaluate("() => window.__printed") == 1

    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    expect(page.locator("form.no-print")).to_be_hidden()
    pdf_bytes = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    artifacts.path("review-sheet.pdf").write_bytes(pdf_bytes)
    pdf = read_pdf(pdf_bytes)
    assert all(abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1 for w, h in page_sizes(pdf))
    printed = normalise("".join(page_texts(pdf)))
    for ref in refs:
        assert normalise(ref) in printed
    assert normalise("卷宗评查") in printed
