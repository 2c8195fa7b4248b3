"""Numbers as a Chinese document writes them: 一式三份, 第二十一条, 二〇二六年十二月一日.

Lower-case numerals (小写数字 一二三), as prose uses them for counts and ordinals; the
upper-case ones for money (壹贰叁, 大写金额) are another matter and not here. Plain Python.

Dates: since GB/T 9704-2012 (党政机关公文格式) documents date themselves in Arabic numerals
(2026年12月1日), which is what the printouts use; `chinese_date` gives the older all-Chinese form
(二〇二六年十二月一日) that some committees still write by hand, for a template that wants it.
"""
from datetime import date

DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")
LIMIT = 10 ** 16  # up to 九千九百九十九万亿…: more than any count a document holds


def _below_10000(n: int) -> str:
    """1 ≤ n < 10000, with 零 for each run of missing places inside (一千零五, 一千零五十)."""
    out, zero = [], False
    for place in range(3, -1, -1):
        digit = n // 10 ** place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + _SMALL_UNITS[place])
    return "".join(out)


def chinese_numeral(n: int) -> str:
    """`n` (0 ≤ n < 10**16) in lower-case Chinese numerals: 3 → 三, 10 → 十, 15 → 十五, 21 → 二十一,
    105 → 一百零五, 110 → 一百一十, 10010 → 一万零一十. Only a leading 一十 reads as 十
    (十五, but 一百一十五). ValueError for a negative, a non-integer or a too-large number."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"not a whole number: {n!r}")
    if not 0 <= n < LIMIT:
        raise ValueError(f"out of range: {n}")
    if n == 0:
        return DIGITS[0]
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    out, zero = [], False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out.append("零")  # 一万零五, 一亿零一万
        out.append(_below_10000(group) + _BIG_UNITS[index])
        zero = False
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def chinese_digits(n: int) -> str:
    """`n` read digit by digit, as years are: 2026 → 二〇二六 (〇, not 零, inside a year)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"not a whole number ≥ 0: {n!r}")
    return "".join("〇" if c == "0" else DIGITS[int(c)] for c in str(n))


def chinese_date(day: date) -> str:
    """二〇二六年十二月一日: the year digit by digit, month and day as numbers."""
    return f"{chinese_digits(day.year)}年{chinese_numeral(day.month)}月{chinese_numeral(day.day)}日"


def arabic_date(day: date) -> str:
    """2026年12月1日, as documents date themselves since GB/T 9704-2012 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"
