"""Escalation risk (激化风险 / 民转刑): transparent rules, each shown on the case when it fires."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .errors import N_

class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


ELDERLY_AGE = 60  # 老年人权益保障法 art. 2: 老年人 are citizens aged 60 and over
MINOR_AGE = 18  # 未成年人保护法 art. 2
MANY_PEOPLE = 5
HIGH_AMOUNT = Decimal("50000")  # also routing rule 3's amount (DESIGN.md): one figure for both
REPEAT_WINDOW_DAYS = 180


@dataclass(frozen=True)
class RiskFacts:
    violence: bool = False  # violence, injury or threats reported
    prior_police_call: bool = False  # a 110 call between the same parties before
    repeat_dispute: bool = False  # the same parties within REPEAT_WINDOW_DAYS
    people_involved: int = 0
    vulnerable_party: bool = False  # elderly, minor or disabled
    petitioned_before: bool = False
    overdue_high_amount: bool = False
    # The earlier case that makes a rule fire, by rule code (repeat_dispute, prior_police_call): its reference.
    earlier_cases: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RiskRule:
    code: str
    weight: int
    label: str  # an English msgid, translated at the edge


RULES: tuple[RiskRule, ...] = (
    RiskRule("violence", 3, N_("Threats of violence or injury")),
    RiskRule("prior_police_call", 2, N_("A 110 call between the same parties before")),
    # "The same parties": both sides again (the same applicant and respondent, either way round),
    # matched by phone or ID number; one shared caller is not a repeat.
    RiskRule("repeat_dispute", 1, N_("The same parties had a dispute within 180 days")),
    RiskRule("many_people", 2, N_("Five or more people involved")),
    RiskRule("vulnerable_party", 1, N_("Elderly, minor or disabled party")),
    RiskRule("petitioned_before", 2, N_("A party has petitioned before")),
    RiskRule("overdue_high_amount", 2, N_("Overdue, with a large amount at stake")),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
HIGH_SCORE = 3


@dataclass(frozen=True)
class RiskAssessment:
    level: RiskLevel
    reasons: tuple[str, ...]  # codes of the rules that fired, in RULES order
    evidence: dict[str, str] = field(default_factory=dict)  # rule code -> the earlier case's reference


def assess(facts: RiskFacts) -> RiskAssessment:
    fired = {
        "violence": facts.violence,
        "prior_police_call": facts.prior_police_call,
        "repeat_dispute": facts.repeat_dispute,
        "many_people": facts.people_involved >= MANY_PEOPLE,
        "vulnerable_party": facts.vulnerable_party,
        "petitioned_before": facts.petitioned_before,
        "overdue_high_amount": facts.overdue_high_amount,
    }
    reasons = tuple(rule.code for rule in RULES if fired[rule.code])
    score = sum(RULES_BY_CODE[code].weight for code in reasons)
    level = RiskLevel.HIGH if score >= HIGH_SCORE else RiskLevel.MEDIUM if score else RiskLevel.LOW
    evidence = {code: reference for code, reference in facts.earlier_cases if code in reasons and reference}
    return RiskAssessment(level, reasons, evidence)


def birth_date(id_number: str | None) -> date | None:
    """The birth date inside a resident ID number: YYYYMMDD at 7–14 of the 18-digit form, YYMMDD
    at 7–12 of the 15-digit one (issued before 1999, all for people born in the 1900s)."""
    v = (id_number or "").strip()
    if len(v) == 18 and v[6:14].isdigit():
        y, m, d = int(v[6:10]), int(v[10:12]), int(v[12:14])
    elif len(v) == 15 and v.isdigit():
        y, m, d = 1900 + int(v[6:8]), int(v[8:10]), int(v[10:12])
    else:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def age_on(id_number: str | None, today: date) -> int | None:
    """Age from the birth date inside a resident ID number, if it has one. `today` is the local
    (Shanghai) date: a birthday starts at local midnight, not at UTC's."""
    born = birth_date(id_number)
    if born is None:
        return None
    if born > today:
        return None  # a mistyped ID number, not a newborn-to-be
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def is_vulnerable_by_age(id_number: str | None, today: date) -> bool:
    age = age_on(id_number, today)
    return age is not None and (age >= ELDERLY_AGE or age < MINOR_AGE)


def thresholds() -> list[tuple[str, str]]:
    """Every figure the rules use, for the admin's page: (untranslated label, value)."""
    return [(N_("Elderly from age"), str(ELDERLY_AGE)), (N_("Minor below age"), str(MINOR_AGE)),
            (N_("Many people: at least"), str(MANY_PEOPLE)), (N_("Large amount (yuan): at least"), f"{HIGH_AMOUNT:,}"),
            (N_("Repeat window (days)"), str(REPEAT_WINDOW_DAYS)), (N_("High risk from score"), str(HIGH_SCORE))]


LEVEL_ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}
