"""Requests and replies as the sandbox app sees them (no sockets), and typed JSON access."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from ecgrid_cli.sandbox.records import canonical_status, invalid

MAX_INT = 2**31 - 1  # ECGrid's IDs are .NET Int32
DEFAULT_RECORDS_PER_PAGE = 25
MAX_RECORDS_PER_PAGE = 500
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str  # decoded, without the query string or a trailing slash
    query: str
    headers: Mapping[str, str]
    body: bytes
    client: str = ""  # the peer's address
    principal: Any = None  # who sent it, once authenticated (see auth.Principal)

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body counts as ``{}``."""
        if not self.body.strip():
            return {}
        try:
            document = json.loads(self.body.decode("utf-8-sig"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            raise invalid(f"the request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise invalid("the request body is not valid JSON: nested too deeply") from None
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
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # hang up without answering (the change was committed)

    @classmethod
    def envelope(
        cls, status: int, envelope: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Reply:
        body = json.dumps(envelope, separators=(",", ":")).encode("utf-8")
        return cls(status, body, JSON_TYPE, headers or {})

    @classmethod
    def ok(cls, data: Any) -> Reply:
        return cls.envelope(
            200, {"success": True, "data": data, "errorCode": None, "message": None}
        )

    @classmethod
    def error(
        cls, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> Reply:
        envelope = {"success": False, "data": None, "errorCode": code, "message": message}
        return cls.envelope(status, envelope, headers)

    @classmethod
    def xml(cls, status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, text.encode("utf-8"), XML_TYPE, headers or {})

    @classmethod
    def text(cls, status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, text.encode("utf-8"), TEXT_TYPE, headers or {})

    def json(self) -> Any:
        """The body as JSON (for tests and logs)."""
        return json.loads(self.body)


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


def path_int(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_INT:
        raise invalid(f"{name} in the path must be a positive integer, got {text[:40]!r}")
    return int(text)


Handler = Callable[[Request, dict[str, str]], Any]


@dataclass(frozen=True)
class Route:
    """A REST path with ``{name}`` placeholders (one segment each) and its handlers."""

    pattern: str
    methods: dict[str, Handler]
    auth: bool = True  # needs X-API-Key or a Bearer token
    chaos: bool = True  # latency and injected faults apply
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
