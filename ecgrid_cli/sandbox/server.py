"""A local ECGrid-compatible HTTP server speaking a subset of REST v2 (stdlib only).

Like stripe-mock or LocalStack: same paths, envelopes, HTTP statuses and errorCodes
as the live service, backed by a sqlite :class:`~ecgrid_cli.sandbox.store.Store`.
It can also misbehave on purpose (latency, injected 429/500/503, dropped connections
after a committed write, and serving only one of the three documented find forms) so
that clients can be tested against the failures the real network produces.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import random
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT
from ecgrid_cli.sandbox.store import (
    ISA_ID_MAX_LENGTH,
    STATUSES,
    ApiError,
    EcgridIdRecord,
    InterconnectRecord,
    NoteRecord,
    Store,
    StoreError,
    canonical_status,
    invalid,
    not_found,
)

API_VERSION = "2.6"
FIND_STYLES = ("post", "get-isa", "get-qual", "all")
MAX_BODY_BYTES = 1024 * 1024
# A too-large body up to this size is read and discarded so the client can see the 413.
_MAX_DRAIN_BYTES = 16 * 1024 * 1024
MAX_INT = 2**31 - 1  # ECGrid's IDs are .NET Int32
DEFAULT_RECORDS_PER_PAGE = 25
MAX_RECORDS_PER_PAGE = 500
LOG_ENV = "ECGRID_SANDBOX_LOG"

SANDBOX_USER: dict[str, Any] = {
    "userId": 7001,
    "login": "sandbox",
    "email": "sandbox@example.com",
    "networkId": 42,
    "mailboxId": 1001,
    "authLevel": "NetworkAdmin",
    "status": "Active",
}

_ERROR_CODES_BY_STATUS = {
    400: "InvalidParameter",
    401: "InvalidAPIKey",
    403: "AccessDenied",
    404: "ObjectNotFound",
    405: "MethodNotAllowed",
    429: "RateLimitExceeded",
    500: "InternalError",
    503: "ServiceUnavailable",
}


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/ecgrid/sandbox.db``, else ``~/.local/share/ecgrid/sandbox.db``."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "ecgrid" / "sandbox.db"


def _logging_enabled() -> bool:
    return os.environ.get(LOG_ENV) == "1"


@dataclass
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0 = pick a free port
    api_key: str = DEFAULT_API_KEY
    db_path: str | None = None  # None -> default_db_path(); ":memory:" for a throwaway db
    reset: bool = False  # wipe the database and reseed
    latency_ms: int = 0  # added before every request except GET /v2/auth/version
    fault_rate: float = 0.0  # share of authenticated requests refused with 429/500/503
    retry_after: float = 1.0  # seconds, sent in Retry-After on injected 429s
    drop_rate: float = 0.0  # share of mutating POSTs that commit, then hang up
    find_style: str = "all"  # which find forms are served: post | get-isa | get-qual | all
    seed: int | None = None  # RNG seed for fault injection

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first option that is out of range."""
        self.find_style = self.find_style.strip().lower()
        if self.find_style not in FIND_STYLES:
            raise ValueError(f"find_style must be one of {', '.join(FIND_STYLES)}")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.retry_after < 0:
            raise ValueError("retry_after must not be negative")
        for name in ("fault_rate", "drop_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")

    def resolved_db_path(self) -> str:
        return self.db_path if self.db_path is not None else str(default_db_path())


# -- requests and replies --------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str  # decoded, without the query string or a trailing slash
    query: str
    headers: Mapping[str, str]
    body: bytes

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body counts as ``{}``."""
        if not self.body.strip():
            return {}
        try:
            document = json.loads(self.body.decode("utf-8-sig"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            raise invalid(f"the request body is not valid JSON: {exc}") from None
        if not isinstance(document, dict):
            raise invalid("the request body must be a JSON object")
        return document

    def query_values(self) -> dict[str, str]:
        """Query parameters by lower-cased name (first value wins), like ASP.NET binding."""
        try:
            parsed = parse_qs(self.query, keep_blank_values=True, max_num_fields=50)
        except ValueError as exc:
            raise invalid(f"invalid query string: {exc}") from None
        return {name.lower(): values[0] for name, values in parsed.items()}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


@dataclass
class Reply:
    status: int
    envelope: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # hang up without answering (the change was committed)

    @classmethod
    def ok(cls, data: Any) -> Reply:
        return cls(200, {"success": True, "data": data, "errorCode": None, "message": None})

    @classmethod
    def error(
        cls, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> Reply:
        envelope = {"success": False, "data": None, "errorCode": code, "message": message}
        return cls(status, envelope, headers or {})

    def body(self) -> bytes:
        return json.dumps(self.envelope, separators=(",", ":")).encode("utf-8")


class Params:
    """Typed access to a JSON body or a query string; wrong types -> InvalidParameter."""

    def __init__(self, values: Mapping[str, Any], *, case_insensitive: bool = False) -> None:
        self._values = values
        self._fold = case_insensitive

    def _get(self, name: str) -> Any:
        return self._values.get(name.lower() if self._fold else name)

    def has(self, name: str) -> bool:
        return self._get(name) is not None

    def opt_int(
        self, name: str, *, default: int | None = None, minimum: int = 1, maximum: int = MAX_INT
    ) -> int | None:
        value = self._get(name)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"{name} must be an integer, got {json.dumps(value)[:40]}")
        if not minimum <= value <= maximum:
            raise invalid(f"{name} must be between {minimum} and {maximum}, got {value}")
        return value

    def req_int(self, name: str) -> int:
        value = self.opt_int(name)
        if value is None:
            raise invalid(f"{name} is required")
        return value

    def opt_text(self, name: str, *, max_length: int = 255) -> str | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(f"{name} must be a string, got {json.dumps(value)[:40]}")
        if len(value) > max_length:
            raise invalid(f"{name} is longer than {max_length} characters")
        return value

    def req_text(self, name: str, *, max_length: int = 255) -> str:
        value = self.opt_text(name, max_length=max_length)
        if value is None or not value.strip():
            raise invalid(f"{name} is required")
        return value

    def opt_status(self, name: str = "status") -> str | None:
        value = self.opt_text(name, max_length=32)
        return None if value is None else canonical_status(value)

    def paging(self) -> tuple[int, int]:
        page = self.opt_int("pageNo", default=1)
        per_page = self.opt_int(
            "recordsPerPage", default=DEFAULT_RECORDS_PER_PAGE, maximum=MAX_RECORDS_PER_PAGE
        )
        assert page is not None and per_page is not None
        return page, per_page


def _path_int(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_INT:
        raise invalid(f"{name} in the path must be a positive integer, got {text[:40]!r}")
    return int(text)


# -- wire forms --------------------------------------------------------------------------


def _padded(isa_id: str) -> str:
    """ISA IDs go out padded to 15 characters, as the live service sends them."""
    return isa_id.ljust(ISA_ID_MAX_LENGTH)


def id_info(record: EcgridIdRecord) -> dict[str, Any]:
    """ECGridIDInfo in the endpoint reference's spelling."""
    return {
        "ecGridId": record.ecgrid_id,
        "mailboxId": record.mailbox_id,
        "networkId": record.network_id,
        "qualifier": record.qualifier,
        "id": _padded(record.isa_id),
        "description": record.description,
        "status": record.status,
        "routingGroup": record.routing_group,
        "ediStandard": record.edi_standard,
    }


def id_info_seed_spelling(record: EcgridIdRecord) -> dict[str, Any]:
    """ECGridIDInfo as the "Set Up an Interconnect" guide spells it (GET ?isaQualifier=)."""
    return {
        "ecGridId": record.ecgrid_id,
        "isaQualifier": record.qualifier,
        "isaId": _padded(record.isa_id),
        "companyName": record.description,
        "status": record.status,
        "mailboxId": record.mailbox_id,
        "networkId": record.network_id,
    }


def interconnect_info(record: InterconnectRecord) -> dict[str, Any]:
    return {
        "interconnectId": record.interconnect_id,
        "ecGridIdFrom": record.ecgrid_id_from,
        "ecGridIdTo": record.ecgrid_id_to,
        "status": record.status,
        "created": record.created,
        "modified": record.modified,
    }


def note_info(record: NoteRecord) -> dict[str, Any]:
    return {"text": record.text, "timestamp": record.timestamp, "userId": record.user_id}


# -- routing and endpoint logic ------------------------------------------------------------

Handler = Callable[[Request, dict[str, str]], Any]


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


@dataclass(frozen=True)
class Route:
    pattern: str  # a path with {name} placeholders for one segment each
    methods: dict[str, Handler]
    public: bool = False  # no API key, no latency, no faults
    mutating: frozenset[str] = frozenset()  # methods whose replies drop_rate may swallow

    def match(self, path: str) -> dict[str, str] | None:
        want = self.pattern.strip("/").split("/")
        got = path.strip("/").split("/")
        if len(want) != len(got):
            return None
        args: dict[str, str] = {}
        for expected, actual in zip(want, got, strict=True):
            if expected.startswith("{"):
                args[expected.strip("{}")] = actual
            elif expected.lower() != actual.lower():
                return None
        return args


class SandboxApp:
    """Request -> Reply, independent of sockets: auth, faults, routing, endpoints."""

    def __init__(self, options: SandboxOptions, store: Store) -> None:
        self.options = options
        self.store = store
        self._rng = random.Random(options.seed)
        self._rng_lock = threading.Lock()
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
            Route("/v2/auth/version", {"GET": self._version}, public=True),
            Route("/v2/users/me", {"GET": self._me}),
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
        ]

    def close(self) -> None:
        self.store.close()

    # -- the pipeline --------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        """Answer one request; never raises."""
        try:
            return self._handle(request)
        except ApiError as err:
            return Reply.error(err.http_status, err.code, err.message)
        except Exception as exc:
            if _logging_enabled():
                traceback.print_exc(file=sys.stderr)
            return Reply.error(
                500, "InternalError", f"unexpected sandbox error ({type(exc).__name__})"
            )

    def _handle(self, request: Request) -> Reply:
        route, args = self._route(request.path)
        if route is None or not route.public:
            if self.options.latency_ms:
                time.sleep(self.options.latency_ms / 1000)
            if not self._authenticated(request):
                return Reply.error(
                    401,
                    "InvalidAPIKey",
                    "missing or invalid API key: send it in the X-API-Key header",
                )
            fault = self._injected_fault()
            if fault is not None:
                return fault
        if route is None:
            raise not_found(f"no such endpoint: {request.method} {request.path or '/'}")
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
        if request.method in route.mutating and self._chance(self.options.drop_rate):
            reply.drop = True
        return reply

    def _route(self, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            args = route.match(path)
            if args is not None:
                return route, args
        return None, {}

    def _authenticated(self, request: Request) -> bool:
        given = request.headers.get("X-API-Key")
        if given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.options.api_key.encode("utf-8"))

    def _chance(self, rate: float) -> bool:
        if rate <= 0.0:
            return False  # draw nothing, so seeded runs stay reproducible
        with self._rng_lock:
            return self._rng.random() < rate

    def _injected_fault(self) -> Reply | None:
        if not self._chance(self.options.fault_rate):
            return None
        with self._rng_lock:
            status = self._rng.choice((429, 500, 503))
        if status == 429:
            return Reply.error(
                429,
                "RateLimitExceeded",
                "rate limit exceeded (sandbox fault injection)",
                {"Retry-After": format_retry_after(self.options.retry_after)},
            )
        if status == 500:
            return Reply.error(500, "InternalError", "internal error (sandbox fault injection)")
        return Reply.error(
            503, "ServiceUnavailable", "service unavailable (sandbox fault injection)"
        )

    # -- endpoints: auth and users ----------------------------------------------------------

    def _version(self, request: Request, args: dict[str, str]) -> Any:
        return {"version": API_VERSION}

    def _me(self, request: Request, args: dict[str, str]) -> Any:
        return dict(SANDBOX_USER)

    # -- endpoints: ECGrid IDs ----------------------------------------------------------------

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
        return id_info(self.store.get_id(_path_int(args["ecGridId"], "ecGridId")))

    def _ids_create(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        record = self.store.create_id(
            mailbox_id=body.req_int("mailboxId"),
            qualifier=body.req_text("qualifier", max_length=16),
            isa_id=body.req_text("id", max_length=64),
            description=body.opt_text("description"),
            edi_standard=body.opt_text("ediStandard", max_length=32),
            routing_group=body.opt_text("routingGroup", max_length=64),
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

    # -- endpoints: interconnects -------------------------------------------------------------

    def _partners_create(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        ecgrid_id_from = body.req_int("ecGridIdFrom")
        ecgrid_id_to = body.req_int("ecGridIdTo")
        status = body.opt_status() or "Active"
        record = self.store.create_interconnect(ecgrid_id_from, ecgrid_id_to, status)
        return interconnect_info(record)

    def _partners_get(self, request: Request, args: dict[str, str]) -> Any:
        interconnect_id = _path_int(args["interconnectId"], "interconnectId")
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
        self.store.terminate_interconnect(_path_int(args["interconnectId"], "interconnectId"))
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

    # -- endpoints: parcels -------------------------------------------------------------------

    def _send_test_file(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        ecgrid_id_from = body.req_int("ecGridIdFrom")
        ecgrid_id_to = body.req_int("ecGridIdTo")
        document_type = body.opt_text("documentType", max_length=64)
        return self.store.send_test_file(ecgrid_id_from, ecgrid_id_to, document_type)


def format_retry_after(seconds: float) -> str:
    """``1.0`` -> ``"1"``, ``0.25`` -> ``"0.25"`` (never exponent notation)."""
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


# -- HTTP plumbing ---------------------------------------------------------------------------


class _RequestHandler(BaseHTTPRequestHandler):
    """Thin socket layer: read the request, ask the app, write (or drop) the reply."""

    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    disable_nagle_algorithm = True  # else small replies wait ~40 ms on delayed ACKs
    server_version = f"ecgrid-sandbox/{API_VERSION}"
    sys_version = ""
    timeout = 60  # seconds an idle keep-alive connection may hold a thread
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connections.discard(self.connection)

    def do_GET(self) -> None:
        with self.server.connections.busy():
            self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        if self.server.connections.closing:
            self.close_connection = True
        body = self._read_body()
        if body is None:
            return
        parts = urlsplit(self.path)
        path = unquote(parts.path).rstrip("/") or "/"
        request = Request(self.command, path, parts.query, self.headers, body)
        reply = self.server.app.handle(request)
        if reply.drop:
            self._hang_up()
        else:
            self._send(reply)

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering a request whose body is unusable."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(Reply.error(411, "InvalidParameter", "send the body with Content-Length"))
            return None
        raw_length = self.headers.get("Content-Length", "0").strip() or "0"
        if not raw_length.isdigit():
            self.close_connection = True
            self._send(Reply.error(400, "InvalidParameter", "invalid Content-Length header"))
            return None
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            if length <= _MAX_DRAIN_BYTES:
                self._discard(length)
            limit = MAX_BODY_BYTES // 1024 // 1024
            self._send(
                Reply.error(413, "InvalidParameter", f"the request body exceeds {limit} MiB")
            )
            return None
        return self.rfile.read(length) if length else b""

    def _discard(self, length: int) -> None:
        try:
            while length > 0:
                chunk = self.rfile.read(min(length, 65536))
                if not chunk:
                    return
                length -= len(chunk)
        except OSError:
            return

    def _send(self, reply: Reply) -> None:
        body = reply.body()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _hang_up(self) -> None:
        """Close the connection without sending a single byte of the reply."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors found by http.server (bad request line, ...) as envelopes too."""
        status = int(code)
        error_code = _ERROR_CODES_BY_STATUS.get(
            status, "InternalError" if status >= 500 else "InvalidParameter"
        )
        self.close_connection = True
        self._send(Reply.error(status, error_code, message or HTTPStatus(status).phrase))

    def log_message(self, format: str, *args: Any) -> None:
        if _logging_enabled():
            super().log_message(format, *args)


class _Connections:
    """Open client connections, so shutdown can finish in-flight requests then hang up."""

    def __init__(self) -> None:
        self._sockets: set[socket.socket] = set()
        self._busy = 0
        self._changed = threading.Condition()
        self.closing = False

    def add(self, sock: socket.socket) -> None:
        with self._changed:
            self._sockets.add(sock)

    def discard(self, sock: socket.socket) -> None:
        with self._changed:
            self._sockets.discard(sock)
            self._changed.notify_all()

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Mark one request as in flight for the duration of the block."""
        self._mark(1)
        try:
            yield
        finally:
            self._mark(-1)

    def _mark(self, delta: int) -> None:
        with self._changed:
            self._busy += delta
            self._changed.notify_all()

    def close_all(self, grace: float) -> None:
        """Let running requests finish (up to ``grace`` seconds), then cut every connection."""
        deadline = time.monotonic() + grace
        with self._changed:
            self.closing = True
            self._changed.wait_for(lambda: self._busy == 0, timeout=grace)
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._changed:
            self._changed.wait_for(
                lambda: not self._sockets, timeout=max(0.0, deadline - time.monotonic()) + 0.5
            )


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive threads must not stall shutdown
    request_queue_size = 128  # bursts of concurrent clients must not overflow the backlog

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        self.connections = _Connections()
        self.app: SandboxApp | None = None
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would call socket.getfqdn(), a DNS lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if _logging_enabled():
            super().handle_error(request, client_address)


def url_host(host: str) -> str:
    """A host a client on this machine can connect to, in URL form."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class SandboxServer:
    """A bound, listening sandbox; call :meth:`serve_forever` (or :meth:`start_in_thread`)."""

    def __init__(self, httpd: _HTTPServer, app: SandboxApp) -> None:
        self._httpd = httpd
        self.app = app
        self.options = app.options
        self.store = app.store
        host, port = httpd.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.base_url = f"http://{url_host(self.host)}:{self.port}"
        self._state = threading.Lock()
        self._serving_thread: int | None = None
        self._closed = False

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Serve until :meth:`shutdown` (or KeyboardInterrupt in this thread)."""
        with self._state:
            if self._closed:
                raise RuntimeError("this sandbox server has been shut down")
            if self._serving_thread is not None:
                raise RuntimeError("this sandbox server is already serving")
            self._serving_thread = threading.get_ident()
        self._httpd.serve_forever(poll_interval)

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.serve_forever, name=f"ecgrid-sandbox-{self.port}", daemon=True
        )
        thread.start()
        return thread

    def shutdown(self) -> None:
        """Stop serving, close the socket and the database. Idempotent, bounded in time.

        Safe from any thread; called from the serving thread itself (e.g. from a signal
        handler) it finishes in a helper thread, since waiting there would deadlock.
        """
        with self._state:
            if self._closed:
                return
            self._closed = True
            serving = self._serving_thread
        if serving is not None and serving == threading.get_ident():
            threading.Thread(target=self._stop, args=(True,), name="ecgrid-sandbox-stop").start()
        else:
            self._stop(serving is not None)

    def _stop(self, was_serving: bool) -> None:
        if was_serving:
            self._httpd.shutdown()  # returns once the serve_forever loop has exited
        self._httpd.server_close()
        self._httpd.connections.close_all(grace=2.0)
        self.app.close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def create_server(options: SandboxOptions) -> SandboxServer:
    """Bind, open (or create and seed) the database, and return a listening server.

    Raises OSError when the address is in use (before the database is touched, so a
    ``reset`` never wipes the database of a sandbox that is already running) and
    :class:`~ecgrid_cli.sandbox.store.StoreError` when the database cannot be used.
    """
    options.validate()
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    httpd = _HTTPServer((options.host, options.port), family)
    try:
        db_path = options.resolved_db_path()
        try:
            store = Store(db_path, reset=options.reset)
        except OSError as exc:
            raise StoreError(
                f"cannot use the database {db_path}: {exc.strerror or type(exc).__name__}"
            ) from None
        app = SandboxApp(options, store)
    except BaseException:
        httpd.server_close()
        raise
    httpd.app = app
    return SandboxServer(httpd, app)


__all__ = [
    "API_VERSION",
    "DEFAULT_API_KEY",
    "DEFAULT_PORT",
    "FIND_STYLES",
    "STATUSES",
    "SandboxOptions",
    "SandboxServer",
    "create_server",
    "default_db_path",
]
