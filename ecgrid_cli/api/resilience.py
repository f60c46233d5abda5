"""Retries, the deadline, and reconcile-before-resend: the same for every API.

A backend hands :meth:`Resilience.run` one *attempt* (a function that makes a single
request and returns its parsed answer or raises a typed error). ``run``

* retries :class:`TransientError` (429, 5xx, timeouts, dropped connections) with
  exponential backoff and full jitter, honouring ``Retry-After``, bounded by the retry
  budget and by one deadline for the whole call (``--timeout``);
* never blindly re-sends a write that may already have been applied: it asks the
  caller's ``reconcile`` function first and returns what that finds;
* tells an optional :class:`Throttle` about every answer, so bulk work can adapt
  its concurrency (429/503 shrink it, clean answers let it grow).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from ecgrid_cli.errors import EcgridError, RetriesExhaustedError, TransientError, UnreachableError

T = TypeVar("T")

BACKOFF_BASE_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 5.0


class Throttle(Protocol):
    """Told about each answer; bulk work uses it as a congestion window."""

    def clean(self) -> None: ...

    def throttled(self, retry_after: float | None) -> None: ...


@dataclass
class RetryPolicy:
    retries: int = 5
    deadline_seconds: float = 30.0
    sleep: Callable[[float], None] = field(default_factory=lambda: time.sleep)
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


class Resilience:
    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        target: str,
        log: Callable[[str], None] | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.target = target
        self.throttle = throttle
        self._log = log

    def run(
        self,
        label: str,
        attempt: Callable[[float], T],
        *,
        write: bool = False,
        reconcile: Callable[[], T | None] | None = None,
    ) -> T:
        """Call ``attempt(deadline)`` until it answers, retrying what is transient.

        ``write`` marks a request that changes state. When such a request may have
        been applied (timeout after sending, dropped connection, 5xx) it is never
        re-sent blindly: ``reconcile()`` is asked first and its result, if not None,
        is returned. Without ``reconcile`` the error surfaces to the user.
        """
        policy = self.policy
        deadline = policy.clock() + policy.deadline_seconds
        tries = 0
        while True:
            tries += 1
            try:
                result = attempt(deadline)
            except TransientError as err:
                if self.throttle is not None and err.http_status in (429, 503):
                    self.throttle.throttled(err.retry_after)
                if write and err.maybe_applied:
                    found = self._reconciled(label, err, reconcile)
                    if found is not None:
                        return found
                delay = policy.backoff(tries, err.retry_after)
                remaining = deadline - policy.clock()
                if tries > policy.retries or delay >= remaining:
                    raise self._gave_up(err, tries, delay, remaining) from None
                self.note(
                    f"retrying {label} in {delay:.2f}s after {err.message} "
                    f"(attempt {tries + 1} of {policy.retries + 1})"
                )
                policy.sleep(delay)
            else:
                if self.throttle is not None:
                    self.throttle.clean()
                return result

    def _reconciled(
        self, label: str, err: TransientError, reconcile: Callable[[], T | None] | None
    ) -> T | None:
        if reconcile is None:
            raise TransientError(
                f"{err.message}; the server may have applied the request, so it was not sent again",
                code=err.code,
                http_status=err.http_status,
            ) from None
        self.note(f"{label} may have been applied; checking")
        found = reconcile()
        if found is not None:
            self.note(f"{label} had been applied; not sending again")
        return found

    def _gave_up(
        self, err: TransientError, tries: int, delay: float, remaining: float
    ) -> EcgridError:
        if err.code == "ConnectFailed":
            return UnreachableError(
                f"could not reach {self.target} after {_attempts(tries)}: {err.message}",
                code="Unreachable",
            )
        if delay >= remaining and tries <= self.policy.retries:
            limit = self.policy.deadline_seconds
            why = f"the next retry ({delay:.1f}s) would pass the {limit:g}s deadline"
        else:
            why = _attempts(tries)
        return RetriesExhaustedError(
            f"gave up after {why}: {err.message}",
            code=err.code if err.code != "TransientError" else "RetriesExhausted",
            http_status=err.http_status,
        )

    def note(self, line: str) -> None:
        if self._log is not None:
            self._log(line)


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"
