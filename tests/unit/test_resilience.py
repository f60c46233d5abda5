"""Resilience: backoff with full jitter, Retry-After, the retry budget, the deadline,
"gave up" messages, and writes that are never re-sent blindly.

Every test drives :meth:`Resilience.run` with a scripted attempt function and a fake
clock whose time moves only when the policy sleeps; nothing really waits.
"""

from __future__ import annotations

import email.utils
import random

import pytest

from ecgrid_cli.api import resilience as resilience_module
from ecgrid_cli.api.resilience import Resilience, RetryPolicy, parse_retry_after
from ecgrid_cli.errors import (
    ApiError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
    UnreachableError,
)


class Script:
    """An attempt function answering from a script: exceptions are raised, values returned."""

    def __init__(self, *steps: object) -> None:
        self.steps = list(steps)
        self.calls = 0
        self.deadlines: list[float] = []

    def __call__(self, deadline: float) -> object:
        self.calls += 1
        self.deadlines.append(deadline)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, BaseException):
            raise step
        return step


class Reconcile:
    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.answers.pop(0) if self.answers else None


class RecordingThrottle:
    def __init__(self) -> None:
        self.events: list[tuple[str, float | None]] = []

    def clean(self) -> None:
        self.events.append(("clean", None))

    def throttled(self, retry_after: float | None) -> None:
        self.events.append(("throttled", retry_after))


def rate_limited(retry_after: float | None = None) -> TransientError:
    return TransientError(
        "rate limited", code="RateLimitExceeded", http_status=429, retry_after=retry_after
    )


def server_error(status: int = 500, *, maybe_applied: bool = True) -> TransientError:
    return TransientError(
        "boom", code="InternalError", http_status=status, maybe_applied=maybe_applied
    )


def connect_failed() -> TransientError:
    return TransientError("could not connect: refused", code="ConnectFailed")


# -- success and non-transient errors ----------------------------------------------------


def test_first_answer_is_returned(make_resilience, sleeps):
    script = Script("done")
    assert make_resilience().run("GET /x", script) == "done"
    assert script.calls == 1
    assert sleeps == []


def test_attempt_receives_one_deadline_for_the_whole_call(make_resilience, clock):
    start = clock.now
    script = Script(server_error(maybe_applied=False), server_error(maybe_applied=False), "ok")
    make_resilience(deadline_seconds=7).run("GET /x", script)
    assert script.deadlines == [start + 7] * 3


@pytest.mark.parametrize(
    "error",
    [ApiError("bad", code="InvalidParameter", http_status=400), NotFoundError("gone")],
)
def test_non_transient_errors_surface_at_once(make_resilience, sleeps, error):
    script = Script(error)
    with pytest.raises(type(error)):
        make_resilience().run("GET /x", script)
    assert script.calls == 1
    assert sleeps == []


# -- backoff -------------------------------------------------------------------------------


def test_backoff_is_full_jitter_under_a_doubling_capped_ceiling():
    policy = RetryPolicy(rng=random.Random(7))
    base, cap = resilience_module.BACKOFF_BASE_SECONDS, resilience_module.BACKOFF_CAP_SECONDS
    for attempt in range(1, 30):
        ceiling = min(cap, base * 2 ** (attempt - 1))
        delays = [policy.backoff(attempt, None) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        # Full jitter: spread over the whole range, not clustered at the ceiling.
        assert min(delays) < ceiling * 0.25
        assert max(delays) > ceiling * 0.75


def test_backoff_uses_the_policy_rng():
    first = [RetryPolicy(rng=random.Random(3)).backoff(4, None) for _ in range(3)]
    second = [RetryPolicy(rng=random.Random(3)).backoff(4, None) for _ in range(3)]
    assert first == second


def test_backoff_honours_retry_after_exactly():
    policy = RetryPolicy()
    assert policy.backoff(1, 3.5) == 3.5
    assert policy.backoff(9, 0.0) == 0.0
    assert policy.backoff(1, -1.0) == 0.0


def test_transient_errors_retried_with_jittered_backoff(make_resilience, sleeps):
    script = Script(server_error(maybe_applied=False), server_error(maybe_applied=False), "ok")
    assert make_resilience().run("GET /x", script) == "ok"
    assert script.calls == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= resilience_module.BACKOFF_BASE_SECONDS
    assert 0 <= sleeps[1] <= resilience_module.BACKOFF_BASE_SECONDS * 2


# -- Retry-After -----------------------------------------------------------------------------


def test_retry_after_seconds_is_the_wait(make_resilience, sleeps):
    script = Script(rate_limited(2.0), "ok")
    assert make_resilience().run("GET /x", script) == "ok"
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_relative_to_now():
    now = 1_700_000_000.0
    value = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(value, now=lambda: now) == pytest.approx(30.0)


def test_retry_after_longer_than_the_deadline_gives_up_without_waiting(make_resilience, sleeps):
    script = Script(rate_limited(10.0))
    with pytest.raises(RetriesExhaustedError) as info:
        make_resilience(deadline_seconds=5).run("GET /x", script)
    assert script.calls == 1
    assert sleeps == []
    err = info.value
    assert err.http_status == 429
    assert err.code == "RateLimitExceeded"
    assert err.message == (
        "gave up after the next retry (10.0s) would pass the 5s deadline: rate limited"
    )


# -- the budget and the deadline ------------------------------------------------------------


def test_retry_budget_counts_attempts(make_resilience, sleeps):
    script = Script(server_error(503, maybe_applied=False))
    with pytest.raises(RetriesExhaustedError) as info:
        make_resilience(retries=3, deadline_seconds=1000).run("GET /x", script)
    assert script.calls == 4  # one try and three retries
    assert len(sleeps) == 3
    assert info.value.message == "gave up after 4 attempts: boom"
    assert info.value.http_status == 503
    assert info.value.kind == "transient"


def test_retries_zero_sends_once(make_resilience, sleeps):
    script = Script(server_error(maybe_applied=False))
    with pytest.raises(RetriesExhaustedError) as info:
        make_resilience(retries=0).run("GET /x", script)
    assert script.calls == 1
    assert sleeps == []
    assert info.value.message == "gave up after 1 attempt: boom"


def test_deadline_bounds_the_total_wait(make_resilience, sleeps):
    script = Script(rate_limited(2.0))
    with pytest.raises(RetriesExhaustedError) as info:
        make_resilience(retries=10, deadline_seconds=5).run("GET /x", script)
    # 5 s: waits 2 + 2, then the next 2 s wait would pass the deadline.
    assert sleeps == [2.0, 2.0]
    assert script.calls == 3
    assert "would pass the 5s deadline" in info.value.message


def test_time_spent_in_attempts_counts_against_the_deadline(make_resilience, clock, sleeps):
    def slow_then_fail(deadline: float) -> object:
        clock.now += 4.5  # the attempt itself took 4.5 s
        raise rate_limited(1.0)

    with pytest.raises(RetriesExhaustedError):
        make_resilience(retries=10, deadline_seconds=5).run("GET /x", slow_then_fail)
    assert sleeps == []


def test_transient_error_without_code_is_retries_exhausted(make_resilience):
    script = Script(TransientError("flaky"))
    with pytest.raises(RetriesExhaustedError) as info:
        make_resilience(retries=1).run("GET /x", script)
    assert info.value.code == "RetriesExhausted"


# -- unreachable -------------------------------------------------------------------------------


def test_connect_failures_become_unreachable_naming_the_target(make_resilience, sleeps):
    script = Script(connect_failed())
    with pytest.raises(UnreachableError) as info:
        make_resilience(target="https://api.test", retries=2).run("GET /x", script)
    assert script.calls == 3
    assert len(sleeps) == 2
    err = info.value
    assert err.code == "Unreachable"
    assert err.kind == "unreachable"
    assert err.message == (
        "could not reach https://api.test after 3 attempts: could not connect: refused"
    )


def test_one_connect_attempt_is_singular(make_resilience):
    with pytest.raises(UnreachableError) as info:
        make_resilience(retries=0).run("GET /x", Script(connect_failed()))
    assert "after 1 attempt:" in info.value.message


def test_connect_failure_then_success(make_resilience):
    script = Script(connect_failed(), "ok")
    assert make_resilience().run("GET /x", script) == "ok"


# -- writes: never re-sent blindly ----------------------------------------------------------


def test_write_that_may_have_been_applied_returns_what_reconcile_finds(make_resilience, sleeps):
    script = Script(server_error())
    reconcile = Reconcile({"interconnectId": 7})
    result = make_resilience().run("POST /w", script, write=True, reconcile=reconcile)
    assert result == {"interconnectId": 7}
    assert script.calls == 1
    assert reconcile.calls == 1
    assert sleeps == []


def test_write_resent_only_after_reconcile_says_not_applied(make_resilience):
    script = Script(server_error(), "made")
    reconcile = Reconcile(None)
    assert make_resilience().run("POST /w", script, write=True, reconcile=reconcile) == "made"
    assert script.calls == 2
    assert reconcile.calls == 1


def test_write_is_reconciled_before_every_resend(make_resilience):
    script = Script(server_error())
    reconcile = Reconcile()
    with pytest.raises(RetriesExhaustedError):
        make_resilience(retries=3).run("POST /w", script, write=True, reconcile=reconcile)
    assert script.calls == 4
    assert reconcile.calls == 4


def test_write_without_reconcile_surfaces_after_one_send(make_resilience, sleeps):
    script = Script(server_error())
    with pytest.raises(TransientError) as info:
        make_resilience().run("POST /w", script, write=True)
    assert script.calls == 1
    assert sleeps == []
    err = info.value
    assert err.message == (
        "boom; the server may have applied the request, so it was not sent again"
    )
    assert err.code == "InternalError"
    assert err.http_status == 500


@pytest.mark.parametrize(
    "error", [rate_limited(1.0), connect_failed()], ids=["429", "connect-failed"]
)
def test_write_refused_before_processing_is_retried_without_reconcile(make_resilience, error):
    script = Script(error, "made")
    reconcile = Reconcile({"unused": True})
    assert make_resilience().run("POST /w", script, write=True, reconcile=reconcile) == "made"
    assert script.calls == 2
    assert reconcile.calls == 0


def test_read_that_may_have_been_applied_is_simply_retried(make_resilience):
    script = Script(server_error(), "listed")
    reconcile = Reconcile({"unused": True})
    assert make_resilience().run("POST /list", script, reconcile=reconcile) == "listed"
    assert reconcile.calls == 0


def test_reconcile_errors_propagate(make_resilience):
    def broken() -> object:
        raise NotFoundError("the record vanished")

    with pytest.raises(NotFoundError):
        make_resilience().run("POST /w", Script(server_error()), write=True, reconcile=broken)


# -- notes -------------------------------------------------------------------------------------


def test_notes_report_retries_and_reconcile(make_resilience, log_lines):
    script = Script(server_error(), "made")
    make_resilience(log=log_lines.append).run(
        "POST /v2/partners", script, write=True, reconcile=lambda: None
    )
    assert log_lines[0] == "POST /v2/partners may have been applied; checking"
    assert log_lines[1].startswith("retrying POST /v2/partners in ")
    assert log_lines[1].endswith("after boom (attempt 2 of 4)")


def test_notes_say_when_reconcile_found_the_write(make_resilience, log_lines):
    make_resilience(log=log_lines.append).run(
        "POST /w", Script(server_error()), write=True, reconcile=lambda: "found"
    )
    assert log_lines == [
        "POST /w may have been applied; checking",
        "POST /w had been applied; not sending again",
    ]


# -- the throttle ------------------------------------------------------------------------------


def test_throttle_hears_clean_answers(make_resilience):
    throttle = RecordingThrottle()
    make_resilience(throttle=throttle).run("GET /x", Script("ok"))
    assert throttle.events == [("clean", None)]


@pytest.mark.parametrize("status", [429, 503])
def test_throttle_hears_429_and_503_with_retry_after(make_resilience, status):
    throttle = RecordingThrottle()
    error = TransientError("slow down", code="X", http_status=status, retry_after=1.5)
    make_resilience(throttle=throttle).run("GET /x", Script(error, "ok"))
    assert throttle.events == [("throttled", 1.5), ("clean", None)]


@pytest.mark.parametrize(
    "error",
    [
        server_error(500, maybe_applied=False),
        server_error(502, maybe_applied=False),
        connect_failed(),
    ],
    ids=["500", "502", "connect"],
)
def test_throttle_ignores_other_failures(make_resilience, error):
    throttle = RecordingThrottle()
    make_resilience(throttle=throttle).run("GET /x", Script(error, "ok"))
    assert throttle.events == [("clean", None)]


def test_default_policy_sleeps_for_real_only_through_its_sleep():
    policy = RetryPolicy()
    assert policy.retries == 5
    assert policy.deadline_seconds == 30.0
    resilience = Resilience(policy, target="https://api.test")
    assert resilience.run("GET /x", Script("ok")) == "ok"
