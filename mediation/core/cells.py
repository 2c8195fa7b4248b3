"""Reading one spreadsheet cell: times, mobile numbers, dispute categories, village names.

Plain functions of the cell's value (whatever openpyxl or the CSV reader gave: text, a number,
a datetime) and of what they are told (the town's time zone, its villages). A value that is
not what the column wants raises `CellError`, whose English message says what was wrong; the
importer turns that into its own row problem, so the user sees the importer's wording.
"""
import re
import unicodedata
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

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
    """How a channel's category name was read."""

    EMPTY = "empty"  # no category given: 其他
    EXACT = "exact"  # one of the MoJ categories, perhaps with 纠纷 after it
    GUESSED = "guessed"  # a word in it points to a category
    UNKNOWN = "unknown"  # nothing recognised: 其他


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


def category_of(value) -> tuple[str, Match]:
    """The MoJ category for a channel's type ('噪音扰民' is 邻里), and how it was found."""
    text = squash(value)
    if not text:
        return OTHER, Match.EMPTY
    if text in CATEGORIES:
        return text, Match.EXACT
    if text.endswith("纠纷") and text[:-2] in CATEGORIES:
        return text[:-2], Match.EXACT
    for words, category in CATEGORY_WORDS:
        if any(word in text for word in words):
            return category, Match.GUESSED
    return OTHER, Match.UNKNOWN


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
