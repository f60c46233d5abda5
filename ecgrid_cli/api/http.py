"""The HTTP plumbing both APIs share: one httpx client, one attempt, one deadline.

* httpx is imported without the parts this tool never uses (see ``_import_httpx_lean``).
* Proxies: plain http is only ever allowed to loopback, and such requests never go
  through a proxy, whatever ``HTTP_PROXY``/``ALL_PROXY`` say (a proxy would see the
  key in clear). An https target may use the environment's proxy (CONNECT tunnel),
  honouring ``NO_PROXY``.
* The ``--timeout`` deadline bounds the whole call: every socket read and write is
  given at most the time left, so a server trickling its headers one byte a second
  cannot keep the tool waiting past the deadline.
* ``send_once`` makes one attempt and maps every failure to a typed error; the retry
  loop around it lives in :mod:`ecgrid_cli.api.resilience`.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ecgrid_cli import __version__, lean_imports
from ecgrid_cli.errors import (
    EcgridError,
    InvalidResponseError,
    TransientError,
    UnreachableError,
    UsageError,
)
from ecgrid_cli.urls import is_loopback_host

lean_imports.httpx()

import httpcore  # noqa: E402
import httpx  # noqa: E402

MAX_BODY_BYTES = 8 * 1024 * 1024
USER_AGENT = f"ecgrid-cli/{__version__}"
# Connect failures that retrying cannot fix.
_PERMANENT_CONNECT_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated",
    "getaddrinfo failed",
    "certificate verify failed",
    "certificate_verify_failed",
    "wrong version number",
)


# -- the deadline of the call in progress (one per thread) ------------------------------

_current = threading.local()


@contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Bound every socket operation of this thread by ``deadline`` (a monotonic time)."""
    previous = getattr(_current, "deadline", None)
    _current.deadline = deadline
    try:
        yield
    finally:
        _current.deadline = previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: Any = None):
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own backend, with every operation cut to the time the call has left."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# -- the client ---------------------------------------------------------------------------


def proxy_for(url: str) -> str | None:
    """The proxy an https ``url`` may use (from the environment), else None.

    Plain-http targets (loopback only) never use a proxy: the proxy would receive the
    request, API key included, in clear.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or is_loopback_host(host):
        return None
    proxies = urllib.request.getproxies()
    chosen = proxies.get("https") or proxies.get("all")
    if not chosen or urllib.request.proxy_bypass(host):
        return None
    if urlsplit(chosen).scheme not in ("http", "https"):
        return None  # SOCKS needs an extra package; go direct rather than fail
    return chosen


def build_client(
    base_url: str, *, headers: dict[str, str], max_connections: int, timeout: float
) -> httpx.Client:
    secure = base_url.startswith("https://")
    transport = httpx.HTTPTransport(
        # Plain http is only allowed to loopback and redirects are not followed, so
        # such a client never makes a TLS handshake: skip loading the trust store.
        verify=secure,
        trust_env=False,
        proxy=proxy_for(base_url),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )
    pool = transport._pool  # the one place httpx internals are touched (tests guard it)
    pool._network_backend = _DeadlineBackend()
    return httpx.Client(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **headers},
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        transport=transport,
    )


# -- one attempt ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "no content type").split(";")[0].strip()


def send_once(
    client: httpx.Client,
    request: httpx.Request,
    *,
    deadline: float,
    target: str,
    log: Callable[[str], None] | None = None,
    label: str | None = None,
) -> Answer:
    """Send ``request`` once within ``deadline``; every failure becomes a typed error."""
    started = time.perf_counter()
    if log is not None:
        log(f"> {request.method} {request.url}" + (f" ({label})" if label else ""))
    with deadline_scope(deadline):
        try:
            response = client.send(request, stream=True)
        except httpx.ConnectTimeout:
            # Nothing answered the connection: the same as a refused one, not a slow reply.
            raise TransientError("connection timed out", code="ConnectFailed") from None
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"request timed out ({type(exc).__name__})",
                code="Timeout",
                maybe_applied=not isinstance(exc, httpx.PoolTimeout),
            ) from None
        except httpx.ConnectError as exc:
            raise _connect_failure(exc, target) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise TransientError(
                f"connection dropped ({type(exc).__name__})",
                code="ConnectionDropped",
                maybe_applied=True,
            ) from None
        except (httpx.LocalProtocolError, httpx.UnsupportedProtocol) as exc:
            # The request could not even be built or sent: retrying cannot help.
            raise UsageError(f"cannot send this request: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            raise TransientError(
                f"HTTP failure ({type(exc).__name__})", code="TransportError", maybe_applied=True
            ) from None
        try:
            body = _read_capped(response)
        finally:
            response.close()
    if log is not None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log(f"< {response.status_code} {response.reason_phrase} ({elapsed_ms:.0f} ms)")
    return Answer(response.status_code, response.reason_phrase, response.headers, body)


def _connect_failure(exc: httpx.ConnectError, target: str) -> EcgridError:
    text = str(exc) or type(exc).__name__
    if any(hint in text.lower() for hint in _PERMANENT_CONNECT_HINTS):
        return UnreachableError(f"could not reach {target}: {text}", code="Unreachable")
    return TransientError(f"could not connect: {text}", code="ConnectFailed")


def _read_capped(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise InvalidResponseError(
                    f"response body exceeds {MAX_BODY_BYTES // 2**20} MiB; refusing to read it",
                    http_status=response.status_code,
                )
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise TransientError(
            "request timed out while reading the response", code="Timeout", maybe_applied=True
        ) from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError) as exc:
        raise TransientError(
            f"connection dropped while reading ({type(exc).__name__})",
            code="ConnectionDropped",
            maybe_applied=True,
        ) from None
    return b"".join(chunks)
