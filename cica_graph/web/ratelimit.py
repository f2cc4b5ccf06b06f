"""Per-client rate limiting: a budget of query seconds per minute, as a token bucket.

The Wikidata Query Service gives each client a budget of query time per
minute; so does this endpoint. Every client (its address, see
:func:`client_address` in :mod:`cica_graph.web.protocol`) has a bucket that
holds at most ``capacity`` seconds and refills at ``capacity / 60`` seconds
per second. A query may start while the bucket holds more than zero; when it
ends, the worker time it took is taken out (a query killed at its deadline is
charged the whole deadline), which may leave the bucket below zero. An empty
bucket answers 429 with ``Retry-After``: the seconds until it is above zero
again. Full buckets are forgotten, so memory grows only with the clients seen
in the last minute.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBucket:
    """``capacity`` tokens (seconds of query time), refilled at ``rate`` tokens per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("a token bucket needs a positive capacity and rate")
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = now

    def level(self, now: float) -> float:
        """The tokens in the bucket at ``now`` (refilled since the last look, never above capacity)."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        return self.tokens

    def allows(self, now: float) -> bool:
        """Whether a query may start: the bucket is above zero."""
        return self.level(now) > 0

    def charge(self, amount: float, now: float) -> None:
        """Take ``amount`` tokens out (the bucket may go below zero: debt is paid back by waiting)."""
        self.level(now)
        self.tokens -= max(amount, 0.0)

    def retry_after(self, now: float) -> float:
        """Seconds until the bucket is above zero again (0 when it already is)."""
        level = self.level(now)
        return 0.0 if level > 0 else max(-level / self.rate, 1e-9)

    def used(self, now: float) -> float:
        """Tokens missing from a full bucket: how much the client used lately."""
        return self.capacity - self.level(now)


class ClientBudgets:
    """One token bucket per client; ``seconds_per_minute`` 0 turns the limit off."""

    def __init__(self, seconds_per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(seconds_per_minute)
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._swept = clock()

    @property
    def enabled(self) -> bool:
        """Whether there is a limit at all."""
        return self.capacity > 0

    def retry_after(self, client: str) -> int:
        """0 when ``client`` may run a query now, else whole seconds to wait (for ``Retry-After``)."""
        if not self.enabled:
            return 0
        bucket = self._buckets.get(client)
        if bucket is None:
            return 0
        wait = bucket.retry_after(self.clock())
        return 0 if wait <= 0 else max(1, math.ceil(wait - 1e-6))

    def used(self, client: str) -> float:
        """Seconds of query time ``client`` still owes (how the pool orders waiting queries: least first)."""
        bucket = self._buckets.get(client)
        return 0.0 if bucket is None else bucket.used(self.clock())

    def charge(self, client: str, seconds: float) -> None:
        """Charge ``seconds`` of worker time to ``client``."""
        if not self.enabled or seconds <= 0:
            return
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = TokenBucket(self.capacity, self.capacity / 60.0, now)
        bucket.charge(seconds, now)
        self._sweep(now)

    def __len__(self) -> int:
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        if now - self._swept < 60:
            return
        self._swept = now
        for client in [c for c, b in self._buckets.items() if b.level(now) >= b.capacity]:
            del self._buckets[client]
