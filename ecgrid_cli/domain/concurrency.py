"""How many rows run at once: a congestion window, or a pinned number.

Adaptive (the default): start at 16 rows in flight, grow by one for every window's
worth of clean answers up to a cap, halve on 429/503 and pause new starts for the
server's Retry-After (additive increase, multiplicative decrease, as TCP does). The
retry layer reports every answer (see :class:`ecgrid_cli.api.resilience.Throttle`).
``--concurrency N`` pins the window at N.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

DEFAULT_START = 16
# Halve at most once per this many seconds: one burst of 429s is one congestion event.
_HALVING_QUIET_SECONDS = 0.5


def default_cap() -> int:
    """32 on a 2-core machine; more cores allow more (the work is waiting, not computing)."""
    return max(DEFAULT_START, 16 * (os.cpu_count() or 2))


class AdaptiveGate:
    def __init__(
        self,
        start: int,
        cap: int,
        *,
        pinned: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cap = max(1, cap)
        self.pinned = pinned
        self.start = min(max(1, start), self.cap)
        self._limit = float(self.start)
        self.peak = self.start
        self.halvings = 0
        self._in_flight = 0
        self._paused_until = 0.0
        self._last_halving = -1e9
        self._clock = clock
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        return int(self._limit)

    def acquire(self) -> None:
        with self._changed:
            while True:
                wait = self._paused_until - self._clock()
                if wait <= 0 and self._in_flight < int(self._limit):
                    self._in_flight += 1
                    return
                self._changed.wait(timeout=wait if wait > 0 else None)

    def release(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify()

    # -- the Throttle protocol ------------------------------------------------------------

    def clean(self) -> None:
        if self.pinned:
            return
        with self._changed:
            if self._limit < self.cap:
                self._limit = min(self.cap, self._limit + 1.0 / self._limit)
                self.peak = max(self.peak, int(self._limit))
                self._changed.notify_all()

    def throttled(self, retry_after: float | None) -> None:
        with self._changed:
            now = self._clock()
            if retry_after:
                self._paused_until = max(self._paused_until, now + retry_after)
            if not self.pinned and now - self._last_halving >= _HALVING_QUIET_SECONDS:
                self._limit = max(1.0, self._limit / 2)
                self._last_halving = now
                self.halvings += 1

    def describe(self) -> dict[str, object]:
        return {
            "mode": "pinned" if self.pinned else "adaptive",
            "start": self.start,
            "cap": self.cap,
            "peak": self.peak,
            "final": self.limit,
            "halvings": self.halvings,
        }
