"""A minimal, independent ECGrid REST v2 server for benchmarks (standard library only).

It serves exactly what a bulk ``interconnect setup`` needs, and nothing else:

- ``GET  /v2/auth/version`` (no key needed);
- ``POST /v2/ids/find {qualifier, id}`` and the two GET forms the guides document
  (``?isaQualifier=&isaId=`` and ``?qualifier=&id=``);
- ``GET  /v2/ids/{ecGridId}``;
- ``POST /v2/partners/count {ecGridId[, status]}``;
- ``POST /v2/partners/list {ecGridId[, status], pageNo, recordsPerPage}`` (at most 500);
- ``POST /v2/partners {ecGridIdFrom, ecGridIdTo[, status]}`` (a live interconnect
  between the pair, in either orientation -> 400 DuplicateObject).

Every answer is the ``{"success", "data", "errorCode", "message"}`` envelope with a
Content-Length, over HTTP/1.1 keep-alive, written with ONE ``sendall`` of headers and
body on a TCP_NODELAY socket, so no answer waits on a delayed ACK. Every request
(authenticated or not, known or not) sleeps a fixed latency before it is answered, in
its own thread, so concurrent requests overlap as they would against a remote server.
Requests are counted by endpoint, so a benchmark can say how many requests a run made
and which.

It is not the project's sandbox and shares no code with it: benchmark figures taken
against it do not depend on the sandbox being fast.

Run alone: ``python bench/minimal_server.py --partners 300 --latency-ms 20`` prints
``minimal server listening on http://127.0.0.1:PORT`` and the seeded IDs.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

API_VERSION = "2.6.0-minimal"
MAX_PAGE = 500
MAX_BODY = 1024 * 1024
LIVE = frozenset({"Active", "Development", "Preproduction", "Suspended"})
STATUSES = ("Development", "Active", "Preproduction", "Suspended", "Terminated")
SENDER_MAILBOX = 1001
PARTNER_MAILBOX = 3001
NETWORK = 42


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class State:
    """The IDs and interconnects; one lock guards every change and every read of them."""

    ids: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_qid: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    interconnects: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_side: dict[int, list[int]] = field(default_factory=lambda: collections.defaultdict(list))
    live_pairs: dict[frozenset[int], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 500_000
    next_interconnect: int = 9_000_000

    def add_id(self, qualifier: str, isa_id: str, mailbox: int, description: str) -> int:
        with self.lock:
            self.next_id += 1
            ecgrid_id = self.next_id
            self.ids[ecgrid_id] = {
                "ecGridId": ecgrid_id,
                "mailboxId": mailbox,
                "networkId": NETWORK,
                "qualifier": qualifier,
                "id": isa_id.ljust(15),  # the live service pads ISA IDs to 15
                "description": description,
                "status": "Active",
                "routingGroup": "ProductionA",
                "ediStandard": "X12",
                "useType": "Production",
            }
            key = (qualifier.upper(), isa_id.upper())
            self.by_qid.setdefault(key, []).append(ecgrid_id)
            return ecgrid_id

    def find(self, qualifier: str, isa_id: str) -> list[dict[str, Any]]:
        with self.lock:
            found = self.by_qid.get((qualifier.strip().upper(), isa_id.strip().upper()), [])
            return [dict(self.ids[n]) for n in found]

    def get_id(self, ecgrid_id: int) -> dict[str, Any]:
        with self.lock:
            record = self.ids.get(ecgrid_id)
        if record is None:
            raise Refusal(404, "ObjectNotFound", f"ECGrid ID {ecgrid_id} not found")
        return dict(record)

    def _of(self, ecgrid_id: int, status: str | None) -> list[dict[str, Any]]:
        if ecgrid_id not in self.ids:
            raise Refusal(404, "ObjectNotFound", f"ECGrid ID {ecgrid_id} not found")
        records = (self.interconnects[n] for n in self.by_side.get(ecgrid_id, ()))
        return [r for r in records if status is None or r["status"] == status]

    def count(self, ecgrid_id: int, status: str | None) -> int:
        with self.lock:
            return len(self._of(ecgrid_id, status))

    def page(self, ecgrid_id: int, status: str | None, page: int, per_page: int) -> list:
        with self.lock:
            records = self._of(ecgrid_id, status)
            start = (page - 1) * per_page
            return [dict(r) for r in records[start : start + per_page]]

    def create(self, a: int, b: int, status: str) -> dict[str, Any]:
        with self.lock:
            for side in (a, b):
                if side not in self.ids:
                    raise Refusal(404, "ObjectNotFound", f"ECGrid ID {side} not found")
            if a == b:
                raise Refusal(400, "InvalidParameter", "an interconnect joins two different IDs")
            pair = frozenset((a, b))
            if pair in self.live_pairs:
                raise Refusal(
                    400,
                    "DuplicateObject",
                    f"interconnect {self.live_pairs[pair]} already joins {a} and {b}",
                )
            self.next_interconnect += 1
            number = self.next_interconnect
            now = _stamp()
            record = {
                "interconnectId": number,
                "ecGridIdFrom": a,
                "ecGridIdTo": b,
                "status": status,
                "created": now,
                "modified": now,
            }
            self.interconnects[number] = record
            self.by_side[a].append(number)
            self.by_side[b].append(number)
            if status in LIVE:
                self.live_pairs[pair] = number
            return dict(record)

    def pairs_of(self, sender: int) -> collections.Counter[int]:
        """How many interconnects join ``sender`` to each partner (exactly-once check)."""
        with self.lock:
            partners: collections.Counter[int] = collections.Counter()
            for number in self.by_side.get(sender, ()):
                r = self.interconnects[number]
                partners[r["ecGridIdTo"] if r["ecGridIdFrom"] == sender else r["ecGridIdFrom"]] += 1
            return partners


class MinimalServer:
    """The server, its data and its request counts; ``start()`` serves in threads."""

    def __init__(
        self,
        *,
        partners: int = 0,
        latency_ms: float = 20.0,
        api_key: str = "bench-key-0000",
        host: str = "127.0.0.1",
        port: int = 0,
        prefix: str = "BENCH",
    ) -> None:
        self.latency = latency_ms / 1000.0
        self.api_key = api_key
        self.state = State()
        self.sender = self.state.add_id("ZZ", f"{prefix}SENDER", SENDER_MAILBOX, "Bench sender")
        self.partner_qids: list[tuple[str, str]] = []
        for n in range(partners):
            qid = ("ZZ", f"{prefix}{n:06d}")
            self.state.add_id(qid[0], qid[1], PARTNER_MAILBOX, f"Bench partner {n}")
            self.partner_qids.append(qid)
        self.counts: collections.Counter[str] = collections.Counter()
        # time.perf_counter() of the first request's arrival and the last answer's
        # departure: a benchmark in the same process can split a run into phases.
        self.first_request: float | None = None
        self.last_answer: float | None = None
        self._count_lock = threading.Lock()
        self._server = _TCPServer((host, port), _Handler)
        self._server.app = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MinimalServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MinimalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def request_counts(self) -> dict[str, int]:
        with self._count_lock:
            return dict(self.counts)

    def reset_counts(self) -> None:
        with self._count_lock:
            self.counts.clear()
            self.first_request = self.last_answer = None

    def answered(self) -> None:
        with self._count_lock:
            self.last_answer = time.perf_counter()

    # -- the API --------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes):
        """``(status, envelope)`` for one request; counts it under its endpoint."""
        parts = urlsplit(target)
        path = unquote(parts.path).rstrip("/") or "/"
        endpoint, handler, args = self._route(method, path)
        with self._count_lock:
            self.counts[endpoint] += 1
            if self.first_request is None:
                self.first_request = time.perf_counter()
        if self.latency > 0:
            time.sleep(self.latency)
        try:
            if handler is None:
                raise Refusal(404, "ObjectNotFound", f"no such endpoint: {method} {path}")
            if endpoint != "GET /v2/auth/version" and headers.get("x-api-key") != self.api_key:
                raise Refusal(401, "Unauthorized", "missing or invalid API key")
            data = handler(_Input(body, parts.query), *args)
        except Refusal as err:
            return err.status, {
                "success": False,
                "data": None,
                "errorCode": err.code,
                "message": err.message,
            }
        return 200, {"success": True, "data": data, "errorCode": None, "message": None}

    def _route(self, method: str, path: str):
        if path == "/v2/auth/version" and method == "GET":
            return "GET /v2/auth/version", lambda _i: {"version": API_VERSION}, ()
        if path == "/v2/ids/find":
            if method == "POST":
                return "POST /v2/ids/find", self._find_post, ()
            if method == "GET":
                return "GET /v2/ids/find", self._find_get, ()
        if path == "/v2/partners/count" and method == "POST":
            return "POST /v2/partners/count", self._count, ()
        if path == "/v2/partners/list" and method == "POST":
            return "POST /v2/partners/list", self._list, ()
        if path == "/v2/partners" and method == "POST":
            return "POST /v2/partners", self._create, ()
        if path.startswith("/v2/ids/") and method == "GET":
            tail = path[len("/v2/ids/") :]
            if tail.isdigit():
                return "GET /v2/ids/{id}", self._get_id, (int(tail),)
        return f"{method} {path} (unknown)", None, ()

    def _find_post(self, given: _Input) -> list[dict[str, Any]]:
        body = given.json()
        return self.state.find(_text(body, "qualifier"), _text(body, "id"))

    def _find_get(self, given: _Input) -> list[dict[str, Any]]:
        query = {k.lower(): v[0] for k, v in parse_qs(given.query).items()}
        for qualifier, isa_id in (("isaqualifier", "isaid"), ("qualifier", "id")):
            if qualifier in query and isa_id in query:
                return self.state.find(query[qualifier], query[isa_id])
        raise Refusal(400, "InvalidParameter", "isaQualifier and isaId are required")

    def _get_id(self, given: _Input, ecgrid_id: int) -> dict[str, Any]:
        return self.state.get_id(ecgrid_id)

    def _count(self, given: _Input) -> int:
        body = given.json()
        return self.state.count(_int(body, "ecGridId"), _status(body))

    def _list(self, given: _Input) -> list[dict[str, Any]]:
        body = given.json()
        page = _int(body, "pageNo", 1)
        per_page = _int(body, "recordsPerPage", 25)
        if page < 1 or not 1 <= per_page <= MAX_PAGE:
            raise Refusal(400, "InvalidParameter", f"pageNo >= 1, recordsPerPage 1..{MAX_PAGE}")
        return self.state.page(_int(body, "ecGridId"), _status(body), page, per_page)

    def _create(self, given: _Input) -> dict[str, Any]:
        body = given.json()
        status = _status(body) or "Active"
        return self.state.create(_int(body, "ecGridIdFrom"), _int(body, "ecGridIdTo"), status)


class _Input:
    def __init__(self, body: bytes, query: str) -> None:
        self.body, self.query = body, query

    def json(self) -> dict[str, Any]:
        try:
            document = json.loads(self.body or b"null")
        except ValueError:
            raise Refusal(400, "InvalidParameter", "the body is not JSON") from None
        if not isinstance(document, dict):
            raise Refusal(400, "InvalidParameter", "the body must be a JSON object")
        return document


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Refusal(400, "InvalidParameter", f"{name} is required")
    return value


def _int(body: dict[str, Any], name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Refusal(400, "InvalidParameter", f"{name} must be an integer")
    return value


def _status(body: dict[str, Any]) -> str | None:
    value = body.get("status")
    if value is None:
        return None
    for status in STATUSES:
        if isinstance(value, str) and value.lower() == status.lower():
            return status
    raise Refusal(400, "InvalidParameter", f"unknown status {value!r}")


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 256
    app: MinimalServer

    def __init__(self, *args: Any) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(*args)

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(socketserver.StreamRequestHandler):
    """HTTP/1.1 keep-alive, one request after another on one connection."""

    server: _TCPServer
    timeout = 120

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server._open_lock:
            self.server._open.add(self.connection)

    def finish(self) -> None:
        with self.server._open_lock:
            self.server._open.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        try:
            while self._one():
                pass
        except OSError:
            pass

    def _one(self) -> bool:
        line = self.rfile.readline(65537)
        if not line:
            return False
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            self._write(400, _envelope_error("InvalidRequest", "bad request line"), close=True)
            return False
        headers: dict[str, str] = {}
        while True:
            raw = self.rfile.readline(65537)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length_text = headers.get("content-length", "0") or "0"
        if not length_text.isdigit() or int(length_text) > MAX_BODY:
            self._write(400, _envelope_error("InvalidRequest", "bad Content-Length"), close=True)
            return False
        if headers.get("transfer-encoding"):
            self._write(411, _envelope_error("InvalidRequest", "send Content-Length"), close=True)
            return False
        body = self.rfile.read(int(length_text)) if int(length_text) else b""
        status, envelope = self.server.app.answer(method, target, headers, body)
        connection = headers.get("connection", "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        self._write(status, envelope, close=close)
        self.server.app.answered()
        return not close

    def _write(self, status: int, envelope: dict[str, Any], *, close: bool) -> None:
        body = json.dumps(envelope, separators=(",", ":")).encode()
        reason = _REASONS.get(status, "Error")
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
        ).encode("latin-1")
        self.connection.sendall(head + body)  # one write: headers and body together


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    411: "Length Required",
}


def _envelope_error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "data": None, "errorCode": code, "message": message}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--api-key", default="bench-key-0000")
    args = parser.parse_args()
    server = MinimalServer(
        partners=args.partners, latency_ms=args.latency_ms, api_key=args.api_key, port=args.port
    )
    print(f"minimal server listening on {server.url}", flush=True)
    partners = (
        f"partners ZZ/BENCH000000 .. ZZ/BENCH{args.partners - 1:06d}"
        if args.partners
        else "no partners"
    )
    print(f"API key: {args.api_key}; sender ECGrid ID {server.sender}; {partners}", flush=True)
    server.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print(json.dumps(server.request_counts(), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
