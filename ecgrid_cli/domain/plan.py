"""``plan``: the difference between a desired-state file and the server.

For every managed ID (a sender) the live interconnects are read (paginated, the
senders concurrently) and every desired partner is resolved (QIDs concurrently).
Each desired partner becomes one item:

* ``create``: no live interconnect joins the pair;
* ``onboard``: no ECGrid ID holds the partner's QID; the file says how to create it;
* ``unchanged``: present, and in the expected status (if one is given);
* ``drift``: present in another status than expected — reported, never fixed (the
  API cannot change an interconnect's status);
* ``error``: the partner cannot be resolved (not found, ambiguous).

Live interconnects of a sender whose partner is not in the file are ``unmanaged``
(``apply --prune`` terminates them). The plan also records the live state it was
made from, so a saved plan can refuse to run when the server moved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecgrid_cli.api.backend import Backend
from ecgrid_cli.domain.desired_state import DesiredPartner, DesiredState
from ecgrid_cli.domain.queries import choose_partner, find_partner
from ecgrid_cli.domain.setup import Onboarding
from ecgrid_cli.domain.workers import stream_map
from ecgrid_cli.errors import EcgridError, NotFoundError, UsageError
from ecgrid_cli.statuses import creation_refusal, interconnect_status_for, is_live

if TYPE_CHECKING:
    from ecgrid_cli.api.models import Interconnect
    from ecgrid_cli.domain.concurrency import AdaptiveGate

CREATE = "create"
ONBOARD = "onboard"
UNCHANGED = "unchanged"
DRIFT = "drift"
UNMANAGED = "unmanaged"
ERROR = "error"
CHANGES = (CREATE, ONBOARD)


@dataclass
class PlanItem:
    action: str
    sender: int
    partner_id: int | None = None
    qualifier: str | None = None
    isa_id: str | None = None
    interconnect_id: int | None = None
    status: str | None = None  # the live status, in the server's words
    expected_status: str | None = None  # in the API's words
    onboard: Onboarding | None = None
    where: str | None = None
    error: EcgridError | None = None


@dataclass
class Plan:
    api: str
    base_url: str
    source: str
    senders: tuple[int, ...]
    items: list[PlanItem]
    # The live state the plan was made from: (interconnect, from, to, status).
    snapshot: list[tuple[int, int, int, str | None]] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def changes(self) -> int:
        return sum(1 for item in self.items if item.action in CHANGES)

    @property
    def errors(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == ERROR]


def make_plan(
    backend: Backend,
    desired: DesiredState,
    *,
    gate: AdaptiveGate,
    on_progress: Callable[[], None] = lambda: None,
) -> Plan:
    """The gate bounds the requests in flight (and adapts them, as in bulk setup)."""
    api = backend.api
    live = _live_state(backend, desired.senders, gate.limit)
    snapshot = sorted(
        {
            (ic.interconnect_id, ic.ecgrid_id_from, ic.ecgrid_id_to, ic.status)
            for by in live.values()
            for ic in by.values()
        }
    )

    def resolve(numbered: tuple[int, DesiredPartner]) -> tuple[int, PlanItem]:
        number, wanted = numbered
        gate.acquire()
        try:
            item = _creatable(backend, _item(backend, wanted, live[wanted.sender], api))
        finally:
            gate.release()
        on_progress()
        return number, item

    # Resolved concurrently (as many threads as the gate may ever allow; the gate
    # decides how many run), listed in the file's order.
    resolved = sorted(stream_map(enumerate(desired.partners), resolve, gate.cap))
    items = [item for _, item in resolved]
    claimed: dict[int, set[int]] = {sender: set() for sender in desired.senders}
    for item in items:
        if item.partner_id is not None:
            claimed[item.sender].add(item.partner_id)
    for sender in desired.senders:
        for partner_id, ic in sorted(live[sender].items()):
            if partner_id not in claimed[sender]:
                items.append(
                    PlanItem(
                        UNMANAGED,
                        sender,
                        partner_id=partner_id,
                        interconnect_id=ic.interconnect_id,
                        status=ic.status,
                    )
                )
    return Plan(api, backend.base_url, desired.source, desired.senders, items, snapshot)


def _live_state(
    backend: Backend, senders: tuple[int, ...], workers: int
) -> dict[int, dict[int, Interconnect]]:
    """Each sender's live interconnects by partner (the oldest one when a pair has two)."""
    lock = threading.Lock()
    live: dict[int, dict[int, Interconnect]] = {}

    def read(sender: int) -> None:
        by_partner: dict[int, Interconnect] = {}
        for ic in backend.iter_interconnects(sender):
            if not is_live(ic.status):
                continue
            other = ic.ecgrid_id_to if ic.ecgrid_id_from == sender else ic.ecgrid_id_from
            current = by_partner.get(other)
            if current is None or ic.interconnect_id < current.interconnect_id:
                by_partner[other] = ic
        with lock:
            live[sender] = by_partner

    for _ in stream_map(senders, read, max(1, min(workers, len(senders)))):
        pass
    return live


def _item(
    backend: Backend, desired: DesiredPartner, live: dict[int, Interconnect], api: str
) -> PlanItem:
    ref = desired.partner
    expected = interconnect_status_for(api, desired.status) if desired.status else None
    item = PlanItem(
        CREATE,
        desired.sender,
        qualifier=ref.qualifier,
        isa_id=ref.isa_id,
        partner_id=ref.ecgrid_id,
        expected_status=expected,
        onboard=desired.onboard,
        where=desired.where,
    )
    try:
        if ref.ecgrid_id is None:
            assert ref.qualifier is not None and ref.isa_id is not None
            registered = [
                m for m in backend.find_ids(ref.qualifier, ref.isa_id) if is_live(m.status)
            ]
            if not registered and desired.onboard is not None:
                item.action = ONBOARD
                return item
            item.partner_id = choose_partner(registered, ref.qid, ref.choose_with).ecgrid_id
        elif ref.qualifier is not None:
            find_partner(backend, ref)  # both given: they must agree
        elif ref.ecgrid_id not in live:
            backend.get_id(ref.ecgrid_id)  # named by ID alone: it must exist
    except EcgridError as err:
        item.action, item.error = ERROR, err
        return item
    found = live.get(item.partner_id) if item.partner_id is not None else None
    if found is None:
        return item
    item.interconnect_id, item.status = found.interconnect_id, found.status
    if expected is not None and (found.status or "").lower() != expected.lower():
        item.action = DRIFT
    else:
        item.action = UNCHANGED
    return item


def _creatable(backend: Backend, item: PlanItem) -> PlanItem:
    """A create the API cannot make (its expected status) is an error now, not at apply."""
    if item.action in CHANGES:
        initial = backend.capabilities.initial_statuses
        refusal = creation_refusal(backend.api, item.expected_status, initial)
        if refusal:
            item.action, item.error = ERROR, UsageError(refusal, code="StatusNotCreatable")
    return item


def moved_since(backend: Backend, plan: Plan, *, prune: bool, workers: int) -> list[str]:
    """What changed on the server since ``plan`` was made, other than its own progress.

    A partly applied plan is not "moved": an interconnect that a planned create made,
    or a planned termination that already happened, is progress, so running the saved
    plan again finishes it.
    """
    live = _live_state(backend, plan.senders, workers)
    now = {
        ic.interconnect_id: (ic.ecgrid_id_from, ic.ecgrid_id_to, ic.status)
        for by in live.values()
        for ic in by.values()
    }
    before = {number: (a, b, status) for number, a, b, status in plan.snapshot}
    planned_pairs = {
        frozenset((item.sender, item.partner_id))
        for item in plan.items
        if item.action == CREATE and item.partner_id is not None
    }
    onboard_senders = {item.sender for item in plan.items if item.action == ONBOARD}
    terminations = {
        item.interconnect_id for item in plan.items if item.action == UNMANAGED and prune
    }
    moved: list[str] = []
    for number, (a, b, status) in sorted(before.items()):
        if number not in now:
            if number not in terminations:
                moved.append(f"interconnect {number} ({a} ↔ {b}) ended")
        elif now[number][2] != status:
            moved.append(f"interconnect {number} ({a} ↔ {b}) was {status}, is now {now[number][2]}")
    for number, (a, b, status) in sorted(now.items()):
        if number in before or frozenset((a, b)) in planned_pairs:
            continue
        if (a in onboard_senders or b in onboard_senders) and _joins_onboarded(backend, plan, a, b):
            continue
        moved.append(f"interconnect {number} ({a} ↔ {b}, {status}) appeared")
    return moved


def _joins_onboarded(backend: Backend, plan: Plan, a: int, b: int) -> bool:
    """Whether a new interconnect leads to a partner this plan onboards (by QID)."""
    for item in plan.items:
        if item.action != ONBOARD or item.sender not in (a, b):
            continue
        other = b if item.sender == a else a
        try:
            record = backend.get_id(other)
        except NotFoundError:
            return False
        if (record.qualifier or "").upper() == (item.qualifier or "").upper() and (
            record.isa_id or ""
        ).upper() == (item.isa_id or "").upper():
            return True
    return False


def summary(plan: Plan) -> dict[str, Any]:
    return {
        "create": plan.count(CREATE),
        "onboard": plan.count(ONBOARD),
        "unchanged": plan.count(UNCHANGED),
        "drift": plan.count(DRIFT),
        "unmanaged": plan.count(UNMANAGED),
        "errors": plan.count(ERROR),
        "changes": plan.changes,
    }
