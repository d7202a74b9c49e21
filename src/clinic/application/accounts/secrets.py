"""Random tokens for links and API keys, and the hash under which they are stored."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is safe; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
