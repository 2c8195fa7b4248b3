"""Statutory holidays computed for years the calendar package does not know (issue #11 item 2)."""
from datetime import date

import chinese_calendar
import pytest

from mediation.core.holidays import qingming, statutory_holidays
from mediation.core.workdays import DaySource, WorkCalendar


def test_2027_holidays_as_the_2024_rules_give_them():
    days = statutory_holidays(2027)
    assert len(days) == 13
    assert [d for d, name in sorted(days.items()) if name == "春节"] == [date(2027, 2, d) for d in (5, 6, 7, 8)]
    assert days[date(2027, 1, 1)] == "元旦" and days[date(2027, 4, 5)] == "清明节"
    assert days[date(2027, 6, 9)] == "端午节" and days[date(2027, 9, 15)] == "中秋节"
    assert {d for d, n in days.items() if n == "国庆节"} == {date(2027, 10, d) for d in (1, 2, 3)}


@pytest.mark.parametrize("year", range(2008, 2027))
def test_computed_days_are_rest_days_in_every_year_the_package_knows(year):
    """The package holds the State Council's real schedule: every computed holiday is a rest day
    there (除夕 and 2 May became statutory only in 2025)."""
    for day, name in statutory_holidays(year).items():
        newly_statutory = year < 2025 and ((name == "春节" and chinese_calendar.is_workday(day)
                                            and day.weekday() < 5) or day == date(year, 5, 2))
        if not newly_statutory:
            assert not chinese_calendar.is_workday(day), (day, name)


def test_qingming_matches_the_package():
    for year in range(2008, 2027):
        on_holiday, name = chinese_calendar.get_holiday_detail(qingming(year))
        assert on_holiday and name == "Tomb-sweeping Day", year


def test_a_year_the_package_does_not_know_is_provisional_but_keeps_its_holidays():
    calendar = WorkCalendar()
    assert not calendar.knows(date(2027, 2, 8))
    assert calendar.source(date(2027, 2, 8)) is DaySource.STATUTORY
    assert not calendar.is_workday(date(2027, 1, 1)) and not calendar.is_workday(date(2027, 2, 5))
    assert calendar.is_workday(date(2027, 2, 9))
    # a case received on 31 December 2026: the 1st working day after is 4 January, not New Year's Day
    assert calendar.add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), False)
    assert calendar.day_name(date(2027, 2, 6)) == "春节"


def test_an_admin_override_wins_and_is_named_as_such():
    calendar = WorkCalendar({date(2027, 2, 20): True}, frozenset())
    assert calendar.is_workday(date(2027, 2, 20)) and calendar.source(date(2027, 2, 20)) is DaySource.ADMIN
    assert WorkCalendar().source(date(2026, 5, 1)) is DaySource.PACKAGE
    assert WorkCalendar().day_name(date(2026, 2, 14)) == "春节"  # a 调休 workday, named for its holiday


def test_outside_the_lunar_tables_only_weekends_rest():
    assert WorkCalendar().source(date(2100, 1, 1)) is DaySource.WEEKDAY
    assert WorkCalendar().is_workday(date(2100, 1, 1))
    with pytest.raises(ValueError):
        statutory_holidays(2100)
