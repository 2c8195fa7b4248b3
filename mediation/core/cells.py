"""Reading one spreadsheet cell: times, mobile numbers, dispute categories (by keyword rules
handed in as tuples), 12345 work-order types, village names.

Plain functions of the cell's value (whatever openpyxl or the CSV reader gave: text, a number,
a datetime) and of what they are told (the town's time zone, its villages). A value that is
not what the column wants raises `CellError`, whose English message says what was wrong; the
importer turns that into its own row problem, so the user sees the importer's wording.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache

from .identity import is_valid_mobile, normalize_phone
from .vocab import CATEGORIES, MAX_YEAR, MIN_YEAR

OTHER = "其他"

EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 0 in Excel's (Windows, 1900) date system
EXCEL_SERIALS = (1, 2958466)  # 1900-01-01 up to, not including, 10000-01-01
EXCEL_FAKE_LEAP_DAY = 60  # Excel counts a 1900-02-29 that never was (kept from Lotus 1-2-3)


class CellError(ValueError):
    """A cell's value is not what its column wants. `value` is the value as read (normalised)."""

    def __init__(self, message: str, value=None):
        super().__init__(message)
        self.message = message
        self.value = value


class MaskedValue(CellError):
    """The export hid part of the value (138****5678): not wrong, just of no use."""


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------

def cell_text(value) -> str:
    """A cell as text: '' for an empty cell, 13812345678 rather than 13812345678.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 工单编号 or 手机号 stored as a number
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()


def squash(value) -> str:
    """The text with full-width characters made plain (NFKC) and all white space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------

# Tried in order after ISO 8601; the flag says the format is a date alone.
DATE_FORMATS: tuple[tuple[str, bool], ...] = (
    ("%Y-%m-%d %H:%M:%S", False), ("%Y-%m-%d %H:%M", False), ("%Y-%m-%d", True),
    ("%Y/%m/%d %H:%M:%S", False), ("%Y/%m/%d %H:%M", False), ("%Y/%m/%d", True),
    ("%Y.%m.%d %H:%M:%S", False), ("%Y.%m.%d %H:%M", False), ("%Y.%m.%d", True),
    ("%Y年%m月%d日 %H:%M:%S", False), ("%Y年%m月%d日 %H:%M", False), ("%Y年%m月%d日 %H时%M分", False),
    ("%Y年%m月%d日", True), ("%Y%m%d%H%M%S", False), ("%Y%m%d", True),
)
_ISO_DATE = re.compile(r"\d{4}-?\d{2}-?\d{2}")
_NO_TIME = "{value!r} is not a date and time; write it like 2026-11-20 09:30 or 2026年11月20日 9:30."


def parse_when(value, tz: tzinfo, *, end_of_day: bool = False) -> datetime:
    """A time from a cell: an Excel date cell, an Excel serial number, or text such as
    '2026-11-20 09:30', '2026/11/20 9:30', '2026年11月20日'. Times without a zone are the town's.
    A date alone is the start of that day, or its end for a due date (`end_of_day`).
    Raises CellError (a ValueError) when the value is no time."""
    when, date_only = _naive_when(value)
    if not MIN_YEAR <= when.year <= MAX_YEAR:  # a typing mistake, and beyond what deadline arithmetic handles
        raise CellError(f"{when:%Y-%m-%d} is not between the years {MIN_YEAR} and {MAX_YEAR}.", value)
    if date_only and end_of_day:
        when = when.replace(hour=23, minute=59, second=59)
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when


def _naive_when(value) -> tuple[datetime, bool]:
    """The time a cell holds, and whether it was a date alone."""
    if isinstance(value, datetime):
        return value, False
    if isinstance(value, date):
        return datetime.combine(value, time()), True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_excel_serial(value), False
    return parse_when_text(cell_text(value))


def from_excel_serial(serial: float) -> datetime:
    """Excel's day number (46346.5 is 2026-11-20 12:00), as a cell shows it once its date format is lost."""
    if not EXCEL_SERIALS[0] <= serial < EXCEL_SERIALS[1]:  # also refuses NaN and infinity
        raise CellError(f"{serial!r} is not an Excel date serial number (1 to {EXCEL_SERIALS[1] - 1}).", serial)
    days, fraction = divmod(serial, 1)
    if days < EXCEL_FAKE_LEAP_DAY:
        days += 1  # before the day that never was, the epoch is one day later
    try:
        return EXCEL_EPOCH + timedelta(days=days, milliseconds=round(fraction * 86_400_000))
    except OverflowError:
        raise CellError(f"{serial!r} is beyond the last date Excel knows.", serial) from None


def parse_when_text(text: str) -> tuple[datetime, bool]:
    """A written time (full-width digits and doubled spaces allowed), and whether it was a date alone."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    if not text:
        raise CellError("The cell is empty; a date and time is needed.", text)
    try:
        return datetime.fromisoformat(text), bool(_ISO_DATE.fullmatch(text))
    except ValueError:
        pass
    for fmt, date_only in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt), date_only
        except ValueError:
            continue
    raise CellError(_NO_TIME.format(value=text), text)


# --------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------

_COUNTRY_CODE = re.compile(r"^\+?86(?=1\d{10}$)")
_LANDLINE = re.compile(r"^0\d{9,11}$")  # area code 0xx or 0xxx, then 7 or 8 digits: 021-59591234


def parse_mobile(value) -> str:
    """The 11-digit mainland mobile number in a cell, '' for an empty cell.

    Spaces, dashes, full-width digits and a +86 in front are taken off. A masked number raises
    MaskedValue, anything else that is no mobile number (a landline, a short number) CellError;
    either way `value` of the error is the number as cleaned.
    """
    text = normalize_phone(unicodedata.normalize("NFKC", cell_text(value)))
    if not text:
        return ""
    if "*" in text:
        raise MaskedValue(f"The phone number {text} is masked in the file.", text)
    text = _COUNTRY_CODE.sub("", text)
    if is_valid_mobile(text):
        return text
    if _LANDLINE.match(text):
        raise CellError(f"{text} is a landline number; a mobile number has 11 digits starting 13 to 19.", text)
    raise CellError(f"{text} is not a mobile number (11 digits starting 13 to 19).", text)


# --------------------------------------------------------------------------------------------
# Categories and villages
# --------------------------------------------------------------------------------------------

class Match(StrEnum):
    """How a category was read from a channel's type or a row's text."""

    EMPTY = "empty"  # nothing given: 其他
    EXACT = "exact"  # one of the MoJ categories, perhaps with 纠纷 after it
    GUESSED = "guessed"  # a keyword rule's keyword is in it
    UNKNOWN = "unknown"  # nothing recognised: 其他


# A keyword rule as the importer is handed it: its keywords and the MoJ category they point to.
# The rules are data an admin edits (intake.models.CategoryRule), tried in their order: the first
# rule with a keyword in the text decides. These are the defaults the migration seeds.
KeywordRule = tuple[tuple[str, ...], str]

DEFAULT_CATEGORY_RULES: tuple[tuple[str, str], ...] = (
    ("工资、欠薪、拖欠工资、工钱、薪资、劳务费、工伤、社保、辞退、劳动合同", "劳动争议"),
    ("交通事故、车祸、撞车、追尾、剐蹭、碰擦、撞", "道路交通事故"),
    ("物业费、物业", "物业"),
    ("征地、拆迁、动迁", "征地拆迁"),
    ("宅基地、建房、翻建、界址", "房屋宅基地"),
    ("离婚、抚养、赡养、婚姻、家暴、继承、夫妻", "婚姻家庭"),
    ("漏水、噪音、噪声、装修、扰民、邻居、相邻、采光、堆物", "邻里"),
    ("医疗、医患、医院、诊所", "医疗"),
    ("消费、退款、购物、网购、预付卡", "消费"),
    ("污染、排污、油烟、异味、粉尘", "环境污染"),
    ("合同、借款、借贷、欠款、租赁、货款", "合同"),
    ("经营、合伙、生产", "生产经营"),
    ("赔偿、损害、伤害、咬伤、侵权", "损害赔偿"),
    ("山林、土地、承包地、林地、流转", "山林土地"),
)

_KEYWORD_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def split_keywords(text) -> tuple[str, ...]:
    """'工资、欠薪, 拖欠工资 薪资' as ('工资', '欠薪', '拖欠工资', '薪资'): separated by 、 , ， ; or
    spaces, full-width letters made plain, repeats left out, order kept."""
    words = (squash(word).lower() for word in _KEYWORD_SEPARATORS.split(unicodedata.normalize("NFKC", cell_text(text))))
    return tuple(dict.fromkeys(word for word in words if word))


def keyword_rules(rules) -> list[KeywordRule]:
    """(keywords text or words, category) pairs as KeywordRules; rules without keywords, or naming
    no MoJ category, are left out."""
    out = []
    for keywords, category in rules:
        words = split_keywords(keywords) if isinstance(keywords, str) else tuple(
            w for w in (squash(k).lower() for k in keywords) if w)
        if words and category in CATEGORIES:
            out.append((words, category))
    return out


@lru_cache(maxsize=64)
def _prepared_rules(rules: tuple) -> tuple[KeywordRule, ...]:
    """keyword_rules, split once per set of rules: an import of 50,000 rows asks for each row."""
    return tuple(keyword_rules(rules))


def match_keywords(text, rules) -> tuple[str, str] | None:
    """(category, the keyword found) of the first rule with a keyword in `text`, else None.
    `rules` are (keywords, category) pairs in order; keywords a text ('工资、欠薪') or a tuple."""
    haystack = squash(text).lower()
    if not haystack:
        return None
    for words, category in _prepared_rules(tuple(rules)):
        for word in words:
            if word in haystack:
                return category, word
    return None


def category_of(value, rules=DEFAULT_CATEGORY_RULES) -> tuple[str, Match]:
    """The MoJ category for a channel's type ('噪音扰民' is 邻里 by the keyword rules), and how it was found."""
    category, match, _keyword = read_category(value, rules)
    return category, match


def read_category(value, rules=DEFAULT_CATEGORY_RULES) -> tuple[str, Match, str]:
    """(category, how it was found, the keyword that decided: '' unless GUESSED)."""
    text = squash(value)
    if not text:
        return OTHER, Match.EMPTY, ""
    if text in CATEGORIES:
        return text, Match.EXACT, ""
    if text.endswith("纠纷") and text[:-2] in CATEGORIES:
        return text[:-2], Match.EXACT, ""
    found = match_keywords(text, rules)
    if found:
        return found[0], Match.GUESSED, found[1]
    return OTHER, Match.UNKNOWN, ""


class CategorySource(StrEnum):
    """Where a row's proposed category came from, shown beside it in the preview."""

    COLUMN = "column"  # the file's category column names an MoJ category
    COLUMN_KEYWORD = "column_keyword"  # the category column's value holds a rule's keyword
    KEYWORD = "keyword"  # a rule's keyword is in what the dispute is about
    UNMATCHED = "unmatched"  # nothing matched: 其他
    CHOSEN = "chosen"  # the supervisor chose it in the preview


@dataclass(frozen=True)
class CategoryProposal:
    category: str
    source: CategorySource
    keyword: str = ""
    column_value: str = ""  # the category column's value, as written
    unknown_column_value: bool = False  # the column said something no rule recognises


def propose_category(column_value, summary, rules) -> CategoryProposal:
    """A row's category: from its category column when that names one (exactly or by a keyword),
    else from the keyword rules over what the dispute is about, else 其他."""
    written = cell_text(column_value)
    category, match, keyword = read_category(written, rules)
    if match == Match.EXACT:
        return CategoryProposal(category, CategorySource.COLUMN, column_value=written)
    if match == Match.GUESSED:
        return CategoryProposal(category, CategorySource.COLUMN_KEYWORD, keyword, written)
    unknown = match == Match.UNKNOWN
    found = match_keywords(summary, rules)
    if found:
        return CategoryProposal(found[0], CategorySource.KEYWORD, found[1], written, unknown)
    return CategoryProposal(OTHER, CategorySource.UNMATCHED, column_value=written, unknown_column_value=unknown)


# 12345 work-order types (诉求类型): the reply deadline's variant reads them (咨询: 1 working day).
WORK_ORDER_TYPES = ("咨询", "求助", "投诉", "建议")


def work_order_type_of(value) -> tuple[str, bool]:
    """(the 12345 work-order type, whether the value was exactly it). '咨询类' is 咨询 (not exact);
    a value naming none of the four, or more than one, is ('', False)."""
    text = squash(value)
    if text in WORK_ORDER_TYPES:
        return text, True
    named = [t for t in WORK_ORDER_TYPES if t in text]
    return (named[0], False) if len(named) == 1 else ("", False)


_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "委员会")
_VILLAGE_KIND = re.compile(r"(村|社区|居委)$")


def village_of(value, address: str, villages: dict[str, int]) -> int | None:
    """The village a cell names ('小庙村', '小庙', '徐行镇小庙村村委会'), else the one the address
    names, else None. `villages` maps the town's village names to their ids; a cell naming
    none of them raises CellError."""
    text = _strip_committee(squash(value))
    if not text:
        return _village_in_address(address, villages)
    if text in villages:
        return villages[text]
    for name in sorted(villages, key=len, reverse=True):  # longest first: 曹王社区 is not 曹王村's stem
        stem = _VILLAGE_KIND.sub("", name)
        if text.endswith(name) or (stem and text in (stem, stem + "村", stem + "社区")):
            return villages[name]
    raise CellError(f"{cell_text(value)} is not one of the town's villages.", cell_text(value))


def _strip_committee(text: str) -> str:
    for suffix in _VILLAGE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _village_in_address(address: str, villages: dict[str, int]) -> int | None:
    for name in sorted(villages, key=len, reverse=True):
        if name and name in (address or ""):
            return villages[name]
    return None
