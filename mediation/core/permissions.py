"""Which roles may open which pages: one table, asked by the views' decorators and by the
templates that decide which links to show. Object-level rules (which case) live in cases/access.py."""
from enum import StrEnum

from .vocab import Role


class Page(StrEnum):
    SUPERVISION = "supervision"  # the dashboard, bulk actions, linking and merging cases
    MEETINGS = "meetings"  # read joint meetings and their agendas
    RUN_MEETINGS = "run_meetings"  # build agendas, decide, close meetings
    WEEKLY = "weekly"  # the weekly summary printout
    STATISTICS = "statistics"
    REGISTER = "register"  # register a case, import a spreadsheet
    ADMIN = "admin"  # routing rules, calendar, deadline policy, tokens, job runs
    ACCOUNTS = "accounts"  # create, disable, unlock users; reset passwords
    AUDIT = "audit"  # search the audit trail
    CONSULTATIONS = "consultations"  # 难题会诊: the queue of questions asked and to answer


PAGE_ROLES: dict[Page, frozenset[Role]] = {
    Page.SUPERVISION: frozenset({Role.SUPERVISOR}),
    Page.MEETINGS: frozenset({Role.SUPERVISOR, Role.ADMIN, Role.VIEWER, Role.LIAISON}),
    Page.RUN_MEETINGS: frozenset({Role.SUPERVISOR}),
    # The joint meeting's attendees read the weekly summary; mediators work from their queues.
    Page.WEEKLY: frozenset({Role.SUPERVISOR, Role.ADMIN, Role.VIEWER, Role.LIAISON}),
    # Town-wide statistics, with a list of every closed case in the export: town level only.
    Page.STATISTICS: frozenset({Role.SUPERVISOR, Role.ADMIN, Role.VIEWER}),
    Page.REGISTER: frozenset({Role.SUPERVISOR, Role.MEDIATOR, Role.LIAISON}),
    Page.ADMIN: frozenset({Role.ADMIN}),
    Page.ACCOUNTS: frozenset({Role.ADMIN}),
    Page.AUDIT: frozenset({Role.ADMIN}),
    # Those who answer (liaisons, the judicial office's supervisors) and those who ask (mediators).
    Page.CONSULTATIONS: frozenset({Role.SUPERVISOR, Role.LIAISON, Role.MEDIATOR}),
}


def may_open(role: Role | str, page: Page | str) -> bool:
    return Role(role) in PAGE_ROLES[Page(page)]
