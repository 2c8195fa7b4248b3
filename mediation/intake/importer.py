"""Reading 12345 work-order exports and grid-patrol lists (.xlsx, .csv) into rows to preview.

Pure of Flask and the database: the view hands in the bytes, the town's villages, its time
zone and `now`, and stores what comes back (plain JSON: strings, numbers, ISO times) on an
ImportBatch, so any web worker can confirm what another one previewed. Messages are English
msgids with parameters; the edge translates them.

Untrusted input, read defensively: a size and row limit, the zip archive inspected before
openpyxl opens it (zip bombs), and XML parsed by defusedxml (entity expansion, "billion
laughs"). Anything openpyxl cannot read becomes a refusal of the whole file, never a 500.
"""
import codecs
import csv
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils.datetime import from_excel

from ..core.errors import DomainError
from ..core.identity import is_valid_mobile, normalize_phone
from ..core.vocab import MAX_YEAR, MIN_YEAR, CATEGORIES

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a message for translation; the edge translates it."""
    return message


MAX_FILE_BYTES = 1024 * 1024  # the app's MAX_CONTENT_LENGTH too
MAX_ROWS = 1000  # data rows, blank rows not counted; a confirm of 1,000 rows takes ~4 s on SQLite, ~7 s on PostgreSQL
MAX_COLUMNS = 60  # columns read; anything further right is ignored
HEADER_SCAN_ROWS = 10  # the column names may sit below a title row or two
MAX_UNCOMPRESSED = 20 * 1024 * 1024  # all members of an .xlsx together
MAX_RATIO = 100  # uncompressed / compressed, per member
RATIO_FLOOR = 64 * 1024  # members smaller than this are harmless whatever their ratio
MAX_MEMBERS = 1000
EXCEL_MAX_ROW = 1_048_576

OTHER = "其他"


class ImportRefused(DomainError):
    """The whole file is refused; `message` says why."""


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------

# Each field and the column names it is known by, most specific first: when a file has two
# columns for one field (编号 and 工单编号), the earlier name in this list wins.
HEADERS: dict[str, tuple[str, ...]] = {
    "external_ref": ("工单编号", "工单号", "网格事件编号", "事件编号", "编号"),
    "received_at": ("来电时间", "受理时间", "上报时间", "发现时间", "登记时间"),
    "summary": ("诉求内容", "事件描述", "问题描述", "诉求描述", "内容"),
    "name": ("联系人", "来电人", "当事人", "姓名"),
    "phone": ("联系电话", "来电号码", "手机号", "手机号码", "手机", "联系方式", "电话"),
    "address": ("事发地址", "事发地点", "地址"),
    "village": ("所属村居", "所属村(居)", "所属村(社区)", "村居", "村(居)", "村(社区)", "所属社区", "村"),
    "category": ("诉求类型", "纠纷类型", "类别"),
    "due": ("办结时限", "办理时限", "截止时间", "截止日期"),
    "order_type": ("诉求类别",),  # 12345: 咨询 / 求助 / 投诉 / 建议
}
REQUIRED = ("external_ref", "received_at", "summary", "name")

FIELD_LABELS = {
    "external_ref": N_("Channel reference"),
    "received_at": N_("Received at"),
    "summary": N_("What the dispute is about"),
    "name": N_("Applicant"),
    "phone": N_("Mobile"),
    "address": N_("Address where it happened"),
    "village": N_("Village or community"),
    "category": N_("Category"),
    "due": N_("Channel's due date"),
    "order_type": N_("Work-order type"),
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 工单编号 or 手机号 stored as a number
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()


def normalize_header(value) -> str:
    """'所属村（社区）', ' 联系 电话* ' and '联系电话：' all come out as the plain name."""
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"\s+", "", text).strip("*:")
    return text.lower()


_HEADER_INDEX = {normalize_header(name): (fld, rank)
                 for fld, names in HEADERS.items() for rank, name in enumerate(names)}
_HEADER_INDEX.update({fld: (fld, -1) for fld in HEADERS})  # the field's own name, e.g. external_ref


def map_headers(headers: list) -> tuple[dict[str, int], list[str]]:
    """Which column gives which field, and the column names that give none."""
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    ignored = []
    for column, header in enumerate(headers):
        hit = _HEADER_INDEX.get(normalize_header(header))
        if hit is None:
            if _text(header):
                ignored.append(_text(header))
            continue
        fld, rank = hit
        if fld in best and best[fld][0] <= rank:
            ignored.append(_text(header))
            continue
        if fld in best:
            ignored.append(_text(headers[best[fld][1]]))
        best[fld] = (rank, column)
    return {fld: column for fld, (rank, column) in best.items()}, ignored


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------

@dataclass
class Sheet:
    """The file's table: where the column names are, which field each column gives, the rows."""

    header_row: int
    headers: list[str]
    columns: dict[str, int]
    ignored: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)  # (row number as in the file, values)

    def column_names(self) -> dict[str, str]:
        """field -> the column name in the file, for the preview."""
        return {fld: self.headers[column] for fld, column in sorted(self.columns.items(), key=lambda i: i[1])}


def read_sheet(filename: str, data: bytes) -> Sheet:
    """Read an .xlsx or .csv upload; raise ImportRefused with the reason when it cannot be used."""
    if not data:
        raise ImportRefused(N_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(N_("The file is larger than %(limit)s MiB."), limit=MAX_FILE_BYTES // (1024 * 1024))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsx":
        raw = _read_xlsx(data)
    elif extension == "csv":
        raw = _read_csv(data)
    else:
        raise ImportRefused(N_("Upload an .xlsx or .csv file."))
    return _find_table(raw)


def _check_zip(data: bytes) -> None:
    """Refuse a zip bomb before anything decompresses it.

    The sizes come from the central directory; zipfile never inflates a member beyond its
    declared size (and checks its CRC), so a member that lies about its size fails instead.
    """
    if not data.startswith(b"PK\x03\x04"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportRefused(N_("This is an old .xls workbook or an encrypted one; save it as .xlsx "
                                   "(without a password) and upload that."))
        raise ImportRefused(N_("The file is not a valid .xlsx workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ImportRefused(N_("The file is not a valid .xlsx workbook.")) from None
    if len(members) > MAX_MEMBERS:
        raise ImportRefused(N_("The workbook has too many parts to be a spreadsheet export."))
    total = 0
    for member in members:
        total += member.file_size
        if member.flag_bits & 0x1:
            raise ImportRefused(N_("The workbook is encrypted; save it without a password and upload that."))
        if member.file_size >= RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ImportRefused(N_("The workbook is compressed suspiciously well (a zip bomb?); it was refused."))
    if total > MAX_UNCOMPRESSED:
        raise ImportRefused(N_("The workbook unpacks to more than %(limit)s MiB; it was refused."),
                            limit=MAX_UNCOMPRESSED // (1024 * 1024))


def _caused_by_xml_attack(error: BaseException) -> bool:
    """openpyxl wraps parser errors in ValueError; look down the chain for defusedxml's refusal."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    if not openpyxl.DEFUSEDXML:  # fail closed: never parse untrusted XML without defusedxml
        raise ImportRefused(N_("Reading .xlsx files is switched off on this server; upload a .csv file."))
    _check_zip(data)
    rows: list[tuple[int, list]] = []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            if not workbook.worksheets:
                raise ImportRefused(N_("The workbook has no worksheet."))
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # the stored dimensions may be wrong; read what is there
            for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                if number > EXCEL_MAX_ROW:
                    raise ImportRefused(N_("The worksheet has more rows than Excel allows."))
                if any(_text(v) for v in values):
                    rows.append((number, list(values)))
                    _check_row_count(len(rows))
        finally:
            workbook.close()
    except ImportRefused:
        raise
    except Exception as error:  # untrusted input: whatever openpyxl trips on refuses the file
        if _caused_by_xml_attack(error):
            log.warning("xlsx upload refused: XML entity declarations (%s)", type(error).__name__)
            raise ImportRefused(N_("The workbook contains XML entity declarations, which are refused "
                                   "for safety. Save it again from Excel or WPS and upload that.")) from None
        log.info("xlsx upload unreadable: %r", error)
        raise ImportRefused(N_("The file could not be read as an .xlsx workbook.")) from None
    return rows


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's 'Unicode text'), else GBK/GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(N_("The file's text encoding could not be recognised; save it as "
                                   "CSV UTF-8 and upload that.")) from None
    if b"\x00" in data:
        raise ImportRefused(N_("The file is not a text CSV file."))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    for encoding in ("utf-8", "gb18030"):  # GB18030 is a superset of GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(N_("The file's text encoding could not be recognised; save it as CSV UTF-8 and upload that."))


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows: list[tuple[int, list]] = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            values = values[:MAX_COLUMNS]
            if any(v.strip() for v in values):
                rows.append((number, values))
                _check_row_count(len(rows))
    except csv.Error as error:
        raise ImportRefused(N_("The CSV file could not be read: %(problem)s"), problem=str(error)) from None
    return rows


def _check_row_count(non_empty: int) -> None:
    # The column names and a title row or two are among the non-empty rows; the exact count of
    # data rows is checked once the header is found.
    if non_empty > MAX_ROWS + HEADER_SCAN_ROWS:
        raise ImportRefused(N_("The file has more than %(limit)s rows; split it into smaller files."),
                            limit=MAX_ROWS)


def _find_table(raw: list[tuple[int, list]]) -> Sheet:
    if not raw:
        raise ImportRefused(N_("The file has no rows."))
    candidates = raw[:HEADER_SCAN_ROWS]
    best = None
    for index, (number, values) in enumerate(candidates):
        columns, ignored = map_headers(values)
        if all(f in columns for f in REQUIRED):
            sheet = Sheet(header_row=number, headers=[_text(v) for v in values], columns=columns,
                          ignored=ignored, rows=raw[index + 1:])
            if not sheet.rows:
                raise ImportRefused(N_("The file has column names but no rows below them."))
            if len(sheet.rows) > MAX_ROWS:
                raise ImportRefused(N_("The file has more than %(limit)s rows; split it into smaller files."),
                                    limit=MAX_ROWS)
            return sheet
        if best is None or len(columns) > len(best):
            best = columns
    missing = [f for f in REQUIRED if f not in (best or {})]
    raise ImportRefused(
        N_("The columns %(columns)s were not found. The first row must hold the column names, "
           "for example 工单编号, 来电时间, 诉求内容, 联系人."),
        columns="; ".join(" / ".join(HEADERS[f][:3]) for f in missing))


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

_DATE_FORMATS = (
    ("%Y-%m-%d %H:%M:%S", False), ("%Y-%m-%d %H:%M", False), ("%Y-%m-%d", True),
    ("%Y/%m/%d %H:%M:%S", False), ("%Y/%m/%d %H:%M", False), ("%Y/%m/%d", True),
    ("%Y.%m.%d %H:%M:%S", False), ("%Y.%m.%d %H:%M", False), ("%Y.%m.%d", True),
    ("%Y年%m月%d日 %H:%M:%S", False), ("%Y年%m月%d日 %H:%M", False), ("%Y年%m月%d日 %H时%M分", False),
    ("%Y年%m月%d日", True), ("%Y%m%d%H%M%S", False), ("%Y%m%d", True),
)


def parse_when(value, tz: tzinfo, *, end_of_day: bool = False) -> datetime:
    """A time from a cell: an Excel date cell, an Excel serial number, or text such as
    '2026-11-20 09:30', '2026/11/20 9:30', '2026年11月20日'. Times without a zone are the town's.
    A date alone is the start of that day, or its end for a due date (`end_of_day`).
    Raises ValueError when the value is no time."""
    date_only = False
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when, date_only = datetime.combine(value, time()), True
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's serial range: 1900-01-01 .. 9999-12-31
            raise ValueError(value)
        when = from_excel(value)
        if not isinstance(when, datetime):
            raise ValueError(value)
    else:
        text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", _text(value)))
        if not text:
            raise ValueError(value)
        when = None
        try:
            when = datetime.fromisoformat(text)
            date_only = bool(re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", text))
        except ValueError:
            for fmt, is_date in _DATE_FORMATS:
                try:
                    when, date_only = datetime.strptime(text, fmt), is_date
                    break
                except ValueError:
                    continue
        if when is None:
            raise ValueError(value)
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise ValueError(value)  # a typing mistake, and beyond what date arithmetic downstream handles
    if date_only and end_of_day:
        when = when.replace(hour=23, minute=59, second=59)
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when


# Words seen in 12345 work-order types and grid reports, and the MoJ category they belong to.
# Tried in order, so the more specific come first (交通事故 before 事故, 工伤 before 赔偿).
CATEGORY_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("交通", "车祸", "撞车"), "道路交通事故"),
    (("工资", "欠薪", "薪资", "劳动", "劳务", "工伤", "社保", "辞退"), "劳动争议"),
    (("物业",), "物业"),
    (("征地", "拆迁", "动迁"), "征地拆迁"),
    (("宅基地", "房屋", "建房", "翻建"), "房屋宅基地"),
    (("婚姻", "家庭", "离婚", "赡养", "抚养", "继承", "家暴"), "婚姻家庭"),
    (("邻里", "噪音", "噪声", "扰民", "漏水", "相邻", "采光", "堆物"), "邻里"),
    (("医疗", "医患", "医院"), "医疗"),
    (("消费", "购物", "退款", "商品", "网购", "预付卡"), "消费"),
    (("污染", "环境", "排污", "油烟", "异味", "粉尘"), "环境污染"),
    (("合同", "借款", "借贷", "欠款", "租赁"), "合同"),
    (("经营", "生产"), "生产经营"),
    (("赔偿", "损害", "伤害", "侵权"), "损害赔偿"),
    (("山林", "土地", "承包地", "林地"), "山林土地"),
)


def map_category(value: str) -> tuple[str, dict | None]:
    """The MoJ category for a channel's type, and a note when it had to be guessed or defaulted."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))
    if not text:
        return OTHER, None
    if text in CATEGORIES:
        return text, None
    if text.endswith("纠纷") and text[:-2] in CATEGORIES:
        return text[:-2], None
    for words, category in CATEGORY_WORDS:
        if any(word in text for word in words):
            return category, _msg(N_("Type %(value)s recorded as category %(category)s."),
                                  value=value, category=category)
    return OTHER, _msg(N_("Type %(value)s is not a known category; recorded as %(category)s."),
                       value=value, category=OTHER)


_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "委员会")


def match_village(value: str, address: str, villages: dict[str, int]) -> tuple[int | None, dict | None]:
    """The village a row names ('小庙村', '小庙', '徐行镇小庙村村委会'), else the one its address names."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))
    for suffix in _VILLAGE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    if text:
        if text in villages:
            return villages[text], None
        # longest name first, so 曹王社区 is not taken for 曹王村's stem
        for name in sorted(villages, key=len, reverse=True):
            stem = re.sub(r"(村|社区|居委)$", "", name)
            if text.endswith(name) or (stem and text in (stem, stem + "村", stem + "社区")):
                return villages[name], None
        return None, _msg(N_("Village %(value)s is not one of the town's; left empty."), value=value)
    for name in sorted(villages, key=len, reverse=True):
        if name and name in (address or ""):
            return villages[name], None
    return None, None


def clean_phone(value) -> tuple[str, dict | None, dict | None]:
    """(phone, problem, note). A masked number (138****5678) is useless: left empty with a note."""
    text = normalize_phone(unicodedata.normalize("NFKC", _text(value)))
    if not text:
        return "", None, None
    if "*" in text:
        return "", None, _msg(N_("The phone number is masked in the file (%(value)s); left empty."), value=text)
    text = re.sub(r"^(\+?86)(?=1\d{10}$)", "", text)
    if not is_valid_mobile(text):
        return "", _msg(N_("The phone number %(value)s is not a mobile number (11 digits starting 13 to 19)."),
                        value=text), None
    return text, None, None


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------

def _msg(message: str, **params) -> dict:
    return {"message": message, "params": params}


LIMITS = {"external_ref": 64, "name": 64, "address": 255, "summary": 4000}


def check_rows(sheet: Sheet, *, villages: dict[str, int], tz: tzinfo, now: datetime) -> list[dict]:
    """Every data row as a JSON-ready dict: its number, status ('ok' or 'error'), problems,
    notes and the values to register. Later rows repeating a reference are errors."""
    first_seen: dict[str, int] = {}
    names = sheet.column_names()
    out = []
    for number, values in sheet.rows:
        row = check_row(number, values, sheet.columns, villages=villages, tz=tz, now=now, names=names)
        ref = row["data"]["external_ref"]
        if ref:
            if ref in first_seen:
                row["problems"].append(_msg(N_("Same channel reference as row %(row)s; only the first is imported."),
                                            row=first_seen[ref]))
                row["status"] = "error"
            else:
                first_seen[ref] = number
        out.append(row)
    return out


def check_row(number: int, values: list, columns: dict[str, int], *, villages: dict[str, int],
              tz: tzinfo, now: datetime, names: dict[str, str] | None = None) -> dict:
    """One row; `names` are the file's column names, quoted in messages (the user's own words)."""
    def cell(fld):
        column = columns.get(fld)
        return values[column] if column is not None and column < len(values) else None

    problems: list[dict] = []
    notes: list[dict] = []
    data: dict = {}

    data["external_ref"] = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _text(cell("external_ref"))))
    data["name"] = _text(cell("name"))
    data["summary"] = _text(cell("summary"))
    data["address"] = _text(cell("address"))
    for fld, message in (("external_ref", N_("The channel reference is missing.")),
                         ("name", N_("The applicant's name is missing.")),
                         ("summary", N_("What the dispute is about is missing."))):
        if not data[fld]:
            problems.append(_msg(message))
    for fld, limit in LIMITS.items():
        if len(data[fld]) > limit:
            problems.append(_msg(N_("%(column)s is longer than %(limit)s characters."),
                                 column=(names or {}).get(fld, fld), limit=limit))

    raw_received = cell("received_at")
    data["received_text"] = _text(raw_received)
    data["received_at"] = None
    if not data["received_text"]:
        problems.append(_msg(N_("The received time is missing.")))
    else:
        try:
            received = parse_when(raw_received, tz)
        except (ValueError, OverflowError):
            problems.append(_msg(N_("The received time %(value)s is not a date and time."),
                                 value=data["received_text"]))
        else:
            if received > now:
                problems.append(_msg(N_("The received time %(value)s is in the future."),
                                     value=_local(received, tz)))
            data["received_at"] = received.isoformat()
            data["received_text"] = _local(received, tz)

    raw_due = cell("due")
    data["channel_due_at"] = None
    if _text(raw_due):
        try:
            due = parse_when(raw_due, tz, end_of_day=True)
        except (ValueError, OverflowError):
            problems.append(_msg(N_("The due date %(value)s is not a date."), value=_text(raw_due)))
        else:
            if data["received_at"] and due < datetime.fromisoformat(data["received_at"]):
                problems.append(_msg(N_("The due date %(value)s is before the received time."),
                                     value=_local(due, tz)))
            data["channel_due_at"] = due.isoformat()

    data["phone"], problem, note = clean_phone(cell("phone"))
    problems += [problem] if problem else []
    notes += [note] if note else []

    raw_category = _text(cell("category"))
    data["category"], note = map_category(raw_category)
    data["channel_category"] = raw_category
    notes += [note] if note else []

    raw_village = _text(cell("village"))
    data["village_id"], note = match_village(raw_village, data["address"], villages)
    data["village_text"] = raw_village
    notes += [note] if note else []

    data["order_type"] = _text(cell("order_type"))
    return {"row": number, "status": "error" if problems else "ok", "problems": problems, "notes": notes,
            "data": data, "reference": None}


def _local(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def mark_existing(rows: list[dict], existing: dict[str, str]) -> None:
    """Rows whose reference is already registered on the channel are skipped (as the API does)."""
    for row in rows:
        reference = existing.get(row["data"]["external_ref"])
        if reference and row["status"] != "skip":
            row["status"], row["reference"] = "skip", reference


def counts(rows: list[dict]) -> dict[str, int]:
    return {"create": sum(r["status"] == "ok" for r in rows),
            "skip": sum(r["status"] == "skip" for r in rows),
            "refuse": sum(r["status"] == "error" for r in rows)}


def case_details(row: dict, batch_id: int) -> dict:
    """What the channel sent beyond the common fields, for Case.details."""
    data = row["data"]
    details = {"import_batch": batch_id, "import_row": row["row"]}
    if data.get("order_type"):
        details["order_type"] = data["order_type"]
    if data.get("channel_category") and data["channel_category"] != data["category"]:
        details["channel_category"] = data["channel_category"]
    return details


def external_refs(rows: list[dict], statuses: tuple[str, ...] = ("ok", "error")) -> list[str]:
    return sorted({r["data"]["external_ref"] for r in rows if r["status"] in statuses and r["data"]["external_ref"]})

