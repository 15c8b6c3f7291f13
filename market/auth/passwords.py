"""Password hashing (Argon2id) and the strength rule.

The parameters are the configuration's (ARGON2_*, OWASP's recommendation in production,
see config.py); a hash records those it was made with, so changing them leaves every stored
hash verifiable, and `needs_rehash` tells the log-in to store the password again under the
current ones.
"""

import secrets
from functools import cache
from typing import TYPE_CHECKING, TypeGuard

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from market.auth.errors import WeakPassword

if TYPE_CHECKING:
    from market.auth.models import User

MIN_LENGTH = 10
COMMON_PASSWORDS = frozenset(
    {
        "motdepasse",
        "motdepasse1",
        "azertyuiop",
        "azerty1234",
        "1234567890",
        "0123456789",
        "password123",
        "password12",
        "qwertyuiop",
        "iloveyou12",
        "soleil1234",
        "marseille13",
        "bonjour123",
        "doudou1234",
        "chouchou12",
        "football12",
        "1q2w3e4r5t",
        "aaaaaaaaaa",
    }
)


def hasher() -> PasswordHasher:
    config = current_app.config
    return cached_hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]
    )


@cache
def cached_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with other parameters than the configuration's."""
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


@cache
def dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash of nothing anyone types, checked when the account does not exist: an unknown
    address then costs the same time as a known one."""
    return cached_hasher(time_cost, memory_cost, parallelism).hash(secrets.token_urlsafe(32))


def verify_password_of(user: "User | None", password: str) -> TypeGuard["User"]:
    """Whether `password` opens `user`'s account; as slow when there is no such user.

    A password that opens it is stored again when its hash has other parameters than the
    configuration's: raised or lowered, the change reaches each account at its next log-in."""
    if user is None:
        config = current_app.config
        verify_password(
            dummy_hash(
                config["ARGON2_TIME_COST"],
                config["ARGON2_MEMORY_COST"],
                config["ARGON2_PARALLELISM"],
            ),
            password,
        )
        return False
    if not verify_password(user.password_hash, password):
        return False
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def check_strength(password: str, email: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            _l("The password must have at least %(count)d characters.", count=MIN_LENGTH)
        )
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise WeakPassword(_l("This password is too easy to guess; choose another one."))
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        raise WeakPassword(_l("The password must not contain your email address."))
