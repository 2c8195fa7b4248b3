"""Deadlines from a Policy, a Clock and a WorkCalendar (DESIGN.md, Deadlines).

The holiday facts these tests rely on are the State Council's published schedules for 2025
and 2026; every test checks them against `chinese_calendar` before relying on them, so a
test that fails because the package changed says so instead of blaming the computation.
Times are in the town's zone (Asia/Shanghai) unless a test says otherwise.
"""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from mediation.core.deadlines import (
    DEFAULT_PERIODS, STAGE_BASIS, Clock, Deadlines, Due, Period, Policy, Stage, Unit, compute, days_left, due_after,
    DueWindow, due_state, legal_period_end,
)
from mediation.core.lifecycle import Status
from mediation.core.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
CAL = WorkCalendar()
POLICY = Policy()
W, C = Unit.WORKING, Unit.CALENDAR
D = date


def at(y, m, d, hh=10, mm=0) -> datetime:
    """A local time in the town."""
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def eod(y, m, d) -> datetime:
    """The end of a local day: where every deadline falls."""
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


def _range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def check_workdays(*days: date) -> None:
    for day in days:
        assert chinese_calendar.is_workday(day) and not chinese_calendar.is_holiday(day), f"{day} is a workday"


def check_days_off(*days: date) -> None:
    for day in days:
        assert chinese_calendar.is_holiday(day) and not chinese_calendar.is_workday(day), f"{day} is a day off"


def check_unknown_year(year: int) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(year, 6, 1))


def clock(status=Status.REGISTERED, channel="walk_in", received_at=None, **kw) -> Clock:
    return Clock(status=status, channel=channel, received_at=received_at or at(2025, 3, 3, 9), **kw)


# --------------------------------------------------------------------------------------------
# The holiday facts
# --------------------------------------------------------------------------------------------

# (holiday period, make-up workdays): the published 2025 and 2026 schedules.
HOLIDAYS = {
    "Spring Festival 2025": ((D(2025, 1, 28), D(2025, 2, 4)), [D(2025, 1, 26), D(2025, 2, 8)]),
    "National Day 2025": ((D(2025, 10, 1), D(2025, 10, 8)), [D(2025, 9, 28), D(2025, 10, 11)]),
    "Spring Festival 2026": ((D(2026, 2, 15), D(2026, 2, 23)), [D(2026, 2, 14), D(2026, 2, 28)]),
    "National Day 2026": ((D(2026, 10, 1), D(2026, 10, 7)), [D(2026, 9, 20), D(2026, 10, 10)]),
}


@pytest.mark.parametrize("name", list(HOLIDAYS))
def test_the_package_knows_the_holidays_these_tests_use(name):
    (first, last), make_up = HOLIDAYS[name]
    check_days_off(*_range(first, last))
    check_workdays(first - timedelta(days=1) if first.weekday() < 5 else make_up[0], last + timedelta(days=1))
    check_workdays(*make_up)
    assert all(day.weekday() >= 5 for day in make_up)  # make-up workdays fall on weekends
    for day in [*_range(first, last), *make_up]:
        assert CAL.is_workday(day) == chinese_calendar.is_workday(day)
        assert CAL.knows(day)


def test_which_years_are_known():
    check_unknown_year(2031)
    assert WorkCalendar.package_knows_year(2025) and WorkCalendar.package_knows_year(2026)
    assert not WorkCalendar.package_knows_year(2031)
    assert not CAL.knows(D(2031, 6, 3))
    assert WorkCalendar(entered_years=frozenset({2031})).knows(D(2031, 6, 3))
    assert WorkCalendar(overrides={D(2031, 6, 3): False}).knows(D(2031, 6, 3))
    assert not WorkCalendar(overrides={D(2031, 6, 3): False}).knows(D(2031, 6, 4))


# --------------------------------------------------------------------------------------------
# Accept: the end of the 1st working day after received_at
# --------------------------------------------------------------------------------------------

# received (local), accept by (local day), days off in between, workdays relied on
ACCEPT_CASES = [
    ("ordinary Monday", at(2025, 3, 3), D(2025, 3, 4), [], [D(2025, 3, 4)]),
    ("Friday over the weekend", at(2025, 3, 7, 17), D(2025, 3, 10), [D(2025, 3, 8), D(2025, 3, 9)],
     [D(2025, 3, 10)]),
    ("late at night still counts as that day", at(2025, 3, 3, 23, 59), D(2025, 3, 4), [], [D(2025, 3, 4)]),
    # Spring Festival 2025
    ("evening before Spring Festival 2025", at(2025, 1, 27, 20), D(2025, 2, 5),
     _range(D(2025, 1, 28), D(2025, 2, 4)), [D(2025, 1, 27), D(2025, 2, 5)]),
    ("Saturday before the make-up Sunday 2025-01-26", at(2025, 1, 25), D(2025, 1, 26), [D(2025, 1, 25)],
     [D(2025, 1, 26)]),
    ("Friday before the make-up Saturday 2025-02-08", at(2025, 2, 7), D(2025, 2, 8), [], [D(2025, 2, 8)]),
    ("during the Spring Festival 2025 holiday", at(2025, 1, 30), D(2025, 2, 5),
     _range(D(2025, 1, 31), D(2025, 2, 4)), [D(2025, 2, 5)]),
    # National Day 2025
    ("evening before National Day 2025", at(2025, 9, 30, 19), D(2025, 10, 9),
     _range(D(2025, 10, 1), D(2025, 10, 8)), [D(2025, 9, 30), D(2025, 10, 9)]),
    ("Saturday before the make-up Sunday 2025-09-28", at(2025, 9, 27), D(2025, 9, 28), [D(2025, 9, 27)],
     [D(2025, 9, 28)]),
    ("Friday before the make-up Saturday 2025-10-11", at(2025, 10, 10), D(2025, 10, 11), [], [D(2025, 10, 11)]),
    # Spring Festival 2026: the make-up Saturday 02-14 comes right before the holiday
    ("Friday before the make-up Saturday 2026-02-14", at(2026, 2, 13), D(2026, 2, 14), [], [D(2026, 2, 14)]),
    ("evening before Spring Festival 2026", at(2026, 2, 14, 20), D(2026, 2, 24),
     _range(D(2026, 2, 15), D(2026, 2, 23)), [D(2026, 2, 14), D(2026, 2, 24)]),
    ("Friday before the make-up Saturday 2026-02-28", at(2026, 2, 27), D(2026, 2, 28), [], [D(2026, 2, 28)]),
    # National Day 2026
    ("Saturday before the make-up Sunday 2026-09-20", at(2026, 9, 19), D(2026, 9, 20), [D(2026, 9, 19)],
     [D(2026, 9, 20)]),
    ("evening before National Day 2026", at(2026, 9, 30, 21), D(2026, 10, 8),
     _range(D(2026, 10, 1), D(2026, 10, 7)), [D(2026, 9, 30), D(2026, 10, 8)]),
    ("Friday before the make-up Saturday 2026-10-10", at(2026, 10, 9), D(2026, 10, 10), [], [D(2026, 10, 10)]),
    # Received given in UTC: the town's day counts, not UTC's.
    ("UTC evening that is already 09-30 in Shanghai", datetime(2025, 9, 29, 17, 30, tzinfo=UTC), D(2025, 10, 9),
     _range(D(2025, 10, 1), D(2025, 10, 8)), [D(2025, 9, 30), D(2025, 10, 9)]),
    ("UTC afternoon that is still 09-29 in Shanghai", datetime(2025, 9, 29, 15, 0, tzinfo=UTC), D(2025, 9, 30),
     [], [D(2025, 9, 29), D(2025, 9, 30)]),
]


@pytest.mark.parametrize("received, accept_day, days_off, workdays",
                         [c[1:] for c in ACCEPT_CASES], ids=[c[0] for c in ACCEPT_CASES])
def test_accept_by_end_of_first_working_day_after_received(received, accept_day, days_off, workdays):
    check_days_off(*days_off)
    check_workdays(*workdays)
    d = compute(clock(received_at=received), POLICY, CAL, TZ)
    assert d.accept_by == eod(accept_day.year, accept_day.month, accept_day.day)
    assert d.accept_by.astimezone(TZ).time() == datetime.max.time().replace(microsecond=0)
    assert (d.next_deadline, d.next_stage, d.provisional) == (d.accept_by, "accept", False)


def test_make_up_saturday_counts_as_a_working_day():
    check_workdays(D(2025, 10, 11), D(2025, 10, 13))
    check_days_off(D(2025, 10, 12))
    assert D(2025, 10, 11).weekday() == 5
    assert CAL.is_workday(D(2025, 10, 11)) and not CAL.is_workday(D(2025, 10, 12))
    # Two working days from Friday 10-10: Saturday 10-11, Monday 10-13.
    assert CAL.add_working_days(D(2025, 10, 10), 2) == (D(2025, 10, 13), True)
    assert due_after(at(2025, 10, 10), Period(2, W), CAL, TZ) == Due(eod(2025, 10, 13))


def test_due_after_calendar_days_ignores_holidays():
    check_days_off(*_range(D(2025, 10, 1), D(2025, 10, 8)))
    assert due_after(at(2025, 9, 25, 16), Period(10, C), CAL, TZ) == Due(eod(2025, 10, 5))
    assert due_after(datetime(2025, 9, 24, 20, tzinfo=UTC), Period(10, C), CAL, TZ) == Due(eod(2025, 10, 5))


# --------------------------------------------------------------------------------------------
# Years the package does not know: computed with weekends only, marked provisional
# --------------------------------------------------------------------------------------------

def test_unknown_year_still_computes_and_is_provisional():
    check_unknown_year(2031)
    assert D(2031, 6, 2).weekday() == 0
    d = compute(clock(received_at=at(2031, 6, 2)), POLICY, CAL, TZ)
    assert d.accept_by == eod(2031, 6, 3)
    assert (d.next_stage, d.provisional) == ("accept", True)
    # weekends still skipped
    d = compute(clock(received_at=at(2031, 6, 6)), POLICY, CAL, TZ)
    assert d.accept_by == eod(2031, 6, 9) and d.provisional


def test_running_into_an_unknown_year_is_provisional():
    check_unknown_year(2027)
    due = due_after(at(2026, 12, 31), Period(1, W), CAL, TZ)
    assert due.provisional
    assert not due_after(at(2026, 12, 29), Period(1, W), CAL, TZ).provisional


def test_entered_year_is_not_provisional():
    check_unknown_year(2031)
    calendar = WorkCalendar(entered_years=frozenset({2031}))
    d = compute(clock(received_at=at(2031, 6, 6)), POLICY, calendar, TZ)
    assert d.accept_by == eod(2031, 6, 9)
    assert (d.next_stage, d.provisional) == ("accept", False)


def test_overrides_covering_the_days_make_it_certain():
    check_unknown_year(2031)
    # Friday 06-06 to Monday 06-09: every day stepped over is overridden.
    calendar = WorkCalendar(overrides={D(2031, 6, 7): False, D(2031, 6, 8): False, D(2031, 6, 9): True})
    d = compute(clock(received_at=at(2031, 6, 6)), POLICY, calendar, TZ)
    assert d.accept_by == eod(2031, 6, 9) and not d.provisional


def test_overrides_covering_only_some_days_stay_provisional():
    check_unknown_year(2031)
    calendar = WorkCalendar(overrides={D(2031, 6, 3): False})  # a holiday entered, the next day not
    d = compute(clock(received_at=at(2031, 6, 2)), POLICY, calendar, TZ)
    assert d.accept_by == eod(2031, 6, 4) and d.provisional


def test_override_in_an_unknown_year_makes_a_saturday_a_workday():
    check_unknown_year(2031)
    assert D(2031, 6, 7).weekday() == 5
    calendar = WorkCalendar(overrides={D(2031, 6, 7): True})
    due = due_after(at(2031, 6, 6), Period(1, W), calendar, TZ)
    assert due == Due(eod(2031, 6, 7), provisional=False)


def test_provisional_only_when_that_stage_is_next():
    check_unknown_year(2031)
    # The channel's own deadline comes first and is certain; the accept deadline is provisional.
    d = compute(clock(channel="hotline_12345", received_at=at(2031, 6, 2),
                      channel_due_at=at(2031, 6, 2, 18)), POLICY, CAL, TZ)
    assert d.accept_by == eod(2031, 6, 3)
    assert (d.next_stage, d.next_deadline, d.provisional) == ("reply", at(2031, 6, 2, 18), False)
    # In mediation the next deadline is to conclude, in calendar days: never provisional.
    d = compute(clock(Status.IN_MEDIATION, received_at=at(2031, 6, 2),
                      mediation_started_at=at(2031, 6, 3)), POLICY, CAL, TZ)
    assert (d.next_stage, d.next_deadline, d.provisional) == ("conclude", eod(2031, 7, 3), False)
    # 12345 without its own date: accept (1 working day) comes before reply (5), both provisional.
    d = compute(clock(channel="hotline_12345", received_at=at(2031, 6, 2)), POLICY, CAL, TZ)
    assert (d.next_stage, d.reply_by, d.provisional) == ("accept", eod(2031, 6, 9), True)


# --------------------------------------------------------------------------------------------
# Overrides win over the package
# --------------------------------------------------------------------------------------------

def test_override_turns_a_package_workday_into_a_day_off():
    check_days_off(*_range(D(2025, 10, 1), D(2025, 10, 8)))
    check_workdays(D(2025, 10, 9), D(2025, 10, 10))
    calendar = WorkCalendar(overrides={D(2025, 10, 9): False})
    assert not calendar.is_workday(D(2025, 10, 9))
    assert compute(clock(received_at=at(2025, 9, 30)), POLICY, calendar, TZ).accept_by == eod(2025, 10, 10)


def test_override_turns_a_package_holiday_into_a_workday():
    check_days_off(D(2025, 10, 1), D(2025, 10, 2))
    calendar = WorkCalendar(overrides={D(2025, 10, 2): True})
    assert calendar.is_workday(D(2025, 10, 2))
    assert compute(clock(received_at=at(2025, 9, 30)), POLICY, calendar, TZ).accept_by == eod(2025, 10, 2)


def test_override_cancels_a_make_up_saturday():
    check_workdays(D(2025, 2, 8), D(2025, 2, 10))
    check_days_off(D(2025, 2, 9))
    calendar = WorkCalendar(overrides={D(2025, 2, 8): False})
    assert compute(clock(received_at=at(2025, 2, 7)), POLICY, calendar, TZ).accept_by == eod(2025, 2, 10)
    assert CAL.is_workday(D(2025, 2, 8))  # the default calendar is untouched


# --------------------------------------------------------------------------------------------
# Policy
# --------------------------------------------------------------------------------------------

def test_default_policy_is_the_design_table():
    assert POLICY.period(Stage.ACCEPT) == Period(1, W)
    assert POLICY.period(Stage.ACCEPT, "hotline_12345", "咨询") == Period(1, W)
    assert POLICY.period(Stage.CONCLUDE, "walk_in") == Period(30, C)
    assert POLICY.period(Stage.FOLLOW_UP) == Period(15, C)
    assert POLICY.period(Stage.CONFIRMATION) == Period(30, C)
    assert POLICY.period(Stage.CHANNEL_REPLY, "hotline_12345") == Period(5, W)
    assert POLICY.period(Stage.CHANNEL_REPLY, "hotline_12345", "咨询") == Period(1, W)
    assert POLICY.period(Stage.CHANNEL_REPLY, "hotline_12345", "complex") == Period(15, W)
    assert POLICY.period(Stage.CHANNEL_REPLY, "hotline_12345", "投诉") == Period(5, W)
    assert POLICY.period(Stage.CHANNEL_REPLY, "walk_in") is None
    assert POLICY.period(Stage.CHANNEL_REPLY, "police_110", "咨询") is None
    assert POLICY.period(Stage.CONSULTATION) == Period(3, W)
    assert len(DEFAULT_PERIODS) == 8


def test_default_policy_is_a_copy():
    policy = Policy()
    policy.periods[(Stage.ACCEPT, None, None)] = Period(3, W)
    assert Policy().period(Stage.ACCEPT) == Period(1, W)


CUSTOM = Policy({
    (Stage.CHANNEL_REPLY, None, None): Period(10, W),
    (Stage.CHANNEL_REPLY, "hotline_12345", None): Period(5, W),
    (Stage.CHANNEL_REPLY, "hotline_12345", "咨询"): Period(1, W),
    (Stage.CHANNEL_REPLY, None, "complex"): Period(99, W),  # not on the lookup path
})


@pytest.mark.parametrize("channel, variant, expected", [
    ("hotline_12345", "咨询", Period(1, W)),  # (stage, channel, variant)
    ("hotline_12345", "投诉", Period(5, W)),  # (stage, channel, None)
    ("hotline_12345", None, Period(5, W)),
    ("walk_in", "咨询", Period(10, W)),  # (stage, None, None)
    ("walk_in", None, Period(10, W)),
    (None, None, Period(10, W)),
    ("walk_in", "complex", Period(10, W)),  # (stage, None, variant) is never consulted
])
def test_policy_lookup_most_specific_first(channel, variant, expected):
    assert CUSTOM.period(Stage.CHANNEL_REPLY, channel, variant) == expected


def test_policy_missing_stage_is_none_and_computes_nothing():
    assert CUSTOM.period(Stage.ACCEPT, "walk_in") is None
    d = compute(clock(channel="walk_in"), CUSTOM, CAL, TZ)
    assert d.accept_by is None and d.conclude_by is None
    assert d.reply_by == eod(2025, 3, 17)  # 10 working days from Monday 03-03
    assert (d.next_stage, d.next_deadline) == ("reply", d.reply_by)


def test_channel_specific_accept_period():
    check_workdays(*_range(D(2025, 3, 3), D(2025, 3, 5)))
    policy = Policy({**DEFAULT_PERIODS, (Stage.ACCEPT, "police_110", None): Period(2, W)})
    assert compute(clock(channel="police_110"), policy, CAL, TZ).accept_by == eod(2025, 3, 5)
    assert compute(clock(channel="walk_in"), policy, CAL, TZ).accept_by == eod(2025, 3, 4)


# --------------------------------------------------------------------------------------------
# 12345 replies
# --------------------------------------------------------------------------------------------

def test_12345_reply_in_5_working_days_across_national_day():
    check_workdays(D(2025, 9, 26), D(2025, 9, 28), D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 9),
                   D(2025, 10, 10))
    check_days_off(D(2025, 9, 27), *_range(D(2025, 10, 1), D(2025, 10, 8)))
    d = compute(clock(channel="hotline_12345", received_at=at(2025, 9, 26)), POLICY, CAL, TZ)
    assert d.reply_by == eod(2025, 10, 10)
    assert d.accept_by == eod(2025, 9, 28)  # the make-up Sunday
    assert (d.next_stage, d.next_deadline) == ("accept", d.accept_by)


def test_12345_consultation_in_1_working_day():
    check_days_off(*_range(D(2025, 10, 1), D(2025, 10, 8)))
    check_workdays(D(2025, 10, 9))
    d = compute(clock(channel="hotline_12345", received_at=at(2025, 9, 30, 16), channel_variant="咨询"),
                POLICY, CAL, TZ)
    assert d.reply_by == eod(2025, 10, 9)


def test_12345_complex_in_15_working_days():
    days = _range(D(2025, 3, 4), D(2025, 3, 24))
    check_workdays(*[d for d in days if d.weekday() < 5])
    check_days_off(*[d for d in days if d.weekday() >= 5])
    d = compute(clock(channel="hotline_12345", received_at=at(2025, 3, 3), channel_variant="complex"),
                POLICY, CAL, TZ)
    assert d.reply_by == eod(2025, 3, 24)


def test_12345_complex_across_spring_festival_2026():
    check_days_off(*_range(D(2026, 2, 15), D(2026, 2, 23)))
    check_workdays(D(2026, 2, 14), D(2026, 2, 28))
    # From Thursday 02-12: 13, 14 (Sat, make-up) | holiday | 24, 25, 26, 27, 28 (Sat, make-up),
    # 03-02 .. 03-06, 03-09 .. 03-11
    d = compute(clock(channel="hotline_12345", received_at=at(2026, 2, 12), channel_variant="complex"),
                POLICY, CAL, TZ)
    assert d.reply_by == eod(2026, 3, 11)


def test_channel_due_at_is_the_reply_deadline():
    own = at(2025, 3, 20, 17, 30)
    for variant in (None, "咨询", "complex"):
        d = compute(clock(channel="hotline_12345", channel_due_at=own, channel_variant=variant), POLICY, CAL, TZ)
        assert d.reply_by == own
    # also for a channel with no reply policy of its own
    assert compute(clock(channel="grid", channel_due_at=own), POLICY, CAL, TZ).reply_by == own


def test_no_reply_deadline_for_other_channels():
    for channel in ("walk_in", "police_110"):
        assert compute(clock(channel=channel), POLICY, CAL, TZ).reply_by is None


# --------------------------------------------------------------------------------------------
# Conclude, follow-up, confirmation
# --------------------------------------------------------------------------------------------

def _in_mediation(**kw) -> Clock:
    return clock(Status.IN_MEDIATION, mediation_started_at=at(2025, 9, 20, 15), **kw)


def test_conclude_in_30_calendar_days_from_mediation_start():
    d = compute(_in_mediation(), POLICY, CAL, TZ)
    assert d.conclude_by == eod(2025, 10, 20)  # the National Day holiday in between does not matter
    assert (d.next_stage, d.next_deadline) == ("conclude", d.conclude_by)


def test_conclude_counts_from_the_local_day():
    started = datetime(2025, 9, 20, 17, 0, tzinfo=UTC)  # 09-21 01:00 in Shanghai
    d = compute(clock(Status.IN_MEDIATION, mediation_started_at=started), POLICY, CAL, TZ)
    assert d.conclude_by == eod(2025, 10, 21)


def test_conclude_moves_by_the_extension():
    assert compute(_in_mediation(extension_days=10), POLICY, CAL, TZ).conclude_by == eod(2025, 10, 30)


def test_conclude_moves_by_the_time_suspended():
    paused = timedelta(days=3, hours=5, minutes=7)
    d = compute(_in_mediation(suspended_seconds=paused.total_seconds()), POLICY, CAL, TZ)
    assert d.conclude_by == eod(2025, 10, 20) + paused
    assert d.next_deadline == d.conclude_by


def test_conclude_moves_by_extension_and_suspension_together():
    d = compute(_in_mediation(extension_days=30, suspended_seconds=7 * 86400), POLICY, CAL, TZ)
    assert d.conclude_by == eod(2025, 10, 20) + timedelta(days=37)


def test_no_conclude_deadline_before_mediation_starts():
    assert compute(clock(Status.REGISTERED), POLICY, CAL, TZ).conclude_by is None


def test_while_suspended_only_the_channel_reply_deadline_runs():
    """The mediation's clock stops; the 12345 hotline's does not (its own rules, not ours)."""
    suspended = _in_mediation(channel="hotline_12345", suspended_at=at(2025, 9, 25), suspended_seconds=3600,
                              supervision_due_at=at(2025, 9, 30))
    d = compute(suspended, POLICY, CAL, TZ)
    assert (d.next_deadline, d.next_stage) == (d.reply_by, "reply")
    walk_in = compute(_in_mediation(channel="walk_in", suspended_at=at(2025, 9, 25),
                                    supervision_due_at=at(2025, 9, 30)), POLICY, CAL, TZ)
    assert (walk_in.next_deadline, walk_in.next_stage) == (None, None)
    # the deadlines themselves are still there; the current suspension is not yet added
    assert d.conclude_by == eod(2025, 10, 20) + timedelta(hours=1)
    assert d.reply_by is not None
    running = compute(_in_mediation(channel="hotline_12345", suspended_seconds=3600,
                                    supervision_due_at=at(2025, 9, 30)), POLICY, CAL, TZ)
    assert running.next_deadline is not None


def test_follow_up_and_confirmation_after_closing():
    closed = clock(Status.CLOSED, mediation_started_at=at(2025, 9, 1), closed_at=at(2025, 9, 20, 16),
                   written_agreement=True)
    d = compute(closed, POLICY, CAL, TZ)
    assert d.follow_up_by == eod(2025, 10, 5)  # 15 calendar days, holiday or not
    assert d.confirmation_by == eod(2025, 10, 20)  # 30 calendar days
    assert (d.next_stage, d.next_deadline) == ("follow_up", d.follow_up_by)


@pytest.mark.parametrize("written", [False, True])
def test_confirmation_only_for_a_written_agreement(written):
    closed = clock(Status.CLOSED, mediation_started_at=at(2025, 9, 1), closed_at=at(2025, 9, 20),
                   written_agreement=written)
    d = compute(closed, POLICY, CAL, TZ)
    assert (d.confirmation_by is not None) is written
    assert d.follow_up_by == eod(2025, 10, 5)


# --------------------------------------------------------------------------------------------
# The judicial-confirmation window as the law counts it (人民调解法 art. 33, 民事诉讼法 art. 85)
# --------------------------------------------------------------------------------------------

def _agreement(effective_on, closed_at=None):
    return clock(Status.CLOSED, mediation_started_at=at(2025, 2, 1), written_agreement=True,
                 closed_at=closed_at or at(2025, 3, 10), agreement_effective_on=effective_on)


def test_confirmation_counts_from_the_agreement_taking_effect_not_from_the_recording():
    """Signed (and in effect) 1 March, recorded 10 March: the window ends 31 March, not 9 April."""
    check_workdays(D(2025, 3, 31))
    d = compute(_agreement(D(2025, 3, 1), closed_at=at(2025, 3, 10, 15)), POLICY, CAL, TZ)
    assert d.confirmation_by == eod(2025, 3, 31)


def test_confirmation_window_ending_on_a_holiday_rolls_to_the_next_working_day():
    """30 days from 1 September 2025 end on 1 October, National Day: the window ends on 9 October,
    the first working day after the 1–8 October holiday."""
    check_days_off(*_range(D(2025, 10, 1), D(2025, 10, 8)))
    check_workdays(D(2025, 10, 9))
    d = compute(_agreement(D(2025, 9, 1), closed_at=at(2025, 9, 2)), POLICY, CAL, TZ)
    assert d.confirmation_by == eod(2025, 10, 9) and not d.provisional


def test_confirmation_window_ending_on_a_weekend_rolls_but_a_make_up_workday_does_not():
    check_workdays(D(2025, 10, 11))  # a Saturday worked for National Day (调休)
    assert compute(_agreement(D(2025, 9, 11), closed_at=at(2025, 9, 12)), POLICY, CAL, TZ).confirmation_by \
        == eod(2025, 10, 11)
    assert not chinese_calendar.is_workday(D(2025, 4, 19))  # an ordinary Saturday
    assert compute(_agreement(D(2025, 3, 20)), POLICY, CAL, TZ).confirmation_by == eod(2025, 4, 21)


def test_confirmation_ending_on_a_working_day_does_not_move():
    check_workdays(D(2025, 4, 18))
    assert compute(_agreement(D(2025, 3, 19)), POLICY, CAL, TZ).confirmation_by == eod(2025, 4, 18)


def test_a_legal_period_into_an_unknown_year_is_provisional():
    check_unknown_year(2027)
    due = legal_period_end(D(2026, 12, 20), Period(30, C), CAL, TZ)
    assert due == Due(eod(2027, 1, 19), provisional=True)  # a Tuesday, not known to be a working day
    known = legal_period_end(D(2025, 3, 1), Period(30, C), CAL, TZ)
    assert (known.at, known.provisional) == (eod(2025, 3, 31), False)


def test_a_legal_period_in_working_days_ends_on_a_working_day():
    check_workdays(D(2025, 10, 9))
    assert legal_period_end(D(2025, 9, 30), Period(1, W), CAL, TZ).at == eod(2025, 10, 9)


def test_an_agreement_recorded_without_an_effective_date_counts_from_its_closing_day():
    d = compute(_agreement(None, closed_at=at(2025, 3, 1, 16)), POLICY, CAL, TZ)
    assert d.confirmation_by == eod(2025, 3, 31)


def test_every_stage_names_its_basis():
    stages = {"accept", "conclude", "follow_up", "confirmation", "reply", "supervision"}
    assert set(STAGE_BASIS) == stages
    assert "人民调解法第三十三条" in STAGE_BASIS["confirmation"] and "第八十五条" in STAGE_BASIS["confirmation"]


def test_no_follow_up_or_confirmation_before_closing():
    d = compute(_in_mediation(written_agreement=True), POLICY, CAL, TZ)
    assert d.follow_up_by is None and d.confirmation_by is None


# --------------------------------------------------------------------------------------------
# The next deadline, per status
# --------------------------------------------------------------------------------------------

# A 12345 case with every fact set. Its deadlines:
#   accept 03-04, reply 03-10 (5 working days), conclude 04-03, follow_up 04-04, confirmation 04-21
#   (30 days from the closing day end on Saturday 04-19, which rolls to Monday: 民事诉讼法 art. 85).
FULL = dict(channel="hotline_12345", received_at=at(2025, 3, 3, 9), mediation_started_at=at(2025, 3, 4),
            closed_at=at(2025, 3, 20), written_agreement=True)
STAGE_FIELD = {"accept": "accept_by", "reply": "reply_by", "conclude": "conclude_by",
               "follow_up": "follow_up_by", "supervision": None}


def test_full_clock_deadlines():
    check_workdays(*[d for d in _range(D(2025, 3, 3), D(2025, 3, 10)) if d.weekday() < 5], D(2025, 4, 21))
    assert not chinese_calendar.is_workday(D(2025, 4, 19)) and not chinese_calendar.is_workday(D(2025, 4, 20))
    d = compute(clock(Status.REGISTERED, **FULL), POLICY, CAL, TZ)
    assert d == Deadlines(accept_by=eod(2025, 3, 4), conclude_by=eod(2025, 4, 3), follow_up_by=eod(2025, 4, 4),
                          confirmation_by=eod(2025, 4, 21), reply_by=eod(2025, 3, 10),
                          next_deadline=eod(2025, 3, 4), next_stage="accept", provisional=False)


EARLY = at(2025, 3, 1)  # before every other deadline
LATE = at(2025, 6, 1)  # after every other deadline


# status -> next stage with: nothing extra; an early supervision due date; a late channel due date
@pytest.mark.parametrize("status, plain, supervised, late_reply", [
    (Status.REGISTERED, "accept", "supervision", "accept"),
    (Status.ACCEPTED, "reply", "supervision", "conclude"),
    (Status.IN_MEDIATION, "reply", "supervision", "conclude"),
    (Status.CLOSED, "follow_up", "supervision", "follow_up"),
    (Status.FOLLOWED_UP, None, None, None),
    (Status.ARCHIVED, None, None, None),
    (Status.REJECTED, None, None, None),
    (Status.MERGED, "reply", "reply", "reply"),  # the channel's reply is still owed (issue #11 item 4)
], ids=str)
def test_next_deadline_per_status(status, plain, supervised, late_reply):
    for extra, stage in (({}, plain), ({"supervision_due_at": EARLY}, supervised),
                         ({"channel_due_at": LATE}, late_reply)):
        d = compute(clock(status, **{**FULL, **extra}), POLICY, CAL, TZ)
        assert d.next_stage == stage, extra
        if stage is None:
            assert d.next_deadline is None
        elif stage == "supervision":
            assert d.next_deadline == EARLY
        else:
            assert d.next_deadline == getattr(d, STAGE_FIELD[stage])


def test_a_merged_case_owes_its_reply_until_the_survivor_concludes():
    merged = compute(clock(Status.MERGED, **FULL), POLICY, CAL, TZ)
    assert (merged.next_stage, merged.next_deadline) == ("reply", merged.reply_by)
    answered = compute(clock(Status.MERGED, **FULL, survivor_closed=True), POLICY, CAL, TZ)
    assert (answered.next_stage, answered.next_deadline) == (None, None)


def test_next_deadline_ignores_stages_of_other_statuses():
    # In mediation, the accept deadline (long past) and the return visit do not count.
    d = compute(clock(Status.IN_MEDIATION, **{**FULL, "channel": "walk_in"}), POLICY, CAL, TZ)
    assert d.accept_by < d.conclude_by and d.follow_up_by is not None
    assert (d.next_stage, d.next_deadline) == ("conclude", d.conclude_by)
    # Closed: the confirmation window and an early channel date do not count.
    d = compute(clock(Status.CLOSED, **{**FULL, "channel_due_at": at(2025, 3, 21)}), POLICY, CAL, TZ)
    assert d.reply_by < d.follow_up_by
    assert (d.next_stage, d.next_deadline) == ("follow_up", d.follow_up_by)


def test_supervision_after_the_others_does_not_win():
    d = compute(clock(Status.REGISTERED, supervision_due_at=LATE), POLICY, CAL, TZ)
    assert (d.next_stage, d.next_deadline) == ("accept", eod(2025, 3, 4))


# --------------------------------------------------------------------------------------------
# due_state, due_soon_cutoff
# --------------------------------------------------------------------------------------------

def test_due_state_none_without_deadline():
    assert due_state(None, at(2025, 3, 5), CAL, TZ) is None


def test_overdue_past_the_deadline():
    deadline = eod(2025, 3, 5)
    assert due_state(deadline, deadline + timedelta(seconds=1), CAL, TZ) == "overdue"
    assert due_state(deadline, at(2025, 4, 1), CAL, TZ) == "overdue"
    assert due_state(deadline, deadline, CAL, TZ) == "due_soon"  # not yet past


# now (local), cutoff day (the end of the 2nd working day from today), workdays and days off relied on
CUTOFFS = [
    ("Wednesday", at(2025, 3, 5), D(2025, 3, 7), [D(2025, 3, 6), D(2025, 3, 7)], []),
    ("Thursday, across the weekend", at(2025, 3, 6), D(2025, 3, 10), [D(2025, 3, 7), D(2025, 3, 10)],
     [D(2025, 3, 8), D(2025, 3, 9)]),
    ("Saturday", at(2025, 3, 8), D(2025, 3, 11), [D(2025, 3, 10), D(2025, 3, 11)], [D(2025, 3, 9)]),
    ("before National Day 2025", at(2025, 9, 29), D(2025, 10, 9), [D(2025, 9, 30), D(2025, 10, 9)],
     _range(D(2025, 10, 1), D(2025, 10, 8))),
    ("in the National Day 2025 holiday", at(2025, 10, 3), D(2025, 10, 10), [D(2025, 10, 9), D(2025, 10, 10)],
     _range(D(2025, 10, 4), D(2025, 10, 8))),
    ("before the make-up Saturday 2025-10-11", at(2025, 10, 10), D(2025, 10, 13),
     [D(2025, 10, 11), D(2025, 10, 13)], [D(2025, 10, 12)]),
    ("before Spring Festival 2026", at(2026, 2, 13), D(2026, 2, 24), [D(2026, 2, 14), D(2026, 2, 24)],
     _range(D(2026, 2, 15), D(2026, 2, 23))),
    ("UTC evening that is Friday in Shanghai", datetime(2025, 3, 6, 20, tzinfo=UTC), D(2025, 3, 11),
     [D(2025, 3, 10), D(2025, 3, 11)], [D(2025, 3, 8), D(2025, 3, 9)]),
]


@pytest.mark.parametrize("now, cutoff_day, workdays, days_off", [c[1:] for c in CUTOFFS],
                         ids=[c[0] for c in CUTOFFS])
def test_due_soon_up_to_the_end_of_the_2nd_working_day(now, cutoff_day, workdays, days_off):
    check_workdays(*workdays)
    check_days_off(*days_off)
    cutoff = eod(cutoff_day.year, cutoff_day.month, cutoff_day.day)
    assert DueWindow.at(now, CAL, TZ).cutoff == cutoff
    assert due_state(now + timedelta(minutes=5), now, CAL, TZ) == "due_soon"
    assert due_state(cutoff, now, CAL, TZ) == "due_soon"
    assert due_state(cutoff + timedelta(seconds=1), now, CAL, TZ) is None
    assert due_state(cutoff + timedelta(days=10), now, CAL, TZ) is None


def test_deadline_in_a_holiday_before_the_cutoff_is_due_soon():
    check_days_off(D(2025, 10, 5))
    assert due_state(eod(2025, 10, 5), at(2025, 9, 29), CAL, TZ) == "due_soon"


def test_due_soon_follows_overrides():
    calendar = WorkCalendar(overrides={D(2025, 3, 7): False})
    assert DueWindow.at(at(2025, 3, 5), calendar, TZ).cutoff == eod(2025, 3, 10)
    assert due_state(eod(2025, 3, 10), at(2025, 3, 5), calendar, TZ) == "due_soon"
    assert due_state(eod(2025, 3, 10), at(2025, 3, 5), CAL, TZ) is None


# --------------------------------------------------------------------------------------------
# days_left
# --------------------------------------------------------------------------------------------

# now (local), deadline, (calendar days, working days)
DAYS_LEFT = [
    ("same day", at(2025, 3, 5, 9), eod(2025, 3, 5), (0, 0)),
    ("Monday to Friday", at(2025, 3, 3), eod(2025, 3, 7), (4, 4)),
    ("Thursday to Monday", at(2025, 3, 6), eod(2025, 3, 10), (4, 2)),
    ("to a Sunday", at(2025, 3, 6), eod(2025, 3, 9), (3, 1)),
    ("across National Day 2025", at(2025, 9, 30), eod(2025, 10, 9), (9, 1)),
    ("over a make-up Saturday", at(2025, 10, 10), eod(2025, 10, 13), (3, 2)),
    ("across Spring Festival 2026", at(2026, 2, 13), eod(2026, 2, 25), (12, 3)),
    ("late since Friday", at(2025, 3, 10), eod(2025, 3, 7), (-3, -1)),
    ("late a week", at(2025, 3, 14), eod(2025, 3, 7), (-7, -5)),
    ("late across National Day 2025", at(2025, 10, 9), eod(2025, 9, 30), (-9, -1)),
    ("late earlier the same day", at(2025, 3, 5, 23, 59), at(2025, 3, 5, 9), (0, 0)),
    ("UTC now already the next day in Shanghai", datetime(2025, 3, 6, 20, tzinfo=UTC), eod(2025, 3, 10), (3, 1)),
]


@pytest.mark.parametrize("now, deadline, expected", [c[1:] for c in DAYS_LEFT], ids=[c[0] for c in DAYS_LEFT])
def test_days_left(now, deadline, expected):
    check_days_off(D(2025, 3, 8), D(2025, 3, 9), *_range(D(2025, 10, 1), D(2025, 10, 8)), D(2025, 10, 12),
                   *_range(D(2026, 2, 15), D(2026, 2, 23)))
    check_workdays(D(2025, 9, 30), D(2025, 10, 9), D(2025, 10, 11), D(2025, 10, 13), D(2026, 2, 14),
                   D(2026, 2, 24), D(2026, 2, 25))
    assert days_left(deadline, now, CAL, TZ) == expected


def test_days_left_agrees_with_due_state():
    """A deadline is due soon exactly when it is at most 2 working days away and not past."""
    now = at(2025, 9, 26, 12)
    for n in range(0, 30):
        day = D(2025, 9, 26) + timedelta(days=n)
        deadline = eod(day.year, day.month, day.day)
        _calendar_days, working = days_left(deadline, now, CAL, TZ)
        assert (due_state(deadline, now, CAL, TZ) == "due_soon") is (working <= 2), day
