"""core/screening.py: months, the due day, the reminder window, open months, and what a report may say."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from mediation.core.screening import (Figures, ScreeningRules, check, closes_on, due_at, in_reminder_window,
                                      is_late, is_open, is_past_due, months_back, months_between, next_month,
                                      open_months, parse_month, previous_month, reminder_from, status)

SH = ZoneInfo("Asia/Shanghai")
RULES = ScreeningRules(due_day=25, remind_days=3)


def test_month_arithmetic_across_a_year_end():
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert previous_month(date(2027, 1, 1)) == date(2026, 12, 1)
    assert months_back(date(2027, 2, 1), 3) == [date(2027, 2, 1), date(2027, 1, 1), date(2026, 12, 1)]
    assert months_between(date(2026, 11, 15), date(2027, 1, 3)) == [date(2026, 11, 1), date(2026, 12, 1),
                                                                    date(2027, 1, 1)]
    assert months_between(date(2026, 11, 15), date(2026, 11, 1)) == []
    assert closes_on(date(2026, 12, 1)) == date(2027, 1, 31)


@pytest.mark.parametrize("text, month", [("2026-11", date(2026, 11, 1)), (" 2027-01 ", date(2027, 1, 1)),
                                         ("2026-13", None), ("2026-1", None), ("1999-12", None), ("2101-01", None),
                                         ("x", None), ("", None), (None, None), ("２０２６-11", None)])
def test_parse_month(text, month):
    assert parse_month(text) == month


def test_due_day_and_reminder_window():
    november = date(2026, 11, 1)
    assert due_at(november, RULES, SH) == datetime(2026, 11, 25, 23, 59, 59, tzinfo=SH)
    assert reminder_from(november, RULES) == date(2026, 11, 22)
    assert not in_reminder_window(november, date(2026, 11, 21), RULES)
    assert in_reminder_window(november, date(2026, 11, 22), RULES)
    assert in_reminder_window(november, date(2026, 11, 25), RULES)
    assert not in_reminder_window(november, date(2026, 11, 26), RULES)
    assert not is_past_due(november, date(2026, 11, 25), RULES)
    assert is_past_due(november, date(2026, 11, 26), RULES)


def test_reminder_window_never_starts_before_its_month():
    early = ScreeningRules(due_day=3, remind_days=5)
    january = date(2027, 1, 1)
    assert reminder_from(january, early) == january
    assert not in_reminder_window(january, date(2026, 12, 30), early)
    assert in_reminder_window(january, date(2027, 1, 1), early)


def test_open_months_are_this_one_and_the_one_before():
    assert open_months(date(2027, 1, 5)) == (date(2027, 1, 1), date(2026, 12, 1))
    assert is_open(date(2026, 12, 1), date(2027, 1, 31))
    assert not is_open(date(2026, 11, 1), date(2027, 1, 1))
    assert not is_open(date(2027, 2, 1), date(2027, 1, 15))  # a month not begun


def test_status_and_lateness():
    november = date(2026, 11, 1)
    assert status(False, False, november, date(2026, 11, 25), RULES) == "awaiting"
    assert status(False, False, november, date(2026, 11, 26), RULES) == "overdue"
    assert status(True, False, november, date(2026, 12, 10), RULES) == "reported"
    assert status(True, True, november, date(2026, 12, 10), RULES) == "nil_report"
    # 23:30 on the due day in Shanghai is 15:30 UTC: on time; 00:30 the day after is late.
    assert not is_late(datetime(2026, 11, 25, 23, 30, tzinfo=SH), november, RULES, SH)
    assert is_late(datetime(2026, 11, 26, 0, 30, tzinfo=SH), november, RULES, SH)


def test_rules_are_bounded():
    with pytest.raises(ValueError):
        ScreeningRules(due_day=29)
    with pytest.raises(ValueError):
        ScreeningRules(due_day=0)
    with pytest.raises(ValueError):
        ScreeningRules(remind_days=-1)


def _fields(figures):
    return sorted(r.field for r in check(figures))


def test_check_accepts_a_report_and_a_nil_report():
    assert check(Figures(False, 4, 3, 1, "河道边堆放杂物")) == []
    assert check(Figures(False, 0, 0, 0, "独居老人房屋漏雨")) == []  # no dispute, a hazard
    assert check(Figures(True, None, None, None)) == []
    assert check(Figures(True, 0, 0, 0)) == []


def test_check_refusals_under_their_fields():
    assert _fields(Figures(False, -1, 0, 0, "x")) == ["disputes_found"]
    assert _fields(Figures(False, 2, 3, 0)) == ["mediated"]
    assert _fields(Figures(False, 3, 2, 2)) == ["in_progress"]
    assert _fields(Figures(True, 2, 1, 0)) == ["disputes_found", "mediated"]
    assert _fields(Figures(True, 0, 0, 0, "隐患")) == ["risks_and_hazards"]
    assert _fields(Figures(True, 0, 0, 0, "", "一起邻里纠纷")) == ["key_disputes"]
    # Nothing at all is the nil report, ticked explicitly.
    assert _fields(Figures(False, None, None, None)) == ["disputes_found"]
    assert _fields(Figures(False, 0, 0, 0, "   ")) == ["disputes_found"]
