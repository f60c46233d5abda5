"""The REST v2 subset: routing, the auth/latency/fault pipeline, and the endpoints.

Same paths, envelopes, HTTP statuses and errorCodes as the live service. The vendor's
pages disagree on some request forms; ``--find-style`` and ``--id-create-style`` make
the sandbox serve only one of them, so clients can be tested against each.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecgrid_cli.sandbox.auth import SANDBOX_USER
from ecgrid_cli.sandbox.messages import Handler, Params, Reply, Request, Route, path_int
from ecgrid_cli.sandbox.records import (
    EDI_STANDARDS,
    ROUTING_GROUPS,
    ApiError,
    EcgridIdRecord,
    canonical_choice,
    canonical_use_type,
    invalid,
)
from ecgrid_cli.sandbox.rest_auth import AuthEndpoints
from ecgrid_cli.sandbox.rest_wire import (
    id_info,
    id_info_seed_spelling,
    interconnect_info,
    note_info,
    parcel_info,
)

if TYPE_CHECKING:
    from ecgrid_cli.sandbox.app import SandboxApp

LOG_ENV = "ECGRID_SANDBOX_LOG"


@dataclass(frozen=True)
class _GetFindForm:
    qualifier_param: str
    id_param: str
    render: Callable[[EcgridIdRecord], dict[str, Any]]


_GET_ISA = _GetFindForm("isaQualifier", "isaId", id_info_seed_spelling)
_GET_QUAL = _GetFindForm("qualifier", "id", id_info)
_GET_FIND_FORMS = {
    "post": (),
    "get-isa": (_GET_ISA,),
    "get-qual": (_GET_QUAL,),
    "all": (_GET_ISA, _GET_QUAL),
}

_FAULTS = {
    429: ("RateLimitExceeded", "rate limit exceeded (sandbox fault injection)"),
    500: ("InternalError", "internal error (sandbox fault injection)"),
    503: ("ServiceUnavailable", "service unavailable (sandbox fault injection)"),
}


def log_traceback() -> None:
    if os.environ.get(LOG_ENV) == "1":
        traceback.print_exc(file=sys.stderr)


class RestApi:
    """Request -> Reply for every path that is not the SOAP endpoint; never raises."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.options = app.options
        self.store = app.store
        self.routes = self._build_routes()

    def _build_routes(self) -> list[Route]:
        style = self.options.find_style
        find_methods: dict[str, Handler] = {}
        if style in ("post", "all"):
            find_methods["POST"] = self._find_post
        if _GET_FIND_FORMS[style]:
            find_methods["GET"] = self._find_get
        post = frozenset({"POST"})
        # Literal paths come before {placeholder} paths with the same prefix.
        return [
            *AuthEndpoints(self.app.auth).routes(),
            Route("/v2/ids/find", find_methods),
            Route("/v2/ids/list", {"POST": self._ids_list}),
            Route("/v2/ids/tp-move", {"POST": self._tp_move}, mutating=post),
            Route("/v2/ids", {"POST": self._ids_create}, mutating=post),
            Route("/v2/ids/{ecGridId}", {"GET": self._ids_get}),
            Route("/v2/partners", {"POST": self._partners_create}, mutating=post),
            Route("/v2/partners/list", {"POST": self._partners_list}),
            Route("/v2/partners/count", {"POST": self._partners_count}),
            Route("/v2/partners/note", {"POST": self._partners_note}),
            Route("/v2/partners/notelist", {"POST": self._partners_notelist}),
            Route(
                "/v2/partners/{interconnectId}",
                {"GET": self._partners_get, "DELETE": self._partners_delete},
            ),
            Route("/v2/parcels/send-test-file", {"POST": self._send_test_file}),
            Route("/v2/parcels/{parcelId}", {"GET": self._parcels_get}),
        ]

    # -- the pipeline --------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        try:
            return self._handle(request)
        except ApiError as err:
            return Reply.error(err.http_status, err.code, err.message)
        except Exception as exc:
            log_traceback()
            return Reply.error(
                500, "InternalError", f"unexpected sandbox error ({type(exc).__name__})"
            )

    def _handle(self, request: Request) -> Reply:
        route, args = self._route(request.path)
        chaos = self.app.chaos
        if route is None or route.chaos:
            chaos.delay()
        if route is None or route.auth:
            request.principal = self.app.auth.rest(request.headers)
        if route is None or route.chaos:
            fault = chaos.fault()
            if fault is not None:
                code, message = _FAULTS[fault]
                headers = {"Retry-After": chaos.retry_after} if fault == 429 else {}
                return Reply.error(fault, code, message, headers)
        if route is None:
            raise ApiError(
                404, "ObjectNotFound", f"no such endpoint: {request.method} {request.path or '/'}"
            )
        handler = route.methods.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(route.methods))
            return Reply.error(
                405,
                "MethodNotAllowed",
                f"{request.method} is not allowed on {request.path} (allowed: {allowed})",
                {"Allow": allowed},
            )
        reply = Reply.ok(handler(request, args))
        if request.method in route.mutating and chaos.drop():
            reply.drop = True
        return reply

    def _route(self, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            args = route.match(path)
            if args is not None:
                return route, args
        return None, {}

    # -- ECGrid IDs ----------------------------------------------------------------------

    def _find_post(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        qualifier = body.req_text("qualifier", max_length=64)
        isa_id = body.req_text("id", max_length=64)
        return [id_info(record) for record in self.store.find_ids(qualifier, isa_id)]

    def _find_get(self, request: Request, args: dict[str, str]) -> Any:
        query = Params(request.query_values(), case_insensitive=True)
        forms = _GET_FIND_FORMS[self.options.find_style]
        for form in forms:
            if query.has(form.qualifier_param) or query.has(form.id_param):
                qualifier = query.req_text(form.qualifier_param, max_length=64)
                isa_id = query.req_text(form.id_param, max_length=64)
                return [form.render(record) for record in self.store.find_ids(qualifier, isa_id)]
        first, *others = [f"{form.qualifier_param} and {form.id_param}" for form in forms]
        alternatives = "".join(f" (or {other})" for other in others)
        raise invalid(f"{first}{alternatives} are required")

    def _ids_get(self, request: Request, args: dict[str, str]) -> Any:
        return id_info(self.store.get_id(path_int(args["ecGridId"], "ecGridId")))

    def _ids_create(self, request: Request, args: dict[str, str]) -> Any:
        """The reference body ``{mailboxId, qualifier, id, ...}`` or the guide's
        ``{networkId, mailboxId, isaQualifier, isaId, description, useType}``."""
        body = Params(request.json_object())
        style = self.options.id_create_style
        reference_form = body.has("qualifier") or body.has("id")
        guide_form = style == "guide" or (
            style == "all"
            and not reference_form
            and (body.has("isaQualifier") or body.has("isaId"))
        )
        if guide_form:
            qualifier = body.req_text("isaQualifier", max_length=16)
            isa_id = body.req_text("isaId", max_length=64)
            network_id: int | None = body.req_int("networkId")
        else:
            qualifier = body.req_text("qualifier", max_length=16)
            isa_id = body.req_text("id", max_length=64)
            network_id = body.opt_int("networkId")
        use_type = body.opt_text("useType", max_length=32)
        edi_standard = body.opt_text("ediStandard", max_length=32)
        routing_group = body.opt_text("routingGroup", max_length=64)
        record = self.store.create_id(
            mailbox_id=body.req_int("mailboxId"),
            network_id=network_id,
            qualifier=qualifier,
            isa_id=isa_id,
            description=body.opt_text("description"),
            edi_standard=edi_standard
            and canonical_choice("ediStandard", edi_standard, EDI_STANDARDS),
            routing_group=routing_group
            and canonical_choice("routingGroup", routing_group, ROUTING_GROUPS),
            use_type=canonical_use_type(use_type) if use_type is not None else None,
        )
        return id_info(record)

    def _ids_list(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        mailbox_id = body.opt_int("mailboxId")
        network_id = body.opt_int("networkId")
        status = body.opt_status()
        page, per_page = body.paging()
        records = self.store.list_ids(
            mailbox_id=mailbox_id,
            network_id=network_id,
            status=status,
            page=page,
            per_page=per_page,
        )
        return [id_info(record) for record in records]

    def _tp_move(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        ecgrid_id = body.req_int("ecGridId")
        new_mailbox_id = body.req_int("newMailboxId")
        return id_info(self.store.tp_move(ecgrid_id, new_mailbox_id))

    # -- interconnects -------------------------------------------------------------------

    def _partners_create(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        ecgrid_id_from = body.req_int("ecGridIdFrom")
        ecgrid_id_to = body.req_int("ecGridIdTo")
        status = body.opt_status() or "Active"
        # REST v2 documents no caller reference (only SOAP's InterconnectAdd stores one),
        # so a "reference" field is ignored here, as the live service would.
        record = self.store.create_interconnect(ecgrid_id_from, ecgrid_id_to, status)
        return interconnect_info(record)

    def _partners_get(self, request: Request, args: dict[str, str]) -> Any:
        interconnect_id = path_int(args["interconnectId"], "interconnectId")
        return interconnect_info(self.store.get_interconnect(interconnect_id))

    def _partners_list(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        ecgrid_id = body.req_int("ecGridId")
        status = body.opt_status()
        page, per_page = body.paging()
        records = self.store.list_interconnects(
            ecgrid_id, status=status, page=page, per_page=per_page
        )
        return [interconnect_info(record) for record in records]

    def _partners_count(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        ecgrid_id = body.req_int("ecGridId")
        return self.store.count_interconnects(ecgrid_id, body.opt_status())

    def _partners_delete(self, request: Request, args: dict[str, str]) -> Any:
        self.store.terminate_interconnect(path_int(args["interconnectId"], "interconnectId"))
        return True

    def _partners_note(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        interconnect_id = body.req_int("interconnectId")
        note = body.req_text("note", max_length=4000)
        self.store.add_note(interconnect_id, note, SANDBOX_USER["userId"])
        return True

    def _partners_notelist(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        notes = self.store.list_notes(body.req_int("interconnectId"))
        return [note_info(note) for note in notes]

    # -- parcels -------------------------------------------------------------------------

    def _send_test_file(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        ecgrid_id_from = body.req_int("ecGridIdFrom")
        ecgrid_id_to = body.req_int("ecGridIdTo")
        document_type = body.opt_text("documentType", max_length=64)
        return self.store.send_test_file(ecgrid_id_from, ecgrid_id_to, document_type)

    def _parcels_get(self, request: Request, args: dict[str, str]) -> Any:
        return parcel_info(self.store.get_parcel(path_int(args["parcelId"], "parcelId")))
