"""Delivery proof: send a test file across an interconnect and wait for the verdict.

The vendor's agent tools test delivery in two steps (send, then poll the parcel);
this waits for the outcome, bounded by a timeout. Verdicts: ``delivered``, ``failed``,
``pending`` (still in flight when the time ran out) and ``not_tested`` (the
interconnect does not route, so a test parcel would only be rejected).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecgrid_cli.api.backend import Backend
from ecgrid_cli.errors import EcgridError
from ecgrid_cli.statuses import is_routing

if TYPE_CHECKING:
    from ecgrid_cli.api.models import Interconnect

DELIVERED = "delivered"
FAILED = "failed"
PENDING = "pending"
NOT_TESTED = "not_tested"
VERDICTS = (DELIVERED, FAILED, PENDING, NOT_TESTED)

# Parcel status codes (vendor appendix "Parcel Status Codes" and the WSDL's ParcelStatus).
_DELIVERED_CODES = {
    "inboxready",
    "inboxtransferred",
    "inboxarchived",
    "outboxacknowledged",
    "outboxtransferred",
    "as2mdnconfirmed",
    "as4mdnconfirmed",
    "delivered",
}
_FAILED_WORDS = ("failed", "rejected", "error", "cancel", "abort")

FIRST_POLL_SECONDS = 0.25
MAX_POLL_SECONDS = 2.0


def classify(status: str | None) -> str:
    """A parcel status code as a verdict: delivered, failed, or pending."""
    code = (status or "").strip().lower()
    if code in _DELIVERED_CODES or (code.endswith("sent") and code not in ("outboxsent",)):
        return DELIVERED
    if any(word in code for word in _FAILED_WORDS):
        return FAILED
    return PENDING


@dataclass(frozen=True)
class Delivery:
    verdict: str
    parcel_id: int | None = None
    status: str | None = None  # the server's own status code, as last seen
    detail: str = ""


def prove_delivery(
    backend: Backend,
    interconnect: Interconnect,
    *,
    timeout: float,
    sender: int | None = None,
    on_poll: Callable[[str | None], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send a test parcel (from ``sender``, default the interconnect's From side) to the
    other side and poll it until a verdict or ``timeout`` seconds.

    A test file the API refuses to send is a verdict too (``not_tested``, with the
    reason), so the interconnect that was set up is still reported.
    """
    if not is_routing(interconnect.status):
        return Delivery(
            NOT_TESTED,
            detail=f"interconnect {interconnect.interconnect_id} is {interconnect.status}, "
            "not routing: a test parcel would be rejected",
        )
    source = interconnect.ecgrid_id_from if sender is None else sender
    target = (
        interconnect.ecgrid_id_to
        if source == interconnect.ecgrid_id_from
        else (interconnect.ecgrid_id_from)
    )
    try:
        parcel_id = backend.send_test_file(source, target)
    except EcgridError as err:
        return Delivery(NOT_TESTED, detail=f"the test file could not be sent: {err.message}")
    deadline = clock() + timeout
    pause = FIRST_POLL_SECONDS
    status: str | None = None
    while True:
        parcel = backend.get_parcel(parcel_id)
        status = parcel.status or None
        verdict = classify(status)
        if on_poll is not None:
            on_poll(status)
        if verdict != PENDING:
            detail = parcel.status_message or f"test parcel {parcel_id}: {status}"
            return Delivery(verdict, parcel_id, status, detail)
        left = deadline - clock()
        if left <= 0:
            return Delivery(
                PENDING,
                parcel_id,
                status,
                f"test parcel {parcel_id} still {status or 'in flight'} after {timeout:g}s",
            )
        sleep(min(pause, left))
        pause = min(MAX_POLL_SECONDS, pause * 2)
