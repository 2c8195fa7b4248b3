"""Mobile numbers, resident ID numbers (GB 11643-1999), and masking."""
import pytest

from mediation.core.identity import (
    id_number_problem, is_valid_mobile, mask_address, mask_id_number, mask_phone, normalize_phone,
)

LENGTH = "An ID number has 18 characters."
SHAPE = "An ID number has 17 digits and a final digit or X."
BIRTH = "The date of birth in the ID number is not a real date."
CHECK = "The ID number's check digit is wrong."


def check_digit(body17: str) -> str:
    """ISO 7064 MOD 11-2, derived here from first principles (weights 2^(17-i) mod 11)."""
    assert len(body17) == 17 and body17.isascii() and body17.isdigit()
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id(area: str, birth: str, seq: str) -> str:
    body = area + birth + seq
    return body + check_digit(body)


def test_check_digit_helper_matches_published_examples():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


# --- mobile ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "13812341234", "13000000000", "14512345678", "15912345678", "16612345678",
    "17712345678", "18612345678", "19912345678",
    "138 1234 1234", "138-1234-1234", " 13812341234 ", "138 - 1234 - 1234", "138\t1234\t1234",
])
def test_valid_mobiles(value):
    assert is_valid_mobile(value)


@pytest.mark.parametrize("value", [
    "", None, "12812341234", "11812341234", "10812341234", "23812341234", "03812341234",
    "1381234123",  # 10 digits
    "138123412345",  # 12 digits
    "1381234123a", "138.1234.1234", "(138)12341234", "+8613812341234", "8613812341234",
    "021-12345678",  # a landline
])
def test_invalid_mobiles(value):
    assert not is_valid_mobile(value)


def test_normalize_phone():
    assert normalize_phone("138 1234-1234") == "13812341234"
    assert normalize_phone(None) == ""


@pytest.mark.parametrize("value", ["138１２３４１２３４", "13٨١٢٣٤١٢٣٤"])
def test_non_ascii_digits_are_not_a_mobile(value):
    assert not is_valid_mobile(value)


# --- ID numbers -----------------------------------------------------------------------

VALID_IDS = [
    "11010519491231002X",
    "440524188001010014",
    make_id("310114", "19800229", "123"),  # a leap day
    make_id("310114", "20000229", "001"),  # 2000 is a leap year
    make_id("320102", "19991231", "999"),
    make_id("110101", "20200101", "000"),
]


@pytest.mark.parametrize("value", VALID_IDS)
def test_valid_id_numbers(value):
    assert id_number_problem(value) is None


def test_computed_ids_cover_both_kinds_of_check_character():
    ids = [make_id("310114", "19800101", f"{n:03d}") for n in range(30)]
    assert any(i.endswith("X") for i in ids) and any(i[-1].isdigit() for i in ids)
    for i in ids:
        assert id_number_problem(i) is None


def test_lowercase_x_and_surrounding_space_are_tolerated():
    assert id_number_problem("11010519491231002x") is None
    assert id_number_problem("  11010519491231002X\n") is None


@pytest.mark.parametrize("value", VALID_IDS + ["11010519491231002X"])
def test_every_wrong_check_character_is_refused(value):
    for wrong in "0123456789X":
        if wrong != value[-1]:
            assert id_number_problem(value[:-1] + wrong) == CHECK


def test_a_changed_body_digit_breaks_the_check():
    good = "440524188001010014"
    for i in range(17):
        changed = good[:i] + str((int(good[i]) + 1) % 10) + good[i + 1:]
        # changing the birth date may make it a non-date first; either way it is refused
        assert id_number_problem(changed) in (CHECK, BIRTH)


@pytest.mark.parametrize("birth", [
    "19490230",  # 30 February
    "19490229",  # 1949 is not a leap year
    "19000229",  # nor is 1900
    "19491301",  # month 13
    "19490001",  # month 0
    "19490100",  # day 0
    "19490431",  # 31 April
    "00000101",  # year 0
])
def test_bad_birth_dates(birth):
    # a correct check digit, so the date is what is wrong
    assert id_number_problem(make_id("110105", birth, "002")) == BIRTH


@pytest.mark.parametrize("value", [
    "", None, "11010519491231002", "11010519491231002XX", "110105491231002",  # old 15-digit form
    "1101051949123100211",
])
def test_wrong_length(value):
    assert id_number_problem(value) == LENGTH


@pytest.mark.parametrize("value", [
    "1101051949123100AX",  # letter in the body
    "X10105194912310020",
    "11010519491231002Y",
    "110105-19491231-02",
    "11010519491231 02X",
])
def test_wrong_shape(value):
    assert id_number_problem(value) == SHAPE


def test_superscript_digits_are_refused_not_a_crash():
    value = "²" * 6 + "19491231" + "²" * 3 + "X"
    assert id_number_problem(value) is not None


def test_full_width_digits_are_refused():
    full_width = "11010519491231002X".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert id_number_problem(full_width) is not None


# --- masking --------------------------------------------------------------------------

def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("138 1234-1234") == "138****1234"
    assert mask_phone("02112345678") == "021****5678"
    assert mask_phone("123456") == "******"
    assert mask_phone("") == ""
    assert mask_phone(None) == ""


@pytest.mark.parametrize("value", ["1234567", "123 4567"])
def test_mask_phone_always_hides_something(value):
    assert "*" in mask_phone(value)


def test_mask_phone_never_shows_the_middle():
    masked = mask_phone("13812345678")
    assert "2345" not in masked[3:-4] and masked.count("*") == 4 and len(masked) == 11


def test_mask_id_number():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_id_number("440524188001010014") == "440***********0014"
    masked = mask_id_number("440524188001010014")
    assert len(masked) == 18 and "18800101" not in masked  # the birth date is hidden
    assert mask_id_number("1234567") == "*******"
    assert mask_id_number("12345678") == "123*5678"
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""


def test_mask_address():
    assert mask_address("上海市嘉定区徐行镇小庙村12号") == "上海市嘉定区****"
    assert mask_address("徐行镇小庙村12号") == "徐行镇小庙村****"
    assert mask_address("徐行镇小庙村12号", keep=3) == "徐行镇****"
    assert mask_address("小庙村12号") == "小庙村****"  # a short address still hides its house number
    assert mask_address("徐行镇小庙村") == "徐行镇****"
    assert "12" not in mask_address("12号")
    assert mask_address("") == ""
    assert mask_address(None) == ""
