"""The "Set Up an Interconnect" flow (seed 000): find the partner, then create.

Idempotent: an existing live interconnect between the two IDs, in either
orientation, is returned with ``created=False`` instead of creating a second one,
and a DuplicateObject answer resolves to the interconnect that already exists.
Used by the single `interconnect setup` command and by bulk setup alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecgrid_cli.api.client import EcgridClient
from ecgrid_cli.api.models import EcgridId, Interconnect
from ecgrid_cli.errors import ConflictError, EcgridError, NotFoundError, UsageError

# Looks up the live interconnect between two IDs; bulk setup swaps in an index.
ExistingLookup = Callable[[int, int], Interconnect | None]


@dataclass(frozen=True)
class SetupRequest:
    from_id: int
    qualifier: str | None = None
    isa_id: str | None = None
    partner_ecgrid_id: int | None = None
    status: str | None = None
    verify: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class SetupResult:
    created: bool
    interconnect: Interconnect | None
    partner: EcgridId
    test_parcel_id: int | None = None
    dry_run: bool = False
    # The interconnect is in place but the --verify test file failed.
    verify_error: EcgridError | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "created": self.created,
            "interconnect": self.interconnect.to_json() if self.interconnect else None,
            "partner": self.partner.to_json(),
            "testParcelId": self.test_parcel_id,
        }
        if self.dry_run:
            document["dryRun"] = True
            document["wouldCreate"] = self.interconnect is None
        return document


def choose_partner(matches: list[EcgridId], qid: str) -> EcgridId:
    """The single Active match; none -> not found (4), several -> ambiguous (5)."""
    active = [m for m in matches if m.status == "Active"]
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        listed = ", ".join(f"{m.ecgrid_id} ({m.description or 'no description'})" for m in active)
        raise ConflictError(
            f"{len(active)} Active ECGrid IDs match {qid}: {listed}; "
            "choose one with --partner-ecgrid-id",
            code="AmbiguousMatch",
        )
    if matches:
        listed = ", ".join(f"{m.ecgrid_id} ({m.status})" for m in matches)
        raise NotFoundError(
            f"no Active ECGrid ID matches {qid} (found {listed})", code="NoActiveMatch"
        )
    raise NotFoundError(
        f"no ECGrid ID is registered for {qid}; onboard the partner first (create its ECGrid ID)",
        code="PartnerNotFound",
    )


def find_partner(client: EcgridClient, request: SetupRequest) -> EcgridId:
    if request.partner_ecgrid_id is not None:
        partner = client.get_id(request.partner_ecgrid_id)
        if request.qualifier and request.isa_id:
            same = (partner.qualifier or "").upper() == request.qualifier.upper() and (
                partner.isa_id or ""
            ).upper() == request.isa_id.upper()
            if not same:
                raise ConflictError(
                    f"ECGrid ID {partner.ecgrid_id} is {partner.qualifier}/{partner.isa_id}, "
                    f"not {request.qualifier}/{request.isa_id}",
                    code="PartnerMismatch",
                )
        return partner
    assert request.qualifier is not None and request.isa_id is not None
    matches = client.find_ids(request.qualifier, request.isa_id)
    return choose_partner(matches, f"{request.qualifier}/{request.isa_id}")


def run_setup(
    client: EcgridClient,
    request: SetupRequest,
    existing: ExistingLookup | None = None,
) -> SetupResult:
    lookup = existing or client.find_interconnect_between
    partner = find_partner(client, request)
    if partner.ecgrid_id == request.from_id:
        raise UsageError(
            f"the partner's ECGrid ID {partner.ecgrid_id} is the same as --from; "
            "an interconnect joins two different IDs"
        )
    found = lookup(request.from_id, partner.ecgrid_id)
    if request.dry_run:
        return SetupResult(created=False, interconnect=found, partner=partner, dry_run=True)
    if found is not None:
        interconnect, created = found, False
    else:
        interconnect, created = _create_or_adopt(client, request, partner.ecgrid_id)
    parcel = None
    verify_error = None
    if request.verify:
        try:
            parcel = client.send_test_file(request.from_id, partner.ecgrid_id)
        except EcgridError as err:
            verify_error = err
    return SetupResult(
        created=created,
        interconnect=interconnect,
        partner=partner,
        test_parcel_id=parcel,
        verify_error=verify_error,
    )


def _create_or_adopt(
    client: EcgridClient, request: SetupRequest, partner_id: int
) -> tuple[Interconnect, bool]:
    """Create the interconnect; on DuplicateObject adopt the one that exists."""
    try:
        return client.create_interconnect(request.from_id, partner_id, request.status), True
    except ConflictError:
        existing = client.find_interconnect_between(request.from_id, partner_id)
        if existing is None:
            raise
        return existing, False
