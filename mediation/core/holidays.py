"""The statutory public holidays (《全国年节及纪念日放假办法》, as amended in 2024), computed for any
year: what a year the calendar package does not know yet falls back on, instead of weekends only.

元旦 1 day, 春节 4 days (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3: 13 days. The State
Council's 调休 arrangement (which weekend days are worked, which bridge days are off) is published
each year and cannot be computed: an admin enters it, and until then the year is provisional.
"""
from datetime import date, timedelta

from lunardate import LunarDate

FIRST_YEAR, LAST_YEAR = 1901, 2099  # what the lunar tables cover


def qingming(year: int) -> date:
    """清明 (the solar term at 15° of the sun's longitude): 4, 5 or 6 April. The usual 寿星 formula,
    exact for 1901–2099: day = ⌊Y·0.2422 + C⌋ − ⌊Y/4⌋, Y the year within its century."""
    y = year % 100
    c = 5.59 if year < 2000 else 4.81
    leap_correction = (y - 1) // 4 if year < 2000 else y // 4
    return date(year, 4, int(y * 0.2422 + c) - leap_correction)


def statutory_holidays(year: int) -> dict[date, str]:
    """Each statutory holiday of `year` with its name; the lunar ones converted to the solar date."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"statutory holidays are computed for {FIRST_YEAR}–{LAST_YEAR}, not {year}")
    days = {date(year, 1, 1): "元旦", qingming(year): "清明节", date(year, 5, 1): "劳动节",
            date(year, 5, 2): "劳动节", date(year, 10, 1): "国庆节", date(year, 10, 2): "国庆节",
            date(year, 10, 3): "国庆节"}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    for offset in range(-1, 3):  # 除夕 (the eve) to 初三
        days[new_year + timedelta(days=offset)] = "春节"
    days[LunarDate(year, 5, 5).to_solar_date()] = "端午节"
    days[LunarDate(year, 8, 15).to_solar_date()] = "中秋节"
    return days
