"""Requests per partner on /ocpi: a token bucket per credentials token (one per partner once registered). The OCPI 2.2.1 text names no rate
limit, so the answer is HTTP 429 Too Many Requests (RFC 6585) with Retry-After, in the envelope with status
2000 (transport_and_format: every response carries the envelope)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from starlette.types import ASGIApp, Receive, Scope, Send

from hub.limits.refusal import refuse
from hub.security import hash_token, token_candidates


class TokenBucket:
    """`burst` requests at once, refilled at `rate` per second."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def take(self, now: float) -> float:
        """0 when the request may go, else the seconds until it could."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    """One bucket per key, the least recently used forgotten beyond `max_keys` (a forgotten key starts full,
    which only an idle key can be)."""

    def __init__(
        self, rate: float, burst: int, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[Hashable, TokenBucket] = OrderedDict()

    def wait(self, key: Hashable) -> float:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, now)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(now)


class RateLimitMiddleware:
    """Refuses an /ocpi request over its token's rate with 429; requests without a token pass on to be
    refused with 401 by authentication."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith("/ocpi"):
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        candidates = token_candidates(header.decode("latin-1")) if header is not None else []
        # The first candidate is the token whether the partner Base64-encodes it or not (DESIGN decision 2),
        # so both forms draw on one bucket; kept by hash, as tokens are.
        wait = self.limiter.wait(hash_token(candidates[0])) if candidates else 0.0
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            await refuse(
                scope,
                send,
                429,
                f"Too many requests: at most {self.limiter.rate:g} per second and {self.limiter.burst} at "
                f"once per partner; retry after {retry_after} s",
                {"Retry-After": str(retry_after)},
            )
            return
        await self.app(scope, receive, send)
