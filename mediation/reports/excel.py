"""The statistics workbook, written as SpreadsheetML straight into the zip, row by row.

A year of a district's closed cases is some 200,000 rows. openpyxl's write-only mode and XlsxWriter
take 20-40 s to build and serialise cell objects for them (measured), so the workbook is written
here as the few XML parts a workbook needs: the case list streams from the database cursor
through the compressor and is never all in memory, and the figures' sheets are tallied from the
same rows on the way (core.statistics.ClosedTally), so the export reads the closed cases once.

Every string goes through `formula_safe`: a summary such as ``=HYPERLINK(...)`` arrives in
Excel as text, never as a formula. (A string is written as an inline or shared string, which a
spreadsheet never evaluates; the leading quote also keeps it text after a copy, a CSV round trip
or a re-import.) Characters XML cannot carry (control characters) are dropped.
"""
import re
import zipfile
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from ..core.identity import may_hold_identifier, scrub_identifiers
from ..core.statistics import SOURCE_LABELS, ClosedTally, Source, period_statistics, source_of
from ..labels import label
from .safety import formula_safe

COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DEFLATE_LEVEL = 1  # SpreadsheetML compresses ~15x even at level 1; higher levels cost seconds, save little
SHEET_ROWS = 1_048_576  # as many rows as a worksheet holds (Excel, WPS, LibreOffice)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOLD = 1  # index into cellXfs below
# XML 1.0 cannot carry these at all (openpyxl refuses them); a case summary pasted from elsewhere may.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# One scan finds the text that needs any work: most needs none.
_NEEDS_WORK = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    """`value` as XML character data."""
    if _NEEDS_WORK.search(value) is None:
        return value
    return escape(_NOT_XML.sub("", value))


def _cell_tail(value, style: int = 0) -> str | None:
    """A <c> element after its reference (`<c r="A1"` + this); None for an empty, unstyled cell."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f"{s}/>" if style else None
    if isinstance(value, bool):
        return f'{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f"{s}><v>{value}</v></c>"
    if isinstance(value, Decimal):
        return f"{s}><v>{float(value)}</v></c>"
    return f'{s} t="inlineStr"><is><t xml:space="preserve">{_text(formula_safe(str(value)))}</t></is></c>'


def _cell(ref: str, value, style: int = 0) -> str:
    tail = _cell_tail(value, style)
    return f'<c r="{ref}"{tail}' if tail is not None else ""


def _row(number: int, values: Iterable, style: int = 0) -> str:
    cells = "".join(_cell(f"{COLUMNS[i]}{number}", v, style) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _sheet_start(widths: Iterable[float]) -> str:
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
            f'{"<cols>" + cols + "</cols>" if cols else ""}<sheetData>')


SHEET_END = "</sheetData></worksheet>"


class _Sheet:
    """Rows appended one at a time, numbered from 1; an empty list leaves an empty row."""

    def __init__(self, stream, widths: Iterable[float] = ()):
        self.stream = stream
        self.number = 0
        self.stream.write(_sheet_start(widths).encode())

    def append(self, values: list, style: int = 0) -> None:
        self.number += 1
        if values:
            self.stream.write(_row(self.number, values, style).encode())

    def close(self) -> None:
        self.stream.write(SHEET_END.encode())


def _shared_strings(texts: list[str]) -> str:
    """xl/sharedStrings.xml: `texts` are XML character data already."""
    items = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in texts)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{MAIN_NS}" uniqueCount="{len(texts)}">{items}</sst>')


def _package_parts(names: list[str]) -> dict[str, str]:
    """[Content_Types].xml, the relationships, the workbook and its styles, for sheets named `names`."""
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, len(names) + 1))
    sheets = "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, name in enumerate(names, 1))
    sheet_rels = "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                         for i in range(1, len(names) + 1))
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            f'{overrides}</Types>'),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'{head}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{sheets}</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'{head}<Relationships xmlns="{PKG_REL_NS}">{sheet_rels}'
            f'<Relationship Id="rId{len(names) + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{len(names) + 2}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>'),
        "xl/styles.xml": (
            f'{head}<styleSheet xmlns="{MAIN_NS}">'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>'),
    }


def _string_cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(formula_safe(value))}</t></is></c>'


def _rows(result) -> Iterable:
    """The rows of a streamed result a batch at a time (cheaper per row than iterating the result)."""
    partitions = getattr(result, "partitions", None)
    if partitions is None:
        yield from result
        return
    for batch in partitions():
        yield from batch


def _closed_case_rows(closed_rows, tally: ClosedTally, shared: list[str]) -> Iterable[str]:
    """The closed-cases sheet's rows as XML, from `queries.closed_cases` rows: (reference, category,
    channel, outcome, amount, received at, closed at, summary, escalation prevented), the times as
    local "yyyy-MM-dd HH:mm" text; each row is counted into `tally` on the way, and the few values
    repeated on every row (category, source, channel, outcome) are added to `shared`, the
    workbook's shared strings, once each.

    This loop runs 200,000 times for a district's year, so it is written for speed: the labels, and
    the cells of the few repeated values, are made once per value; text is escaped only when it has
    something to escape, and scrubbed only when it may hold a phone or ID number."""
    sources = {s: _(SOURCE_LABELS[s]) for s in Source}
    repeated: dict[tuple[str, str], str] = {}
    count = tally.add

    def tail(column: str, code: str, text: str) -> str:
        """A repeated value's cell (after `<c`): an index into the shared strings."""
        if text:
            shared.append(_text(formula_safe(text)))
            repeated[column, code] = f' t="s"><v>{len(shared) - 1}</v></c>'
        else:
            repeated[column, code] = "/>"
        return repeated[column, code]

    number = 1
    for ref, category, channel, outcome, amount, received_at, closed_at, summary, prevented in _rows(closed_rows):
        number += 1
        count(category, channel, outcome, amount, prevented)
        b = repeated.get(("B", category)) or tail("B", category, category)
        c = repeated.get(("C", channel)) or tail("C", channel, sources[source_of(channel)])
        d = repeated.get(("D", channel)) or tail("D", channel, label("channel", channel))
        e = repeated.get(("E", outcome)) or tail("E", outcome, label("outcome", outcome))
        f = f"<c><v>{amount}</v></c>" if amount is not None else "<c/>"
        if summary and may_hold_identifier(summary):  # most summaries hold no number: skip the full scan
            summary = scrub_identifiers(summary)
        # The cells carry no reference (r="B2"): optional in SpreadsheetML, a cell without one is the
        # row's next column, so every column is written, an empty one as <c/>. The references made
        # a third of the work and two thirds of the compressed size. The times are digits, dashes
        # and a colon: nothing to escape, never a formula.
        yield (f'<row r="{number}"><c t="inlineStr"><is><t>{_text(formula_safe(ref))}</t></is></c>'
               f'<c{b}<c{c}<c{d}<c{e}{f}<c t="inlineStr"><is><t>{received_at}</t></is></c>'
               f'<c t="inlineStr"><is><t>{closed_at}</t></is></c>'
               f'<c t="inlineStr"><is><t xml:space="preserve">{_text(formula_safe(summary or ""))}</t></is></c></row>')


def statistics_workbook(first: date, last: date, town_name: str, received_rows, closed_rows,
                        satisfaction_rows=()) -> bytes:
    """The workbook's bytes: the period's figures and its closed cases, one row each.

    `received_rows` are `queries.received_counts`; `closed_rows` (`queries.closed_cases`, streamed)
    are iterated once: the case list is written first, and its rows are tallied into the closed
    figures on the way (the sheets' order in the workbook is not the order of the zip's entries).
    `satisfaction_rows` are `queries.satisfaction_counts`: the return visits made in the period."""
    names = [_("Statistics"), _("Outcomes"), _("Closed cases")]
    tally, shared = ClosedTally(), []
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=DEFLATE_LEVEL) as zf:
        for name, xml in _package_parts(names).items():
            zf.writestr(name, xml)

        # force_zip64: the size is not known up front (a long period's list may pass 2 GiB uncompressed).
        with zf.open("xl/worksheets/sheet3.xml", "w", force_zip64=True) as stream:
            sheet = _Sheet(stream, (16, 12, 18, 14, 16, 12, 18, 18, 60))
            sheet.append([_("Reference"), _("Category"), _("Source"), _("Channel"), _("Outcome"),
                          _("Amount (yuan)"), _("Received at"), _("Closed at"), _("Summary")], BOLD)
            batch: list[str] = []
            room = SHEET_ROWS - 2  # the heading, and a last row to say when the list had to stop
            listed = 0
            for row in _closed_case_rows(closed_rows, tally, shared):
                if listed == room:
                    continue  # still counted in the figures, no longer listed
                listed += 1
                batch.append(row)
                if len(batch) >= 2000:
                    stream.write("".join(batch).encode())
                    batch.clear()
            stream.write("".join(batch).encode())
            sheet.number += listed
            if tally.count > listed:
                sheet.append([_("The list stops at %(count)s cases, as many as a worksheet holds; the figures "
                                "count all %(total)s. Choose a shorter period to list the others.",
                                count=f"{listed:,}", total=f"{tally.count:,}")], BOLD)
            stream.write(SHEET_END.encode())
        zf.writestr("xl/sharedStrings.xml", _shared_strings(shared))

        stats = period_statistics(received_rows, tally.rows(), escalation_prevented=tally.escalation_prevented,
                                  satisfaction_rows=satisfaction_rows)
        with zf.open("xl/worksheets/sheet1.xml", "w") as stream:
            sheet = _Sheet(stream, (16, 12, 12, 12, 12, 10, 12, 12, 16))
            sheet.append([_("%(town)s people's mediation statistics", town=town_name)], BOLD)
            sheet.append([_("Period"), f"{first.isoformat()} – {last.isoformat()}"])
            sheet.append([_("Category"), *[_(SOURCE_LABELS[s]) for s in Source], _("Received"), _("Closed"),
                          _("Agreements"), _("Success rate"), _("Amount settled (yuan)")], BOLD)
            for r in [*stats.rows, stats.totals]:
                rate = round(r.successful / r.closed, 4) if r.closed else None
                sheet.append([r.category or _("Total"), *[r.received[s] for s in Source], r.received_total,
                              r.closed, r.successful, rate, r.amount], 0 if r.category else BOLD)
            sheet.append([])
            sheet.append([_("Escalation prevented (防止民转刑)"), stats.escalation_prevented])
            sheet.append([])
            satisfaction = stats.satisfaction
            sheet.append([_("Return-visit satisfaction"), _("Visits")], BOLD)
            for code, count in satisfaction.counts.items():
                sheet.append([label("satisfaction", code), count])
            sheet.append([_("No verdict recorded"), satisfaction.unrecorded])
            sheet.append([_("Satisfaction rate"), round(satisfaction.rate, 4) if satisfaction.rate is not None else None])
            sheet.close()

        with zf.open("xl/worksheets/sheet2.xml", "w") as stream:
            sheet = _Sheet(stream)
            sheet.append([_("Outcome"), _("Cases")], BOLD)
            for code, count in stats.by_outcome.items():
                sheet.append([label("outcome", code), count])
            sheet.append([])
            sheet.append([_("Source"), _("Closed")], BOLD)
            for source, count in stats.by_source_closed.items():
                sheet.append([_(SOURCE_LABELS[source]), count])
            sheet.close()
    return out.getvalue()


def simple_workbook(sheets: list[tuple[str, list[tuple[list, int]], tuple]]) -> bytes:
    """A small workbook of (name, rows as (values, style), column widths) sheets, held in memory."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=DEFLATE_LEVEL) as zf:
        for name, xml in _package_parts([name for name, _rows, _widths in sheets]).items():
            zf.writestr(name, xml)
        zf.writestr("xl/sharedStrings.xml", _shared_strings([]))
        for number, (_name, rows, widths) in enumerate(sheets, 1):
            with zf.open(f"xl/worksheets/sheet{number}.xml", "w") as stream:
                sheet = _Sheet(stream, widths)
                for values, style in rows:
                    sheet.append(values, style)
                sheet.close()
    return out.getvalue()


def ministry_workbook(form, first: date, last: date, title: str, committee: str) -> bytes:
    """The Ministry of Justice's statistics form (core.ministry.MinistryForm) as one sheet, in the
    printed form's columns."""
    rows = [([title], BOLD), ([_("Committee"), committee], 0), ([_("Period"), f"{first.isoformat()} – {last.isoformat()}"], 0),
            (ministry_heading(), BOLD)]
    rows += [(ministry_cells(row), BOLD if row is form.total else 0) for row in [*form.rows, form.total]]
    return simple_workbook([(_("Ministry form"), rows, (16, 10, 10, 10, 10, 16, 10, 10, 10, 10, 10, 10, 10))])


def ministry_heading() -> list[str]:
    return [_("Category"), _("Mediated"), _("Successful"), _("Written agreements"), _("Oral agreements"),
            _("Amount involved (yuan)"), _("Criminal turn prevented: cases"), _("Criminal turn prevented: persons"),
            _("Group petition prevented: cases"), _("Group petition prevented: persons"),
            *[_(SOURCE_LABELS[s]) for s in Source]]


def ministry_cells(row) -> list:
    return [row.category or _("Total"), row.mediated, row.successful, row.written, row.oral, row.amount, row.criminal_cases,
            row.criminal_persons, row.petition_cases, row.petition_persons, *[row.sources[s] for s in Source]]


def performance_workbook(rows, total, by: str, first: date, last: date, town_name: str) -> bytes:
    """Workload and performance (core.performance rows) as one sheet; rates as fractions."""
    lines = [([_("%(town)s mediation workload and performance", town=town_name)], BOLD),
             ([_("Period"), f"{first.isoformat()} – {last.isoformat()}"], 0), (performance_heading(by), BOLD)]
    lines += [(performance_cells(row), BOLD if row is total else 0) for row in [*rows, total]]
    return simple_workbook([(_("Performance"), lines, (28, 10, 10, 10, 10, 12, 12, 12, 12, 10, 10, 10))])


def performance_heading(by: str) -> list[str]:
    return [_("Mediator") if by == "mediator" else _("Committee"), _("Open now"), _("Overdue now"), _("Closed"),
            _("Closed late"), _("Average days to close"), _("Success rate"), _("Satisfaction rate"),
            _("Visits with a verdict"), label("review_grade", "excellent"), label("review_grade", "pass"),
            label("review_grade", "fail")]


def performance_cells(row) -> list:
    def rounded(value, digits):
        return round(value, digits) if value is not None else None
    return [row.name or _("Total"), row.open, row.overdue, row.closed, row.closed_late, rounded(row.average_days, 1),
            rounded(row.success_rate, 4), rounded(row.satisfaction_rate, 4), row.visits_with_verdict,
            row.grades["excellent"], row.grades["pass"], row.grades["fail"]]
