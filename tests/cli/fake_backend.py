"""An in-memory ECGrid for CLI tests: the ``Backend`` protocol, no HTTP at all.

:class:`FakeBackend` implements every method of :class:`ecgrid_cli.api.backend.Backend`
with the same signatures and models, raises the typed errors of
:mod:`ecgrid_cli.errors`, and answers statuses in the words of the API it plays
(``api = "rest"`` or ``"soap"``, see :mod:`ecgrid_cli.statuses`). State is kept in REST
words and translated on the way out, the way the sandbox does.

Every call goes through the real :class:`~ecgrid_cli.api.resilience.Resilience` (with
a sleep that only records), so faults behave as they do against a server:

* ``fail(method, error, times=1, when=...)``: the next matching attempts raise ``error``
  (a :class:`TransientError` is retried, then gives up as a real backend would);
* ``lose_answer(method)``: the next write is applied and then its answer is lost, so
  the retry layer asks the caller's ``reconcile`` first (``applied=False``: the
  request never arrived).

``calls`` logs each method call (name and arguments, without the ``reconcile``
callable); ``applied`` logs each write that changed state, so a test can prove that
nothing was written twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ecgrid_cli.api.backend import Capabilities, NewId, Reconcile
from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, LoginGrant, Parcel, User
from ecgrid_cli.api.resilience import Resilience, RetryPolicy
from ecgrid_cli.errors import (
    ApiError,
    ConflictError,
    EcgridError,
    NotFoundError,
    TransientError,
    UsageError,
)
from ecgrid_cli.statuses import (
    ID_REST_TO_SOAP,
    INTERCONNECT_REST_TO_SOAP,
    INTERCONNECT_SOAP_TO_REST,
    SOAP_INTERCONNECT_STATUSES,
    STATUSES,
    creation_refusal,
    is_live,
)

REST_CAPABILITIES = Capabilities(
    server_paging=True, initial_statuses=STATUSES[:-1], id_use_type=True, raw_paths=True
)
SOAP_CAPABILITIES = Capabilities(
    server_paging=False,
    initial_statuses=("Completed", "Pending"),
    id_use_type=False,
    raw_paths=False,
)
REST_URL = "https://rest.ecgrid.io"
SOAP_URL = "https://os.ecgrid.io/v4.1/prod/ECGridOS.asmx"
STAMP = "2026-05-07T11:00:00Z"
NEW_STAMP = "2026-06-01T09:00:00Z"
WRITES = frozenset({"create_id", "tp_move", "create_interconnect", "cancel_interconnect"})


@dataclass(frozen=True)
class Call:
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass
class _Fault:
    method: str
    error: EcgridError | None  # None: lose the answer
    times: int | None  # None: every time
    when: Callable[..., bool] | None
    applied: bool = True  # lose_answer: was the write applied before the answer was lost?


@dataclass
class _Parcel:
    parcel_id: int
    ecgrid_id_from: int
    ecgrid_id_to: int
    statuses: list[str]  # answered one per poll; the last one repeats
    message: str | None = None
    polls: int = 0


@dataclass
class FakeBackend:
    api: str = "rest"
    retries: int = 5
    own_mailbox: int = 1001
    network_id: int = 42
    ids: dict[int, dict[str, Any]] = field(default_factory=dict)
    interconnects: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    parcels: dict[int, _Parcel] = field(default_factory=dict)
    # mailbox -> network; a move to a mailbox of another network is refused.
    mailboxes: dict[int, int] = field(default_factory=dict)
    # Statuses a new test parcel answers, poll after poll (REST/SOAP parcel codes).
    parcel_statuses: list[str] = field(default_factory=lambda: ["InBoxReady"])
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "userId": 7,
            "login": "ops",
            "email": "ops@example.com",
            "networkId": 42,
            "mailboxId": 1001,
            "authLevel": "NetworkAdmin",
            "status": "Active",
        }
    )
    calls: list[Call] = field(default_factory=list)
    applied: list[Call] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    closed: int = 0
    next_ecgrid_id: int = 900100
    next_interconnect_id: int = 88200
    next_parcel_id: int = 900001
    resilience: Resilience | None = None
    _faults: list[_Fault] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # -- what the Backend protocol exposes as attributes ----------------------------------

    @property
    def base_url(self) -> str:
        return SOAP_URL if self.api == "soap" else REST_URL

    @property
    def capabilities(self) -> Capabilities:
        return SOAP_CAPABILITIES if self.api == "soap" else REST_CAPABILITIES

    # -- seeding ---------------------------------------------------------------------------

    def add_id(
        self,
        ecgrid_id: int,
        qualifier: str,
        isa_id: str,
        description: str | None = None,
        *,
        status: str = "Active",
        mailbox_id: int = 1001,
        network_id: int = 42,
        routing_group: str | None = "ProductionA",
        edi_standard: str | None = "X12",
        owner_effective: str | None = None,
    ) -> dict[str, Any]:
        """An ECGrid ID; ``status`` in REST words (shown in the API's words)."""
        record = {
            "ecGridId": ecgrid_id,
            "mailboxId": mailbox_id,
            "networkId": network_id,
            "qualifier": qualifier,
            # Servers pad ISA IDs to 15 characters: the CLI must strip it.
            "id": isa_id.ljust(15),
            "description": description,
            "status": status,
            "routingGroup": routing_group,
            "ediStandard": edi_standard,
            "ownerEffective": owner_effective,
        }
        self.ids[ecgrid_id] = record
        self.mailboxes.setdefault(mailbox_id, network_id)
        return record

    def add_interconnect(
        self,
        interconnect_id: int,
        ecgrid_id_from: int,
        ecgrid_id_to: int,
        *,
        status: str = "Active",
        created: str = STAMP,
        modified: str = STAMP,
        traffic: bool = True,
        reference: str | None = None,
    ) -> dict[str, Any]:
        """An interconnect; ``status`` in REST words (or SOAP's Problem)."""
        record = {
            "interconnectId": interconnect_id,
            "ecGridIdFrom": ecgrid_id_from,
            "ecGridIdTo": ecgrid_id_to,
            "status": status,
            "created": created,
            "modified": modified,
            "lastTrafficOutbound": STAMP if traffic else None,
            "lastTrafficInbound": STAMP if traffic else None,
            "reference": reference,
        }
        self.interconnects[interconnect_id] = record
        return record

    def add_note_record(self, interconnect_id: int, text: str, when: str = STAMP) -> None:
        self.notes.setdefault(interconnect_id, []).append(
            {"text": text, "timestamp": when, "userId": 7, "postedBy": "ops"}
        )

    # -- faults and the call log -----------------------------------------------------------

    def fail(
        self,
        method: str,
        error: EcgridError,
        *,
        times: int | None = 1,
        when: Callable[..., bool] | None = None,
    ) -> None:
        """The next ``times`` attempts of ``method`` (matching ``when(*args, **kwargs)``)
        raise ``error``; ``times=None``: every one."""
        self._faults.append(_Fault(method, error, times, when))

    def lose_answer(
        self,
        method: str,
        *,
        applied: bool = True,
        times: int | None = 1,
        when: Callable[..., bool] | None = None,
    ) -> None:
        """The next write of ``method`` is applied (or not), then its answer is lost."""
        if method not in WRITES:
            raise ValueError(f"{method} is not a write")
        self._faults.append(_Fault(method, None, times, when, applied))

    def called(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def writes(self, method: str | None = None) -> list[Call]:
        return [call for call in self.applied if method is None or call.method == method]

    @property
    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def _fault_for(self, method: str, args: tuple, kwargs: dict) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method != method or fault.times == 0:
                    continue
                if fault.when is not None and not fault.when(*args, **kwargs):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _call(
        self,
        method: str,
        operation: Callable[[], Any],
        *args: Any,
        reconcile: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        with self._lock:
            self.calls.append(Call(method, args, kwargs))
        write = method in WRITES

        def attempt(deadline: float) -> Any:
            fault = self._fault_for(method, args, kwargs)
            if fault is not None and fault.error is not None:
                raise fault.error
            if fault is not None:  # the answer is lost, after (or before) the write
                if fault.applied:
                    self._apply(method, operation, args, kwargs)
                raise TransientError(
                    "the server closed the connection before answering",
                    code="ConnectionLost",
                    maybe_applied=True,
                )
            return self._apply(method, operation, args, kwargs) if write else operation()

        resilience = self.resilience or Resilience(
            RetryPolicy(retries=self.retries, sleep=self.sleeps.append), target=self.base_url
        )
        return resilience.run(method, attempt, write=write, reconcile=reconcile)

    def _apply(self, method: str, operation: Callable[[], Any], args: tuple, kwargs: dict) -> Any:
        with self._lock:
            result = operation()
            self.applied.append(Call(method, args, kwargs))
            return result

    # -- words of the API in use -------------------------------------------------------------

    def _id_out(self, record: dict[str, Any]) -> EcgridId:
        data = dict(record)
        if self.api == "soap":
            data["status"] = ID_REST_TO_SOAP.get(data["status"], data["status"])
        return EcgridId.model_validate(data)

    def _ic_out(self, record: dict[str, Any]) -> Interconnect:
        data = dict(record)
        if self.api == "soap":
            data["status"] = INTERCONNECT_REST_TO_SOAP.get(data["status"], data["status"])
        return Interconnect.model_validate(data)

    def _status_in(self, status: str | None) -> str | None:
        """A status argument (in the API's words) as stored (REST words)."""
        if status is None:
            return None
        if self.api == "soap":
            if status not in SOAP_INTERCONNECT_STATUSES:
                raise ApiError(f"'{status}' is not a SOAP interconnect status", code="Fault")
            return INTERCONNECT_SOAP_TO_REST.get(status, status)
        if status not in STATUSES:
            raise ApiError(f"invalid status '{status}'", code="InvalidParameter", http_status=400)
        return status

    def _not_found(self, what: str) -> NotFoundError:
        return NotFoundError(
            f"{what} not found",
            code="ObjectNotFound",
            http_status=None if self.api == "soap" else 404,
        )

    def _id_record(self, ecgrid_id: int) -> dict[str, Any]:
        record = self.ids.get(ecgrid_id)
        if record is None:
            raise self._not_found(f"ECGrid ID {ecgrid_id}")
        return record

    def _ic_record(self, interconnect_id: int) -> dict[str, Any]:
        record = self.interconnects.get(interconnect_id)
        if record is None:
            raise self._not_found(f"interconnect {interconnect_id}")
        return record

    def _of(self, ecgrid_id: int, status: str | None) -> list[dict[str, Any]]:
        self._id_record(ecgrid_id)
        stored = self._status_in(status)
        return [
            ic
            for _, ic in sorted(self.interconnects.items())
            if ecgrid_id in (ic["ecGridIdFrom"], ic["ecGridIdTo"])
            and (stored is None or ic["status"] == stored)
        ]

    # -- the Backend protocol: identity ----------------------------------------------------------

    def close(self) -> None:
        self.closed += 1

    def version(self) -> str:
        return self._call("version", lambda: "4.1" if self.api == "soap" else "2.6")

    def whoami(self) -> User:
        return self._call("whoami", lambda: User.model_validate(self.user))

    def login(self, login: str, password: str) -> LoginGrant:
        def answer() -> LoginGrant:
            if password != "right-password-123":
                raise ApiError("login refused", code="InvalidLogin", http_status=400)
            if self.api == "soap":
                return LoginGrant(token="soap-session-0123456789abcdef")
            return LoginGrant(
                token="jwt-token-0123456789abcdef",
                expires_at="2099-01-01T00:00:00Z",
                refresh_token="refresh-0123456789abcdef",
            )

        return self._call("login", answer, login)

    def logout(self) -> None:
        return self._call("logout", lambda: None)

    # -- ECGrid IDs ---------------------------------------------------------------------------

    def find_ids(
        self, qualifier: str, isa_id: str, *, include_inactive: bool = True
    ) -> list[EcgridId]:
        def answer() -> list[EcgridId]:
            found = [
                self._id_out(record)
                for _, record in sorted(self.ids.items())
                if record["qualifier"].upper() == qualifier.upper()
                and record["id"].rstrip().upper() == isa_id.upper()
            ]
            if include_inactive or self.api != "soap":
                return found  # REST has no such filter: it answers every ID
            return [item for item in found if item.status == "Active"]

        return self._call("find_ids", answer, qualifier, isa_id, include_inactive=include_inactive)

    def get_id(self, ecgrid_id: int) -> EcgridId:
        return self._call("get_id", lambda: self._id_out(self._id_record(ecgrid_id)), ecgrid_id)

    def create_id(self, new: NewId, *, reconcile: Reconcile[EcgridId]) -> EcgridId:
        if new.use_type is not None and self.api == "soap":
            raise UsageError("the SOAP API (TPAddEx) has no use type; leave --use-type out")

        def write() -> EcgridId:
            for record in self.ids.values():
                if (
                    record["qualifier"].upper() == new.qualifier.upper()
                    and record["id"].rstrip().upper() == new.isa_id.upper()
                    and is_live(record["status"])
                ):
                    raise ConflictError(
                        f"{new.qualifier}/{new.isa_id} is already registered as "
                        f"ECGrid ID {record['ecGridId']}",
                        http_status=None if self.api == "soap" else 409,
                    )
            if new.mailbox_id not in self.mailboxes:
                raise self._not_found(f"mailbox {new.mailbox_id}")
            number = self.next_ecgrid_id
            self.next_ecgrid_id += 1
            record = self.add_id(
                number,
                new.qualifier,
                new.isa_id,
                new.description,
                mailbox_id=new.mailbox_id,
                network_id=self.mailboxes[new.mailbox_id],
            )
            return self._id_out(record)

        return self._call("create_id", write, new, reconcile=reconcile)

    def tp_move(
        self, ecgrid_id: int, new_mailbox_id: int, *, reconcile: Reconcile[EcgridId]
    ) -> EcgridId:
        def write() -> EcgridId:
            record = self._id_record(ecgrid_id)
            network = self.mailboxes.get(new_mailbox_id)
            if network is None:
                raise self._not_found(f"mailbox {new_mailbox_id}")
            if network != record["networkId"]:
                raise ApiError(
                    f"mailbox {new_mailbox_id} is in another network",
                    code="InvalidParameter",
                    http_status=None if self.api == "soap" else 400,
                )
            record["mailboxId"] = new_mailbox_id
            return self._id_out(record)

        return self._call("tp_move", write, ecgrid_id, new_mailbox_id, reconcile=reconcile)

    # -- interconnects ------------------------------------------------------------------------

    def create_interconnect(
        self,
        ecgrid_id_from: int,
        ecgrid_id_to: int,
        *,
        status: str | None,
        token: str | None,
        reconcile: Reconcile[Interconnect],
    ) -> Interconnect:
        refusal = creation_refusal(self.api, status, self.capabilities.initial_statuses)
        if refusal:  # as the real backends refuse (SOAP locally, REST on the server)
            raise UsageError(refusal)

        def write() -> Interconnect:
            stored = self._status_in(status) or "Active"
            for side in (ecgrid_id_from, ecgrid_id_to):
                self._id_record(side)
            for ic in self.interconnects.values():
                joins = {ic["ecGridIdFrom"], ic["ecGridIdTo"]} == {ecgrid_id_from, ecgrid_id_to}
                if joins and is_live(ic["status"]):
                    raise ConflictError(
                        f"interconnect {ic['interconnectId']} already joins the pair",
                        http_status=None if self.api == "soap" else 409,
                    )
            number = self.next_interconnect_id
            self.next_interconnect_id += 1
            record = self.add_interconnect(
                number,
                ecgrid_id_from,
                ecgrid_id_to,
                status=stored,
                created=NEW_STAMP,
                modified=NEW_STAMP,
                traffic=False,
                # REST v2 has no field for a caller's reference; SOAP stores it.
                reference=token if self.api == "soap" else None,
            )
            return self._ic_out(record)

        return self._call(
            "create_interconnect",
            write,
            ecgrid_id_from,
            ecgrid_id_to,
            status=status,
            token=token,
            reconcile=reconcile,
        )

    def get_interconnect(self, interconnect_id: int) -> Interconnect:
        return self._call(
            "get_interconnect",
            lambda: self._ic_out(self._ic_record(interconnect_id)),
            interconnect_id,
        )

    def list_interconnects(
        self, ecgrid_id: int, *, status: str | None, page: int, per_page: int
    ) -> list[Interconnect]:
        def answer() -> list[Interconnect]:
            every = self._of(ecgrid_id, status)
            start = (page - 1) * per_page
            return [self._ic_out(ic) for ic in every[start : start + per_page]]

        return self._call(
            "list_interconnects", answer, ecgrid_id, status=status, page=page, per_page=per_page
        )

    def iter_interconnects(
        self, ecgrid_id: int, *, status: str | None = None
    ) -> Iterator[Interconnect]:
        found = self._call(
            "iter_interconnects",
            lambda: [self._ic_out(ic) for ic in self._of(ecgrid_id, status)],
            ecgrid_id,
            status=status,
        )
        yield from found

    def count_interconnects(self, ecgrid_id: int | None, *, status: str | None = None) -> int:
        def answer() -> int:
            if ecgrid_id is not None:
                return len(self._of(ecgrid_id, status))
            if self.api == "rest":
                raise ApiError("REST counts interconnects of one ECGrid ID: give ECGRID_ID")
            stored = self._status_in(status)
            mine = {n for n, rec in self.ids.items() if rec["mailboxId"] == self.own_mailbox}
            return sum(
                1
                for ic in self.interconnects.values()
                if mine & {ic["ecGridIdFrom"], ic["ecGridIdTo"]}
                and (stored is None or ic["status"] == stored)
            )

        return self._call("count_interconnects", answer, ecgrid_id, status=status)

    def interconnects_between(self, a: int, b: int) -> list[Interconnect]:
        def answer() -> list[Interconnect]:
            return [
                self._ic_out(ic)
                for _, ic in sorted(self.interconnects.items())
                if {ic["ecGridIdFrom"], ic["ecGridIdTo"]} == {a, b}
            ]

        return self._call("interconnects_between", answer, a, b)

    def cancel_interconnect(self, interconnect_id: int, *, reconcile: Reconcile[bool]) -> None:
        def write() -> None:
            record = self._ic_record(interconnect_id)
            record["status"] = "Terminated"
            record["modified"] = NEW_STAMP

        return self._call("cancel_interconnect", write, interconnect_id, reconcile=reconcile)

    def add_note(self, interconnect_id: int, text: str) -> None:
        def write() -> None:
            self._ic_record(interconnect_id)
            self.add_note_record(interconnect_id, text, NEW_STAMP)

        return self._call("add_note", write, interconnect_id, text)

    def list_notes(self, interconnect_id: int) -> list[InterconnectNote]:
        def answer() -> list[InterconnectNote]:
            self._ic_record(interconnect_id)
            return [
                InterconnectNote.model_validate(note)
                for note in self.notes.get(interconnect_id, [])
            ]

        return self._call("list_notes", answer, interconnect_id)

    # -- parcels ------------------------------------------------------------------------------

    def send_test_file(self, ecgrid_id_from: int, ecgrid_id_to: int) -> int:
        def answer() -> int:
            number = self.next_parcel_id
            self.next_parcel_id += 1
            self.parcels[number] = _Parcel(
                number, ecgrid_id_from, ecgrid_id_to, list(self.parcel_statuses)
            )
            return number

        return self._call("send_test_file", answer, ecgrid_id_from, ecgrid_id_to)

    def get_parcel(self, parcel_id: int) -> Parcel:
        def answer() -> Parcel:
            parcel = self.parcels.get(parcel_id)
            if parcel is None:
                raise self._not_found(f"parcel {parcel_id}")
            status = parcel.statuses[min(parcel.polls, len(parcel.statuses) - 1)]
            parcel.polls += 1
            return Parcel(
                parcel_id=parcel.parcel_id,
                status=status,
                status_message=parcel.message,
                ecgrid_id_from=parcel.ecgrid_id_from,
                ecgrid_id_to=parcel.ecgrid_id_to,
                modified=NEW_STAMP,
            )

        return self._call("get_parcel", answer, parcel_id)


def demo(api: str = "rest") -> FakeBackend:
    """The sandbox's cast, small: own ID 111111, partners, twins, a hub, health cases."""
    fake = FakeBackend(api=api)
    fake.mailboxes.update({1001: 42, 1002: 42, 3001: 42, 2001: 77})
    fake.add_id(111111, "ZZ", "MYCOMPANY", "My Company")
    fake.add_id(334455, "01", "PARTNERCO", "Partner Company Inc.", mailbox_id=3001)
    fake.add_id(123456, "01", "PARTNER001", "Partner 001", mailbox_id=1001)
    fake.add_id(445566, "12", "5551234567", "Phone Partner", mailbox_id=3001)
    fake.add_id(600001, "ZZ", "TWINCO", "Twin A")
    fake.add_id(600002, "ZZ", "TWINCO", "Twin B")
    fake.add_id(500001, "ZZ", "REUSEDCO", "Reused (old)", status="Terminated")
    fake.add_id(500002, "ZZ", "REUSEDCO", "Reused (new)")
    return fake
