"""Working days as Chinese offices count them: statutory holidays and make-up workdays (调休).

`chinesecalendar` knows the official schedule for the years it was released with; outside
them the statutory holidays are computed (core/holidays.py) and weekends are rest days, and
the result is marked provisional until an admin enters the year's 调休 arrangement.
`overrides` (date -> is_workday), kept by an admin, win over both; `entered_years` are the
years whose whole schedule an admin has entered, which makes them known.
"""
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import chinese_calendar

from .holidays import FIRST_YEAR, LAST_YEAR, statutory_holidays


class DaySource(StrEnum):
    """Where a day's working or rest status comes from."""
    ADMIN = "admin"  # an override an admin entered
    PACKAGE = "package"  # the official schedule shipped in chinesecalendar
    STATUTORY = "statutory"  # computed from the holiday rules: provisional (no 调休 known)
    WEEKDAY = "weekday"  # beyond the lunar tables: weekends only


@lru_cache(maxsize=256)
def computed_holidays(year: int) -> dict[date, str]:
    return statutory_holidays(year) if FIRST_YEAR <= year <= LAST_YEAR else {}


class WorkCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None, entered_years: frozenset[int] = frozenset()):
        self.overrides = overrides or {}
        self.entered_years = entered_years
        self._prefixes: dict[int, tuple[int, ...]] = {}  # year -> running counts, this calendar's
        self._totals_before: dict[int, int] = {}  # year -> working days from the base year to its 1 January

    def knows(self, day: date) -> bool:
        if day.year in self.entered_years or day in self.overrides:
            return True
        return self.package_knows_year(day.year)

    @staticmethod
    def package_knows_year(year: int) -> bool:
        return _package_knows_year(year)

    def is_workday(self, day: date) -> bool:
        """Read off the year's prefix counts: the package's own check costs ~12 µs a day (it
        looks for its earliest and latest known days on every call), and deadlines ask it for
        every day they count."""
        prefix, index = self._year_prefix(day.year), day.timetuple().tm_yday - 1
        return prefix[index] > (prefix[index - 1] if index else 0)

    def source(self, day: date) -> DaySource:
        if day in self.overrides:
            return DaySource.ADMIN
        if self.package_knows_year(day.year):
            return DaySource.PACKAGE
        return DaySource.STATUTORY if FIRST_YEAR <= day.year <= LAST_YEAR else DaySource.WEEKDAY

    def day_name(self, day: date) -> str | None:
        """The holiday a day belongs to (a rest day, or a weekend day worked for it), in Chinese."""
        if self.package_knows_year(day.year):
            _on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return _PACKAGE_NAMES.get(name, name) if name else None
        return computed_holidays(day.year).get(day)

    def working_days_between(self, lo: date, hi: date) -> int:
        """Working days in (lo, hi]: O(1) in the span, from per-year prefix counts (cached for
        every calendar with the same overrides that year), not a walk over every day."""
        if hi <= lo:
            return 0
        return self._count_through(hi) - self._count_through(lo)

    def _count_through(self, day: date) -> int:
        """Working days from a fixed base (1 January 2000) through `day` (negative before it)."""
        return self._before(day.year) + self._year_prefix(day.year)[day.timetuple().tm_yday - 1]

    def _before(self, year: int) -> int:
        if year not in self._totals_before:
            base = 2000
            years = range(base, year) if year >= base else range(year, base)
            total = sum(self._year_prefix(y)[-1] for y in years)
            self._totals_before[year] = total if year >= base else -total
        return self._totals_before[year]

    def _year_prefix(self, year: int) -> tuple[int, ...]:
        if year not in self._prefixes:
            overrides = tuple(sorted((d, v) for d, v in self.overrides.items() if d.year == year))
            self._prefixes[year] = _year_prefix(year, overrides)
        return self._prefixes[year]

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after `start`; the flag says every day in between was known."""
        day, counted, certain = start, 0, True
        while counted < n:
            day += timedelta(days=1)
            certain = certain and self.knows(day)
            if self.is_workday(day):
                counted += 1
        return day, certain


@lru_cache(maxsize=512)
def _year_prefix(year: int, overrides: tuple[tuple[date, bool], ...]) -> tuple[int, ...]:
    """Running count of working days through each day of `year` (index = day of year - 1)."""
    admin_days = dict(overrides)
    running, counts, day = 0, [], date(year, 1, 1)
    while day.year == year:
        running += admin_days[day] if day in admin_days else _base_is_workday(day)
        counts.append(running)
        day += timedelta(days=1)
    return tuple(counts)


def _base_is_workday(day: date) -> bool:
    """The package's answer, else the statutory rules computed for the year (no admin overrides)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and day not in computed_holidays(day.year)


@lru_cache(maxsize=256)
def _package_knows_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


# chinesecalendar names its holidays in English.
_PACKAGE_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                  "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节",
                  "National Day": "国庆节", "Anti-Fascist 70th Day": "抗战胜利纪念日"}
