"""类案参考's plain rules: bigram terms without names or digits, BM25 weights, the rarest query terms,
related categories, shared phrases, masked excerpts, days taken."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from mediation.core.similar import (MAX_DF_SHARE, MAX_TERMS_PER_CASE, RELATED, case_text, category_bonus,
                                    days_taken, document_weights, idf, masked_excerpt, query_terms,
                                    related_categories, shared_phrases, terms_of)
from mediation.core.vocab import CATEGORIES


def test_terms_are_bigrams_and_latin_words_never_digits():
    terms = terms_of("楼上卫生间漏水，赔偿800元，电话13812345678，KTV噪音")
    assert {"楼上", "卫生", "漏水", "赔偿", "ktv", "噪音"} <= set(terms)
    assert not any(ch.isdigit() for t in terms for ch in t)
    assert "水赔" not in terms  # punctuation breaks a run


def test_names_and_addresses_are_cut_out_before_terms():
    text = case_text("王小明家卫生间漏水", ["王小明称徐行镇小庙村88号楼上漏水"], ["王小明", "徐行镇小庙村88号"])
    terms = terms_of(text)
    assert "漏水" in terms
    assert not {"王小", "小明", "明家", "小庙"} & set(terms)


def test_document_weights_saturate_and_are_bounded():
    w = document_weights("漏水漏水漏水漏水，噪音")
    assert w["漏水"] > w["噪音"] and w["漏水"] < 4 * w["噪音"]
    many = "".join(chr(0x4e00 + i) for i in range(2 * MAX_TERMS_PER_CASE))
    assert len(document_weights(many)) == MAX_TERMS_PER_CASE


def test_query_uses_the_rarest_known_terms():
    df = {"漏水": 3, "双方": 9000, "卫生": 40, "天花": 1, "楼下": 0}
    chosen = query_terms(["漏水", "双方", "卫生", "天花", "楼下", "没有"], df, n=10000, k=3)
    assert [t for t, _ in chosen] == ["天花", "漏水", "卫生"]  # unknown and too common terms are not used
    assert chosen[0][1] > chosen[1][1] > chosen[2][1] > 0
    assert not query_terms(["双方"], {"双方": int(100_000 * MAX_DF_SHARE) + 1}, n=100_000)
    assert query_terms(["双方"], {"双方": 4}, n=5)  # a small town: every term counts
    assert idf(1000, 1000) >= 0


def test_related_categories_are_symmetric_and_known():
    for category, others in RELATED.items():
        assert category in CATEGORIES and others <= set(CATEGORIES)
        assert all(category in RELATED[o] for o in others)
    assert related_categories("邻里") >= {"邻里", "物业", "房屋宅基地"}
    assert "劳动争议" not in related_categories("邻里")
    assert category_bonus("邻里", "邻里") > category_bonus("邻里", "物业") > category_bonus("邻里", "劳动争议") == 0


def test_shared_phrases_join_adjacent_bigrams():
    text = "楼上卫生间漏水，渗到楼下天花板"
    shared = set(terms_of("卫生间漏水")) | {"天花"}
    assert shared_phrases(text, shared) == ["卫生间漏水", "天花"]
    assert shared_phrases(text, set()) == []


def test_masked_excerpt_hides_names_addresses_and_numbers_before_cutting():
    text = ("被申请人张三向申请人李四支付800元，住徐行镇小庙村88号，电话13812345678，"
            "身份证11010519491231002X" + "。" * 100)
    out = masked_excerpt(text, names=["张三", "李四"], addresses=["徐行镇小庙村88号"])
    assert "张三" not in out and "李四" not in out and "张*" in out and "李*" in out
    assert "88号" not in out and "13812345678" not in out and "138****5678" in out
    assert "11010519491231002X" not in out and "800元" in out
    assert out.endswith("…") and len(out) <= 80
    cut = masked_excerpt("a" * 75 + "13812345678", limit=80)  # the number is masked whole, then cut
    assert "1381234" not in cut


def test_days_taken_counts_the_towns_dates():
    tz = ZoneInfo("Asia/Shanghai")
    received = datetime(2026, 3, 1, 15, 30, tzinfo=timezone.utc)  # 23:30 on the 1st in Shanghai
    closed = datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc)  # 00:30 on the 2nd
    assert days_taken(received, closed, tz) == 1
    assert days_taken(received, datetime(2026, 3, 11, 1, 0, tzinfo=timezone.utc), tz) == 10
