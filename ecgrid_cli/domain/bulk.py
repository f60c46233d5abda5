"""Bulk `interconnect setup --file`: many rows, concurrently, each exactly once.

The file is validated first (:mod:`ecgrid_cli.domain.bulk_rows`); then rows stream to
worker threads (:mod:`ecgrid_cli.domain.workers`), each row runs the same
:func:`~ecgrid_cli.domain.setup.run_setup` as a single setup, and outcomes are
yielded as they finish, so the report is written as it goes and memory stays flat.
Rows naming the same pair run once: the later ones are reported as duplicates of the
first. One failing row does not stop the others; a re-run completes what is missing.
"""

from __future__ import annotations

import hashlib
import heapq
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ecgrid_cli.api.backend import Backend
from ecgrid_cli.domain.bulk_rows import RowDefaults, Validated, normal_column, request_for
from ecgrid_cli.domain.compact_map import CompactMap
from ecgrid_cli.domain.concurrency import AdaptiveGate
from ecgrid_cli.domain.existing_index import ExistingIndex
from ecgrid_cli.domain.rows_file import RawRow, RowsFile
from ecgrid_cli.domain.setup import SetupRequest, SetupResult, run_setup
from ecgrid_cli.domain.workers import stream_map
from ecgrid_cli.errors import EcgridError


class DuplicatePair(Exception):
    """This row's pair is being (or was) set up by an earlier row of the same run."""

    def __init__(self, first_row: int) -> None:
        super().__init__(first_row)
        self.first_row = first_row


@dataclass
class RowOutcome:
    row: int
    line: int
    request: SetupRequest | None
    result: SetupResult | None = None
    error: EcgridError | None = None
    duplicate_of: int | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def retryable(self) -> bool:
        """A re-run of the same file can finish this row."""
        return self.error is not None and self.error.kind in ("transient", "unreachable")


class _Claims:
    """Which row owns each pair (either orientation) in this run (12 bytes a pair)."""

    def __init__(self) -> None:
        self._owner = CompactMap()

    def claim(self, a: int, b: int, row: int) -> int:
        low, high = sorted((a, b))
        digest = hashlib.blake2b(f"{low}|{high}".encode(), digest_size=8).digest()
        return self._owner.setdefault(int.from_bytes(digest, "big"), row)


class _Repeats:
    """Rows that repeat an earlier row of the file, held back until that row is done.

    They are reported as duplicates of the row that actually did the work: the earlier
    row itself, or, if it turned out to name a pair another row had claimed, that row.
    """

    def __init__(self, checked: Validated) -> None:
        self._first_of = checked.duplicate_of
        self._heads = set(checked.duplicate_of.values())  # rows that others repeat
        self._waiting: dict[int, list[RowOutcome]] = {}
        self._done: dict[int, int] = {}  # a first row -> the row that did its work
        self._lock = threading.Lock()

    def hold(self, outcome: RowOutcome) -> RowOutcome | None:
        """A repeat whose first row is done, resolved; else None (kept for later)."""
        first = self._first_of[outcome.row]
        with self._lock:
            if first in self._done:
                outcome.duplicate_of = self._done[first]
                return outcome
            self._waiting.setdefault(first, []).append(outcome)
            return None

    def release(self, finished: RowOutcome) -> list[RowOutcome]:
        """The repeats of ``finished`` (if it is a first row), now resolved."""
        if finished.row not in self._heads:
            return []
        worker = finished.duplicate_of or finished.row
        with self._lock:
            self._done[finished.row] = worker
            held = self._waiting.pop(finished.row, [])
        for outcome in held:
            outcome.duplicate_of = worker
        return held


class _InOrder:
    """Lets each row claim its pair only after every earlier row has claimed (or failed).

    Rows resolve their partner concurrently and in any order; claims are then made in
    file order, so when two rows name one pair (say by QID and by ECGrid ID) the earlier
    row always does the work and the later one is its duplicate: the same file always
    gives the same report. Only the short claim step waits, not the requests.
    """

    def __init__(self) -> None:
        self._pending: set[int] = set()
        self._lowest: list[int] = []  # a heap of the pending rows
        self._changed = threading.Condition()

    def read(self, number: int) -> None:
        with self._changed:
            self._pending.add(number)
            heapq.heappush(self._lowest, number)

    def done(self, number: int) -> None:
        with self._changed:
            if number in self._pending:
                self._pending.discard(number)
                while self._lowest and self._lowest[0] not in self._pending:
                    heapq.heappop(self._lowest)
                self._changed.notify_all()

    def wait_for_earlier(self, number: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: not self._lowest or self._lowest[0] >= number)


def run_bulk(
    backend: Backend,
    source: RowsFile,
    defaults: RowDefaults,
    checked: Validated,
    gate: AdaptiveGate,
    *,
    on_done: Callable[[RowOutcome], None] = lambda outcome: None,
) -> Iterator[RowOutcome]:
    """Outcomes in the order rows finish (each carries its row number)."""
    index = ExistingIndex(backend, checked.rows_per_sender)
    claims = _Claims()
    repeats = _Repeats(checked)
    order = _InOrder()

    def rows() -> Iterator[RawRow]:
        for raw in source.rows(normal_column):
            order.read(raw.number)
            yield raw

    def one(raw: RawRow) -> RowOutcome | None:
        try:
            return _run_row(raw)
        finally:
            order.done(raw.number)

    def _run_row(raw: RawRow) -> RowOutcome | None:
        request = request_for(raw, defaults)
        if raw.number in checked.duplicate_of:
            return repeats.hold(RowOutcome(raw.number, raw.line, request))

        def lookup(a: int, b: int):
            # Wait (without holding a place in the window) until earlier rows claimed.
            gate.release()
            try:
                order.wait_for_earlier(raw.number)
                owner = claims.claim(a, b, raw.number)
                order.done(raw.number)
            finally:
                gate.acquire()
            if owner != raw.number:
                raise DuplicatePair(owner)
            return index.lookup(a, b)

        gate.acquire()
        try:
            result = run_setup(backend, request, existing=lookup)
        except DuplicatePair as dup:
            return RowOutcome(raw.number, raw.line, request, duplicate_of=dup.first_row)
        except EcgridError as err:
            return RowOutcome(raw.number, raw.line, request, error=err)
        finally:
            gate.release()
        # Nothing is remembered per row: the pair claims already stop a second row
        # from creating what this one made, and memory stays flat however long the file.
        return RowOutcome(raw.number, raw.line, request, result=result)

    for outcome in stream_map(rows(), one, gate.cap):
        if outcome is None:
            continue  # a repeat, reported once its first row is done
        for finished in (outcome, *repeats.release(outcome)):
            on_done(finished)
            yield finished
