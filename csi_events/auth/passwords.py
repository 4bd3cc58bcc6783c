"""Password hashing with argon2id (argon2-cffi defaults) and the password policy.

Policy (NIST SP 800-63B style): at least 8 characters, long passphrases welcome (up to 256), no composition
rules; passwords from the common list (common_passwords.txt) or made from the account's own e-mail or name
are refused.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

_hasher = PasswordHasher()

MIN_LENGTH = 8
MAX_LENGTH = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problems(password: str, user_inputs: tuple[str, ...] | list[str] = ()) -> list[str]:
    """What is wrong with a new password (empty list: acceptable). user_inputs: the account's e-mail, name."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append(_("This password is too common; choose another."))
    else:
        own = set()
        for value in user_inputs:
            value = (value or "").strip().lower()
            if value:
                own.add(value)
                own.add(value.partition("@")[0])
        if any(len(v) >= 4 and lowered in {v, v + "1", v + "123", v + "!"} for v in own):
            problems.append(_("Do not use your e-mail address or name as the password."))
    return problems
