"""Chinese numerals for the printouts: counts (一式三份), ordinals, dates."""
from datetime import date

import pytest

from mediation.core.numerals import arabic_date, chinese_date, chinese_digits, chinese_numeral


@pytest.mark.parametrize("n, text", [
    (0, "零"), (1, "一"), (3, "三"), (9, "九"), (10, "十"), (11, "十一"), (15, "十五"), (20, "二十"),
    (21, "二十一"), (99, "九十九"), (100, "一百"), (101, "一百零一"), (105, "一百零五"), (110, "一百一十"),
    (115, "一百一十五"), (999, "九百九十九"), (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"),
    (1100, "一千一百"), (2026, "二千零二十六"), (9999, "九千九百九十九"), (10000, "一万"), (10001, "一万零一"),
    (10010, "一万零一十"), (10100, "一万零一百"), (11000, "一万一千"), (100000, "十万"), (101000, "十万一千"),
    (1000000, "一百万"), (10000000, "一千万"), (100000000, "一亿"), (100010000, "一亿零一万"),
    (100000001, "一亿零一"), (123456789, "一亿二千三百四十五万六千七百八十九"),
    (10 ** 12, "一万亿"),
])
def test_chinese_numeral(n, text):
    assert chinese_numeral(n) == text


@pytest.mark.parametrize("bad", [-1, 10 ** 16, 1.5, "3", True, None])
def test_chinese_numeral_refuses_what_is_not_a_count(bad):
    with pytest.raises(ValueError):
        chinese_numeral(bad)


def test_years_read_digit_by_digit_and_dates():
    assert chinese_digits(2026) == "二〇二六" and chinese_digits(2000) == "二〇〇〇"
    assert chinese_date(date(2026, 12, 1)) == "二〇二六年十二月一日"
    assert chinese_date(date(2030, 10, 31)) == "二〇三〇年十月三十一日"
    assert arabic_date(date(2026, 1, 5)) == "2026年1月5日"
    with pytest.raises(ValueError):
        chinese_digits(-5)
