"""Deadlines (DESIGN.md's table): working days for acceptance, calendar days for the rest."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from mediation.core.deadlines import (
    ACCEPT_WORKING_DAYS, CONCLUDE_DAYS, CONFIRMATION_DAYS, FOLLOW_UP_DAYS, Due, accept_by,
    confirmation_by, conclude_by, end_of_day, follow_up_by, next_deadline,
)
from mediation.core.lifecycle import Status
from mediation.core.workdays import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
CAL = WorkCalendar()


def at(y, m, d, hh=10, mm=0, tz=SH) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


def eod(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=SH)


def _assert_eod_in_shanghai(due: Due, day: date):
    assert due.at == datetime.combine(day, time(23, 59, 59), tzinfo=SH)
    assert due.at.tzinfo is SH
    assert due.at.astimezone(SH).date() == day


def test_rule_constants():
    assert (ACCEPT_WORKING_DAYS, CONCLUDE_DAYS, FOLLOW_UP_DAYS, CONFIRMATION_DAYS) == (1, 30, 15, 30)


def test_end_of_day():
    assert end_of_day(date(2026, 3, 13), SH) == eod(2026, 3, 13)


# --- accept_by ------------------------------------------------------------------------

def test_received_friday_due_monday():
    # preconditions checked against the package, not assumed
    assert chinese_calendar.is_workday(date(2026, 3, 13)) and date(2026, 3, 13).weekday() == 4
    assert not chinese_calendar.is_workday(date(2026, 3, 14))
    assert not chinese_calendar.is_workday(date(2026, 3, 15))
    assert chinese_calendar.is_workday(date(2026, 3, 16))
    due = accept_by(at(2026, 3, 13, 16, 45), CAL, SH)
    _assert_eod_in_shanghai(due, date(2026, 3, 16))
    assert due.provisional is False


@pytest.mark.parametrize("received, due_day", [
    (at(2026, 3, 16, 9), date(2026, 3, 17)),  # Monday -> Tuesday
    (at(2026, 3, 14, 9), date(2026, 3, 16)),  # Saturday -> Monday
    (at(2026, 3, 15, 23, 59), date(2026, 3, 16)),  # Sunday night -> Monday
    (at(2026, 3, 13, 0, 0), date(2026, 3, 16)),  # Friday, first minute
])
def test_first_working_day_after(received, due_day):
    _assert_eod_in_shanghai(accept_by(received, CAL, SH), due_day)


def test_received_on_the_eve_of_national_day_2026():
    assert chinese_calendar.is_workday(date(2026, 9, 30))
    holiday = [date(2026, 10, 1) + timedelta(days=i) for i in range(7)]
    assert not any(chinese_calendar.is_workday(d) for d in holiday)
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    due = accept_by(at(2026, 9, 30, 17, 30), CAL, SH)
    _assert_eod_in_shanghai(due, date(2026, 10, 8))  # a Thursday, after the whole Golden Week
    assert due.provisional is False


def test_received_during_the_holiday():
    _assert_eod_in_shanghai(accept_by(at(2026, 10, 3), CAL, SH), date(2026, 10, 8))


def test_make_up_workday_counts():
    sat = date(2026, 10, 10)
    assert sat.weekday() == 5 and chinese_calendar.is_workday(sat)  # 调休: a Saturday worked
    due = accept_by(at(2026, 10, 9, 15), CAL, SH)  # Friday
    _assert_eod_in_shanghai(due, sat)
    assert due.provisional is False


def test_the_day_is_taken_in_the_towns_time_zone():
    # 2026-03-12 16:30 UTC is Friday 2026-03-13 00:30 in Shanghai: due Monday, not Friday
    received = datetime(2026, 3, 12, 16, 30, tzinfo=UTC)
    _assert_eod_in_shanghai(accept_by(received, CAL, SH), date(2026, 3, 16))
    # 2026-09-30 17:00 UTC is already 1 October in Shanghai: still due 8 October
    _assert_eod_in_shanghai(accept_by(datetime(2026, 9, 30, 17, tzinfo=UTC), CAL, SH), date(2026, 10, 8))
    # 2026-09-29 15:59 UTC is 23:59 on the 29th in Shanghai: due the 30th
    _assert_eod_in_shanghai(accept_by(datetime(2026, 9, 29, 15, 59, tzinfo=UTC), CAL, SH), date(2026, 9, 30))


def test_unknown_year_still_computes_and_is_provisional():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 3, 10))
    assert date(2031, 3, 7).weekday() == 4
    due = accept_by(at(2031, 3, 7), CAL, SH)  # a Friday
    _assert_eod_in_shanghai(due, date(2031, 3, 10))  # weekends only: Monday
    assert due.provisional is True


def test_unknown_day_in_between_makes_it_provisional():
    # 31 Dec 2026 is known; 1 Jan 2027 is not, and falls back to "weekdays are workdays"
    assert chinese_calendar.is_workday(date(2026, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 1))
    due = accept_by(at(2026, 12, 31), CAL, SH)
    _assert_eod_in_shanghai(due, date(2027, 1, 1))
    assert due.provisional is True


def test_overrides_win_and_make_the_result_certain():
    cal = WorkCalendar({date(2031, 3, 8): False, date(2031, 3, 9): False, date(2031, 3, 10): False,
                        date(2031, 3, 11): True})
    due = accept_by(at(2031, 3, 7), cal, SH)
    _assert_eod_in_shanghai(due, date(2031, 3, 11))
    assert due.provisional is False
    # an override can also make a known holiday a workday
    cal = WorkCalendar({date(2026, 10, 1): True})
    due = accept_by(at(2026, 9, 30), cal, SH)
    _assert_eod_in_shanghai(due, date(2026, 10, 1))
    assert due.provisional is False


# --- calendar-day deadlines -----------------------------------------------------------

@pytest.mark.parametrize("extension, due_day", [
    (0, date(2026, 4, 1)),
    (1, date(2026, 4, 2)),
    (15, date(2026, 4, 16)),
    (30, date(2026, 5, 1)),  # calendar days: the Labour Day holiday does not move it
])
def test_conclude_by(extension, due_day):
    due = conclude_by(at(2026, 3, 2, 10), extension, SH)
    _assert_eod_in_shanghai(due, due_day)
    assert due.provisional is False


def test_conclude_by_counts_from_the_local_date():
    # 2026-03-01 17:00 UTC is 2 March 01:00 in Shanghai
    _assert_eod_in_shanghai(conclude_by(datetime(2026, 3, 1, 17, tzinfo=UTC), 0, SH), date(2026, 4, 1))


def test_conclude_by_across_national_day():
    _assert_eod_in_shanghai(conclude_by(at(2026, 9, 30), 0, SH), date(2026, 10, 30))


def test_follow_up_by():
    due = follow_up_by(at(2026, 11, 26, 16), SH)
    _assert_eod_in_shanghai(due, date(2026, 12, 11))
    assert due.provisional is False
    _assert_eod_in_shanghai(follow_up_by(at(2026, 12, 20), SH), date(2027, 1, 4))


def test_confirmation_by():
    due = confirmation_by(at(2026, 11, 26, 16), SH)
    _assert_eod_in_shanghai(due, date(2026, 12, 26))
    assert due.provisional is False
    _assert_eod_in_shanghai(confirmation_by(at(2028, 2, 1), SH), date(2028, 3, 2))  # leap February


def test_calendar_day_deadlines_in_unknown_years_are_not_provisional():
    assert conclude_by(at(2031, 3, 7), 0, SH).provisional is False
    assert follow_up_by(at(2031, 3, 7), SH).provisional is False


# --- next_deadline --------------------------------------------------------------------

ACCEPT, CONCLUDE, FOLLOW = eod(2026, 3, 16), eod(2026, 4, 15), eod(2026, 5, 1)


@pytest.mark.parametrize("status, expected", [
    (Status.REGISTERED, ACCEPT),
    (Status.ACCEPTED, CONCLUDE),
    (Status.IN_MEDIATION, CONCLUDE),
    (Status.CLOSED, FOLLOW),
    (Status.FOLLOWED_UP, None),
    (Status.REJECTED, None),
    (Status.ARCHIVED, None),
    (Status.MERGED, None),
], ids=str)
def test_next_deadline(status, expected):
    assert next_deadline(status, ACCEPT, CONCLUDE, FOLLOW) == expected


def test_next_deadline_with_missing_clocks():
    assert next_deadline(Status.REGISTERED, None, CONCLUDE, FOLLOW) is None
    assert next_deadline(Status.CLOSED, ACCEPT, CONCLUDE, None) is None


def test_next_deadline_covers_every_status():
    for status in Status:
        next_deadline(status, ACCEPT, CONCLUDE, FOLLOW)  # never a KeyError
