"""The interconnect health check (the vendor's check-partner-config, four checks).

1. status: the interconnect routes (Active; SOAP: Completed);
2. traffic: traffic has been seen in each direction (last traffic outbound and inbound);
3. ids: both ECGrid IDs are Active;
4. moves: no move of either ID is scheduled (an owner effective date in the future).
With delivery proof, a fifth check: a test parcel was delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ecgrid_cli.api.auth import parse_time
from ecgrid_cli.api.backend import Backend
from ecgrid_cli.domain.delivery import DELIVERED, Delivery, prove_delivery
from ecgrid_cli.statuses import is_active_id, is_routing

if TYPE_CHECKING:
    from ecgrid_cli.api.models import EcgridId, Interconnect


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Health:
    interconnect: Interconnect
    tp1: EcgridId
    tp2: EcgridId
    checks: tuple[Check, ...]
    delivery: Delivery | None = None

    @property
    def healthy(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def issues(self) -> list[str]:
        return [check.reason for check in self.checks if not check.passed]


def check_interconnect(
    backend: Backend,
    interconnect: Interconnect,
    *,
    deliver: bool = False,
    timeout: float = 60.0,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_poll: Callable[[str | None], None] | None = None,
) -> Health:
    ic = interconnect
    tp1 = backend.get_id(ic.ecgrid_id_from)
    tp2 = backend.get_id(ic.ecgrid_id_to)
    delivery = None
    if deliver:
        delivery = prove_delivery(backend, ic, timeout=timeout, on_poll=on_poll)
        if delivery.verdict == DELIVERED:
            # The test file was traffic: the checks read the interconnect as it is now.
            ic = backend.get_interconnect(ic.interconnect_id)
    checks = [_status(ic), _traffic(ic), _ids(tp1, tp2), _moves(tp1, tp2, now())]
    if delivery is not None:
        passed = delivery.verdict == DELIVERED
        reason = (
            f"test parcel {delivery.parcel_id} delivered"
            if passed
            else f"delivery {delivery.verdict}: {delivery.detail}"
        )
        checks.append(Check("delivery", passed, reason))
    return Health(ic, tp1, tp2, tuple(checks), delivery)


def _status(ic: Interconnect) -> Check:
    if is_routing(ic.status):
        return Check("status", True, f"interconnect is {ic.status}")
    return Check(
        "status", False, f"interconnect is {ic.status or 'of unknown status'}, not routing"
    )


def _traffic(ic: Interconnect) -> Check:
    missing = []
    if not ic.last_traffic_outbound:
        missing.append(f"{ic.ecgrid_id_from} → {ic.ecgrid_id_to}")
    if not ic.last_traffic_inbound:
        missing.append(f"{ic.ecgrid_id_to} → {ic.ecgrid_id_from}")
    if missing:
        return Check("traffic", False, "no traffic recorded " + " or ".join(missing))
    return Check(
        "traffic",
        True,
        f"last traffic out {ic.last_traffic_outbound}, in {ic.last_traffic_inbound}",
    )


def _ids(tp1: EcgridId, tp2: EcgridId) -> Check:
    inactive = [
        f"{tp.ecgrid_id} is {tp.status}" for tp in (tp1, tp2) if not is_active_id(tp.status)
    ]
    if inactive:
        return Check("ids", False, "ECGrid ID " + " and ".join(inactive))
    return Check("ids", True, f"ECGrid IDs {tp1.ecgrid_id} and {tp2.ecgrid_id} are Active")


def _moves(tp1: EcgridId, tp2: EcgridId, now: datetime) -> Check:
    moving = []
    for tp in (tp1, tp2):
        effective = parse_time(tp.owner_effective)
        if effective is not None and effective > now:
            moving.append(f"{tp.ecgrid_id} moves on {tp.owner_effective}")
    if moving:
        return Check("moves", False, "a move is scheduled: ECGrid ID " + " and ".join(moving))
    return Check("moves", True, "no move scheduled")
