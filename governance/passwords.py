"""Passwords: the policy, argon2id hashing and verification, random passwords for bootstrap."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from governance.errors import GovernanceError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; a ceiling keeps a pasted file from becoming a password
PRODUCTION_PROFILE = profiles.RFC_9106_LOW_MEMORY  # argon2id, 64 MiB, 3 passes, 4 lanes
_hashers = {"current": PasswordHasher.from_parameters(PRODUCTION_PROFILE)}


def use_profile(parameters: Parameters) -> None:
    """Hash with other argon2 parameters from now on (the test suite uses profiles.CHEAPEST)."""
    _hashers["current"] = PasswordHasher.from_parameters(parameters)
    _dummy_hash.cache_clear()


def check_policy(password: str) -> None:
    """Raise GovernanceError unless the password meets the policy (10 to 1024 characters)."""
    if len(password) < MIN_LENGTH:
        raise GovernanceError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise GovernanceError(f"a password has at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    """The argon2id hash of a password that meets the policy."""
    check_policy(password)
    return rehash(password)


def rehash(password: str) -> str:
    """A fresh hash of a password already in use (no policy check), with today's parameters."""
    return _hashers["current"].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash; spends the same work when there is no hash."""
    try:
        matched = _hashers["current"].verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's."""
    return _hashers["current"].check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password (24 URL-safe characters) for a first admin."""
    return secrets.token_urlsafe(18)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying unknown names against a real hash keeps their timing like a wrong password's.
    return rehash(secrets.token_urlsafe(18))
