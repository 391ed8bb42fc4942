"""Registered callers remembered for a few seconds (transport_and_format_authorization_header), so that a
cached list GET needs no database: keyed by the hashes of the tokens an Authorization header may carry, as
the tokens are stored. A change to credentials committed in this process forgets every entry at once;
one committed by another process is seen after at most `ttl` seconds."""

from __future__ import annotations

import time
from collections.abc import Callable

from hub.security import hash_token, token_candidates

TokenHashes = tuple[str, ...]


def token_hashes(header: str | None) -> TokenHashes:
    return tuple(hash_token(token) for token in token_candidates(header))


class CallerCache:
    """Partner ids of registered, unsuspended callers by token hashes, each for `ttl` seconds."""

    def __init__(
        self, ttl: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._max_entries = max_entries
        self._entries: dict[TokenHashes, tuple[float, int]] = {}
        self._epoch = 0

    @property
    def epoch(self) -> int:
        """Read before looking a token up in the database, passed to store() after."""
        return self._epoch

    def lookup(self, hashes: TokenHashes) -> int | None:
        entry = self._entries.get(hashes)
        if entry is None:
            return None
        expires, partner_id = entry
        if self.clock() >= expires:
            del self._entries[hashes]
            return None
        return partner_id

    def store(self, hashes: TokenHashes, partner_id: int, epoch: int) -> None:
        """Remember a caller found in the database, unless credentials changed since it was looked up."""
        if not hashes or epoch != self._epoch or self.ttl <= 0:
            return
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[hashes] = (self.clock() + self.ttl, partner_id)

    def clear(self) -> None:
        self._entries.clear()
        self._epoch += 1
