"""The statistics workbook (openpyxl, write-only so a long period's case list streams).

Every string goes through `formula_safe`: a summary such as ``=HYPERLINK(...)`` arrives in
Excel as text, never as a formula.
"""
from datetime import date
from decimal import Decimal
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..core.statistics import SOURCE_LABELS, PeriodStatistics, Source, source_of
from ..labels import label, local_time
from ..core.identity import scrub_identifiers
from .safety import formula_safe

BOLD = Font(bold=True)


def _row(sheet, values, bold: bool = False) -> list:
    cells = []
    for value in values:
        if isinstance(value, Decimal):
            value = float(value)
        cell = WriteOnlyCell(sheet, value=formula_safe(value))
        if bold:
            cell.font = BOLD
        cells.append(cell)
    return cells


def statistics_workbook(first: date, last: date, town_name: str, stats: PeriodStatistics, closed_rows) -> bytes:
    wb = Workbook(write_only=True)
    period = f"{first.isoformat()} – {last.isoformat()}"

    sheet = wb.create_sheet(_("Statistics"))
    for column, width in zip("ABCDEFGHI", (16, 12, 12, 12, 12, 10, 12, 12, 16)):
        sheet.column_dimensions[column].width = width
    sheet.append(_row(sheet, [_("%(town)s people's mediation statistics", town=town_name)], bold=True))
    sheet.append(_row(sheet, [_("Period"), period]))
    sheet.append(_row(sheet, [_("Category"), *[_(SOURCE_LABELS[s]) for s in Source], _("Received"),
                              _("Closed"), _("Agreements"), _("Success rate"), _("Amount settled (yuan)")], bold=True))
    for r in [*stats.rows, stats.totals]:
        rate = round(r.successful / r.closed, 4) if r.closed else None
        sheet.append(_row(sheet, [r.category or _("Total"), *[r.received[s] for s in Source], r.received_total,
                                  r.closed, r.successful, rate, r.amount], bold=not r.category))
    sheet.append([])
    sheet.append(_row(sheet, [_("Escalation prevented (防止民转刑)"), stats.escalation_prevented]))

    outcomes = wb.create_sheet(_("Outcomes"))
    outcomes.append(_row(outcomes, [_("Outcome"), _("Cases")], bold=True))
    for code, count in stats.by_outcome.items():
        outcomes.append(_row(outcomes, [label("outcome", code), count]))
    outcomes.append([])
    outcomes.append(_row(outcomes, [_("Source"), _("Closed")], bold=True))
    for source, count in stats.by_source_closed.items():
        outcomes.append(_row(outcomes, [_(SOURCE_LABELS[source]), count]))

    cases = wb.create_sheet(_("Closed cases"))
    for column, width in zip("ABCDEFGHI", (16, 12, 18, 14, 16, 12, 18, 18, 60)):
        cases.column_dimensions[column].width = width
    cases.append(_row(cases, [_("Reference"), _("Category"), _("Source"), _("Channel"), _("Outcome"),
                              _("Amount (yuan)"), _("Received at"), _("Closed at"), _("Summary")], bold=True))
    for ref, category, channel, outcome, amount, received_at, closed_at, summary in closed_rows:
        cases.append(_row(cases, [ref, category, _(SOURCE_LABELS[source_of(channel)]), label("channel", channel),
                                  label("outcome", outcome), amount, local_time(received_at),
                                  local_time(closed_at), scrub_identifiers(summary)]))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
