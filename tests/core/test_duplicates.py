"""Likely duplicates across channels (DESIGN.md "Duplicates across channels"): same phone, same
party names, same address within 30 days; suggested at a score of 0.5 or more.

Scores follow the current mediation.core.duplicates: a shared person (phone, ID number, or
name in the same village) counts once (0.5 for phone/ID, 0.4 for a name alone); a second shared
name +0.3; a similar address +0.3; the same category +0.1, another category -0.2."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mediation.core.duplicates import (
    SUGGEST_AT, WINDOW, CaseSketch, Match, address_similarity, score, suggest,
)

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 9, 30, tzinfo=SH)
XIAOMIAO, QIANQIAO = 1, 2

ADDRESS = "上海市嘉定区徐行镇小庙村东街12号"
ADDRESS_SHORT = "小庙村东街12号"  # the same place, written without town and district


def sketch(id, days=0, **kw) -> CaseSketch:
    kw.setdefault("village_id", XIAOMIAO)
    for key in ("phones", "id_numbers", "names"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    return CaseSketch(id=id, received_at=T0 + timedelta(days=days), **kw)


def test_constants():
    assert WINDOW == timedelta(days=30)
    assert SUGGEST_AT == 0.5


# --- phone -----------------------------------------------------------------------------------

def test_same_phone_within_30_days_is_suggested():
    new = sketch(1, phones={"13812345678"})
    other = sketch(2, days=-12, phones={"13812345678", "13900000000"}, village_id=QIANQIAO)
    assert score(new, other) == Match(2, 0.5, ("same_phone",))
    assert suggest(new, [other]) == [Match(2, 0.5, ("same_phone",))]


def test_same_phone_exactly_30_days_apart_is_still_in_the_window():
    new = sketch(1, phones={"13812345678"})
    assert [m.case_id for m in suggest(new, [sketch(2, days=-30, phones={"13812345678"})])] == [2]


@pytest.mark.parametrize("days", [-31, 31])
def test_same_phone_31_days_apart_is_not(days):
    new = sketch(1, phones={"13812345678"})
    other = sketch(2, days=days, phones={"13812345678"}, names={"张三"}, address=ADDRESS)
    assert score(new, other) == Match(2, 0.0, ())
    assert suggest(new, [other]) == []


def test_just_past_30_days_is_out():
    new = sketch(1, phones={"13812345678"})
    other = CaseSketch(id=2, received_at=T0 - WINDOW - timedelta(seconds=1),
                       phones=frozenset({"13812345678"}))
    assert suggest(new, [other]) == []


def test_different_phones_no_match():
    new = sketch(1, phones={"13812345678"})
    assert score(new, sketch(2, phones={"13812345679"})) == Match(2, 0.0, ())


def test_same_id_number_is_suggested():
    new = sketch(1, id_numbers={"310114195003151230"})
    assert score(new, sketch(2, id_numbers={"310114195003151230"})) == Match(2, 0.5, ("same_id_number",))


def test_one_shared_person_counts_once():
    # The same caller's phone, ID number and name are one piece of evidence, not three.
    new = sketch(1, phones={"13812345678"}, id_numbers={"310114195003151230"}, names={"张三"})
    other = sketch(2, phones={"13812345678"}, id_numbers={"310114195003151230"}, names={"张三"})
    assert score(new, other) == Match(
        2, 0.5, ("same_phone", "same_id_number", "same_name_same_village"))


def test_score_is_capped_at_one():
    new = sketch(1, phones={"13812345678"}, names={"张三", "李四"}, address=ADDRESS, category="邻里")
    other = sketch(2, phones={"13812345678"}, names={"张三", "李四"}, address=ADDRESS_SHORT,
                   category="邻里")
    assert score(new, other) == Match(2, 1.0, (
        "same_phone", "same_name_same_village", "two_shared_parties", "similar_address",
        "same_category"))


def test_same_category_adds_and_another_category_subtracts():
    new = sketch(1, phones={"13812345678"}, category="邻里")
    same = score(new, sketch(2, phones={"13812345678"}, category="邻里"))
    assert same.reasons == ("same_phone", "same_category")
    assert same.score == pytest.approx(0.6)
    # One shared person, another kind of dispute: likely their next dispute, not a duplicate.
    other = sketch(3, phones={"13812345678"}, category="合同")
    assert score(new, other).score == pytest.approx(0.3)
    assert suggest(new, [other]) == []
    # An unknown category on either side neither adds nor subtracts.
    assert score(new, sketch(4, phones={"13812345678"})).score == pytest.approx(0.5)


def test_a_different_counterpart_means_another_dispute():
    # Both cases name two parties and share only one of them.
    new = sketch(1, phones={"13812345678"}, names={"张三", "李四"})
    other = sketch(2, phones={"13812345678"}, names={"张三", "王五"})
    assert score(new, other).score == pytest.approx(0.3)
    assert suggest(new, [other]) == []


# --- names and address -----------------------------------------------------------------------

def test_same_name_same_village_alone_is_not_suggested():
    new = sketch(1, names={"张三"})
    other = sketch(2, days=3, names={"张三", "王五"}, address="钱桥村西路88号")
    m = score(new, other)
    assert m.reasons == ("same_name_same_village",)
    assert m.score == pytest.approx(0.4)
    assert suggest(new, [other]) == []


def test_same_name_same_village_plus_similar_address_is_suggested():
    new = sketch(1, names={"张三"}, address=ADDRESS)
    other = sketch(2, days=-5, names={"张三"}, address=ADDRESS_SHORT)
    [m] = suggest(new, [other])
    assert m.case_id == 2
    assert m.reasons == ("same_name_same_village", "similar_address")
    assert m.score == pytest.approx(0.7)


def test_same_name_in_a_different_village_is_not():
    new = sketch(1, names={"张三"}, village_id=XIAOMIAO, address="钱桥村西路88号")
    other = sketch(2, names={"张三"}, village_id=QIANQIAO, address="小庙村东街12号")
    assert score(new, other) == Match(2, 0.0, ())
    assert suggest(new, [other]) == []


def test_same_name_with_no_village_on_either_side_is_not():
    new = sketch(1, names={"张三"}, village_id=None)
    other = sketch(2, names={"张三"}, village_id=None)
    assert score(new, other) == Match(2, 0.0, ())


def test_similar_address_alone_is_not_suggested():
    new = sketch(1, address=ADDRESS)
    other = sketch(2, address=ADDRESS_SHORT)
    m = score(new, other)
    assert m.reasons == ("similar_address",)
    assert m.score == pytest.approx(0.3)
    assert suggest(new, [other]) == []


# --- address similarity ----------------------------------------------------------------------

def test_address_similarity_ignores_city_district_and_whitespace():
    assert address_similarity("上海市嘉定区徐行镇小庙村东街12号", "徐行镇 小庙村 东街 12号") == 1.0
    assert address_similarity("上海市 嘉定区\t徐行镇小庙村东街12号", "嘉定区徐行镇小庙村东街12号") == 1.0


def test_address_similarity_is_a_bigram_jaccard():
    # 徐行镇小庙村东街12号 has 10 bigrams, 小庙村东街12号 7 of them: 7 / 10.
    assert address_similarity(ADDRESS, ADDRESS_SHORT) == pytest.approx(0.7)
    assert address_similarity(ADDRESS_SHORT, ADDRESS) == pytest.approx(0.7)


def test_only_the_shared_prefixes_is_no_evidence():
    assert address_similarity("上海市嘉定区", "上海市嘉定区") == 0.0
    assert address_similarity("上海市嘉定区徐行镇", "上海市嘉定区曹王村") == 0.0


def test_different_addresses_are_not_similar():
    assert address_similarity("徐行镇小庙村东街12号", "徐行镇钱桥村西路88号") < 0.6
    assert address_similarity("小庙村东街12号", "钱桥村西路88号") == 0.0


@pytest.mark.parametrize("a, b", [("", ADDRESS), (ADDRESS, ""), ("", ""), (None, ADDRESS), ("号", "号")])
def test_empty_or_one_character_address_is_zero(a, b):
    assert address_similarity(a, b) == 0.0


def test_addresses_that_differ_only_in_prefix_count_as_similar_in_score():
    new = sketch(1, address="上海市嘉定区徐行镇小庙村东街12号")
    other = sketch(2, address="徐行镇小庙村东街 12 号")
    assert score(new, other).reasons == ("similar_address",)


# --- suggest ---------------------------------------------------------------------------------

def test_suggest_sorts_best_first_ties_by_id_and_excludes_itself():
    phone = "13812345678"
    new = sketch(1, phones={phone}, names={"张三", "李四"}, address=ADDRESS)
    candidates = [
        sketch(9, phones={phone}),  # 0.5
        sketch(1, phones={phone}, names={"张三", "李四"}, address=ADDRESS),  # itself (1.0 if it counted)
        sketch(3, names={"张三"}, address=ADDRESS_SHORT),  # 0.4 + 0.3
        sketch(5, address=ADDRESS),  # 0.3: not suggested
        sketch(4, phones={phone}),  # 0.5, ties with 9: lower id first
        sketch(7, phones={phone}, names={"张三", "李四"}, address=ADDRESS_SHORT),  # 1.0
        sketch(8, days=40, phones={phone}, names={"张三", "李四"}, address=ADDRESS),  # out of the window
    ]
    result = suggest(new, candidates)
    assert [m.case_id for m in result] == [7, 3, 4, 9]
    assert [m.score for m in result] == pytest.approx([1.0, 0.7, 0.5, 0.5])
    assert 1 not in [m.case_id for m in result]


def test_suggest_with_no_candidates_is_empty():
    assert suggest(sketch(1, phones={"13812345678"}), []) == []
