"""HTTP plumbing: read a request off the socket, ask the app, write (or drop) the reply.

Standard library ``http.server`` with keep-alive, a body size cap, and a bounded,
tidy shutdown (in-flight requests finish, idle connections are cut).
"""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ecgrid_cli.sandbox.messages import Reply, Request
from ecgrid_cli.sandbox.rest import LOG_ENV
from ecgrid_cli.sandbox.rest_auth import API_VERSION

if TYPE_CHECKING:
    from ecgrid_cli.sandbox.app import SandboxApp

MAX_BODY_BYTES = 1024 * 1024
# A too-large body up to this size is read and discarded so the client can see the answer.
_MAX_DRAIN_BYTES = 16 * 1024 * 1024


def _logging_enabled() -> bool:
    return os.environ.get(LOG_ENV) == "1"


class RequestHandler(BaseHTTPRequestHandler):
    """Thin socket layer: read the request, ask the app, write (or drop) the reply."""

    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    disable_nagle_algorithm = True  # else small replies wait ~40 ms on delayed ACKs
    server_version = f"ecgrid-sandbox/{API_VERSION}"
    sys_version = ""
    timeout = 60  # seconds an idle keep-alive connection may hold a thread
    server: HTTPServer

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

    @property
    def app(self) -> SandboxApp:
        assert self.server.app is not None
        return self.server.app

    def _serve(self) -> None:
        if self.server.connections.closing:
            self.close_connection = True
        parts = urlsplit(self.path)
        path = unquote(parts.path).rstrip("/") or "/"
        body = self._read_body(path)
        if body is None:
            return
        client = str(self.client_address[0]) if self.client_address else ""
        request = Request(self.command, path, parts.query, self.headers, body, client)
        reply = self.app.handle(request)
        if reply.drop:
            self._hang_up()
        else:
            self._send(reply)

    def _read_body(self, path: str) -> bytes | None:
        """The request body, or None after answering a request whose body is unusable."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(self.app.refuse(path, 411, "send the body with Content-Length"))
            return None
        raw_length = self.headers.get("Content-Length", "0").strip() or "0"
        if not raw_length.isdigit():
            self.close_connection = True
            self._send(self.app.refuse(path, 400, "invalid Content-Length header"))
            return None
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            if length <= _MAX_DRAIN_BYTES:
                self._discard(length)
            limit = MAX_BODY_BYTES // 1024 // 1024
            self._send(self.app.refuse(path, 413, f"the request body exceeds {limit} MiB"))
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
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
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
        self.close_connection = True
        self._send(self.app.refuse("", status, message or HTTPStatus(status).phrase))

    def log_message(self, format: str, *args: Any) -> None:
        if _logging_enabled():
            super().log_message(format, *args)


class Connections:
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


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive threads must not stall shutdown
    request_queue_size = 128  # bursts of concurrent clients must not overflow the backlog

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        self.connections = Connections()
        self.app: SandboxApp | None = None
        super().__init__(address, RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would call socket.getfqdn(), a DNS lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if _logging_enabled():
            super().handle_error(request, client_address)
