"""卷宗评查: a closed case file scored against a checklist, graded 优秀 / 合格 / 不合格, and the
per-case subsidy (以案定补) its grade earns.

The checks are rules over plain facts of one case (`ReviewFacts`); what each item is worth, which
items are mandatory and where the grades begin are data (`ItemRule`, `GradeRule`: the tables
`review_items` and `review_grades`, edited by an admin), so a town changes them without code.

Scoring: an item that does not apply to the case (the art. 29 contents of a case closed without an
agreement, the judicial-confirmation notice where nothing was written) counts neither way; the score
is the weight of the items passed over the weight of the items that apply, out of 100. The grade is
the best whose minimum the score reaches; a failed mandatory item makes the file 不合格 whatever
its score (a file without a session record or with an incomplete agreement is not a file).
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from .errors import N_
from .vocab import MAX_YEAR, MIN_YEAR, Outcome


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格


GRADES: tuple[Grade, ...] = (Grade.EXCELLENT, Grade.PASS, Grade.FAIL)  # best first


class Item(StrEnum):
    REGISTRATION = "registration_complete"
    SESSION_RECORD = "session_record"
    AGREEMENT_CONTENTS = "agreement_contents"
    RETURN_VISIT = "return_visit"
    CONFIRMATION_NOTICE = "confirmation_notice"
    DEADLINES_MET = "deadlines_met"


@dataclass(frozen=True)
class ItemRule:
    """One checklist item as the admin set it: its weight in points, mandatory, in use."""

    code: str
    weight: int
    mandatory: bool = False
    active: bool = True


@dataclass(frozen=True)
class GradeRule:
    grade: str
    min_score: int


# The defaults the migration seeds (and `load_defaults` loads into empty tables): 100 points in all.
DEFAULT_ITEMS: tuple[ItemRule, ...] = (
    ItemRule(Item.REGISTRATION.value, 15, mandatory=True),
    ItemRule(Item.SESSION_RECORD.value, 20, mandatory=True),
    ItemRule(Item.AGREEMENT_CONTENTS.value, 25, mandatory=True),
    ItemRule(Item.RETURN_VISIT.value, 15),
    ItemRule(Item.CONFIRMATION_NOTICE.value, 10),
    ItemRule(Item.DEADLINES_MET.value, 15),
)
DEFAULT_GRADES: tuple[GradeRule, ...] = (GradeRule(Grade.EXCELLENT.value, 90), GradeRule(Grade.PASS.value, 60),
                                         GradeRule(Grade.FAIL.value, 0))
# 以案定补 defaults, yuan per case: (category or None for any, grade, amount).
DEFAULT_RATES: tuple[tuple[str | None, str, Decimal], ...] = (
    (None, Grade.EXCELLENT.value, Decimal("300")),
    (None, Grade.PASS.value, Decimal("200")),
    (None, Grade.FAIL.value, Decimal("0")),
    ("征地拆迁", Grade.EXCELLENT.value, Decimal("500")),
    ("征地拆迁", Grade.PASS.value, Decimal("300")),
)
MAX_WEIGHT = 100
MAX_REASON = 2000


@dataclass(frozen=True)
class PartyFacts:
    name: str
    role: str
    has_phone: bool = False
    has_id_number: bool = False
    has_address: bool = False

    @property
    def reachable(self) -> bool:
        """Named, and with a phone, an ID number or an address: someone the committee can find."""
        return bool(self.name.strip()) and (self.has_phone or self.has_id_number or self.has_address)

    @property
    def identified(self) -> bool:
        """What art. 29 asks of a party named in a written agreement: a name and an ID number or address."""
        return bool(self.name.strip()) and (self.has_id_number or self.has_address)


@dataclass(frozen=True)
class ReviewFacts:
    """What the checklist looks at in one closed case."""

    has_summary: bool
    has_category: bool
    has_place: bool  # a village or an address where it happened
    parties: tuple[PartyFacts, ...]
    sessions_logged: int
    outcome: str | None
    agreement_text: str | None = None
    performance_terms: str | None = None
    amount_recorded: bool = False
    signed_on: date | None = None
    effective_on: date | None = None
    performance_due_on: date | None = None
    return_visit_done: bool = False
    confirmation_by: datetime | None = None  # the art. 33 window the agreement tells the parties of
    received_at: datetime | None = None
    accepted_at: datetime | None = None
    accept_by: datetime | None = None
    closed_at: datetime | None = None
    conclude_by: datetime | None = None


@dataclass(frozen=True)
class Check:
    """One item's verdict on one case: `passed` None when the item does not apply; `why` a msgid."""

    code: str
    passed: bool | None
    why: str
    missing: tuple[str, ...] = ()  # a failed check's list of what is missing (msgids, for %(missing)s)


def _failed(code: str, why: str, missing: list[str]) -> Check:
    return Check(code, False, why, tuple(missing))


def _registration(f: ReviewFacts) -> Check:
    code = Item.REGISTRATION.value
    missing = []
    if not f.has_summary:
        missing.append(N_("the dispute's facts (summary)"))
    if not f.has_category:
        missing.append(N_("the category"))
    if not f.has_place:
        missing.append(N_("where it happened"))
    if not any(p.role == "applicant" for p in f.parties):
        missing.append(N_("an applicant"))
    if not any(p.role == "respondent" for p in f.parties):
        missing.append(N_("a respondent"))
    if any(not p.reachable for p in f.parties):
        missing.append(N_("a phone, ID number or address for every party"))
    if missing:
        return _failed(code, N_("The registration lacks: %(missing)s."), missing)
    return Check(code, True, N_("Facts, category, place and every party's contact are registered."))


def _session_record(f: ReviewFacts) -> Check:
    code = Item.SESSION_RECORD.value
    if f.sessions_logged:
        return Check(code, True, N_("Mediation session records (art. 27) are in the file."))
    return Check(code, False, N_("No mediation session was recorded (art. 27)."))


def _agreement_contents(f: ReviewFacts) -> Check:
    code = Item.AGREEMENT_CONTENTS.value
    if f.outcome == Outcome.AGREEMENT_ORAL.value:
        if (f.agreement_text or "").strip():
            return Check(code, True, N_("The mediator recorded what was agreed orally (art. 28)."))
        return Check(code, False, N_("What was agreed orally is not recorded (art. 28)."))
    if f.outcome != Outcome.AGREEMENT_WRITTEN.value:
        return Check(code, None, N_("No agreement was reached: nothing to check."))
    missing = []
    if sum(1 for p in f.parties if p.identified) < 2:
        missing.append(N_("two parties with a name and an ID number or address"))
    if not f.has_summary:
        missing.append(N_("the dispute's main facts"))
    if not (f.agreement_text or "").strip():
        missing.append(N_("what was agreed"))
    if not (f.performance_terms or "").strip():
        missing.append(N_("how it is performed"))
    if not f.amount_recorded:
        missing.append(N_("the amount"))
    if f.performance_due_on is None:
        missing.append(N_("the date it is performed by"))
    if f.signed_on is None:
        missing.append(N_("the date it was signed"))
    if missing:
        return _failed(code, N_("The written agreement lacks (art. 29): %(missing)s."), missing)
    return Check(code, True, N_("The written agreement has every content art. 29 asks for."))


def _return_visit(f: ReviewFacts) -> Check:
    code = Item.RETURN_VISIT.value
    if f.return_visit_done:
        return Check(code, True, N_("The return visit was made and recorded."))
    return Check(code, False, N_("No return visit is recorded."))


def _confirmation_notice(f: ReviewFacts) -> Check:
    """The written agreement tells the parties of judicial confirmation: its printed clause (art. 33)
    does so, counting 30 days from the day it took effect. The file shows the parties were told of a
    window that is real when the agreement's day of effect is recorded and the window was opened on
    the case (the reminders run on it)."""
    code = Item.CONFIRMATION_NOTICE.value
    if f.outcome != Outcome.AGREEMENT_WRITTEN.value:
        return Check(code, None, N_("No written agreement: no judicial confirmation to tell of."))
    if f.effective_on is None or f.confirmation_by is None:
        return Check(code, False, N_("The agreement's day of effect, from which the parties' 30 days for judicial "
                                     "confirmation run, is not recorded."))
    return Check(code, True, N_("The agreement tells the parties of judicial confirmation within 30 days (art. 33)."))


def _deadlines_met(f: ReviewFacts) -> Check:
    code = Item.DEADLINES_MET.value
    late = []
    if f.accept_by is not None and f.accepted_at is not None and f.accepted_at > f.accept_by:
        late.append(N_("accepted after its deadline"))
    if f.conclude_by is not None and f.closed_at is not None and f.closed_at > f.conclude_by:
        late.append(N_("concluded after its deadline"))
    if late:
        return _failed(code, N_("Deadlines missed: %(missing)s."), late)
    return Check(code, True, N_("Accepted and concluded within their deadlines."))


CHECKS = {
    Item.REGISTRATION.value: _registration,
    Item.SESSION_RECORD.value: _session_record,
    Item.AGREEMENT_CONTENTS.value: _agreement_contents,
    Item.RETURN_VISIT.value: _return_visit,
    Item.CONFIRMATION_NOTICE.value: _confirmation_notice,
    Item.DEADLINES_MET.value: _deadlines_met,
}


@dataclass(frozen=True)
class Review:
    score: int
    grade: str
    checks: tuple[Check, ...]
    mandatory_failed: tuple[str, ...] = ()

    @property
    def items(self) -> dict[str, bool | None]:
        """{code: passed} as stored (None: did not apply)."""
        return {c.code: c.passed for c in self.checks}


def check_all(facts: ReviewFacts, items: tuple[ItemRule, ...]) -> tuple[Check, ...]:
    return tuple(CHECKS[rule.code](facts) for rule in items if rule.active and rule.code in CHECKS)


def grade_for(score: int, grades: tuple[GradeRule, ...]) -> str:
    """The best grade whose minimum `score` reaches; the lowest grade when none does."""
    for rule in sorted(grades, key=lambda g: -g.min_score):
        if score >= rule.min_score:
            return rule.grade
    return Grade.FAIL.value


def review(facts: ReviewFacts, items: tuple[ItemRule, ...], grades: tuple[GradeRule, ...]) -> Review:
    checks = check_all(facts, items)
    weights = {rule.code: rule for rule in items}
    applicable = [c for c in checks if c.passed is not None]
    total = sum(weights[c.code].weight for c in applicable)
    passed = sum(weights[c.code].weight for c in applicable if c.passed)
    score = round(100 * passed / total) if total else 100
    failed_mandatory = tuple(c.code for c in applicable if not c.passed and weights[c.code].mandatory)
    grade = Grade.FAIL.value if failed_mandatory else grade_for(score, grades)
    return Review(score=score, grade=grade, checks=checks, mandatory_failed=failed_mandatory)


def effective_grade(grade: str, adjusted_grade: str | None) -> str:
    """The grade that counts (sheets, subsidy): the reviewer's adjustment if any, else the computed one."""
    return adjusted_grade or grade


def subsidy_rate(rates: dict[tuple[str | None, str], Decimal], category: str, grade: str) -> Decimal:
    """The amount per case for `category` and `grade`: the category's own rate, else the rate for any."""
    if (category, grade) in rates:
        return rates[(category, grade)]
    return rates.get((None, grade), Decimal("0"))


def month_bounds(text: str | None) -> tuple[int, int] | None:
    """'2026-10' as (2026, 10); None for anything else."""
    text = (text or "").strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        return None
    if not text.isascii():
        return None
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12 or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return year, month
