"""The Ministry of Justice's people's-mediation statistics form (人民调解案件统计表), laid out from plain rows.

Rows are the dispute categories (ours follow the Ministry's list, core.vocab.CATEGORIES) and a total;
columns are the cases mediated in the period, the successful ones (written and oral agreements), the
amount the agreements involve, the cases that prevented a civil dispute turning criminal (防止民转刑)
and a group petition (防止群体性上访) with the persons involved, and the three case sources.
No Flask, no SQLAlchemy: the reports module runs one GROUP BY and hands its rows here.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import N_
from .risk import MANY_PEOPLE
from .statistics import Source, source_of
from .vocab import CATEGORIES, Outcome, SUCCESS_OUTCOMES

# 群体性: a dispute of five people or more, the risk rules' "many people" (信访 practice's threshold).
GROUP_SIZE = MANY_PEOPLE

COLUMN_NOTES = {
    "mediated": N_("Cases closed in the period (a reopened case counts in the period it closed)."),
    "successful": N_("Closed with a written or an oral agreement."),
    "amount": N_("The sums in the agreements, in yuan."),
    "criminal": N_("防止民转刑: an agreement on a case that was high risk or went to the joint meeting; "
                   "persons: the parties, or the people involved when more."),
    "petition": N_("防止群体性上访: an agreement on a group dispute, %(n)s or more people (the parties, or "
                   "the people involved when more)."),
    "sources": N_("Grid patrol: own initiative; walk-in and the dispute platform: application; 110, "
                  "12345 work orders and referrals: referred."),
}


@dataclass
class MinistryRow:
    category: str
    mediated: int = 0
    successful: int = 0
    written: int = 0
    oral: int = 0
    amount: Decimal = Decimal("0")
    criminal_cases: int = 0
    criminal_persons: int = 0
    petition_cases: int = 0
    petition_persons: int = 0
    sources: dict[Source, int] = field(default_factory=lambda: {s: 0 for s in Source})

    def add(self, other: "MinistryRow") -> None:
        for name in ("mediated", "successful", "written", "oral", "amount", "criminal_cases",
                     "criminal_persons", "petition_cases", "petition_persons"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for source, n in other.sources.items():
            self.sources[source] += n


@dataclass(frozen=True)
class MinistryForm:
    rows: list[MinistryRow]
    total: MinistryRow


def ministry_form(closings: Iterable[tuple]) -> MinistryForm:
    """`closings`: (category, channel, outcome, cases, amount, criminal cases, criminal persons, petition
    cases, petition persons) per group. Every category of the Ministry's list gets a row, zero or not;
    a category outside it (an older code) gets its own row after them."""
    rows = {c: MinistryRow(c) for c in CATEGORIES}
    for category, channel, outcome, cases, amount, crim, crim_persons, petition, petition_persons in closings:
        row = rows.setdefault(category, MinistryRow(category))
        cases = int(cases or 0)
        row.mediated += cases
        row.sources[source_of(channel)] += cases
        if outcome in SUCCESS_OUTCOMES:
            row.successful += cases
            row.written += cases if outcome == Outcome.AGREEMENT_WRITTEN else 0
            row.oral += cases if outcome == Outcome.AGREEMENT_ORAL else 0
            row.amount += Decimal(str(amount or 0)).quantize(Decimal("0.01"))
        row.criminal_cases += int(crim or 0)
        row.criminal_persons += int(crim_persons or 0)
        row.petition_cases += int(petition or 0)
        row.petition_persons += int(petition_persons or 0)
    total = MinistryRow("")  # the total row: no category
    for row in rows.values():
        total.add(row)
    return MinistryForm(rows=list(rows.values()), total=total)
