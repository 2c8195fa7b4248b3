"""Reading an uploaded .xlsx or .csv file into its non-empty rows, or refusing it.

Untrusted input, read defensively: a size and row limit, the zip archive inspected before
openpyxl opens it (zip bombs), and XML parsed by defusedxml (entity expansion, "billion
laughs"). Anything openpyxl cannot read becomes a refusal of the whole file, never a 500.
CSV comes as UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030.

Pure of Flask and the database; messages are English msgids with parameters, translated at
the edge. Which row holds the column names, and what the rows mean, is `rows.py`'s business.
"""
import codecs
import csv
import io
import logging
import zipfile

import openpyxl
from defusedxml import DefusedXmlException

from ..core.cells import cell_text
from ..core.errors import N_, DomainError

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 16 * 1024 * 1024  # 50,000 rows of a 12345 export: ~4 MiB as .xlsx, ~12 MiB as .csv
MAX_ROWS = 50_000  # data rows, blank rows not counted (bench/RESULTS.md: preview and confirm at 50,000)
MAX_COLUMNS = 60  # columns read; anything further right is ignored
HEADER_SCAN_ROWS = 10  # the column names may sit below a title row or two
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # all members of an .xlsx together (50,000 rows: ~40 MiB of XML)
MAX_RATIO = 100  # uncompressed / compressed, per member
RATIO_FLOOR = 64 * 1024  # members smaller than this are harmless whatever their ratio
MAX_MEMBERS = 1000
EXCEL_MAX_ROW = 1_048_576

TOO_MANY_ROWS = N_("The file has more than %(limit)s rows; split it into smaller files.")
BAD_ENCODING = N_("The file's text encoding could not be recognised; save it as CSV UTF-8 and upload that.")
NOT_XLSX = N_("The file is not a valid .xlsx workbook.")

RawRows = list[tuple[int, list]]  # (row number as in the file, the row's values), blank rows left out


class ImportRefused(DomainError):
    """The whole file is refused; `message` says why."""


def read_rows(filename: str, data: bytes) -> RawRows:
    """The non-empty rows of an .xlsx or .csv upload; ImportRefused with the reason when it cannot be used."""
    if not data:
        raise ImportRefused(N_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(N_("The file is larger than %(limit)s MiB."), limit=MAX_FILE_BYTES // (1024 * 1024))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsx":
        return read_xlsx(data)
    if extension == "csv":
        return read_csv(data)
    raise ImportRefused(N_("Upload an .xlsx or .csv file."))


def check_row_count(rows: int, limit: int | None = None) -> None:
    """Refuse a file with more than `limit` rows (default: MAX_ROWS data rows, plus a header and title rows)."""
    if rows > (MAX_ROWS + HEADER_SCAN_ROWS if limit is None else limit):
        raise ImportRefused(TOO_MANY_ROWS, limit=MAX_ROWS)


# --------------------------------------------------------------------------------------------
# .xlsx
# --------------------------------------------------------------------------------------------

def check_zip(data: bytes) -> None:
    """Refuse a zip bomb before anything decompresses it.

    The sizes come from the central directory; zipfile never inflates a member beyond its
    declared size (and checks its CRC), so a member that lies about its size fails instead.
    """
    if not data.startswith(b"PK\x03\x04"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportRefused(N_("This is an old .xls workbook or an encrypted one; save it as .xlsx "
                                   "(without a password) and upload that."))
        raise ImportRefused(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ImportRefused(NOT_XLSX) from None
    if len(members) > MAX_MEMBERS:
        raise ImportRefused(N_("The workbook has too many parts to be a spreadsheet export."))
    for member in members:
        if member.flag_bits & 0x1:
            raise ImportRefused(N_("The workbook is encrypted; save it without a password and upload that."))
        if member.file_size >= RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ImportRefused(N_("The workbook is compressed suspiciously well (a zip bomb?); it was refused."))
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED:
        raise ImportRefused(N_("The workbook unpacks to more than %(limit)s MiB; it was refused."),
                            limit=MAX_UNCOMPRESSED // (1024 * 1024))


def caused_by_xml_attack(error: BaseException) -> bool:
    """openpyxl wraps parser errors in ValueError; look down the chain for defusedxml's refusal."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def read_xlsx(data: bytes) -> RawRows:
    """The first worksheet's non-empty rows."""
    if not openpyxl.DEFUSEDXML:  # fail closed: never parse untrusted XML without defusedxml
        raise ImportRefused(N_("Reading .xlsx files is switched off on this server; upload a .csv file."))
    check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            return _worksheet_rows(workbook)
        finally:
            workbook.close()
    except ImportRefused:
        raise
    except Exception as error:  # untrusted input: whatever openpyxl trips on refuses the file
        if caused_by_xml_attack(error):
            log.warning("xlsx upload refused: XML entity declarations (%s)", type(error).__name__)
            raise ImportRefused(N_("The workbook contains XML entity declarations, which are refused "
                                   "for safety. Save it again from Excel or WPS and upload that.")) from None
        log.info("xlsx upload unreadable: %r", error)
        raise ImportRefused(N_("The file could not be read as an .xlsx workbook.")) from None


def _worksheet_rows(workbook) -> RawRows:
    if not workbook.worksheets:
        raise ImportRefused(N_("The workbook has no worksheet."))
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # the stored dimensions may be wrong; read what is there
    rows: RawRows = []
    for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
        if number > EXCEL_MAX_ROW:
            raise ImportRefused(N_("The worksheet has more rows than Excel allows."))
        if any(cell_text(v) for v in values):
            rows.append((number, list(values)))
            check_row_count(len(rows))
    return rows


# --------------------------------------------------------------------------------------------
# .csv
# --------------------------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's 'Unicode text'), else GBK/GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(BAD_ENCODING) from None
    if b"\x00" in data:
        raise ImportRefused(N_("The file is not a text CSV file."))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    for encoding in ("utf-8", "gb18030"):  # GB18030 is a superset of GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(BAD_ENCODING)


def read_csv(data: bytes) -> RawRows:
    """The non-empty rows; tab-separated when the first line has tabs and no commas."""
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows: RawRows = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            values = values[:MAX_COLUMNS]
            if any(v.strip() for v in values):
                rows.append((number, values))
                check_row_count(len(rows))
    except csv.Error as error:
        raise ImportRefused(N_("The CSV file could not be read: %(problem)s"), problem=str(error)) from None
    return rows
