"""What interconnects already exist, per sender, fetched once and shared by every row.

Bulk setup and apply ask "is there a live interconnect between A and B?" for many B.
Listing A's interconnects once beats one query per row, unless A has far more
interconnects than the file has rows (a hub): then rows fall back to the per-pair
query. A sender whose count is 0 costs no list request at all. Each known
interconnect is kept as a plain tuple (not a model): a sender with a hundred
thousand partners costs megabytes, not hundreds of them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ecgrid_cli.api.backend import Backend
from ecgrid_cli.domain.queries import live_interconnect_between
from ecgrid_cli.statuses import is_live

if TYPE_CHECKING:
    from ecgrid_cli.api.models import Interconnect

# Prefetch a sender's interconnects only when that is cheaper than per-row lookups.
PREFETCH_LIMIT_PER_ROW = 20
PREFETCH_FLOOR = 1000


class ExistingIndex:
    def __init__(self, backend: Backend, rows_per_sender: dict[int, int]) -> None:
        self._backend = backend
        self._rows_per_sender = dict(rows_per_sender)
        self._by_sender: dict[int, dict[int, _Compact] | None] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock_for(self, sender: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sender, threading.Lock())

    def _partners_of(self, sender: int) -> dict[int, _Compact] | None:
        # An error (say, an unknown sender) is not cached: each of its rows reports it.
        with self._lock_for(sender):
            if sender not in self._by_sender:
                self._by_sender[sender] = self._fetch(sender)
            return self._by_sender[sender]

    def _fetch(self, sender: int) -> dict[int, _Compact] | None:
        rows = self._rows_per_sender.get(sender, 1)
        limit = max(PREFETCH_FLOOR, PREFETCH_LIMIT_PER_ROW * rows)
        total = self._backend.count_interconnects(sender)
        if total > limit:
            return None
        index: dict[int, _Compact] = {}
        if total == 0:
            return index
        for ic in self._backend.iter_interconnects(sender):
            if is_live(ic.status):
                other = ic.ecgrid_id_to if ic.ecgrid_id_from == sender else ic.ecgrid_id_from
                current = index.get(other)
                if current is None or ic.interconnect_id < current[0]:
                    index[other] = _compact(ic)
        return index

    def lookup(self, sender: int, partner: int) -> Interconnect | None:
        partners = self._partners_of(sender)
        if partners is None:
            return live_interconnect_between(self._backend, sender, partner)
        with self._guard:
            found = partners.get(partner)
        return None if found is None else _expand(found)


# (interconnect ID, from, to, status, created, modified)
_Compact = tuple[int, int, int, "str | None", "str | None", "str | None"]


def _compact(ic: Interconnect) -> _Compact:
    return (
        ic.interconnect_id,
        ic.ecgrid_id_from,
        ic.ecgrid_id_to,
        ic.status,
        ic.created,
        ic.modified,
    )


def _expand(values: _Compact) -> Interconnect:
    from ecgrid_cli.api.models import Interconnect

    number, source, target, status, created, modified = values
    return Interconnect.model_construct(
        interconnect_id=number,
        ecgrid_id_from=source,
        ecgrid_id_to=target,
        status=status,
        created=created,
        modified=modified,
    )
