"""A local ECGrid-compatible server: REST v2 and SOAP (ECGridOS v4.1) over one store.

Like stripe-mock or LocalStack: same paths, envelopes, HTTP statuses, error codes and
SOAP faults as the live service, backed by a sqlite store. It can also misbehave on
purpose (latency, injected 429/500/503, dropped connections after a committed write,
serving only one of the documented request forms) so that clients can be tested
against the failures the real network produces. Standard library plus defusedxml.
"""

from __future__ import annotations

import socket
import threading

from ecgrid_cli.sandbox.app import SandboxApp
from ecgrid_cli.sandbox.chaos import format_retry_after
from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT
from ecgrid_cli.sandbox.httpd import MAX_BODY_BYTES, HTTPServer
from ecgrid_cli.sandbox.options import (
    FIND_STYLES,
    ID_CREATE_STYLES,
    SandboxOptions,
    default_db_path,
    is_loopback,
)
from ecgrid_cli.sandbox.records import STATUSES, StoreError
from ecgrid_cli.sandbox.rest_auth import API_VERSION
from ecgrid_cli.sandbox.soap import SOAP_PATH
from ecgrid_cli.sandbox.store import Store


def url_host(host: str) -> str:
    """A host a client on this machine can connect to, in URL form."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def listen_host(host: str) -> str:
    """The address the server listens on, in URL form (``0.0.0.0`` stays ``0.0.0.0``)."""
    if host == "":
        return "0.0.0.0"
    return f"[{host}]" if ":" in host else host


class SandboxServer:
    """A bound, listening sandbox; call :meth:`serve_forever` (or :meth:`start_in_thread`).

    ``base_url`` is where a client on this machine connects; ``listen_url`` is the
    address really listened on (they differ for ``0.0.0.0`` and ``::``).
    """

    def __init__(self, httpd: HTTPServer, app: SandboxApp) -> None:
        self._httpd = httpd
        self.app = app
        self.options = app.options
        self.store = app.store
        host, port = httpd.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.base_url = f"http://{url_host(self.host)}:{self.port}"
        self.listen_url = f"http://{listen_host(self.host)}:{self.port}"
        self.soap_url = f"{self.base_url}{SOAP_PATH}"
        self.loopback = is_loopback(self.host)
        app.base_url = self.base_url
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
        """Stop serving, close the socket, the database and its lock. Idempotent, bounded.

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
    """Bind, lock and open (or create and seed) the database, and return a listening server.

    Raises OSError when the address is in use (before the database is touched) and
    :class:`~ecgrid_cli.sandbox.records.StoreError` when the database cannot be used,
    including when another live sandbox holds it (so ``reset`` never wipes the data of
    a sandbox that is running). Raises ValueError for options out of range.
    """
    options.validate()
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    httpd = HTTPServer((options.host, options.port), family)
    try:
        db_path = options.resolved_db_path()
        try:
            store = Store(
                db_path,
                reset=options.reset,
                parcel_seconds=options.parcel_seconds,
                parcel_fail_rate=options.parcel_fail_rate,
                seed=options.seed,
            )
        except OSError as exc:
            raise StoreError(
                f"cannot use the database {db_path}: {exc.strerror or type(exc).__name__}"
            ) from None
        try:
            app = SandboxApp(options, store)
        except BaseException:
            store.close()
            raise
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
    "ID_CREATE_STYLES",
    "MAX_BODY_BYTES",
    "STATUSES",
    "SandboxOptions",
    "SandboxServer",
    "create_server",
    "default_db_path",
    "format_retry_after",
    "url_host",
]
