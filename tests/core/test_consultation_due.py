"""A consultation's (难题会诊) due date from the policy: working days on the town's calendar, the
default when the row is gone, and never one of the case's own deadlines."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from mediation.core.deadlines import (DEFAULT_PERIODS, Clock, Period, Policy, Stage, Unit, compute,
                                      consultation_due)
from mediation.core.lifecycle import Status
from mediation.core.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
W = Unit.WORKING


def eod(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


def test_the_default_is_three_working_days():
    assert Policy().period(Stage.CONSULTATION) == Period(3, W)
    assert DEFAULT_PERIODS[(Stage.CONSULTATION, None, None)] == Period(3, W)


def test_three_working_days_skip_the_weekend_and_a_day_off():
    asked = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)  # a Thursday
    assert consultation_due(asked, Policy(), WorkCalendar(), TZ).at == eod(2026, 12, 1)  # Fri, Mon, Tue
    day_off = WorkCalendar({date(2026, 11, 30): False})
    assert consultation_due(asked, Policy(), day_off, TZ).at == eod(2026, 12, 2)
    # 1 October 2025: the National Day holiday runs to the 8th; Saturday 11th is a make-up working day.
    assert consultation_due(datetime(2025, 9, 30, 9, 0, tzinfo=TZ), Policy(), WorkCalendar(), TZ).at == eod(2025, 10, 11)


def test_the_town_policy_and_its_absence():
    asked = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
    five = Policy({(Stage.CONSULTATION, None, None): Period(5, W)})
    assert consultation_due(asked, five, WorkCalendar(), TZ).at == eod(2026, 12, 3)
    assert consultation_due(asked, Policy({}), WorkCalendar(), TZ).at == eod(2026, 12, 1)  # row deleted


def test_it_is_not_a_deadline_of_the_case():
    clock = Clock(status=Status.IN_MEDIATION, channel="walk_in", received_at=datetime(2026, 11, 2, 9, tzinfo=TZ),
                  mediation_started_at=datetime(2026, 11, 2, 10, tzinfo=TZ))
    assert compute(clock, Policy(), WorkCalendar(), TZ) == compute(
        clock, Policy({k: v for k, v in DEFAULT_PERIODS.items() if k[0] != Stage.CONSULTATION}), WorkCalendar(), TZ)
