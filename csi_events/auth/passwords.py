"""Password hashing with argon2id (argon2-cffi defaults) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

_hasher = PasswordHasher()

# A short list of passwords that are refused whatever their length.
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password123", "12345678", "123456789", "1234567890", "qwertyuiop",
        "iloveyou", "sunshine", "princess", "football", "baseball", "welcome1", "trustno1", "letmein1",
        "abc12345", "qwerty123", "11111111", "00000000", "passw0rd", "changeme", "administrator",
    }
)  # fmt: skip
MIN_LENGTH = 8
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if password.lower() in COMMON_PASSWORDS:
        problems.append(_("This password is too common; choose another."))
    return problems
