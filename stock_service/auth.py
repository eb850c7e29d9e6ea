"""PIN hashes and tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of ``pin``, as ``scrypt$salt$hash`` in hex."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the one ``stored`` was made from."""
    try:
        _, salt, _ = stored.split("$")
        return hmac.compare_digest(hash_pin(pin, salt=bytes.fromhex(salt)), stored)
    except ValueError:
        return False


def new_token() -> str:
    """A fresh bearer token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What we store of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()
