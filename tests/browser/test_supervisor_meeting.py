"""A supervisor at a desktop builds the joint meeting's agenda, adds a case by hand, records a
decision that lands on the case, and opens the weekly summary printout."""
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.meetings.models import AgendaItem, Meeting

SH = ZoneInfo("Asia/Shanghai")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
FLASH_OK = '.alert-success[role="alert"]'  # a flashed message, not a decision's box
DECISION = "由派出所牵头，两周内化解并回报"


def _agenda_item(page, reference):
    return page.locator(".agenda-item", has=page.locator(f'a[href$="/cases/{reference}"]'))


def test_supervisor_builds_agenda_decides_and_prints(db, town, users, make_case, new_page, sign_in, artifacts):
    escalated, risky, by_hand = (make_case(Status.IN_MEDIATION) for _ in range(3))
    escalated.escalated = True
    risky.risk_level = "high"
    db.session.commit()
    refs = {"escalated": escalated.reference, "risky": risky.reference, "by_hand": by_hand.reference}
    escalated_id, police = escalated.id, town["offices"]["police_station"].id
    db.session.rollback()  # no transaction of the test's stays open while the server writes

    page = new_page(**DESKTOP)
    sign_in(page, users["supervisor"])
    page.goto("/meetings/")
    artifacts.shot(page, "meetings")

    # Build the next agenda: the job's rules pick the escalated and the high-risk case.
    page.click('form[action$="/meetings/build"] button[type="submit"]')
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(FLASH_OK)).to_contain_text("2")
    expect(page.locator(".agenda-item")).to_have_count(2)
    for key in ("escalated", "risky"):
        expect(_agenda_item(page, refs[key])).to_be_visible()
    expect(_agenda_item(page, refs["by_hand"])).to_have_count(0)
    artifacts.shot(page, "agenda-built")

    # Add the third case by its reference (typed in lower case: the form normalises it).
    page.fill("#add-reference", refs["by_hand"].lower())
    with page.expect_navigation():
        page.click("#add-add")
    expect(page.locator(FLASH_OK)).to_be_visible()
    expect(page.locator(".agenda-item")).to_have_count(3)
    expect(_agenda_item(page, refs["by_hand"])).to_be_visible()
    artifacts.shot(page, "case-added")

    # Record the decision on the escalated case: new lead office and a new deadline.
    due = (datetime.now(SH) + timedelta(days=21)).replace(hour=10, minute=0, second=0, microsecond=0)
    item = _agenda_item(page, refs["escalated"])
    item.locator("details > summary").click()
    item.locator('textarea[name$="-decision"]').fill(DECISION)
    item.locator('select[name$="-lead_office"]').select_option(str(police))
    due_input = item.locator('input[type="datetime-local"][name$="-due_at"]')
    due_input.fill(due.strftime("%Y-%m-%dT%H:%M"))
    expect(due_input).to_have_value(due.strftime("%Y-%m-%dT%H:%M"))
    artifacts.shot(page, "decision-filled")
    with page.expect_navigation():
        item.locator('input[type="submit"][name$="-save"]').click()
    expect(page.locator(FLASH_OK)).to_be_visible()
    decision = _agenda_item(page, refs["escalated"]).locator(".decision")
    expect(decision).to_contain_text(DECISION)
    expect(decision).to_contain_text(due.strftime("%Y-%m-%d"))
    expect(_agenda_item(page, refs["escalated"]).locator("details")).to_have_count(0)
    artifacts.shot(page, "decision-recorded")

    # The decision landed on the case: supervision, deadline, lead office, timeline.
    db.session.rollback()
    case = db.session.get(Case, escalated_id)
    assert case.supervision_due_at == due.astimezone(timezone.utc)
    assert case.lead_office.code == "police_station"
    actions = [e.action for e in case.timeline]
    assert actions[-2:] == ["transfer", "supervise"], actions
    supervise = case.timeline[-1]
    assert supervise.details["reason"] == DECISION and supervise.details["meeting_id"] == meeting_id
    assert case.supervisions[-1].meeting_id == meeting_id
    item_row = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id,
                                                          AgendaItem.case_id == escalated_id))
    assert item_row.decided_at is not None and item_row.decision == DECISION
    assert db.session.scalar(select(Meeting).where(Meeting.id == meeting_id)).held_at is None
    db.session.rollback()

    # ... and the case page shows it.
    page.click(f'.agenda-item a[href$="/cases/{refs["escalated"]}"]')
    page.wait_for_url(re.compile(rf"/cases/{refs['escalated']}$"))
    expect(page.locator(".supervision")).to_contain_text(DECISION)
    artifacts.shot(page, "case-supervised")
    page.go_back()
    page.wait_for_url(re.compile(rf"/meetings/{meeting_id}(#item-\d+)?$"))

    # The meeting page itself, as the browser prints it.
    page.emulate_media(media="print")
    page.pdf(path=str(artifacts.path("meeting-print.pdf")), format="A4", print_background=True)
    page.emulate_media(media="screen")

    _weekly_summary(page, meeting_id, refs, artifacts)


def _weekly_summary(page, meeting_id, refs, artifacts):
    """Follow the weekly summary (print) link to the printout: it answers 200 with the meeting's
    agenda and decision, and its print button (revealed by print.js) calls the browser's print."""
    link = page.locator('main a[href*="/reports/weekly?meeting="]')
    expect(link).to_have_count(1)
    expect(link).to_be_visible()
    assert re.search(rf"[?&]meeting={meeting_id}\b", link.get_attribute("href")), link.get_attribute("href")
    with page.expect_navigation() as navigation:
        link.click()
    response = navigation.value
    assert response.status == 200, (response.status, response.text()[:1000])
    assert response.headers["content-type"].startswith("text/html")
    assert re.search(r"/reports/weekly\?", page.url), page.url
    body = page.locator("body")
    for ref in refs.values():
        expect(body).to_contain_text(ref)
    expect(body).to_contain_text(DECISION)

    print_button = page.locator("[data-print]")
    if print_button.count():  # the printout offers one-click printing
        expect(print_button).to_be_visible()
        page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
        print_button.click()
        assert page.evaluate("() => window.__printed") == 1
    artifacts.shot(page, "weekly-summary")

    page.emulate_media(media="print")
    if print_button.count():
        expect(print_button).to_be_hidden()  # the toolbar is not printed
    page.pdf(path=str(artifacts.path("weekly-summary.pdf")), format="A4", print_background=True)
    page.emulate_media(media="screen")
