"""The top bar at 1366 × 768 (the office desktops' screen), in Chinese: every link of the bar is
one line (it once wrapped one character a line for the administrator), and the bar does not make
the page scroll sideways. The administrator's pages are one menu, 系统管理, that opens and leads
to its pages."""
import pytest
from playwright.sync_api import expect

LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def _single_line(page):
    """Each visible bar item's height against its own line height: one line is under two."""
    return page.evaluate("""() => [...document.querySelectorAll(
            '#nav .nav-link, #nav .navbar-nav .btn, .navbar-brand')]
        .filter(el => el.offsetParent !== null)
        .map(el => {
            const style = getComputedStyle(el);
            const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
            const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom)
                + parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
            const box = el.getBoundingClientRect();
            return {text: el.textContent.trim(), height: box.height - padding, line: line, top: box.top};
        })""")


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_nav_links_are_one_line_at_1366(db, users, new_page, sign_in, artifacts, no_horizontal_scroll, role):
    db.session.rollback()
    page = new_page(**LAPTOP)
    sign_in(page, users[role], lang="zh_CN")
    page.goto("/cases/")
    artifacts.shot(page, f"{role}-nav")
    items = _single_line(page)
    assert len(items) >= 5, items
    wrapped = [i for i in items if i["height"] >= 2 * i["line"]]
    assert wrapped == [], f"{role}: nav items on more than one line at 1366 px: {wrapped}"
    bar = page.locator("nav.navbar").bounding_box()
    assert bar["height"] < 80, f"{role}: the bar is {bar['height']} px high (it wrapped onto a second row)"
    no_horizontal_scroll(page, f"{role} at 1366 px")


def test_admin_menu_opens_and_leads_to_its_pages(db, users, new_page, sign_in):
    db.session.rollback()
    page = new_page(**LAPTOP)
    sign_in(page, users["admin"], lang="zh_CN")
    menu = page.locator("#nav-admin")
    expect(menu).to_have_text("系统管理")
    items = page.locator('.dropdown-menu[aria-labelledby="nav-admin"] .dropdown-item')
    expect(items.first).to_be_hidden()
    menu.click()
    expect(items.first).to_be_visible()
    assert items.count() == 13  # eleven settings pages, accounts, audit trail
    with page.expect_navigation():
        page.locator('.dropdown-item[href$="/admin/tokens/"]').click()
    expect(page.locator("h1")).to_have_text("渠道接口令牌")
