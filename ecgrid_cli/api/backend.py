"""The backend interface: what the commands and flows need from an ECGrid API.

Two implementations exist, :class:`ecgrid_cli.api.rest.backend.RestBackend` (REST v2)
and :class:`ecgrid_cli.api.soap.backend.SoapBackend` (ECGridOS SOAP v4.1). Commands
and the flows in :mod:`ecgrid_cli.domain` type against :class:`Backend` only, so a
third API is one new module here and one line in :mod:`ecgrid_cli.api.factory`.

Conventions every implementation keeps:

* methods take validated Python values and return the models of
  :mod:`ecgrid_cli.api.models`; they never print, prompt or exit;
* statuses come back in the server's own words (see :mod:`ecgrid_cli.statuses`);
  ``status`` arguments are translated by the caller with
  :func:`ecgrid_cli.statuses.interconnect_status_for` before they arrive here;
* every write takes ``reconcile``: when the write may have been applied but its answer
  was lost, the shared retry layer calls ``reconcile()`` before re-sending anything
  and returns what it finds (None: not applied, safe to send again);
* errors are the typed errors of :mod:`ecgrid_cli.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from ecgrid_cli.api.models import (
        EcgridId,
        Interconnect,
        InterconnectNote,
        LoginGrant,
        Parcel,
        User,
    )

T = TypeVar("T")
Reconcile = Callable[[], T | None]


@dataclass(frozen=True)
class NewId:
    """An ECGrid ID to create (onboarding a trading partner)."""

    mailbox_id: int
    qualifier: str
    isa_id: str
    description: str | None = None
    use_type: str | None = None
    network_id: int | None = None  # needed by some create forms; looked up when missing
    routing_group: str | None = None


@dataclass(frozen=True)
class Capabilities:
    """What an API can do beyond the common core, so commands can say so plainly."""

    server_paging: bool  # list pages come from the server (REST) or are cut locally (SOAP)
    initial_statuses: tuple[str, ...]  # statuses an interconnect can be created in
    id_use_type: bool  # ECGrid IDs can be created with a use type
    raw_paths: bool  # `ecgrid api` can send arbitrary paths


class Backend(Protocol):
    api: str  # "rest" | "soap"
    base_url: str
    capabilities: Capabilities

    def close(self) -> None: ...

    # -- identity -------------------------------------------------------------------
    def version(self) -> str: ...

    def whoami(self) -> User: ...

    def login(self, login: str, password: str) -> LoginGrant: ...

    def logout(self) -> None: ...

    # -- ECGrid IDs -----------------------------------------------------------------
    def find_ids(
        self, qualifier: str, isa_id: str, *, include_inactive: bool = True
    ) -> list[EcgridId]:
        """IDs holding the QID; ``include_inactive=False`` lets the server leave out the
        inactive ones (SOAP's ShowInactive=false; REST answers all regardless)."""
        ...

    def get_id(self, ecgrid_id: int) -> EcgridId: ...

    def create_id(self, new: NewId, *, reconcile: Reconcile[EcgridId]) -> EcgridId: ...

    def tp_move(
        self, ecgrid_id: int, new_mailbox_id: int, *, reconcile: Reconcile[EcgridId]
    ) -> EcgridId: ...

    # -- interconnects --------------------------------------------------------------
    def create_interconnect(
        self,
        ecgrid_id_from: int,
        ecgrid_id_to: int,
        *,
        status: str | None,
        token: str | None,
        reconcile: Reconcile[Interconnect],
    ) -> Interconnect:
        """Create; ``token`` is an opaque marker stored with it where the API can
        (so a lost answer can be proven to be this call's), None otherwise."""
        ...

    def get_interconnect(self, interconnect_id: int) -> Interconnect: ...

    def list_interconnects(
        self, ecgrid_id: int, *, status: str | None, page: int, per_page: int
    ) -> list[Interconnect]: ...

    def iter_interconnects(
        self, ecgrid_id: int, *, status: str | None = None
    ) -> Iterator[Interconnect]: ...

    def count_interconnects(self, ecgrid_id: int | None, *, status: str | None = None) -> int: ...

    def interconnects_between(self, a: int, b: int) -> list[Interconnect]:
        """Every interconnect joining ``a`` and ``b``, either orientation, any status."""
        ...

    def cancel_interconnect(self, interconnect_id: int, *, reconcile: Reconcile[bool]) -> None: ...

    def add_note(self, interconnect_id: int, text: str) -> None: ...

    def list_notes(self, interconnect_id: int) -> list[InterconnectNote]: ...

    # -- parcels --------------------------------------------------------------------
    def send_test_file(self, ecgrid_id_from: int, ecgrid_id_to: int) -> int: ...

    def get_parcel(self, parcel_id: int) -> Parcel: ...
