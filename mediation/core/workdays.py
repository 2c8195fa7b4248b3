"""Working days as Chinese offices count them: statutory holidays and make-up workdays (调休).

`chinesecalendar` knows the official schedule for the years it was released with; outside
them only weekends count, and the result is marked provisional. `overrides` (date ->
is_workday), kept by an admin, win over both; `entered_years` are the years whose whole
schedule an admin has entered, which makes them known.
"""
from datetime import date, timedelta

import chinese_calendar


class WorkCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None, entered_years: frozenset[int] = frozenset()):
        self.overrides = overrides or {}
        self.entered_years = entered_years

    def knows(self, day: date) -> bool:
        if day.year in self.entered_years or day in self.overrides:
            return True
        return self.package_knows_year(day.year)

    @staticmethod
    def package_knows_year(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            return True
        except NotImplementedError:
            return False

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after `start`; the flag says every day in between was known."""
        day, counted, certain = start, 0, True
        while counted < n:
            day += timedelta(days=1)
            certain = certain and self.knows(day)
            if self.is_workday(day):
                counted += 1
        return day, certain
