"""The ECGridOS SOAP v4.1 backend: each operation of the interface as WSDL operations.

The WSDL is the authority (API-NOTES, SOAP): ``TPSearch``, ``TPInfo``, ``TPAddEx``,
``TPMoveMailbox``, ``InterconnectAdd``/``Info``/``ListByECGridID``/``ListByStatus``/
``Count(Ex)``/``Cancel``/``Note``/``NoteList``, ``ParcelTest``, ``ParcelInfo``,
``Login``/``Logout``/``WhoAmI``/``Version``. SOAP has no paging (pages are cut
locally) and cannot create an interconnect in any status but Completed (preconfirmed)
or Pending, nor give an ECGrid ID a use type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecgrid_cli.api.backend import Capabilities, NewId, Reconcile
from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, LoginGrant, Parcel, User
from ecgrid_cli.api.soap import wire
from ecgrid_cli.api.soap.dataset import counts_by_status
from ecgrid_cli.api.soap.transport import SoapTransport
from ecgrid_cli.errors import InvalidResponseError, UsageError
from ecgrid_cli.statuses import SOAP, SOAP_INTERCONNECT_STATUSES, creation_refusal

# MaxDays is "within the last N days": the most a short holds covers all of history,
# whether the service reads 0 as "no limit" or as "today".
ALL_DAYS = 32767
DEFAULT_ROUTING_GROUP = "ProductionA"
TEST_DOCUMENT_TYPE = "X12"


def _model(model: Any) -> Any:
    def parse(value: Any) -> Any:
        if not isinstance(value, dict):
            raise InvalidResponseError(f"expected an object in the SOAP answer, got {value!r:.40}")
        try:
            return model.model_validate(value)
        except ValueError as exc:
            raise InvalidResponseError(
                f"unexpected {model.__name__} in the SOAP answer: {exc}"
            ) from None

    return parse


def _models(model: Any) -> Any:
    one = _model(model)
    return lambda values: [one(value) for value in values or []]


def _integer(value: Any) -> int:
    number = wire.soap_int(value) if isinstance(value, str) else None
    if number is None:
        raise InvalidResponseError(f"expected an integer in the SOAP answer, got {value!r:.40}")
    return number


class SoapBackend:
    api = SOAP
    capabilities = Capabilities(
        server_paging=False,
        initial_statuses=("Completed", "Pending"),
        id_use_type=False,
        raw_paths=False,
    )

    def __init__(self, transport: SoapTransport) -> None:
        self.transport = transport
        self.base_url = transport.base_url

    def close(self) -> None:
        self.transport.close()

    # -- identity ---------------------------------------------------------------------

    def version(self) -> str:
        value = self.transport.call("Version", session=False)
        return str(value or "")

    def whoami(self) -> User:
        return self.transport.call("WhoAmI", shape="object", parse=_model(User))

    def login(self, login: str, password: str) -> LoginGrant:
        session_id = self.transport.call(
            "Login", [("LoginName", login), ("Password", password)], session=False
        )
        if not session_id:
            raise InvalidResponseError("the SOAP Login answered no session ID")
        return LoginGrant(token=str(session_id))

    def logout(self) -> None:
        self.transport.call("Logout")

    # -- ECGrid IDs -------------------------------------------------------------------

    def find_ids(
        self, qualifier: str, isa_id: str, *, include_inactive: bool = True
    ) -> list[EcgridId]:
        found = self.transport.call(
            "TPSearch",
            [("Qualifier", qualifier), ("ID", isa_id), ("ShowInactive", include_inactive)],
            shape="list",
            parse=_models(EcgridId),
        )
        return [
            item
            for item in found
            if (item.qualifier or "").upper() == qualifier.upper()
            and (item.isa_id or "").upper() == isa_id.upper()
        ]

    def get_id(self, ecgrid_id: int) -> EcgridId:
        return self.transport.call(
            "TPInfo", [("ECGridID", ecgrid_id)], shape="object", parse=_model(EcgridId)
        )

    def create_id(self, new: NewId, *, reconcile: Reconcile[EcgridId]) -> EcgridId:
        if new.use_type is not None:
            raise UsageError("the SOAP API (TPAddEx) has no use type; leave --use-type out")
        network_id = new.network_id
        if network_id is None:
            network_id = self.whoami().network_id or 0
        made = self.transport.call(
            "TPAddEx",
            [
                ("NetworkID", network_id),
                ("MailboxID", new.mailbox_id),
                ("Qualifier", new.qualifier),
                ("ID", new.isa_id),
                ("Description", new.description),
                ("RoutingGroup", new.routing_group or DEFAULT_ROUTING_GROUP),
            ],
            parse=_integer,
            write=True,
            reconcile=reconcile,
        )
        return made if isinstance(made, EcgridId) else self.get_id(made)

    def tp_move(
        self, ecgrid_id: int, new_mailbox_id: int, *, reconcile: Reconcile[EcgridId]
    ) -> EcgridId:
        moved = self.transport.call(
            "TPMoveMailbox",
            [("ECGridID", ecgrid_id), ("MailboxID", new_mailbox_id)],
            parse=_integer,
            write=True,
            reconcile=reconcile,
        )
        return moved if isinstance(moved, EcgridId) else self.get_id(ecgrid_id)

    # -- interconnects ------------------------------------------------------------------

    def create_interconnect(
        self,
        ecgrid_id_from: int,
        ecgrid_id_to: int,
        *,
        status: str | None,
        token: str | None,
        reconcile: Reconcile[Interconnect],
    ) -> Interconnect:
        refusal = creation_refusal(SOAP, status, self.capabilities.initial_statuses)
        if refusal:
            raise UsageError(refusal)
        return self.transport.call(
            "InterconnectAdd",
            [
                ("ECGridID1", ecgrid_id_from),
                ("ECGridID2", ecgrid_id_to),
                ("Reference", token),
                ("ContactName", None),
                ("ContactEMail", None),
                ("NotifyContact", False),
                ("Preconfirm", status != "Pending"),
                ("Note", None),
            ],
            shape="object",
            parse=_model(Interconnect),
            write=True,
            reconcile=reconcile,
        )

    def get_interconnect(self, interconnect_id: int) -> Interconnect:
        return self.transport.call(
            "InterconnectInfo",
            [("InterconnectID", interconnect_id)],
            shape="object",
            parse=_model(Interconnect),
        )

    def list_interconnects(
        self, ecgrid_id: int, *, status: str | None, page: int, per_page: int
    ) -> list[Interconnect]:
        """SOAP has no paging: the whole list comes back and the page is cut here."""
        every = list(self.iter_interconnects(ecgrid_id, status=status))
        start = (page - 1) * per_page
        return every[start : start + per_page]

    def iter_interconnects(
        self, ecgrid_id: int, *, status: str | None = None
    ) -> Iterator[Interconnect]:
        statuses = [status] if status else list(SOAP_INTERCONNECT_STATUSES)
        found: dict[int, Interconnect] = {}
        for word in statuses:
            for ic in self._by_status(ecgrid_id, word):
                found.setdefault(ic.interconnect_id, ic)
        yield from (found[key] for key in sorted(found))

    def _by_status(self, ecgrid_id: int, status: str) -> list[Interconnect]:
        return self.transport.call(
            "InterconnectListByStatus",
            [("Status", status), ("ECGridID", ecgrid_id), ("MaxDays", ALL_DAYS)],
            shape="list",
            parse=_models(Interconnect),
        )

    def count_interconnects(self, ecgrid_id: int | None, *, status: str | None = None) -> int:
        if ecgrid_id is None:
            rows = self.transport.call(
                "InterconnectCount", [("MaxDays", ALL_DAYS)], shape="dataset"
            )
        else:
            rows = self.transport.call(
                "InterconnectCountEx",
                [
                    ("NetworkID", 0),
                    ("MailboxID", 0),
                    ("ECGridID", ecgrid_id),
                    ("MaxDays", ALL_DAYS),
                ],
                shape="dataset",
            )
        counts = counts_by_status(rows)
        if status is None:
            return sum(counts.values())
        return sum(n for word, n in counts.items() if word.lower() == status.lower())

    def interconnects_between(self, a: int, b: int) -> list[Interconnect]:
        for first, second in ((a, b), (b, a)):
            found = self.transport.call(
                "InterconnectListByECGridID",
                [("ECGridID1", first), ("ECGridID2", second)],
                shape="list",
                parse=_models(Interconnect),
            )
            joined = [ic for ic in found if ic.joins(a, b)]
            if joined:
                return joined
        return []

    def cancel_interconnect(self, interconnect_id: int, *, reconcile: Reconcile[bool]) -> None:
        self.transport.call(
            "InterconnectCancel",
            [
                ("InterconnectID", interconnect_id),
                ("Note", None),
                ("EMailTo", "NoEMail"),
                ("OtherEMailAddress", None),
            ],
            write=True,
            reconcile=reconcile,
        )

    def add_note(self, interconnect_id: int, text: str) -> None:
        self.transport.call(
            "InterconnectNote",
            [
                ("InterconnectID", interconnect_id),
                ("AuthLevel", "General"),
                ("Note", text),
                ("AttachmentName", None),
                ("AttachmentContent", None),
                ("EMailTo", "NoEMail"),
                ("OtherEMailAddress", None),
            ],
            write=True,
        )

    def list_notes(self, interconnect_id: int) -> list[InterconnectNote]:
        return self.transport.call(
            "InterconnectNoteList",
            [("InterconnectID", interconnect_id)],
            shape="list",
            parse=_models(InterconnectNote),
        )

    # -- parcels ------------------------------------------------------------------------

    def send_test_file(self, ecgrid_id_from: int, ecgrid_id_to: int) -> int:
        return self.transport.call(
            "ParcelTest",
            [
                ("ECGridIDFrom", ecgrid_id_from),
                ("ECGridIDTo", ecgrid_id_to),
                ("DocumentType", TEST_DOCUMENT_TYPE),
            ],
            parse=_integer,
        )

    def get_parcel(self, parcel_id: int) -> Parcel:
        return self.transport.call(
            "ParcelInfo", [("ParcelID", parcel_id)], shape="object", parse=_model(Parcel)
        )
