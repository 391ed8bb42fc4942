"""Credentials tokens: generation, hashing and the Authorization header (transport_and_format_authorization_header)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

SCHEME = "Token"


def new_token() -> str:
    """A fresh credentials token: 43 URL-safe characters, within string(64) and the U+0021..U+007E range."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authorization_header(token: str, *, raw: bool = False) -> str:
    """`Token <base64(token)>`, or the raw token for a partner flagged to need it (DESIGN decision 2)."""
    encoded = token if raw else base64.b64encode(token.encode()).decode()
    return f"{SCHEME} {encoded}"


def token_candidates(header: str | None) -> list[str]:
    """Tokens an Authorization header may carry: its Base64-decoded value first, then the raw value,
    since many 2.1.1/2.2 peers do not encode (the spec's NOTE advises trial and error)."""
    if not header:
        return []
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != SCHEME.lower() or not value:
        return []
    candidates: list[str] = []
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    # The spec's own example encodes a trailing newline; tokens never contain whitespace, so strip it.
    decoded = decoded.strip()
    if decoded and decoded.isprintable() and decoded.isascii():
        candidates.append(decoded)
    if value not in candidates:
        candidates.append(value)
    return candidates
