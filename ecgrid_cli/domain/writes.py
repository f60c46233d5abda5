"""Every write the tool makes, each safe to run under faults.

Each function hands the backend a ``reconcile`` check, so a write whose answer was
lost is looked for before anything is sent again (never blindly twice), and says
honestly what it knows: a create found by that check may have been this call's or
another writer's, and is only claimed when the backend could store a token proving it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecgrid_cli.api.backend import Backend, NewId
from ecgrid_cli.domain.queries import live_interconnect_between, same_qid
from ecgrid_cli.statuses import is_live

if TYPE_CHECKING:
    from ecgrid_cli.api.models import EcgridId, Interconnect

TOKEN_PREFIX = "ecgrid-cli/"


@dataclass(frozen=True)
class Created:
    """The outcome of a create: the record, and whether this call provably made it."""

    interconnect: Interconnect
    confirmed: bool


def create_interconnect(
    backend: Backend, ecgrid_id_from: int, ecgrid_id_to: int, status: str | None
) -> Created:
    """Create the interconnect once; a lost answer is reconciled, not re-sent."""
    token = TOKEN_PREFIX + secrets.token_hex(6)
    reconciled = False

    def already_there() -> Interconnect | None:
        nonlocal reconciled
        found = live_interconnect_between(backend, ecgrid_id_from, ecgrid_id_to)
        reconciled = reconciled or found is not None
        return found

    interconnect = backend.create_interconnect(
        ecgrid_id_from, ecgrid_id_to, status=status, token=token, reconcile=already_there
    )
    confirmed = not reconciled or interconnect.reference == token
    return Created(interconnect, confirmed)


@dataclass(frozen=True)
class CreatedId:
    record: EcgridId
    confirmed: bool


def create_id(backend: Backend, new: NewId) -> CreatedId:
    """Create an ECGrid ID once: a lost answer is checked by searching its QID."""
    reconciled = False

    def already_there() -> EcgridId | None:
        nonlocal reconciled
        for record in backend.find_ids(new.qualifier, new.isa_id):
            if same_qid(record, new.qualifier, new.isa_id) and is_live(record.status):
                reconciled = True
                return record
        return None

    record = backend.create_id(new, reconcile=already_there)
    return CreatedId(record, confirmed=not reconciled)


def tp_move(backend: Backend, ecgrid_id: int, new_mailbox_id: int) -> EcgridId:
    def already_moved() -> EcgridId | None:
        current = backend.get_id(ecgrid_id)
        return current if current.mailbox_id == new_mailbox_id else None

    return backend.tp_move(ecgrid_id, new_mailbox_id, reconcile=already_moved)


def cancel_interconnect(backend: Backend, interconnect_id: int) -> None:
    def already_ended() -> bool | None:
        return True if not is_live(backend.get_interconnect(interconnect_id).status) else None

    backend.cancel_interconnect(interconnect_id, reconcile=already_ended)
