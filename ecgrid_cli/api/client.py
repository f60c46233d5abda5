"""One method per ECGrid REST v2 endpoint this tool uses (see API-NOTES.md).

Methods take validated Python values and return models; they never print or exit.
Writes pass a ``reconcile`` function to the transport so that a write which may
already have been applied is checked, not blindly sent twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ecgrid_cli.api.find_forms import (
    FIND_FORMS,
    FIND_PATH,
    NOT_THIS_FORM_STATUSES,
    FindForm,
    FindFormCache,
)
from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, User
from ecgrid_cli.api.transport import Transport
from ecgrid_cli.errors import EcgridError, InvalidResponseError, NotFoundError

M = TypeVar("M", bound=BaseModel)

LOOKUP_PAGE_SIZE = 100
LIVE = "live"  # pseudo-status: anything but Terminated


def _one(model: type[M]) -> Callable[[Any], M]:
    def parse(data: Any) -> M:
        if not isinstance(data, dict):
            raise InvalidResponseError(
                f"expected an object in the response data, got {type(data).__name__}"
            )
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise InvalidResponseError(_describe(model, exc)) from None

    return parse


def _many(model: type[M]) -> Callable[[Any], list[M]]:
    one = _one(model)

    def parse(data: Any) -> list[M]:
        if data is None:
            return []
        if not isinstance(data, list):
            raise InvalidResponseError(
                f"expected a list in the response data, got {type(data).__name__}"
            )
        return [one(item) for item in data]

    return parse


def _integer(data: Any) -> int:
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    text = data.strip() if isinstance(data, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 19:
        return int(text)
    raise InvalidResponseError(f"expected an integer in the response data, got {data!r:.60}")


def _true(data: Any) -> bool:
    if data is True or data is None:
        return True
    raise InvalidResponseError(f"expected true in the response data, got {data!r:.60}")


def _describe(model: type[BaseModel], exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "value"
    return f"unexpected {model.__name__} in the response: {where}: {first.get('msg', 'invalid')}"


class EcgridClient:
    def __init__(self, transport: Transport, find_cache: FindFormCache | None = None) -> None:
        self.transport = transport
        self.find_cache = find_cache or FindFormCache(None)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> EcgridClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- auth / users ----------------------------------------------------------------

    def version(self) -> str:
        data = self.transport.call("GET", "/v2/auth/version")
        if isinstance(data, dict) and "version" in data:
            return str(data["version"])
        if isinstance(data, str | int | float):
            return str(data)
        raise InvalidResponseError("unexpected version response")

    def me(self) -> User:
        return self.transport.call("GET", "/v2/users/me", parse=_one(User))

    # -- ECGrid IDs ------------------------------------------------------------------

    def find_ids(self, qualifier: str, isa_id: str) -> list[EcgridId]:
        """Find IDs by QID using whichever documented find form the server speaks.

        While probing, an empty answer is weak proof: a server that ignores query
        parameters it does not know answers [] to the wrong form. So an empty answer
        moves on to the next form, and is remembered only when every other form was
        refused outright.
        """
        base = self.transport.base_url
        cached = self.find_cache.get(base)
        first_error: EcgridError | None = None
        if cached is not None:
            try:
                return self._find_with(cached, qualifier, isa_id)
            except EcgridError as err:
                if err.http_status not in NOT_THIS_FORM_STATUSES:
                    raise
                first_error = err
                self.find_cache.put(base, None)  # the server changed; probe again
        answered_empty: list[FindForm] = []
        for form in FIND_FORMS:
            if form is cached:
                continue
            try:
                found = self._find_with(form, qualifier, isa_id)
            except EcgridError as err:
                if err.http_status not in NOT_THIS_FORM_STATUSES:
                    raise
                first_error = first_error or err
                continue
            if not found:
                answered_empty.append(form)
                continue
            self.find_cache.put(base, form)
            return found
        if answered_empty:
            if len(answered_empty) == 1:
                self.find_cache.put(base, answered_empty[0])
            return []
        assert first_error is not None
        raise first_error

    def _find_with(self, form: FindForm, qualifier: str, isa_id: str) -> list[EcgridId]:
        found = self.transport.call(
            form.method,
            FIND_PATH,
            parse=_many(EcgridId),
            **form.request_parts(qualifier, isa_id),
        )
        # Servers may match partially ("Partial matches may be supported"): keep exact QIDs.
        exact = [
            item
            for item in found
            if (item.qualifier or "").upper() == qualifier.upper()
            and (item.isa_id or "").upper() == isa_id.upper()
        ]
        return exact

    def get_id(self, ecgrid_id: int) -> EcgridId:
        return self.transport.call("GET", f"/v2/ids/{ecgrid_id}", parse=_one(EcgridId))

    def list_ids(
        self,
        *,
        mailbox_id: int | None = None,
        network_id: int | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = 25,
    ) -> list[EcgridId]:
        body = _without_none(
            mailboxId=mailbox_id,
            networkId=network_id,
            status=status,
            pageNo=page,
            recordsPerPage=per_page,
        )
        return self.transport.call("POST", "/v2/ids/list", body=body, parse=_many(EcgridId))

    def create_id(
        self,
        *,
        mailbox_id: int,
        qualifier: str,
        isa_id: str,
        description: str | None = None,
        edi_standard: str | None = None,
        routing_group: str | None = None,
    ) -> EcgridId:
        body = _without_none(
            mailboxId=mailbox_id,
            qualifier=qualifier,
            id=isa_id,
            description=description,
            ediStandard=edi_standard,
            routingGroup=routing_group,
        )

        def already_created() -> EcgridId | None:
            live = [i for i in self.find_ids(qualifier, isa_id) if i.status != "Terminated"]
            return next((i for i in live if i.mailbox_id == mailbox_id), None)

        return self.transport.call(
            "POST",
            "/v2/ids",
            body=body,
            parse=_one(EcgridId),
            write=True,
            reconcile=already_created,
        )

    def tp_move(self, ecgrid_id: int, new_mailbox_id: int) -> EcgridId:
        def already_moved() -> EcgridId | None:
            current = self.get_id(ecgrid_id)
            return current if current.mailbox_id == new_mailbox_id else None

        return self.transport.call(
            "POST",
            "/v2/ids/tp-move",
            body={"ecGridId": ecgrid_id, "newMailboxId": new_mailbox_id},
            parse=_one(EcgridId),
            write=True,
            reconcile=already_moved,
        )

    # -- interconnects ("partners") --------------------------------------------------

    def create_interconnect(
        self, ecgrid_id_from: int, ecgrid_id_to: int, status: str | None = None
    ) -> Interconnect:
        body = _without_none(ecGridIdFrom=ecgrid_id_from, ecGridIdTo=ecgrid_id_to, status=status)
        return self.transport.call(
            "POST",
            "/v2/partners",
            body=body,
            parse=_one(Interconnect),
            write=True,
            reconcile=lambda: self.find_interconnect_between(ecgrid_id_from, ecgrid_id_to),
        )

    def get_interconnect(self, interconnect_id: int) -> Interconnect:
        return self.transport.call(
            "GET", f"/v2/partners/{interconnect_id}", parse=_one(Interconnect)
        )

    def list_interconnects(
        self, ecgrid_id: int, *, status: str | None = None, page: int = 1, per_page: int = 25
    ) -> list[Interconnect]:
        body = _without_none(
            ecGridId=ecgrid_id, status=status, pageNo=page, recordsPerPage=per_page
        )
        return self.transport.call(
            "POST", "/v2/partners/list", body=body, parse=_many(Interconnect)
        )

    def iter_interconnects(
        self, ecgrid_id: int, *, status: str | None = None, per_page: int = LOOKUP_PAGE_SIZE
    ) -> Iterator[Interconnect]:
        """Every interconnect of an ID, page after page; holds one page in memory."""
        page = 1
        previous_first: int | None = None
        while True:
            batch = self.list_interconnects(ecgrid_id, status=status, page=page, per_page=per_page)
            if not batch:
                return
            # A server that ignores pageNo would repeat page 1 forever: stop instead.
            if batch[0].interconnect_id == previous_first:
                return
            previous_first = batch[0].interconnect_id
            yield from batch
            if len(batch) < per_page:
                return
            page += 1

    def count_interconnects(self, ecgrid_id: int, status: str | None = None) -> int:
        body = _without_none(ecGridId=ecgrid_id, status=status)
        return self.transport.call("POST", "/v2/partners/count", body=body, parse=_integer)

    def find_interconnect_between(self, a: int, b: int) -> Interconnect | None:
        """The live (non-terminated) interconnect joining a and b in either orientation.

        Lists the side with fewer interconnects, so a hub partner with thousands of
        them costs one count, not thousands of rows; a side with none costs no list.
        """
        side = a
        try:
            count_b = self.count_interconnects(b)
            count_a = self.count_interconnects(a)
        except NotFoundError:
            pass
        else:
            if min(count_a, count_b) == 0:
                return None
            if count_b < count_a:
                side = b
        for interconnect in self.iter_interconnects(side):
            if interconnect.joins(a, b) and interconnect.status != "Terminated":
                return interconnect
        return None

    def delete_interconnect(self, interconnect_id: int) -> bool:
        def already_terminated() -> bool | None:
            current = self.get_interconnect(interconnect_id)
            return True if current.status == "Terminated" else None

        return self.transport.call(
            "DELETE",
            f"/v2/partners/{interconnect_id}",
            parse=_true,
            write=True,
            reconcile=already_terminated,
        )

    def add_note(self, interconnect_id: int, note: str) -> bool:
        return self.transport.call(
            "POST",
            "/v2/partners/note",
            body={"interconnectId": interconnect_id, "note": note},
            parse=_true,
            write=True,
        )

    def list_notes(self, interconnect_id: int) -> list[InterconnectNote]:
        return self.transport.call(
            "POST",
            "/v2/partners/notelist",
            body={"interconnectId": interconnect_id},
            parse=_many(InterconnectNote),
        )

    # -- parcels -----------------------------------------------------------------------

    def send_test_file(
        self, ecgrid_id_from: int, ecgrid_id_to: int, document_type: str | None = None
    ) -> int:
        body = _without_none(
            ecGridIdFrom=ecgrid_id_from, ecGridIdTo=ecgrid_id_to, documentType=document_type
        )
        return self.transport.call(
            "POST", "/v2/parcels/send-test-file", body=body, parse=_integer, write=True
        )


def _without_none(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}
