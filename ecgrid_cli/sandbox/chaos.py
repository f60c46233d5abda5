"""Misbehaving on purpose, the same way for REST and SOAP: latency, faults, dropped answers.

One seeded RNG serves every draw, so a run with ``--seed`` replays the same faults.
Nothing is drawn for a rate of 0, so turning one knob does not shift the others.
"""

from __future__ import annotations

import random
import threading
import time

from ecgrid_cli.sandbox.options import SandboxOptions

FAULT_STATUSES = (429, 500, 503)


def format_retry_after(seconds: float) -> str:
    """``1.0`` -> ``"1"``, ``0.25`` -> ``"0.25"`` (never exponent notation)."""
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


class Chaos:
    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self._rng = random.Random(options.seed)
        self._lock = threading.Lock()

    @property
    def retry_after(self) -> str:
        return format_retry_after(self.options.retry_after)

    def delay(self) -> None:
        if self.options.latency_ms:
            time.sleep(self.options.latency_ms / 1000)

    def chance(self, rate: float) -> bool:
        if rate <= 0.0:
            return False  # draw nothing, so seeded runs stay reproducible
        with self._lock:
            return self._rng.random() < rate

    def fault(self) -> int | None:
        """The HTTP status of an injected fault (429, 500 or 503), or None."""
        if not self.chance(self.options.fault_rate):
            return None
        with self._lock:
            return self._rng.choice(FAULT_STATUSES)

    def drop(self) -> bool:
        """Whether to hang up on the answer to a committed write."""
        return self.chance(self.options.drop_rate)
