"""Questions the flows ask of any backend, written once over the interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ecgrid_cli.api.backend import Backend
from ecgrid_cli.errors import ConflictError, NotFoundError
from ecgrid_cli.statuses import is_active_id, is_live

if TYPE_CHECKING:
    from ecgrid_cli.api.models import EcgridId, Interconnect


def live_interconnect_between(backend: Backend, a: int, b: int) -> Interconnect | None:
    """The live (not ended) interconnect joining ``a`` and ``b``, in either orientation.

    One record per pair is the rule (DRIFT 3: match either orientation); if a server
    holds several, the oldest live one is the answer, so every caller agrees.
    """
    live = [ic for ic in backend.interconnects_between(a, b) if is_live(ic.status)]
    return min(live, key=lambda ic: ic.interconnect_id) if live else None


BY_FLAG = "--partner-ecgrid-id N"  # setup of one partner
BY_COLUMN = "a partner_ecgrid_id column"  # rows files (bulk setup, plan rows)
BY_KEY = "the partner's ecgrid_id"  # TOML/YAML desired state


@dataclass(frozen=True)
class PartnerRef:
    """How a command names the partner: by QID, by ECGrid ID, or both (then they must agree)."""

    qualifier: str | None = None
    isa_id: str | None = None
    ecgrid_id: int | None = None
    # How this command lets the user pick one ID when a QID is ambiguous.
    choose_with: str = field(default=BY_FLAG, compare=False)

    @property
    def qid(self) -> str:
        return f"{self.qualifier}/{self.isa_id}" if self.qualifier else str(self.ecgrid_id)


def choose_partner(matches: list[EcgridId], qid: str, choose_with: str = BY_FLAG) -> EcgridId:
    """The single Active match; none -> not found (4), several -> ambiguous (5)."""
    active = [m for m in matches if is_active_id(m.status)]
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        listed = ", ".join(f"{m.ecgrid_id} ({m.description or 'no description'})" for m in active)
        raise ConflictError(
            f"{len(active)} Active ECGrid IDs match {qid}: {listed}; choose one with {choose_with}",
            code="AmbiguousMatch",
            details={"qid": qid, "candidates": [m.ecgrid_id for m in active]},
        )
    if matches:
        listed = ", ".join(f"{m.ecgrid_id} ({m.status})" for m in matches)
        raise NotFoundError(
            f"no Active ECGrid ID matches {qid} (found {listed})",
            code="NoActiveMatch",
            details={"qid": qid, "found": [m.ecgrid_id for m in matches]},
        )
    raise NotFoundError(
        f"no ECGrid ID is registered for {qid}; onboard the partner first "
        "(ecgrid ids create, or setup --onboard --mailbox N)",
        code="PartnerNotFound",
        details={"qid": qid},
    )


def find_partner(backend: Backend, ref: PartnerRef) -> EcgridId:
    """The partner's ECGrid ID from a QID or an ECGrid ID (both given: they must agree)."""
    if ref.ecgrid_id is not None:
        partner = backend.get_id(ref.ecgrid_id)
        if ref.qualifier and ref.isa_id and not same_qid(partner, ref.qualifier, ref.isa_id):
            raise ConflictError(
                f"ECGrid ID {partner.ecgrid_id} is {partner.qualifier}/{partner.isa_id}, "
                f"not {ref.qualifier}/{ref.isa_id}",
                code="PartnerMismatch",
                details={"ecGridId": partner.ecgrid_id},
            )
        return partner
    assert ref.qualifier is not None and ref.isa_id is not None
    return choose_partner(backend.find_ids(ref.qualifier, ref.isa_id), ref.qid, ref.choose_with)


def same_qid(record: EcgridId, qualifier: str, isa_id: str) -> bool:
    return (record.qualifier or "").upper() == qualifier.upper() and (
        record.isa_id or ""
    ).upper() == isa_id.upper()
