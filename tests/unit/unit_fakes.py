"""An in-memory Backend for the domain tests (unit only; tests/cli has its own).

It keeps ECGrid IDs, interconnects and parcels in dicts, logs every call, and can be
told to misbehave:

* ``faults[method] = [mode, ...]`` scripts the next writes of ``method``:
  ``"lost"`` applies the write and loses its answer, ``"dropped"`` loses the request
  before it arrives. Either way the fake then does what the shared retry layer does:
  it asks ``reconcile()`` and returns what that finds, else (nothing applied) sends
  again. Any exception instance in the list is raised instead.
* ``errors[(method, *args)] = exc`` raises ``exc`` whenever ``method`` is called with
  arguments starting with ``args`` (e.g. ``("get_id", 42)``, ``("find_ids", "ZZ", "X")``).
* ``stores_tokens``: SOAP keeps the create's token as the interconnect's Reference;
  REST does not.
* ``before_create`` runs before each interconnect create (to stage races);
  ``create_delay`` widens race windows in threaded tests.

Thread-safe: bulk tests call it from many worker threads.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from ecgrid_cli.api.backend import Capabilities, NewId
from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, LoginGrant, Parcel, User
from ecgrid_cli.errors import ConflictError, NotFoundError, TransientError
from ecgrid_cli.statuses import STATUSES, is_live


class FakeBackend:
    api = "rest"
    base_url = "https://fake.test"
    capabilities = Capabilities(
        server_paging=True, initial_statuses=STATUSES[:-1], id_use_type=True, raw_paths=True
    )

    def __init__(self, *, stores_tokens: bool = False) -> None:
        self.ids: dict[int, EcgridId] = {}
        self.interconnects: dict[int, Interconnect] = {}
        self.parcels: dict[int, list[str]] = {}
        self.parcel_statuses: list[str] = ["InBoxReady"]
        self.stores_tokens = stores_tokens
        self.faults: dict[str, list[Any]] = {}
        self.errors: dict[tuple[str, Any], Exception] = {}
        self.before_create: Callable[[int, int], None] | None = None
        self.create_delay = 0.0
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.tokens: list[str | None] = []
        self._ids = itertools.count(900_000)
        self._lock = threading.RLock()

    # -- setting up -----------------------------------------------------------------------

    def add_id(
        self,
        number: int,
        qualifier: str = "01",
        isa_id: str = "PARTNERCO",
        status: str = "Active",
        **extra: Any,
    ) -> EcgridId:
        record = EcgridId.model_validate(
            {
                "ecGridId": number,
                "qualifier": qualifier,
                "id": isa_id,
                "status": status,
                "mailboxId": 300,
                "networkId": 20,
                "description": f"Company {number}",
                **extra,
            }
        )
        self.ids[number] = record
        return record

    def add_interconnect(
        self, interconnect_id: int, a: int, b: int, status: str = "Active", **extra: Any
    ) -> Interconnect:
        record = Interconnect.model_validate(
            {
                "interconnectId": interconnect_id,
                "ecGridIdFrom": a,
                "ecGridIdTo": b,
                "status": status,
                **extra,
            }
        )
        self.interconnects[interconnect_id] = record
        return record

    # -- bookkeeping ----------------------------------------------------------------------

    def _log(self, method: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((method, args))
        for size in range(len(args) + 1):
            error = self.errors.get((method, *args[:size]))
            if error is not None:
                raise error

    def called(self, method: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return [args for name, args in self.calls if name == method]

    def count(self, method: str) -> int:
        return len(self.called(method))

    def created_pairs(self) -> Counter[frozenset[int]]:
        return Counter(frozenset(args[:2]) for args in self.called("create_interconnect"))

    def _write(self, method: str, apply: Callable[[], Any], reconcile: Any) -> Any:
        with self._lock:
            script = self.faults.get(method)
            mode = script.pop(0) if script else None
        if isinstance(mode, BaseException):
            raise mode
        if mode == "lost":
            apply()
        if mode in ("lost", "dropped"):
            if reconcile is None:
                raise TransientError("connection dropped; not sent again", code="ConnectionDropped")
            found = reconcile()
            if found is not None:
                return found
        return apply()

    # -- identity -------------------------------------------------------------------------

    def close(self) -> None:
        pass

    def version(self) -> str:
        return "fake"

    def whoami(self) -> User:
        self._log("whoami")
        return User.model_validate({"userId": 1, "networkId": 20, "mailboxId": 300})

    def login(self, login: str, password: str) -> LoginGrant:
        return LoginGrant(token="fake-session-token")

    def logout(self) -> None:
        pass

    # -- IDs --------------------------------------------------------------------------------

    def find_ids(
        self, qualifier: str, isa_id: str, *, include_inactive: bool = True
    ) -> list[EcgridId]:
        self._log("find_ids", qualifier, isa_id)
        with self._lock:
            found = [
                record
                for record in self.ids.values()
                if (record.qualifier or "").upper() == qualifier.upper()
                and (record.isa_id or "").upper() == isa_id.upper()
            ]
        if not include_inactive:
            found = [record for record in found if record.status == "Active"]
        return sorted(found, key=lambda record: record.ecgrid_id)

    def get_id(self, ecgrid_id: int) -> EcgridId:
        self._log("get_id", ecgrid_id)
        with self._lock:
            found = self.ids.get(ecgrid_id)
        if found is None:
            raise NotFoundError(f"no ECGrid ID {ecgrid_id}", code="ObjectNotFound")
        return found

    def create_id(self, new: NewId, *, reconcile: Any) -> EcgridId:
        self._log("create_id", new)

        def apply() -> EcgridId:
            with self._lock:
                for record in self.ids.values():
                    if (
                        (record.qualifier or "").upper() == new.qualifier.upper()
                        and (record.isa_id or "").upper() == new.isa_id.upper()
                        and is_live(record.status)
                    ):
                        raise ConflictError("QID exists", code="DuplicateObject")
                return self.add_id(
                    next(self._ids),
                    new.qualifier,
                    new.isa_id,
                    mailboxId=new.mailbox_id,
                    description=new.description,
                    useType=new.use_type,
                )

        return self._write("create_id", apply, reconcile)

    def tp_move(self, ecgrid_id: int, new_mailbox_id: int, *, reconcile: Any) -> EcgridId:
        self._log("tp_move", ecgrid_id, new_mailbox_id)

        def apply() -> EcgridId:
            with self._lock:
                current = self.ids[ecgrid_id]
                moved = current.model_copy(update={"mailbox_id": new_mailbox_id})
                self.ids[ecgrid_id] = moved
                return moved

        return self._write("tp_move", apply, reconcile)

    # -- interconnects ------------------------------------------------------------------------

    def create_interconnect(
        self,
        ecgrid_id_from: int,
        ecgrid_id_to: int,
        *,
        status: str | None,
        token: str | None,
        reconcile: Any,
    ) -> Interconnect:
        self._log("create_interconnect", ecgrid_id_from, ecgrid_id_to, status)
        with self._lock:
            self.tokens.append(token)
        if self.before_create is not None:
            self.before_create(ecgrid_id_from, ecgrid_id_to)
        if self.create_delay:
            time.sleep(self.create_delay)

        def apply() -> Interconnect:
            with self._lock:
                for ic in self.interconnects.values():
                    if ic.joins(ecgrid_id_from, ecgrid_id_to) and is_live(ic.status):
                        raise ConflictError("interconnect exists", code="DuplicateObject")
                extra = {"reference": token} if self.stores_tokens and token else {}
                return self.add_interconnect(
                    next(self._ids), ecgrid_id_from, ecgrid_id_to, status or "Active", **extra
                )

        return self._write("create_interconnect", apply, reconcile)

    def get_interconnect(self, interconnect_id: int) -> Interconnect:
        self._log("get_interconnect", interconnect_id)
        with self._lock:
            found = self.interconnects.get(interconnect_id)
        if found is None:
            raise NotFoundError(f"no interconnect {interconnect_id}", code="ObjectNotFound")
        return found

    def _of(self, ecgrid_id: int, status: str | None) -> list[Interconnect]:
        with self._lock:
            found = [
                ic
                for ic in self.interconnects.values()
                if ecgrid_id in (ic.ecgrid_id_from, ic.ecgrid_id_to)
                and (status is None or ic.status == status)
            ]
        return sorted(found, key=lambda ic: ic.interconnect_id)

    def list_interconnects(
        self, ecgrid_id: int, *, status: str | None, page: int, per_page: int
    ) -> list[Interconnect]:
        self._log("list_interconnects", ecgrid_id, status, page, per_page)
        every = self._of(ecgrid_id, status)
        return every[(page - 1) * per_page : page * per_page]

    def iter_interconnects(
        self, ecgrid_id: int, *, status: str | None = None
    ) -> Iterator[Interconnect]:
        self._log("iter_interconnects", ecgrid_id, status)
        yield from self._of(ecgrid_id, status)

    def count_interconnects(self, ecgrid_id: int | None, *, status: str | None = None) -> int:
        self._log("count_interconnects", ecgrid_id, status)
        assert ecgrid_id is not None
        return len(self._of(ecgrid_id, status))

    def interconnects_between(self, a: int, b: int) -> list[Interconnect]:
        self._log("interconnects_between", a, b)
        return [ic for ic in self._of(a, None) if ic.joins(a, b)]

    def cancel_interconnect(self, interconnect_id: int, *, reconcile: Any) -> None:
        self._log("cancel_interconnect", interconnect_id)

        def apply() -> bool:
            with self._lock:
                current = self.interconnects[interconnect_id]
                self.interconnects[interconnect_id] = current.model_copy(
                    update={"status": "Terminated"}
                )
            return True

        self._write("cancel_interconnect", apply, reconcile)

    def add_note(self, interconnect_id: int, text: str) -> None:
        self._log("add_note", interconnect_id, text)

    def list_notes(self, interconnect_id: int) -> list[InterconnectNote]:
        self._log("list_notes", interconnect_id)
        return []

    # -- parcels ------------------------------------------------------------------------------

    def send_test_file(self, ecgrid_id_from: int, ecgrid_id_to: int) -> int:
        self._log("send_test_file", ecgrid_id_from, ecgrid_id_to)
        with self._lock:
            parcel_id = next(self._ids)
            self.parcels[parcel_id] = list(self.parcel_statuses)
        return parcel_id

    def get_parcel(self, parcel_id: int) -> Parcel:
        self._log("get_parcel", parcel_id)
        with self._lock:
            script = self.parcels[parcel_id]
            status = script.pop(0) if len(script) > 1 else script[0]
        return Parcel.model_validate({"parcelId": parcel_id, "status": status})
