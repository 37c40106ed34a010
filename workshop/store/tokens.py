"""Secrets and codes: 192-bit tokens kept only as SHA-256 hashes, and the six-character join code."""

import hashlib
import secrets

from ..core.protocol import CODE_ALPHABET, CODE_LENGTH


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A 192-bit random secret, URL-safe (facilitator, presenter, participant and organisation)."""
    return secrets.token_urlsafe(24)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def same_hash(expected_hash: str, token: str) -> bool:
    """Whether ``token`` hashes to ``expected_hash``, in constant time."""
    return secrets.compare_digest(expected_hash, hash_token(token))
