"""Station passwords for OCPP security profile 1 (HTTP Basic on the websocket upgrade): salted PBKDF2-SHA256
hashes, and a per-process memo so that a reconnecting station does not cost a full hash every time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
# OCPP passwords are machine secrets (2.0.1 BasicAuthPassword: 16 to 40 characters set by the CSMS), so a
# moderate work factor suffices; it keeps a reconnect storm of thousands of stations affordable.
ITERATIONS = 10_000


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algorithm, iterations, salt, digest = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        computed = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


class PasswordChecker:
    """verify_password with a memo of the last password that matched each stored hash."""

    def __init__(self) -> None:
        self._verified: dict[str, bytes] = {}

    def check(self, password: str, stored: str) -> bool:
        quick = hashlib.sha256(password.encode()).digest()
        known = self._verified.get(stored)
        if known is not None and hmac.compare_digest(known, quick):
            return True
        if not verify_password(password, stored):
            return False
        if len(self._verified) > 100_000:
            self._verified.clear()
        self._verified[stored] = quick
        return True
