"""One table says who may open which page (core/permissions.py): the navigation shows a link
exactly when the page behind it opens, for every role."""
import re

import pytest

from mediation.core.permissions import PAGE_ROLES, Page, may_open
from mediation.core.vocab import Role

# A page, the link the navigation shows for it, and the URL it opens.
NAV = {
    Page.SUPERVISION: "/supervision/",
    Page.MEETINGS: "/meetings/",
    Page.WEEKLY: "/reports/weekly",
    Page.STATISTICS: "/reports/statistics",
    Page.REGISTER: "/intake/register",
    Page.ADMIN: "/admin/routing",
}


def _nav_links(html: str) -> set[str]:
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'href="([^"?]+)', nav))


def test_every_page_has_its_roles():
    assert set(PAGE_ROLES) == set(Page)
    assert may_open(Role.ADMIN, Page.ADMIN) and not may_open(Role.MEDIATOR, Page.ADMIN)
    assert may_open("liaison", "weekly") and not may_open("liaison", "statistics")


@pytest.mark.parametrize("role", ["admin", "supervisor", "mediator", "liaison", "viewer"])
def test_navigation_links_match_the_pages_that_open(role, users, login):
    client = login(users[role])
    links = _nav_links(client.get("/cases/").get_data(as_text=True))
    for page, url in NAV.items():
        allowed = may_open(role, page)
        assert (url in links) is allowed, f"{role}: link to {url} shown={url in links}, may open={allowed}"
        status = client.get(url).status_code
        assert (status == 200) is allowed, f"{role}: {url} answered {status}"
