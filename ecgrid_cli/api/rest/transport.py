"""REST v2 over HTTP: credentials in headers, the JSON envelope, typed errors.

Every request goes through :meth:`RestTransport.call`, which sends the credentials
(``X-API-Key`` or ``Authorization: Bearer``), reads a capped answer within the call's
deadline, and unwraps ``{"success", "data", "errorCode", "message"}`` into the data
or a typed error. Retries and reconcile-before-resend are the shared
:class:`~ecgrid_cli.api.resilience.Resilience`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from ecgrid_cli.api import http
from ecgrid_cli.api.resilience import Resilience, parse_retry_after
from ecgrid_cli.errors import AuthError, InvalidResponseError, TransientError, api_error_for
from ecgrid_cli.redaction import redact

T = TypeVar("T")


class Credentials(Protocol):
    """Where the request's credentials come from (an API key, or a login token)."""

    def headers(self) -> dict[str, str]: ...

    def secrets(self) -> list[str]: ...

    def describe(self) -> str: ...


class RestTransport:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        resilience: Resilience,
        *,
        max_connections: int = 16,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url
        self.credentials = credentials
        self.resilience = resilience
        self._log = log
        self._client = http.build_client(
            base_url,
            headers={"Accept": "application/json"},
            max_connections=max_connections,
            timeout=resilience.policy.deadline_seconds,
        )

    def close(self) -> None:
        self._client.close()

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
        authenticated: bool = True,
    ) -> T:
        """One logical request (with retries): ``parse(data)`` of the envelope's data."""

        def attempt(deadline: float) -> T:
            return parse(self.send(method, path, body, params, deadline, authenticated))

        return self.resilience.run(f"{method} {path}", attempt, write=write, reconcile=reconcile)

    def send(
        self,
        method: str,
        path: str,
        body: Any,
        params: dict[str, Any] | None,
        deadline: float,
        authenticated: bool = True,
    ) -> Any:
        """One attempt: the envelope's data, or the typed error it stands for."""
        remaining = max(0.05, deadline - self.resilience.policy.clock())
        headers = self.credentials.headers() if authenticated else {}
        request = self._client.build_request(
            method,
            path,
            json=body,
            params=params,
            headers=headers,
            timeout=http.httpx.Timeout(remaining),
        )
        answer = http.send_once(
            self._client, request, deadline=deadline, target=self.base_url, log=self._log
        )
        try:
            return unwrap(answer, self.credentials.secrets())
        except AuthError as err:
            if err.http_status == 401 and authenticated:
                err.message = f"{err.message} ({self.credentials.describe()})"
            raise


def unwrap(answer: http.Answer, secrets: list[str]) -> Any:
    """Turn one HTTP answer into data, or raise the typed error it stands for.

    A server that echoes the credentials in its error message must not leak them into
    the exception text, so they are masked here, where the message is taken in.
    """
    status = answer.status
    raw = answer.body
    retry_after = parse_retry_after(answer.headers.get("Retry-After"))
    try:
        document = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurd nesting
        document = None
        if status < 400:
            raise InvalidResponseError(
                f"the server answered HTTP {status} with a body that is not JSON "
                f"({answer.content_type})",
                http_status=status,
            ) from None
    envelope = document if isinstance(document, dict) and "success" in document else None
    if status >= 400 or (envelope is not None and envelope.get("success") is not True):
        code = message = None
        if envelope is not None:
            code = _text(envelope.get("errorCode"))
            message = _text(envelope.get("message"))
            if message is not None:
                message = redact(message, secrets)
        if message is None and envelope is None:
            message = f"HTTP {status} {answer.reason}".strip()
            if document is None and raw.strip():
                message += f" (non-JSON {answer.content_type} body)"
        error = api_error_for(status if status >= 400 else 200, code or None, message)
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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:500]
