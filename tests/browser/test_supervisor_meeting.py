"""A supervisor at a desktop builds the joint meeting's agenda, adds a case by hand, records a
decision that lands on the case, and opens the weekly summary printout."""
import re
import warnings
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


def test_supervisor_builds_agenda_decides_and_prints(db, town, users, make_case, new_page, sign_in, artifacts,
                                                     live_server):
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
    page.wait_for_url(re.compile(rf"/meetings/{meeting_id}$"))

    # The meeting page itself, as the browser prints it.
    page.emulate_media(media="print")
    page.pdf(path=str(artifacts.path("meeting-print.pdf")), format="A4", print_background=True)
    page.emulate_media(media="screen")

    _weekly_summary(page, meeting_id, refs, artifacts, live_server)


def _weekly_summary(page, meeting_id, refs, artifacts, live_server):
    """Follow the weekly summary (print) link: an HTML printout (with a print button, if it has one)
    or a PDF. While reports.weekly is still the placeholder (204 No Content) there is nothing to
    check beyond the link; the test says so with a warning."""
    link = page.locator('a[href*="/reports/weekly"]')
    expect(link).to_have_count(1)
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert re.search(rf"[?&]meeting={meeting_id}\b", href), href
    probe = page.request.get(href)  # the page's cookies: what the click will get
    content_type = probe.headers.get("content-type", "")

    if probe.status == 204:
        link.click()
        page.wait_for_timeout(300)  # a 204 answer leaves the browser where it was
        assert re.search(rf"/meetings/{meeting_id}$", page.url), page.url
        warnings.warn("reports.weekly answers 204 No Content (placeholder): the weekly summary printout "
                      "is not there yet, so only its link was checked.", UserWarning, stacklevel=1)
        return

    assert probe.status == 200, (probe.status, probe.text()[:500])
    if content_type.startswith("application/pdf"):
        body = probe.body()
        assert body.startswith(b"%PDF")
        artifacts.path("weekly-summary.pdf").write_bytes(body)
        with page.expect_download() as download:
            link.click()
        download.value.save_as(str(artifacts.path("weekly-summary-download.pdf")))
        return

    assert content_type.startswith("text/html"), content_type
    if link.get_attribute("target") == "_blank":
        with page.context.expect_page() as popup:
            link.click()
        page = popup.value
        page.wait_for_load_state()
        response_status = probe.status
    else:
        with page.expect_navigation() as navigation:
            link.click()
        response_status = navigation.value.status
    assert response_status == 200
    assert "/reports/weekly" in page.url
    expect(page.locator("body")).to_contain_text(refs["escalated"])
    print_button = page.locator('[data-print], .js-print, #print, button:has-text("Print"), '
                                'button:has-text("打印"), a:has-text("Print"), a:has-text("打印")')
    if print_button.count():
        expect(print_button.first).to_be_visible()
    artifacts.shot(page, "weekly-summary")
    page.emulate_media(media="print")
    page.pdf(path=str(artifacts.path("weekly-summary.pdf")), format="A4", print_background=True)
