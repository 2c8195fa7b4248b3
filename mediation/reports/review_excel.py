"""卷宗评查 workbooks: the monthly review sheet and the monthly subsidy table (以案定补), each with a
sheet per committee grouping and one per mediator, the same figures as the printable pages.
Written with excel.py's SpreadsheetML helpers (every string formula-safe)."""
from flask_babel import gettext as _

from ..labels import label, local_time
from ..review.services import Group, SubsidyTable
from .excel import BOLD, simple_workbook


def _no_one(kind: str) -> str:
    return _("No lead office") if kind == "committee" else _("No mediator")


def review_sheet_rows(groups: list[Group], kind: str, title: str, month: str, grades: list[str]) -> list:
    heading = _("Committee") if kind == "committee" else _("Mediator")
    rows = [([title], BOLD), ([_("Month"), month], 0), ([], 0)]
    for group in groups:
        rows.append(([heading, group.name or _no_one(kind)], BOLD))
        rows.append(([_("Reference"), _("Category"), _("Outcome"), _("Closed on"), _("Score"), _("Computed grade"),
                      _("Adjusted grade"), _("Grade")], BOLD))
        for r in group.rows:
            rows.append(([r.reference, r.category, label("outcome", r.outcome), local_time(r.closed_at, "yyyy-MM-dd"),
                          r.score, label("review_grade", r.grade),
                          label("review_grade", r.adjusted_grade) if r.adjusted_grade else "",
                          label("review_grade", r.final_grade)], 0))
        rows.append(([_("Cases"), group.cases, *[f"{label('review_grade', g)}: {group.counts[g]}" for g in grades]], BOLD))
        rows.append(([], 0))
    return rows


def review_workbook(by_committee: list[Group], by_mediator: list[Group], title: str, month: str,
                    grades: list[str]) -> bytes:
    widths = (16, 12, 16, 12, 8, 14, 14, 14)
    return simple_workbook([
        (_("By committee"), review_sheet_rows(by_committee, "committee", title, month, grades), widths),
        (_("By mediator"), review_sheet_rows(by_mediator, "mediator", title, month, grades), widths),
    ])


def _subsidy_rows(groups, kind: str, title: str, month: str, total_cases: int, total_amount) -> list:
    heading = _("Committee") if kind == "committee" else _("Mediator")
    rows = [([title], BOLD), ([_("Month"), month], 0), ([], 0),
            ([heading, _("Category"), _("Grade"), _("Cases"), _("Yuan per case"), _("Amount (yuan)")], BOLD)]
    for group in groups:
        name = group.name or _no_one(kind)
        for line in group.lines:
            rows.append(([name, line.category, label("review_grade", line.grade), line.cases, line.rate,
                          line.amount], 0))
        rows.append(([name, _("Subtotal"), "", group.cases, "", group.amount], BOLD))
    rows.append(([_("Total"), "", "", total_cases, "", total_amount], BOLD))
    return rows


def subsidy_workbook(table: SubsidyTable, title: str, month: str) -> bytes:
    widths = (20, 12, 14, 8, 12, 14)
    return simple_workbook([
        (_("By committee"), _subsidy_rows(table.by_committee, "committee", title, month, table.cases, table.amount),
         widths),
        (_("By mediator"), _subsidy_rows(table.by_mediator, "mediator", title, month, table.cases, table.amount),
         widths),
    ])
