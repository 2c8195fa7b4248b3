"""Working days counted in O(1) from per-year prefix counts agree with a day-by-day walk,
across statutory holidays, make-up days, admin overrides and years the package does not know."""
import random
from datetime import date, timedelta

from mediation.core.workdays import WorkCalendar


def walk(calendar: WorkCalendar, lo: date, hi: date) -> int:
    return sum(1 for n in range(1, (hi - lo).days + 1) if calendar.is_workday(lo + timedelta(days=n)))


def test_prefix_counts_match_a_walk_over_every_day():
    calendar = WorkCalendar({date(2026, 10, 10): False, date(2027, 2, 20): True, date(1999, 12, 31): False})
    rng = random.Random(7)
    for _ in range(150):
        lo = date(1996, 1, 1) + timedelta(days=rng.randint(0, 40_000))
        hi = lo + timedelta(days=rng.randint(0, 800))
        assert calendar.working_days_between(lo, hi) == walk(calendar, lo, hi), (lo, hi)


def test_an_override_changes_the_count_only_for_its_own_calendar():
    plain = WorkCalendar()
    closed = WorkCalendar({date(2026, 12, 2): False})  # a Wednesday an admin marks as a day off
    assert plain.working_days_between(date(2026, 12, 1), date(2026, 12, 4)) == 3
    assert closed.working_days_between(date(2026, 12, 1), date(2026, 12, 4)) == 2
    assert plain.working_days_between(date(2026, 12, 1), date(2026, 12, 4)) == 3
