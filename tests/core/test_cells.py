"""Reading spreadsheet cells as 12345 exports, grid-patrol lists and hand-kept sheets write them.
No app, no database: `mediation.core.cells` is plain Python."""
import math
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl.utils.datetime import from_excel

from mediation.core.cells import (
    DEFAULT_CATEGORY_RULES, OTHER, CategorySource, CellError, Match, MaskedValue, category_of, cell_text,
    from_excel_serial, match_keywords, parse_mobile, parse_when, propose_category, split_keywords, squash,
    village_of, work_order_type_of,
)
from mediation.core.vocab import CATEGORIES

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (None, ""), ("  张三 ", "张三"), (13812345678.0, "13812345678"), (13812345678, "13812345678"),
    (2.5, "2.5"), (datetime(2026, 11, 3, 8, 15, 42), "2026-11-03 08:15"), ("", ""),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_squash_makes_full_width_plain_and_drops_all_spaces():
    assert squash(" ＧＤ２０２６ 0001\u3000") == "GD20260001"
    assert squash(None) == ""


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("2026-11-03 08:15", datetime(2026, 11, 3, 8, 15)),
    ("2026-11-03T08:15", datetime(2026, 11, 3, 8, 15)),
    ("2026-11-03T08:15:30", datetime(2026, 11, 3, 8, 15, 30)),
    ("2026/11/3", datetime(2026, 11, 3)),
    ("2026/11/3 8:15", datetime(2026, 11, 3, 8, 15)),
    ("2026/11/03 08:15:09", datetime(2026, 11, 3, 8, 15, 9)),
    ("2026.11.3", datetime(2026, 11, 3)),
    ("2026.11.3 8:15", datetime(2026, 11, 3, 8, 15)),
    ("2026年11月3日", datetime(2026, 11, 3)),
    ("2026年11月3日 8:15", datetime(2026, 11, 3, 8, 15)),
    ("2026年11月3日  8:15:30", datetime(2026, 11, 3, 8, 15, 30)),  # a doubled space
    ("2026年11月3日 8时15分", datetime(2026, 11, 3, 8, 15)),
    ("２０２６年１１月３日　８：１５", datetime(2026, 11, 3, 8, 15)),  # full-width digits, colon and space
    ("20261103", datetime(2026, 11, 3)),
    ("20261103081500", datetime(2026, 11, 3, 8, 15)),
    ("  2026-11-03 08:15 ", datetime(2026, 11, 3, 8, 15)),
    (datetime(2026, 11, 3, 8, 15), datetime(2026, 11, 3, 8, 15)),  # an Excel date cell
    (date(2026, 11, 3), datetime(2026, 11, 3)),
    (46329, datetime(2026, 11, 3)),  # Excel serial numbers: a cell that lost its date format
    (46329.34375, datetime(2026, 11, 3, 8, 15)),
    (46346.5, datetime(2026, 11, 20, 12, 0)),
])
def test_times_are_read_in_the_towns_zone(value, expected):
    assert parse_when(value, SHANGHAI) == expected.replace(tzinfo=SHANGHAI)


def test_an_explicit_zone_is_kept():
    when = parse_when("2026-11-03T00:15:00+00:00", SHANGHAI)
    assert when.tzinfo == timezone.utc and when == datetime(2026, 11, 3, 8, 15, tzinfo=SHANGHAI)


@pytest.mark.parametrize("value", ["2026-11-03", "2026/11/3", "2026年11月3日", "20261103", date(2026, 11, 3)])
def test_a_date_alone_ends_at_night_when_it_is_a_due_date(value):
    assert parse_when(value, SHANGHAI, end_of_day=True) == datetime(2026, 11, 3, 23, 59, 59, tzinfo=SHANGHAI)
    assert parse_when(value, SHANGHAI) == datetime(2026, 11, 3, tzinfo=SHANGHAI)


@pytest.mark.parametrize("value", ["2026-11-03 00:00", datetime(2026, 11, 3), 46329])
def test_a_time_of_day_is_kept_even_for_a_due_date(value):
    assert parse_when(value, SHANGHAI, end_of_day=True) == datetime(2026, 11, 3, tzinfo=SHANGHAI)


@pytest.mark.parametrize("serial", [1, 2, 59, 59.75, 60, 61, 367.25, 36526, 45000.123456, 46346.5, 73051.999])
def test_excel_serials_agree_with_openpyxl(serial):
    assert from_excel_serial(serial) == from_excel(serial)


def test_excel_serial_landmarks():
    assert from_excel_serial(1) == datetime(1900, 1, 1)
    assert from_excel_serial(61) == datetime(1900, 3, 1)  # after Excel's 1900-02-29 that never was
    assert from_excel_serial(36526) == datetime(2000, 1, 1)
    assert from_excel_serial(2958465) == datetime(9999, 12, 31)


@pytest.mark.parametrize("value, words", [
    ("昨天下午", "'昨天下午' is not a date and time; write it like 2026-11-20 09:30"),
    ("2026-13-01", "'2026-13-01' is not a date and time"),
    ("2026/11/31", "'2026/11/31' is not a date and time"),
    ("25:00", "'25:00' is not a date and time"),
    ("11/3/2026", "'11/3/2026' is not a date and time"),  # month first: ambiguous, refused
    ("", "The cell is empty"),
    (None, "The cell is empty"),
    ("   ", "The cell is empty"),
    (True, "'True' is not a date and time"),  # a boolean cell is no serial number
    (0, "0 is not an Excel date serial number"),
    (-3, "-3 is not an Excel date serial number"),
    (0.5, "0.5 is not an Excel date serial number"),  # a time alone
    (3_000_000, "3000000 is not an Excel date serial number"),
    (math.nan, "nan is not an Excel date serial number"),
    (math.inf, "inf is not an Excel date serial number"),
    ("1999-12-31", "1999-12-31 is not between the years 2000 and 2100."),
    ("2206-11-03", "2206-11-03 is not between the years 2000 and 2100."),  # 2026 mistyped
    (datetime(1980, 1, 1), "1980-01-01 is not between the years 2000 and 2100."),
    (20000, "1954-10-03 is not between the years 2000 and 2100."),  # a serial, but not of these years
])
def test_what_is_no_time_is_refused_with_a_clear_message(value, words):
    with pytest.raises(CellError) as caught:
        parse_when(value, SHANGHAI)
    assert words in str(caught.value) and words in caught.value.message
    assert isinstance(caught.value, ValueError)  # callers that catch ValueError keep working


def test_a_serial_rounding_past_the_last_day_is_refused():
    with pytest.raises(CellError, match="beyond the last date Excel knows"):
        from_excel_serial(2958465.999999995)  # 23:59:59.9996, rounded to the millisecond


def test_refusal_carries_the_value_as_read():
    with pytest.raises(CellError) as caught:
        parse_when("　昨天　", SHANGHAI)
    assert caught.value.value == "昨天"


# --------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "13812345678", "138 1234 5678", "138-1234-5678", " 138-1234-5678 ", "+86 138 1234 5678",
    "+86-138-1234-5678", "+8613812345678", "8613812345678", "86 13812345678", "１３８１２３４５６７８",
    "１３８　１２３４　５６７８", 13812345678, 13812345678.0,
])
def test_mobile_numbers_in_their_many_spellings(value):
    assert parse_mobile(value) == "13812345678"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_empty_cell_is_no_number(value):
    assert parse_mobile(value) == ""


@pytest.mark.parametrize("value, cleaned", [
    ("021-59591234", "02159591234"), ("021 5959 1234", "02159591234"), ("0571-8888888", "05718888888"),
    ("(021)59591234", None),
])
def test_a_landline_is_not_a_mobile_number(value, cleaned):
    with pytest.raises(CellError) as caught:
        parse_mobile(value)
    if cleaned:
        assert caught.value.value == cleaned
        assert str(caught.value) == (f"{cleaned} is a landline number; a mobile number has 11 digits "
                                     "starting 13 to 19.")
    else:
        assert "is not a mobile number" in str(caught.value)


@pytest.mark.parametrize("value, cleaned", [
    ("12345", "12345"), ("110", "110"), ("1381234567", "1381234567"), ("138123456789", "138123456789"),
    ("12812345678", "12812345678"), ("+85213812345678", "+85213812345678"), ("张三", "张三"),
    ("<img src=x>", "<imgsrc=x>"),
])
def test_other_numbers_are_refused_naming_what_was_read(value, cleaned):
    with pytest.raises(CellError) as caught:
        parse_mobile(value)
    assert caught.value.value == cleaned
    assert str(caught.value) == f"{cleaned} is not a mobile number (11 digits starting 13 to 19)."


@pytest.mark.parametrize("value, cleaned", [("138****5678", "138****5678"), ("138 **** 5678", "138****5678")])
def test_a_masked_number_is_told_apart(value, cleaned):
    with pytest.raises(MaskedValue) as caught:
        parse_mobile(value)
    assert caught.value.value == cleaned and "masked" in str(caught.value)


# --------------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, category, match", [
    ("邻里", "邻里", Match.EXACT), ("邻里纠纷", "邻里", Match.EXACT), (" 婚姻 家庭 纠纷 ", "婚姻家庭", Match.EXACT),
    ("噪音扰民", "邻里", Match.GUESSED), ("物业费", "物业", Match.GUESSED), ("拖欠工资", "劳动争议", Match.GUESSED),
    ("交通事故赔偿", "道路交通事故", Match.GUESSED), ("工伤赔偿", "劳动争议", Match.GUESSED),
    ("宅基地", "房屋宅基地", Match.GUESSED), ("外星人", OTHER, Match.UNKNOWN), ("", OTHER, Match.EMPTY),
    (None, OTHER, Match.EMPTY),
])
def test_channel_types_become_ministry_categories(value, category, match):
    assert category_of(value) == (category, match)


def test_every_ministry_category_is_read_as_itself():
    assert all(category_of(c) == (c, Match.EXACT) for c in CATEGORIES)
    assert all(category_of(c, rules=()) == (c, Match.EXACT) for c in CATEGORIES)  # no rules needed


def test_the_12345_work_order_types_are_no_categories():
    """诉求类型 投诉 / 求助 / 咨询 / 建议 is the work order's type: no rule reads it as a category."""
    assert {category_of(t) for t in ("投诉", "求助", "咨询", "建议")} == {(OTHER, Match.UNKNOWN)}


@pytest.mark.parametrize("text, words", [
    ("工资、欠薪, 拖欠工资 薪资", ("工资", "欠薪", "拖欠工资", "薪资")),
    ("工资，欠薪；拖欠工资\n 工资", ("工资", "欠薪", "拖欠工资")),  # full-width comma, semicolon, line break; once each
    ("ＡＢＣ、 Def ", ("abc", "def")),  # full-width letters made plain, case folded
    ("、 ,，", ()), ("", ()), (None, ()),
])
def test_keywords_are_split_on_the_usual_separators(text, words):
    assert split_keywords(text) == words


RULES = [("工资、欠薪", "劳动争议"), (("噪音", "漏水"), "邻里"), ("物业", "物业"), ("", "合同"), ("x", "不存在")]


@pytest.mark.parametrize("text, found", [
    ("包工头欠薪三个月", ("劳动争议", "欠薪")),
    ("楼上漏水，噪音也大", ("邻里", "噪音")),  # a rule's keywords in its order
    ("物业不管噪音", ("邻里", "噪音")),  # the rules in their order: 邻里 is tried before 物业
    ("物 业 费", ("物业", "物业")),  # white space inside a word is no obstacle
    ("合同纠纷", None),  # a rule without keywords matches nothing
    ("x", None),  # a rule naming no MoJ category is left out
    ("", None), (None, None),
])
def test_keyword_rules_are_tried_in_order(text, found):
    assert match_keywords(text, RULES) == found


@pytest.mark.parametrize("column, summary, category, source, keyword", [
    ("劳动争议", "装修", "劳动争议", CategorySource.COLUMN, ""),  # the column wins over the text
    ("婚姻家庭纠纷", "", "婚姻家庭", CategorySource.COLUMN, ""),
    ("宅基地", "拖欠工资", "房屋宅基地", CategorySource.COLUMN_KEYWORD, "宅基地"),
    ("", "包工头欠薪", "劳动争议", CategorySource.KEYWORD, "欠薪"),
    ("矛盾纠纷", "两车追尾", "道路交通事故", CategorySource.KEYWORD, "追尾"),
    ("", "路灯坏了", OTHER, CategorySource.UNMATCHED, ""),
])
def test_a_rows_category_and_why(column, summary, category, source, keyword):
    proposal = propose_category(column, summary, DEFAULT_CATEGORY_RULES)
    assert (proposal.category, proposal.source, proposal.keyword) == (category, source, keyword)
    assert proposal.unknown_column_value is (column == "矛盾纠纷")


def test_without_rules_only_the_column_decides():
    assert propose_category("", "拖欠工资", ()).source == CategorySource.UNMATCHED
    assert propose_category("邻里", "拖欠工资", ()).category == "邻里"


SUMMARIES = {  # one typical complaint per category (as the demo's)
    "婚姻家庭": "夫妻因赡养老人费用分担发生争执", "邻里": "邻居因装修噪音及占用公共过道发生纠纷",
    "房屋宅基地": "宅基地界址不清，双方对围墙位置有争议", "合同": "购销合同货款未按期支付",
    "生产经营": "合伙经营分红发生争议", "损害赔偿": "饲养的狗咬伤路人，医药费赔偿未谈拢",
    "山林土地": "承包地流转租金纠纷", "征地拆迁": "动迁安置面积认定有异议",
    "环境污染": "厂房排放异味影响周边居民", "劳动争议": "工地拖欠农民工工资",
    "消费": "预付卡商家关门，消费者要求退款", "医疗": "诊所治疗后出现并发症，患者要求赔偿",
    "道路交通事故": "电动自行车与轿车碰擦，维修费争议", "物业": "物业费收取及停车位管理纠纷",
    "其他": "村民对集体收益分配有意见",
}


def test_the_default_rules_name_ministry_categories_and_read_typical_complaints():
    assert all(category in CATEGORIES and split_keywords(words) for words, category in DEFAULT_CATEGORY_RULES)
    assert {c: propose_category("", text, DEFAULT_CATEGORY_RULES).category for c, text in SUMMARIES.items()} == {
        c: c for c in SUMMARIES}


@pytest.mark.parametrize("value, expected", [
    ("投诉", ("投诉", True)), (" 咨询 ", ("咨询", True)), ("求助", ("求助", True)), ("建议", ("建议", True)),
    ("投诉举报", ("投诉", False)), ("咨询类", ("咨询", False)), ("表扬", ("", False)),
    ("咨询投诉", ("", False)), ("", ("", False)), (None, ("", False)),
])
def test_12345_work_order_types(value, expected):
    assert work_order_type_of(value) == expected


# --------------------------------------------------------------------------------------------
# Villages
# --------------------------------------------------------------------------------------------

VILLAGES = {"小庙村": 1, "钱桥村": 2, "曹王村": 3, "曹王社区": 4}


@pytest.mark.parametrize("value, address, expected", [
    ("小庙村", "", 1), ("小庙", "", 1), ("小庙村村委会", "", 1), ("小庙村民委员会", "", 1), ("徐行镇钱桥村", "", 2),
    (" 钱桥 ", "", 2), ("曹王社区", "", 4), ("曹王社区居委会", "", 4), ("曹王村", "", 3),
    ("", "徐行镇钱桥村5组", 2), ("", "曹王社区12号", 4), ("", "别处", None), (None, None, None),
])
def test_village_named_or_found_in_the_address(value, address, expected):
    assert village_of(value, address, VILLAGES) == expected


def test_an_unknown_village_is_refused_naming_it():
    with pytest.raises(CellError) as caught:
        village_of("火星村", "徐行镇小庙村", VILLAGES)  # named: the address does not overrule it
    assert caught.value.value == "火星村" and str(caught.value) == "火星村 is not one of the town's villages."


def test_serial_arithmetic_is_exact_to_the_millisecond():
    assert from_excel_serial(46329 + 1 / 86_400_000) == datetime(2026, 11, 3) + timedelta(milliseconds=1)
