"""ECGridOS SOAP 1.1 over HTTP: one envelope per operation, the session in SessionID.

Every call goes through :meth:`SoapTransport.call`: the envelope is built and the
answer parsed by :mod:`ecgrid_cli.api.soap.wire` (hardened XML parsing, faults mapped
to typed errors); the shared :class:`~ecgrid_cli.api.resilience.Resilience` retries
and reconciles, exactly as for REST.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ecgrid_cli.api import http
from ecgrid_cli.api.resilience import Resilience, parse_retry_after
from ecgrid_cli.api.rest.transport import Credentials
from ecgrid_cli.api.soap import wire
from ecgrid_cli.errors import AuthError, TransientError

T = TypeVar("T")


class SoapTransport:
    def __init__(
        self,
        url: str,
        credentials: Credentials,
        resilience: Resilience,
        *,
        max_connections: int = 16,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = url
        self.credentials = credentials
        self.resilience = resilience
        self._log = log
        self._client = http.build_client(
            url,
            headers={"Content-Type": wire.CONTENT_TYPE, "Accept": "text/xml"},
            max_connections=max_connections,
            timeout=resilience.policy.deadline_seconds,
        )

    def close(self) -> None:
        self._client.close()

    def call(
        self,
        operation: str,
        params: Sequence[tuple[str, object]] = (),
        *,
        shape: str = "scalar",
        parse: Callable[[Any], T] = lambda value: value,
        write: bool = False,
        reconcile: Callable[[], T | None] | None = None,
        session: bool = True,
    ) -> T:
        """One operation (with retries): ``parse`` of its result in ``shape``."""

        def attempt(deadline: float) -> T:
            return parse(self.send(operation, params, shape, deadline, session))

        return self.resilience.run(operation, attempt, write=write, reconcile=reconcile)

    def send(
        self,
        operation: str,
        params: Sequence[tuple[str, object]],
        shape: str,
        deadline: float,
        session: bool = True,
    ) -> Any:
        full = [("SessionID", self.credentials.session_id()), *params] if session else list(params)
        remaining = max(0.05, deadline - self.resilience.policy.clock())
        request = self._client.build_request(
            "POST",
            self.base_url,
            content=wire.build_request(operation, full),
            headers={"SOAPAction": wire.soap_action(operation)},
            timeout=http.httpx.Timeout(remaining),
        )
        answer = http.send_once(
            self._client,
            request,
            deadline=deadline,
            target=self.base_url,
            log=self._log,
            label=operation,
        )
        try:
            return wire.parse_response(
                answer.body,
                operation,
                shape,
                http_status=answer.status,
                content_type=answer.content_type,
                secrets=self.credentials.secrets(),
            )
        except TransientError as err:
            err.retry_after = parse_retry_after(answer.headers.get("Retry-After"))
            raise
        except AuthError as err:
            relogin = getattr(self.credentials, "relogin", None)
            if err.code == "SessionTimeout" and relogin:
                err.message = f"The SOAP session expired; run '{relogin}' again."
            elif session:
                err.message = f"{err.message} ({self.credentials.describe()})"
            raise
