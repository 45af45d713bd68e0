"""Password hashing with Argon2id, and a verify that costs the same when the user is unknown."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_password_hash = PasswordHash((Argon2Hasher(),))
# Made once at import, so that even the first unknown-user login costs exactly one verify.
_DUMMY_HASH = _password_hash.hash("gridloop-no-such-user")


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return bool(_password_hash.verify(password, password_hash))


def dummy_verify(password: str) -> None:
    """Spend the time of a real verify, so a login's timing does not tell which usernames exist."""
    verify_password(password, _DUMMY_HASH)
