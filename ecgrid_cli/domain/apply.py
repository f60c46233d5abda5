"""``apply``: carry out a plan's changes, each exactly once under faults.

Creates and onboardings run through the same setup flow as bulk setup (an existing
interconnect is found, not doubled; a lost answer is reconciled), terminations of
unmanaged interconnects (``--prune`` only) through the reconciling cancel. Items run
concurrently under the adaptive window; an interrupted apply is finished by running
it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecgrid_cli.api.backend import Backend
from ecgrid_cli.domain import writes
from ecgrid_cli.domain.concurrency import AdaptiveGate
from ecgrid_cli.domain.existing_index import ExistingIndex
from ecgrid_cli.domain.plan import CREATE, ONBOARD, UNMANAGED, Plan, PlanItem
from ecgrid_cli.domain.queries import PartnerRef
from ecgrid_cli.domain.setup import SetupRequest, run_setup
from ecgrid_cli.domain.workers import stream_map
from ecgrid_cli.errors import EcgridError
from ecgrid_cli.statuses import is_live

if TYPE_CHECKING:
    from ecgrid_cli.api.models import Interconnect

TERMINATED = "terminated"
ALREADY_ENDED = "already-ended"


@dataclass
class Applied:
    item: PlanItem
    outcome: str  # created | existing | unconfirmed | terminated | already-ended | failed
    interconnect: Interconnect | None = None
    partner_id: int | None = None
    partner_created: bool = False
    error: EcgridError | None = None


def work_items(plan: Plan, *, prune: bool) -> list[PlanItem]:
    return [
        item
        for item in plan.items
        if item.action in (CREATE, ONBOARD) or (prune and item.action == UNMANAGED)
    ]


def apply_plan(
    backend: Backend, plan: Plan, *, prune: bool, gate: AdaptiveGate
) -> Iterator[Applied]:
    todo = work_items(plan, prune=prune)
    senders: dict[int, int] = {}
    for item in todo:
        senders[item.sender] = senders.get(item.sender, 0) + 1
    index = ExistingIndex(backend, senders)

    def one(item: PlanItem) -> Applied:
        gate.acquire()
        try:
            if item.action == UNMANAGED:
                return _terminate(backend, item)
            return _create(backend, item, index)
        except EcgridError as err:
            return Applied(item, "failed", error=err)
        finally:
            gate.release()

    yield from stream_map(todo, one, gate.cap)


def _create(backend: Backend, item: PlanItem, index: ExistingIndex) -> Applied:
    request = SetupRequest(
        from_id=item.sender,
        partner=PartnerRef(item.qualifier, item.isa_id, item.partner_id),
        status=item.expected_status,
        onboard=item.onboard if item.action == ONBOARD else None,
    )
    result = run_setup(backend, request, existing=index.lookup)
    partner_id = result.partner.ecgrid_id if result.partner else None
    return Applied(item, result.outcome, result.interconnect, partner_id, result.partner_created)


def _terminate(backend: Backend, item: PlanItem) -> Applied:
    assert item.interconnect_id is not None
    current = backend.get_interconnect(item.interconnect_id)
    if not is_live(current.status):
        return Applied(item, ALREADY_ENDED, current, item.partner_id)
    writes.cancel_interconnect(backend, item.interconnect_id)
    return Applied(
        item, TERMINATED, backend.get_interconnect(item.interconnect_id), item.partner_id
    )
