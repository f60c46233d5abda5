"""What interconnects already exist, per sender, fetched once and shared by every row.

Bulk setup, plan and apply ask "is there a live interconnect between A and B?" for
many B. Listing A's interconnects once beats one query per row, unless A has far
more interconnects than the file has rows (a hub): then rows fall back to the
per-pair query. A sender whose count is 0 costs no list request at all.
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
        self._by_sender: dict[int, dict[int, Interconnect] | None] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock_for(self, sender: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sender, threading.Lock())

    def _partners_of(self, sender: int) -> dict[int, Interconnect] | None:
        # An error (say, an unknown sender) is not cached: each of its rows reports it.
        with self._lock_for(sender):
            if sender not in self._by_sender:
                self._by_sender[sender] = self._fetch(sender)
            return self._by_sender[sender]

    def _fetch(self, sender: int) -> dict[int, Interconnect] | None:
        rows = self._rows_per_sender.get(sender, 1)
        limit = max(PREFETCH_FLOOR, PREFETCH_LIMIT_PER_ROW * rows)
        total = self._backend.count_interconnects(sender)
        if total > limit:
            return None
        index: dict[int, Interconnect] = {}
        if total == 0:
            return index
        for ic in self._backend.iter_interconnects(sender):
            if is_live(ic.status):
                other = ic.ecgrid_id_to if ic.ecgrid_id_from == sender else ic.ecgrid_id_from
                current = index.get(other)
                if current is None or ic.interconnect_id < current.interconnect_id:
                    index[other] = ic
        return index

    def lookup(self, sender: int, partner: int) -> Interconnect | None:
        partners = self._partners_of(sender)
        if partners is None:
            return live_interconnect_between(self._backend, sender, partner)
        with self._guard:
            return partners.get(partner)

    def remember(self, sender: int, partner: int, interconnect: Interconnect) -> None:
        with self._guard:
            partners = self._by_sender.get(sender)
            if partners is not None:
                partners.setdefault(partner, interconnect)

    def live_of(self, sender: int) -> dict[int, Interconnect] | None:
        """Every live interconnect of ``sender`` by partner (None: too many to list)."""
        return self._partners_of(sender)
