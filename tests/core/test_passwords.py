"""Password rules in plain Python (core/passwords.py) and the shipped common-password list."""
from datetime import datetime, timedelta, timezone

import pytest

from mediation.auth.services import common_passwords
from mediation.core.passwords import (character_classes, password_expired, password_problem,
                                      temporary_password)


def test_the_shipped_list_holds_ten_thousand_common_passwords():
    common = common_passwords()
    assert len(common) >= 10_000
    for word in ("123456", "password", "qwerty", "woaini1314", "5201314", "1qaz2wsx", "p@ssw0rd", "password1"):
        assert word in common


@pytest.mark.parametrize("password, ok", [
    ("Xuhang-2026", True), ("长江大桥-Qiao7", True), ("abcD1234x", True), ("abcd!234", True),
    ("short1A", False), ("aaaaaaaaaa", False), ("password123", False), ("ABCDEFGH12", False),
    ("Password1", False), ("P@ssw0rd", False), ("Abc123\x00xyz", False), ("A1!" * 50, False),
])
def test_password_problem(password, ok):
    assert (password_problem(password, username="li.na", common=common_passwords()) is None) is ok


def test_the_username_may_not_be_inside():
    assert password_problem("Xx-li.na-2026", username="li.na", common=()) is not None
    assert password_problem("Xx-li.na-2026", username="wang", common=()) is None


def test_character_classes():
    assert [character_classes(p) for p in ("abc", "aB", "aB1", "aB1!", "中文1A", "中文1Aa")] == [1, 2, 3, 4, 3, 4]


def test_temporary_passwords_meet_the_rules_and_differ():
    made = {temporary_password() for _ in range(50)}
    assert len(made) == 50
    assert all(password_problem(p, common=common_passwords()) is None for p in made)


def test_password_expiry():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert password_expired(now - timedelta(days=91), now, 90)
    assert not password_expired(now - timedelta(days=89), now, 90)
    assert not password_expired(now - timedelta(days=9999), now, 0)
