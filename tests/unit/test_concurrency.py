"""The concurrency gate (additive increase, multiplicative decrease, Retry-After pauses)
and stream_map (results as they finish, bounded read-ahead, errors re-raised)."""

from __future__ import annotations

import threading
import time

import pytest

from ecgrid_cli.domain import concurrency
from ecgrid_cli.domain.concurrency import DEFAULT_START, AdaptiveGate, default_cap
from ecgrid_cli.domain.workers import stream_map


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- AdaptiveGate --------------------------------------------------------------------------


def test_default_cap_is_sixteen_per_core(monkeypatch):
    monkeypatch.setattr(concurrency.os, "cpu_count", lambda: 2)
    assert default_cap() == 32
    monkeypatch.setattr(concurrency.os, "cpu_count", lambda: None)
    assert default_cap() == 32
    monkeypatch.setattr(concurrency.os, "cpu_count", lambda: 1)
    assert default_cap() == DEFAULT_START == 16


@pytest.mark.parametrize(
    ("start", "cap", "limit"), [(16, 32, 16), (50, 32, 32), (0, 8, 1), (4, 0, 1)]
)
def test_start_is_clamped_to_one_and_the_cap(start, cap, limit):
    gate = AdaptiveGate(start, cap)
    assert gate.limit == gate.start == limit


def test_clean_answers_grow_the_window_by_about_one_per_window():
    gate = AdaptiveGate(4, 100, clock=Clock())
    cleans_per_step = []
    for target in (5, 6, 10):
        count = 0
        while gate.limit < target:
            gate.clean()
            count += 1
        cleans_per_step.append(count)
    # w += 1/w: about one window's worth of clean answers per step of one.
    assert cleans_per_step[0] in (4, 5)
    assert cleans_per_step[1] in (5, 6)
    assert 30 <= cleans_per_step[2] <= 40  # 6 -> 10: about 6 + 7 + 8 + 9
    assert gate.peak == 10


def test_growth_stops_at_the_cap():
    gate = AdaptiveGate(2, 3, clock=Clock())
    for _ in range(100):
        gate.clean()
    assert gate.limit == 3
    assert gate.peak == 3


def test_throttling_halves_the_window_once_per_burst():
    clock = Clock()
    gate = AdaptiveGate(16, 32, clock=clock)
    gate.throttled(None)
    assert gate.limit == 8
    gate.throttled(None)  # the same burst of 429s
    gate.throttled(None)
    assert gate.limit == 8
    clock.now += 0.6
    gate.throttled(None)
    assert gate.limit == 4
    assert gate.halvings == 2


def test_window_never_drops_below_one():
    clock = Clock()
    gate = AdaptiveGate(2, 4, clock=clock)
    for _ in range(5):
        gate.throttled(None)
        clock.now += 1
    assert gate.limit == 1


def test_pinned_window_neither_grows_nor_shrinks():
    gate = AdaptiveGate(5, 5, pinned=True, clock=Clock())
    for _ in range(20):
        gate.clean()
    gate.throttled(None)
    assert gate.limit == 5
    assert gate.halvings == 0
    assert gate.describe() == {
        "mode": "pinned",
        "start": 5,
        "cap": 5,
        "peak": 5,
        "final": 5,
        "halvings": 0,
    }


def test_describe_an_adaptive_run():
    clock = Clock()
    gate = AdaptiveGate(4, 8, clock=clock)
    for _ in range(5):
        gate.clean()
    gate.throttled(None)
    assert gate.describe() == {
        "mode": "adaptive",
        "start": 4,
        "cap": 8,
        "peak": 5,
        "final": 2,
        "halvings": 1,
    }


def test_window_limits_rows_in_flight():
    gate = AdaptiveGate(2, 2)
    gate.acquire()
    gate.acquire()
    entered = threading.Event()

    def third() -> None:
        gate.acquire()
        entered.set()

    thread = threading.Thread(target=third, daemon=True)
    thread.start()
    assert not entered.wait(timeout=0.2)
    gate.release()
    assert entered.wait(timeout=5)
    thread.join(timeout=5)


def test_growth_wakes_waiting_rows():
    gate = AdaptiveGate(1, 2)
    gate.acquire()
    entered = threading.Event()
    thread = threading.Thread(target=lambda: (gate.acquire(), entered.set()), daemon=True)
    thread.start()
    assert not entered.wait(timeout=0.1)
    gate.clean()  # 1 + 1/1 = 2 in flight allowed
    assert entered.wait(timeout=5)
    thread.join(timeout=5)


@pytest.mark.parametrize("pinned", [False, True])
def test_retry_after_pauses_new_starts(pinned):
    gate = AdaptiveGate(4, 4, pinned=pinned)
    gate.throttled(0.3)
    started = time.monotonic()
    gate.acquire()
    waited = time.monotonic() - started
    assert 0.25 <= waited < 3
    gate.release()


def test_the_gate_is_a_throttle():
    from ecgrid_cli.api.resilience import Throttle

    gate: Throttle = AdaptiveGate(1, 1)
    gate.clean()
    gate.throttled(None)


# -- stream_map ----------------------------------------------------------------------------


def test_every_item_once_in_the_order_they_finish():
    delays = {1: 0.15, 2: 0.0, 3: 0.05}

    def work(item: int) -> int:
        time.sleep(delays[item])
        return item * 10

    assert list(stream_map([1, 2, 3], work, 3)) == [20, 30, 10]


def test_many_items_few_workers():
    results = list(stream_map(range(500), lambda n: n, 4))
    assert sorted(results) == list(range(500))


@pytest.mark.parametrize("workers", [0, -3])
def test_at_least_one_worker(workers):
    assert list(stream_map([1, 2], lambda n: n, workers)) in ([1, 2], [2, 1])


def test_reading_stays_a_few_items_ahead():
    read: list[int] = []
    hold = threading.Event()

    def items():
        for n in range(1000):
            read.append(n)
            yield n

    def work(item: int) -> int:
        assert hold.wait(timeout=10)
        return item

    results = stream_map(items(), work, 2)
    first: list[int] = []
    consumer = threading.Thread(target=lambda: first.append(next(results)), daemon=True)
    consumer.start()
    time.sleep(0.3)
    # Both workers wait: at most the queue (2 x workers), the items in hand and the one
    # being put were read. Counted before they are released (afterwards reading goes on).
    read_while_waiting = len(read)
    hold.set()
    consumer.join(timeout=5)
    assert read_while_waiting < 20
    assert first and first[0] in range(1000)
    results.close()


def test_a_worker_exception_is_raised_to_the_consumer():
    def work(item: int) -> int:
        if item == 3:
            raise ValueError("bad item")
        return item

    with pytest.raises(ValueError, match="bad item"):
        list(stream_map(range(10), work, 2))


def test_a_reader_exception_is_raised_to_the_consumer():
    def items():
        yield 1
        raise OSError("the file changed")

    with pytest.raises(OSError, match="the file changed"):
        list(stream_map(items(), lambda n: n, 2))


def test_stopping_early_stops_new_work():
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        time.sleep(0.01)
        return item

    results = stream_map(range(10_000), work, 2)
    next(results)
    results.close()
    time.sleep(0.2)
    count = len(started)
    time.sleep(0.2)
    assert len(started) == count < 100
