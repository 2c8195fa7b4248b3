"""Phone and ID numbers as they come (issue #11 item 1): one normal form for each."""
from datetime import date

import pytest

from mediation.core.contact import (ContactError, PhoneKind, id_number_sex, parse_id_number, parse_phone,
                                    phone_problem)
from mediation.core.risk import age_on, birth_date


@pytest.mark.parametrize("typed, normal, kind", [
    ("13800138000", "13800138000", PhoneKind.MOBILE),
    ("138 0013 8000", "13800138000", PhoneKind.MOBILE),
    ("138-0013-8000", "13800138000", PhoneKind.MOBILE),
    ("+8613800138000", "13800138000", PhoneKind.MOBILE),
    ("+86 138 0013 8000", "13800138000", PhoneKind.MOBILE),
    ("+86-138-0013-8000", "13800138000", PhoneKind.MOBILE),
    ("0086 13800138000", "13800138000", PhoneKind.MOBILE),
    ("8613800138000", "13800138000", PhoneKind.MOBILE),
    ("１３８００１３８０００", "13800138000", PhoneKind.MOBILE),
    ("＋８６ １３８００１３８０００", "13800138000", PhoneKind.MOBILE),
    ("021-59591234", "021-59591234", PhoneKind.LANDLINE),
    ("02159591234", "021-59591234", PhoneKind.LANDLINE),
    ("(021) 5959 1234", "021-59591234", PhoneKind.LANDLINE),
    ("（021）59591234", "021-59591234", PhoneKind.LANDLINE),
    ("010-6512 3456", "010-65123456", PhoneKind.LANDLINE),
    ("0512-6666 8888", "0512-66668888", PhoneKind.LANDLINE),
    ("0512-6666888", "0512-6666888", PhoneKind.LANDLINE),
    ("021-59591234-123", "021-59591234-123", PhoneKind.LANDLINE),
    ("021-59591234转123", "021-59591234-123", PhoneKind.LANDLINE),
    ("021 5959 1234 ext. 8", "021-59591234-8", PhoneKind.LANDLINE),
    ("+86 21 5959 1234", "021-59591234", PhoneKind.LANDLINE),
    ("+86 512 6666 8888", "0512-66668888", PhoneKind.LANDLINE),
    ("59591234", "59591234", PhoneKind.LOCAL),
    ("5959 1234", "59591234", PhoneKind.LOCAL),
])
def test_numbers_as_they_come(typed, normal, kind):
    phone = parse_phone(typed)
    assert (phone.normal, phone.kind) == (normal, kind)


@pytest.mark.parametrize("typed, words", [
    ("", "Enter"), ("138001380", "mobile number has 11"), ("5959123", None), ("1380013800012", "mobile number has 11"),
    ("12800138000", "mobile"), ("+44 20 7946 0958", "mainland"), ("138O0138000", "digits only"),
    ("021-123", "landline"), ("021-01234567", "landline"), ("13800138000转12", "mobile"),
    ("phone", "digits only"),
])
def test_what_is_not_a_number_says_why(typed, words):
    if words is None:  # 7 digits: a local landline, valid
        assert phone_problem(typed) is None
        return
    with pytest.raises(ContactError) as refused:
        parse_phone(typed)
    assert words in refused.value.message
    assert phone_problem(typed) == refused.value.message


@pytest.mark.parametrize("typed, normal", [
    ("11010519491231002X", "11010519491231002X"),
    ("11010519491231002x", "11010519491231002X"),
    ("110105 19491231 002X", "11010519491231002X"),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
    ("110105491231002", "11010519491231002X"),  # the same person's 15-digit card
    ("310114500315123", None),
])
def test_id_numbers_normalised(typed, normal):
    if normal is None:  # a 15-digit number widens to a valid 18-character one
        widened = parse_id_number(typed)
        assert len(widened) == 18 and widened[:6] == typed[:6] and widened[6:8] == "19"
        assert parse_id_number(widened) == widened
    else:
        assert parse_id_number(typed) == normal


@pytest.mark.parametrize("typed, words", [
    ("1101051949123100", "18 characters"), ("110105491331002", "not a real date"),
    ("11010519491231002Y", "17 digits"), ("110105194912310021", "check digit"),
    ("11010549123100A", "digits only"),
])
def test_bad_id_numbers_say_why(typed, words):
    with pytest.raises(ContactError) as refused:
        parse_id_number(typed)
    assert words in refused.value.message


def test_age_and_sex_from_both_forms():
    old, new = "110105491231002", "11010519491231002X"
    assert birth_date(old) == birth_date(new) == date(1949, 12, 31)
    assert age_on(old, date(2026, 12, 1)) == age_on(new, date(2026, 12, 1)) == 76
    assert id_number_sex(parse_id_number(old)) == id_number_sex(new) == "female"  # sequence 002: even
    assert id_number_sex("110105194912310011") == "male"
