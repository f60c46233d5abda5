"""The "Set Up an Interconnect" flow (seed 000), with onboarding and delivery proof.

Find the partner (or, with onboarding, create its ECGrid ID when no ID holds the QID),
then create the interconnect unless one already joins the pair in either orientation,
then optionally prove delivery with a test file. Idempotent and exactly-once under
faults: used by the single ``interconnect setup``, by bulk setup and by ``apply``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecgrid_cli.api.backend import Backend, NewId
from ecgrid_cli.domain import writes
from ecgrid_cli.domain.delivery import Delivery, prove_delivery
from ecgrid_cli.domain.queries import (
    PartnerRef,
    choose_partner,
    find_partner,
    live_interconnect_between,
)
from ecgrid_cli.errors import ConflictError, UsageError
from ecgrid_cli.statuses import is_live

if TYPE_CHECKING:
    from ecgrid_cli.api.models import EcgridId, Interconnect

# Looks up the live interconnect between two IDs; bulk setup swaps in an index.
ExistingLookup = Callable[[int, int], "Interconnect | None"]

CREATED = "created"
EXISTING = "existing"
UNCONFIRMED = "unconfirmed"  # a create's answer was lost; the pair is joined, maybe by us
WOULD_CREATE = "would-create"


@dataclass(frozen=True)
class Onboarding:
    """Create the partner's ECGrid ID, when no ID holds its QID, in this mailbox."""

    mailbox_id: int
    description: str | None = None
    use_type: str | None = None


@dataclass(frozen=True)
class SetupRequest:
    from_id: int
    partner: PartnerRef
    status: str | None = None  # already in the words of the API in use
    onboard: Onboarding | None = None
    verify: bool = False
    verify_timeout: float = 60.0
    dry_run: bool = False


@dataclass(frozen=True)
class SetupResult:
    outcome: str  # created | existing | unconfirmed | would-create
    partner: EcgridId | None  # None: a dry run that would onboard the partner
    interconnect: Interconnect | None
    partner_created: bool = False  # onboarding created the partner's ECGrid ID
    delivery: Delivery | None = None
    dry_run: bool = False

    @property
    def created(self) -> bool:
        """True only when this run provably created the interconnect."""
        return self.outcome == CREATED


def resolve_partner(backend: Backend, request: SetupRequest) -> tuple[EcgridId | None, bool]:
    """The partner's ECGrid ID, onboarding it if asked and needed: ``(record, created)``."""
    ref, onboard = request.partner, request.onboard
    if onboard is None or ref.ecgrid_id is not None:
        return find_partner(backend, ref), False
    assert ref.qualifier is not None and ref.isa_id is not None
    registered = [m for m in backend.find_ids(ref.qualifier, ref.isa_id) if is_live(m.status)]
    if registered:
        return choose_partner(registered, ref.qid, ref.choose_with), False
    if request.dry_run:
        return None, True
    new = NewId(
        mailbox_id=onboard.mailbox_id,
        qualifier=ref.qualifier,
        isa_id=ref.isa_id,
        description=onboard.description,
        use_type=onboard.use_type,
    )
    created = writes.create_id(backend, new)
    return created.record, created.confirmed


def run_setup(
    backend: Backend,
    request: SetupRequest,
    existing: ExistingLookup | None = None,
    *,
    on_delivery_poll: Callable[[str | None], None] | None = None,
) -> SetupResult:
    partner, partner_created = resolve_partner(backend, request)
    if partner is None:  # dry run; the partner would be onboarded first
        return SetupResult(WOULD_CREATE, None, None, dry_run=True)
    if partner.ecgrid_id == request.from_id:
        raise UsageError(
            f"the partner's ECGrid ID {partner.ecgrid_id} is the same as --from; "
            "an interconnect joins two different IDs"
        )
    lookup = existing or (lambda a, b: live_interconnect_between(backend, a, b))
    found = lookup(request.from_id, partner.ecgrid_id)
    if request.dry_run:
        outcome = EXISTING if found is not None else WOULD_CREATE
        return SetupResult(outcome, partner, found, dry_run=True)
    if found is not None:
        interconnect, outcome = found, EXISTING
    else:
        interconnect, outcome = _create_or_adopt(backend, request, partner.ecgrid_id)
    delivery = None
    if request.verify:
        delivery = prove_delivery(
            backend,
            interconnect,
            timeout=request.verify_timeout,
            sender=request.from_id,
            on_poll=on_delivery_poll,
        )
    return SetupResult(outcome, partner, interconnect, partner_created, delivery)


def _create_or_adopt(
    backend: Backend, request: SetupRequest, partner_id: int
) -> tuple[Interconnect, str]:
    """Create the interconnect; on a duplicate, adopt the one that exists (not ours)."""
    try:
        made = writes.create_interconnect(backend, request.from_id, partner_id, request.status)
    except ConflictError:
        existing = live_interconnect_between(backend, request.from_id, partner_id)
        if existing is None:
            raise
        return existing, EXISTING
    return made.interconnect, CREATED if made.confirmed else UNCONFIRMED
