"""What a password must be (等保 2.0 身份鉴别: complexity, periodic change) and temporary passwords."""
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from .errors import N_

MIN_LENGTH = 8
MAX_LENGTH = 128
CLASSES_NEEDED = 3

# Temporary passwords avoid look-alike characters (0/O, 1/l/I): they are read out or copied by hand.
_TEMP_ALPHABET = {
    "lower": "abcdefghijkmnpqrstuvwxyz",
    "upper": "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "digit": "23456789",
}


def character_classes(password: str) -> int:
    """How many of the four classes (lower case, upper case, digits, anything else) appear.
    Letters beyond ASCII (汉字) count as "anything else": they are not on a cracker's first lists."""
    return sum((any(c.isascii() and c.islower() for c in password),
                any(c.isascii() and c.isupper() for c in password),
                any(c.isascii() and c.isdigit() for c in password),
                any(not (c.isascii() and c.isalnum()) for c in password)))


def password_problem(password: str, *, username: str = "", common: Collection[str] = ()) -> str | None:
    """None when `password` may be used, else the (untranslated) reason."""
    if len(password) < MIN_LENGTH:
        return N_("A password has at least 8 characters.")
    if len(password) > MAX_LENGTH:
        return N_("A password has at most 128 characters.")
    if any(not c.isprintable() for c in password):
        return N_("A password cannot contain control characters.")
    if character_classes(password) < CLASSES_NEEDED:
        return N_("A password mixes at least three of: lower-case letters, capitals, digits, other characters.")
    lowered = password.lower()
    if lowered in common:
        return N_("This password is among the most common ones; choose another.")
    if username and len(username) >= 3 and username.lower() in lowered:
        return N_("A password cannot contain the username.")
    return None


def temporary_password(length: int = 12) -> str:
    """A random password that meets the rules, to be replaced at first sign-in."""
    groups = list(_TEMP_ALPHABET.values())
    alphabet = "".join(groups)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in candidate) for group in groups):
            return candidate


def password_expired(changed_at: datetime, now: datetime, max_age_days: int) -> bool:
    """The password is older than the maximum age (0 or less: passwords never expire)."""
    return max_age_days > 0 and now - changed_at > timedelta(days=max_age_days)

