"""Workload and performance (考核) per mediator and per committee, from plain GROUP BY rows.

Open and overdue are as of now; closed, success, days to close, satisfaction and review grades are of
the period. No Flask, no SQLAlchemy.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field

from .review import GRADES as REVIEW_GRADES
from .vocab import Satisfaction

GRADES = tuple(g.value for g in REVIEW_GRADES)  # 优秀, 合格, 不合格, best first
SATISFIED = frozenset({Satisfaction.SATISFIED.value, Satisfaction.FAIRLY_SATISFIED.value})


@dataclass
class PerformanceRow:
    key: int | None
    name: str
    open: int = 0
    overdue: int = 0
    closed: int = 0
    successful: int = 0
    closed_late: int = 0
    days_to_close: float = 0.0  # the sum; `average_days` divides
    visits_with_verdict: int = 0
    satisfied: int = 0
    grades: dict[str, int] = field(default_factory=lambda: {g: 0 for g in GRADES})

    @property
    def average_days(self) -> float | None:
        return self.days_to_close / self.closed if self.closed else None

    @property
    def success_rate(self) -> float | None:
        return self.successful / self.closed if self.closed else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.visits_with_verdict if self.visits_with_verdict else None

    @property
    def empty(self) -> bool:
        return not (self.open or self.closed or self.visits_with_verdict or any(self.grades.values()))


def performance_table(names: dict[int, str], open_rows: Iterable[tuple], closed_rows: Iterable[tuple],
                      visit_rows: Iterable[tuple], grade_rows: Iterable[tuple] = (),
                      unassigned: str = "") -> tuple[list[PerformanceRow], PerformanceRow]:
    """One row per key in `names` (a mediator or an office), then any key the rows bring that `names` lacks
    (None: no mediator assigned); and the total.

    open_rows: (key, open, overdue); closed_rows: (key, closed, successful, closed late, days to close summed);
    visit_rows: (key, satisfaction, visits); grade_rows: (key, grade, cases)."""
    rows: dict[int | None, PerformanceRow] = {key: PerformanceRow(key, name) for key, name in names.items()}

    def row(key) -> PerformanceRow:
        if key not in rows:
            rows[key] = PerformanceRow(key, unassigned if key is None else str(key))
        return rows[key]

    for key, open_, overdue in open_rows:
        r = row(key)
        r.open, r.overdue = int(open_ or 0), int(overdue or 0)
    for key, closed, successful, late, days in closed_rows:
        r = row(key)
        r.closed, r.successful, r.closed_late = int(closed or 0), int(successful or 0), int(late or 0)
        r.days_to_close = float(days or 0.0)
    for key, satisfaction, visits in visit_rows:
        if satisfaction:  # a visit without the party's verdict counts in no rate
            r = row(key)
            r.visits_with_verdict += int(visits)
            r.satisfied += int(visits) if satisfaction in SATISFIED else 0
    for key, grade, cases in grade_rows:
        if grade in GRADES:
            row(key).grades[grade] += int(cases)
    total = PerformanceRow(None, "")
    for r in rows.values():
        for name in ("open", "overdue", "closed", "successful", "closed_late", "days_to_close",
                     "visits_with_verdict", "satisfied"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        for grade in GRADES:
            total.grades[grade] += r.grades[grade]
    ordered = [rows[k] for k in names if k in rows] + [r for k, r in rows.items() if k not in names]
    return ordered, total
