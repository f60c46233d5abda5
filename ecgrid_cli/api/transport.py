"""One httpx connection pool, the ECGrid envelope, and the retry policy.

Every request goes through :meth:`Transport.call`, which

* sends the API key in ``X-API-Key`` (never over plain http except to loopback),
* reads at most ``MAX_BODY_BYTES`` of any answer and never trusts its shape,
* unwraps ``{"success", "data", "errorCode", "message"}`` into data or a typed error,
* retries 429, 5xx, timeouts and connection failures with exponential backoff and
  full jitter, honouring ``Retry-After``, bounded by attempts and one deadline,
* never blindly re-sends a write that may already have been applied: it asks the
  caller's ``reconcile`` function whether the write landed before trying again.
"""

from __future__ import annotations

import email.utils
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ecgrid_cli import __version__
from ecgrid_cli.errors import (
    EcgridError,
    InvalidResponseError,
    RetriesExhaustedError,
    TransientError,
    UnreachableError,
    UsageError,
    api_error_for,
)
from ecgrid_cli.redaction import redact
from ecgrid_cli.urls import check_base_url


def _import_httpx_lean() -> None:
    """Import httpx without the parts of it this tool never uses.

    httpcore probes for trio and anyio at import time, and httpx loads its own
    command-line program (click, pygments and much of rich) when those are installed.
    This tool is synchronous and has its own CLI; on every run those imports would
    cost more than the request itself. The placeholders are removed again, so later
    imports behave normally.
    """
    hidden = [name for name in ("trio", "anyio", "httpx._main") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import httpcore  # noqa: F401
        import httpx  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


_import_httpx_lean()

import httpx  # noqa: E402

T = TypeVar("T")

MAX_BODY_BYTES = 8 * 1024 * 1024
BACKOFF_BASE_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 5.0
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


@dataclass
class RetryPolicy:
    retries: int = 5
    deadline_seconds: float = 30.0
    sleep: Callable[[float], None] = field(default_factory=lambda: time.sleep)
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


class Transport:
    """The thin HTTP layer: knows the envelope and retries, nothing about endpoints."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        policy: RetryPolicy | None = None,
        log: Callable[[str], None] | None = None,
        max_connections: int = 16,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.policy = policy or RetryPolicy()
        self._log = log
        self._secret = api_key
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={
                "X-API-Key": api_key,
                "Accept": "application/json",
                "User-Agent": f"ecgrid-cli/{__version__}",
            },
            timeout=self.policy.deadline_seconds,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
            # Plain http is only ever allowed to loopback (check_base_url) and
            # redirects are not followed, so such a client never makes a TLS
            # handshake: skip loading the trust store. https always verifies.
            verify=self.base_url.startswith("https://"),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one entry point ---------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        parse: Callable[[Any], T] = lambda data: data,
        write: bool = False,
        reconcile: Callable[[], T | None] | None = None,
    ) -> T:
        """Send one logical request (with retries) and return ``parse(data)``.

        ``write`` marks a request that changes state. When such a request may have
        been applied (timeout after sending, dropped connection, 5xx) it is never
        re-sent blindly: ``reconcile()`` is asked first and its result, if not None,
        is returned. Without ``reconcile`` the error surfaces to the user.
        """
        policy = self.policy
        deadline = policy.clock() + policy.deadline_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                return parse(self._attempt(method, path, body, params, deadline))
            except TransientError as err:
                if write and err.maybe_applied:
                    if reconcile is None:
                        raise TransientError(
                            f"{err.message}; the server may have applied the request, "
                            "so it was not sent again",
                            code=err.code,
                            http_status=err.http_status,
                        ) from None
                    self._note(f"{method} {path} may have been applied; checking")
                    found = reconcile()
                    if found is not None:
                        self._note(f"{method} {path} had been applied; not sending again")
                        return found
                delay = policy.backoff(attempt, err.retry_after)
                remaining = deadline - policy.clock()
                if attempt > policy.retries or delay >= remaining:
                    raise self._gave_up(err, attempt, delay, remaining) from None
                self._note(
                    f"retrying {method} {path} in {delay:.2f}s after {err.message} "
                    f"(attempt {attempt + 1} of {policy.retries + 1})"
                )
                policy.sleep(delay)

    # -- one attempt -----------------------------------------------------------------

    def _attempt(
        self,
        method: str,
        path: str,
        body: Any,
        params: dict[str, Any] | None,
        deadline: float,
    ) -> Any:
        remaining = max(0.05, deadline - self.policy.clock())
        request = self._client.build_request(
            method, path, json=body, params=params, timeout=httpx.Timeout(remaining)
        )
        started = time.perf_counter()
        self._note(f"> {method} {request.url}")
        try:
            response = self._client.send(request, stream=True)
        except httpx.ConnectTimeout:
            # Nothing answered the connection: the same as a refused one, not a slow reply.
            raise TransientError("connection timed out", code="ConnectFailed") from None
        except httpx.TimeoutException as exc:
            sent = not isinstance(exc, httpx.PoolTimeout)
            raise TransientError(
                f"request timed out ({type(exc).__name__})",
                code="Timeout",
                maybe_applied=sent,
            ) from None
        except httpx.ConnectError as exc:
            raise _connect_failure(exc, self.base_url) from None
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
            raw = _read_capped(response, deadline, self.policy.clock)
        finally:
            response.close()
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._note(f"< {response.status_code} {response.reason_phrase} ({elapsed_ms:.0f} ms)")
        return _unwrap(response, raw, self._secret)

    def _gave_up(
        self, err: TransientError, attempt: int, delay: float, remaining: float
    ) -> EcgridError:
        if err.code == "ConnectFailed":
            return UnreachableError(
                f"could not reach {self.base_url} after {_attempts(attempt)}: {err.message}",
                code="Unreachable",
            )
        if delay >= remaining and attempt <= self.policy.retries:
            limit = self.policy.deadline_seconds
            why = f"the next retry ({delay:.1f}s) would pass the {limit:g}s deadline"
        else:
            why = _attempts(attempt)
        return RetriesExhaustedError(
            f"gave up after {why}: {err.message}",
            code=err.code if err.code not in ("TransientError",) else "RetriesExhausted",
            http_status=err.http_status,
        )

    def _note(self, line: str) -> None:
        if self._log is not None:
            self._log(line)


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def _connect_failure(exc: httpx.ConnectError, base_url: str) -> EcgridError:
    text = str(exc) or type(exc).__name__
    if any(hint in text.lower() for hint in _PERMANENT_CONNECT_HINTS):
        return UnreachableError(f"could not reach {base_url}: {text}", code="Unreachable")
    return TransientError(f"could not connect: {text}", code="ConnectFailed")


def _read_capped(response: httpx.Response, deadline: float, clock: Callable[[], float]) -> bytes:
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
            if clock() > deadline:
                raise TransientError(
                    "response too slow: deadline passed while reading",
                    code="Timeout",
                    maybe_applied=True,
                )
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


def _unwrap(response: httpx.Response, raw: bytes, secret: str = "") -> Any:
    """Turn one HTTP answer into data, or raise the typed error it stands for.

    A server that echoes the API key in its error message must not leak it into
    the exception text, so the key is masked here, where the message is taken in.
    """
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    try:
        document = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurd nesting
        document = None
        if status < 400:
            raise InvalidResponseError(
                f"the server answered HTTP {status} with a body that is not JSON "
                f"({_content_type(response)})",
                http_status=status,
            ) from None
    envelope = document if isinstance(document, dict) and "success" in document else None
    if status >= 400 or (envelope is not None and envelope.get("success") is not True):
        code = message = None
        if envelope is not None:
            code = _text(envelope.get("errorCode"))
            message = _text(envelope.get("message"))
            if message is not None:
                message = redact(message, (secret,))
        if message is None and envelope is None:
            message = f"HTTP {status} {response.reason_phrase}".strip()
            if document is None and raw.strip():
                message += f" (non-JSON {_content_type(response)} body)"
        error = api_error_for(status if status >= 400 else 200, code, message)
        if isinstance(error, TransientError):
            error.retry_after = retry_after
            # A 429 was refused before processing; a 5xx may have been applied.
            error.maybe_applied = status != 429 and code != "RateLimitExceeded"
        raise error
    if envelope is None:
        raise InvalidResponseError(
            f"the server answered HTTP {status} without the ECGrid envelope",
            http_status=status,
        )
    return envelope.get("data")


def _content_type(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "no content type").split(";")[0]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:500]
