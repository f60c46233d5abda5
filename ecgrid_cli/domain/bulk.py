"""Bulk `interconnect setup --file`: many rows, concurrently, each exactly once.

The file is validated first (:mod:`ecgrid_cli.domain.bulk_rows`); then rows stream to
worker threads (:mod:`ecgrid_cli.domain.workers`), each row runs the same
:func:`~ecgrid_cli.domain.setup.run_setup` as a single setup, and outcomes are
yielded as they finish, so the report is written as it goes and memory stays flat.
Rows naming the same pair run once: the later ones are reported as duplicates of the
first. One failing row does not stop the others; a re-run completes what is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ecgrid_cli.api.backend import Backend
from ecgrid_cli.domain.bulk_rows import RowDefaults, Validated, normal_column, request_for
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
    """Which row owns each pair (either orientation) in this run."""

    def __init__(self) -> None:
        self._owner: dict[frozenset[int], int] = {}
        self._lock = threading.Lock()

    def claim(self, a: int, b: int, row: int) -> int:
        with self._lock:
            return self._owner.setdefault(frozenset((a, b)), row)


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

    def one(raw: RawRow) -> RowOutcome:
        request = request_for(raw, defaults)
        earlier = checked.duplicate_of.get(raw.number)
        if earlier is not None:
            return RowOutcome(raw.number, raw.line, request, duplicate_of=earlier)

        def lookup(a: int, b: int):
            owner = claims.claim(a, b, raw.number)
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
        if result.interconnect is not None and result.partner is not None:
            index.remember(request.from_id, result.partner.ecgrid_id, result.interconnect)
        return RowOutcome(raw.number, raw.line, request, result=result)

    for outcome in stream_map(source.rows(normal_column), one, gate.cap):
        on_done(outcome)
        yield outcome
