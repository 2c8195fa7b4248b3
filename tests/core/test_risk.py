"""Escalation risk (DESIGN.md "Escalation risk"): transparent rules, each shown when it fires;
levels from the summed weights (≥3 high, ≥1 medium, else low); age from the ID number."""
from datetime import date

import pytest

from mediation.core.risk import (
    ELDERLY_AGE, HIGH_SCORE, MANY_PEOPLE, MINOR_AGE, RULES, RiskAssessment, RiskFacts, age_on,
    assess, birth_date, is_vulnerable_by_age,
)

TODAY = date(2026, 11, 26)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id(born: str, area: str = "310114", seq: str = "123") -> str:
    """A real-format 18-digit resident ID number (GB 11643) with a valid check character."""
    body = area + born + seq
    assert len(body) == 17
    return body + _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def test_resident_id_helper_matches_a_known_number():
    # The standard's worked example: 11010519491231002X.
    assert resident_id("19491231", area="110105", seq="002") == "11010519491231002X"


# --- the rules -------------------------------------------------------------------------------

SINGLE = [
    ("violence", RiskFacts(violence=True), "high"),
    ("prior_police_call", RiskFacts(prior_police_call=True), "medium"),
    ("repeat_dispute", RiskFacts(repeat_dispute=True), "medium"),
    ("many_people", RiskFacts(people_involved=5), "medium"),
    ("vulnerable_party", RiskFacts(vulnerable_party=True), "medium"),
    ("petitioned_before", RiskFacts(petitioned_before=True), "medium"),
    ("overdue_high_amount", RiskFacts(overdue_high_amount=True), "medium"),
]


@pytest.mark.parametrize("code, facts, level", SINGLE, ids=[s[0] for s in SINGLE])
def test_each_rule_fires_alone_with_its_code(code, facts, level):
    assert assess(facts) == RiskAssessment(level, (code,))


def test_rules_cover_the_seven_signs_in_design_order():
    assert [r.code for r in RULES] == [
        "violence", "prior_police_call", "repeat_dispute", "many_people", "vulnerable_party",
        "petitioned_before", "overdue_high_amount",
    ]
    assert {r.code: r.weight for r in RULES} == {
        "violence": 3, "prior_police_call": 2, "repeat_dispute": 1, "many_people": 2,
        "vulnerable_party": 1, "petitioned_before": 2, "overdue_high_amount": 2,
    }
    assert all(r.label for r in RULES)


def test_nothing_fired_is_low_with_no_reasons():
    assert assess(RiskFacts()) == RiskAssessment("low", ())


def test_violence_alone_is_high():
    assert assess(RiskFacts(violence=True)).level == "high"


def test_vulnerable_alone_is_medium():
    assert assess(RiskFacts(vulnerable_party=True)).level == "medium"


def test_prior_police_call_plus_repeat_is_high():
    # 2 + 1 = 3: exactly the high threshold.
    assert HIGH_SCORE == 3
    assert assess(RiskFacts(prior_police_call=True, repeat_dispute=True)) == RiskAssessment(
        "high", ("prior_police_call", "repeat_dispute"))


def test_two_weight_one_rules_stay_medium():
    # 1 + 1 = 2 < 3.
    assert assess(RiskFacts(repeat_dispute=True, vulnerable_party=True)) == RiskAssessment(
        "medium", ("repeat_dispute", "vulnerable_party"))


def test_two_weight_two_rules_are_high():
    assert assess(RiskFacts(petitioned_before=True, overdue_high_amount=True)).level == "high"


def test_reasons_come_in_rules_order_not_argument_order():
    facts = RiskFacts(overdue_high_amount=True, vulnerable_party=True, people_involved=9,
                      repeat_dispute=True, violence=True, petitioned_before=True,
                      prior_police_call=True)
    assert assess(facts) == RiskAssessment("high", (
        "violence", "prior_police_call", "repeat_dispute", "many_people", "vulnerable_party",
        "petitioned_before", "overdue_high_amount"))


def test_reasons_skip_rules_that_did_not_fire():
    facts = RiskFacts(overdue_high_amount=True, people_involved=6, violence=True)
    assert assess(facts).reasons == ("violence", "many_people", "overdue_high_amount")


@pytest.mark.parametrize("people, fired", [(0, False), (4, False), (5, True), (6, True), (50, True)])
def test_many_people_boundary_at_five(people, fired):
    assert MANY_PEOPLE == 5
    result = assess(RiskFacts(people_involved=people))
    assert result.reasons == (("many_people",) if fired else ())
    assert result.level == ("medium" if fired else "low")


# --- age from the ID number ------------------------------------------------------------------

def test_thresholds():
    assert (ELDERLY_AGE, MINOR_AGE) == (60, 18)  # 老年人权益保障法 art. 2; 未成年人保护法 art. 2


def test_born_1950_is_elderly():
    id_number = resident_id("19500315")
    assert age_on(id_number, TODAY) == 76
    assert is_vulnerable_by_age(id_number, TODAY) is True


def test_born_2012_is_a_minor():
    id_number = resident_id("20120704")
    assert age_on(id_number, TODAY) == 14
    assert is_vulnerable_by_age(id_number, TODAY) is True


def test_born_1990_is_not_vulnerable():
    id_number = resident_id("19900101")
    assert age_on(id_number, TODAY) == 36
    assert is_vulnerable_by_age(id_number, TODAY) is False


def test_check_character_x_is_accepted():
    id_number = resident_id("19491231", area="110105", seq="002")
    assert id_number.endswith("X")
    assert age_on(id_number, TODAY) == 76


def test_age_turns_on_the_birthday_not_before():
    id_number = resident_id("19801126")
    assert age_on(id_number, date(2026, 11, 25)) == 45
    assert age_on(id_number, date(2026, 11, 26)) == 46
    assert age_on(id_number, date(2026, 11, 27)) == 46


def test_elderly_from_the_sixtieth_birthday():
    id_number = resident_id("19661126")
    assert age_on(id_number, date(2026, 11, 25)) == 59
    assert is_vulnerable_by_age(id_number, date(2026, 11, 25)) is False
    assert age_on(id_number, date(2026, 11, 26)) == 60
    assert is_vulnerable_by_age(id_number, date(2026, 11, 26)) is True
    assert is_vulnerable_by_age(id_number, date(2026, 11, 27)) is True


def test_minor_until_the_eighteenth_birthday():
    id_number = resident_id("20081126")
    assert age_on(id_number, date(2026, 11, 25)) == 17
    assert is_vulnerable_by_age(id_number, date(2026, 11, 25)) is True
    assert age_on(id_number, date(2026, 11, 26)) == 18
    assert is_vulnerable_by_age(id_number, date(2026, 11, 26)) is False
    assert is_vulnerable_by_age(id_number, date(2026, 11, 27)) is False


def test_leap_day_birthday_counts_from_march_first_in_common_years():
    id_number = resident_id("20080229")
    assert age_on(id_number, date(2026, 2, 28)) == 17
    assert age_on(id_number, date(2026, 3, 1)) == 18


MALFORMED = [
    None,
    "",
    "31011419500315123",  # 17 characters
    "3101141950031512345",  # 19 characters
    "31011450031512",  # 14 digits
    "310114501315123",  # 15 digits, month 13
    "310114195O0315123X",  # letter O in the birth date
    "310114-950031512-X",  # punctuation in the birth date
    "310114195013151234",  # month 13
    "310114195002301234",  # 30 February
    "310114195003001234",  # day 0
    "310114000001011234",  # year 0
]


@pytest.mark.parametrize("id_number", MALFORMED)
def test_malformed_id_numbers_have_no_age_and_are_not_vulnerable(id_number):
    assert age_on(id_number, TODAY) is None
    assert is_vulnerable_by_age(id_number, TODAY) is False


def test_birth_date_in_the_future_is_malformed():
    id_number = resident_id("20300101")
    assert age_on(id_number, TODAY) is None
    assert is_vulnerable_by_age(id_number, TODAY) is False


def test_fifteen_digit_numbers_carry_a_birth_date_in_the_1900s():
    assert birth_date("310114500315123") == date(1950, 3, 15)
    assert age_on("310114500315123", TODAY) == 76 and is_vulnerable_by_age("310114500315123", TODAY)
    assert age_on("110105661126002", date(2026, 11, 26)) == 60


def test_the_earlier_case_is_kept_beside_the_reason_it_made_fire():
    facts = RiskFacts(repeat_dispute=True, earlier_cases=(("repeat_dispute", "XH-2026-000001"),
                                                          ("prior_police_call", "XH-2026-000002")))
    verdict = assess(facts)
    assert verdict.reasons == ("repeat_dispute",)
    assert verdict.evidence == {"repeat_dispute": "XH-2026-000001"}  # only for reasons that fired
    assert assess(RiskFacts(violence=True)).evidence == {}
