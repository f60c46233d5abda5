"""The SOAP 1.1 endpoint ``/v4.1/prod/ECGridOS.asmx`` (ECGridOS v4.1) over the same store.

POST a SOAP 1.1 envelope (``text/xml``; the optional SOAPAction must name the operation
in the body); GET ``?WSDL`` for the service description. The first parameter,
SessionID, is the API key or a session from Login. Latency, injected faults (429 with
Retry-After, 503, or a 500 ``soap:Server`` fault) and dropped answers after committed
writes apply as on REST. Answers use the live namespace, or the legacy one with
``--soap-namespace legacy`` (the WSDL follows suit).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ecgrid_cli.sandbox.messages import Reply, Request
from ecgrid_cli.sandbox.records import ApiError
from ecgrid_cli.sandbox.rest import log_traceback
from ecgrid_cli.sandbox.soap_envelope import (
    NAMESPACES,
    client_error,
    fault,
    parse_args,
    parse_envelope,
    response,
    soap_action_operation,
)
from ecgrid_cli.sandbox.soap_handlers import Call
from ecgrid_cli.sandbox.soap_ops import OPERATIONS
from ecgrid_cli.sandbox.wsdl import build_wsdl

if TYPE_CHECKING:
    from ecgrid_cli.sandbox.app import SandboxApp

SOAP_PATH = "/v4.1/prod/ECGridOS.asmx"
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")
_FAULT_TEXT = {
    429: "Rate limit exceeded (sandbox fault injection); retry after the Retry-After delay.",
    503: "Service unavailable (sandbox fault injection).",
}


def is_soap_path(path: str) -> bool:
    """The endpoint's path, in any case (like .NET)."""
    return path.lower() == SOAP_PATH.lower()


class SoapEndpoint:
    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.namespace = NAMESPACES[app.options.soap_namespace]

    def handle(self, request: Request) -> Reply:
        """Request -> Reply; never raises."""
        if request.method in ("GET", "HEAD"):
            return self._get(request)
        if request.method != "POST":
            return Reply.text(405, "Use POST (SOAP 1.1) or GET ?WSDL.\n", {"Allow": "GET, POST"})
        try:
            return self._post(request)
        except ApiError as err:
            return self.fault(err)
        except Exception as exc:
            log_traceback()
            return self.fault(
                ApiError(
                    500,
                    "InternalError",
                    f"unexpected sandbox error ({type(exc).__name__})",
                    retcode="InternalError",
                )
            )

    def fault(self, err: ApiError, headers: dict[str, str] | None = None) -> Reply:
        return Reply.xml(500, fault(err), headers)

    def refuse(self, status: int, message: str) -> Reply:
        """A request the HTTP layer could not take (too large, no Content-Length, ...)."""
        retcode = "InvalidDataLength" if status == 413 else "DataError"
        return self.fault(client_error(message, retcode))

    def _get(self, request: Request) -> Reply:
        names = {part.partition("=")[0].lower() for part in request.query.split("&")}
        if "wsdl" in names:
            return Reply.xml(200, build_wsdl(self.namespace, self._address(request)))
        listing = "\n".join(f"  {name}" for name in OPERATIONS)
        return Reply.text(
            200,
            "ECGridOS v4.1 (ecgrid-cli sandbox): SOAP 1.1 at this address.\n"
            f"Service description: {SOAP_PATH}?WSDL\nOperations:\n{listing}\n",
        )

    def _address(self, request: Request) -> str:
        """Where clients reach this endpoint: the Host they used, else the server's URL."""
        host = (request.headers.get("Host") or "").strip()
        base = f"http://{host}" if _HOST.match(host) else self.app.base_url
        return f"{base}{SOAP_PATH}"

    def _post(self, request: Request) -> Reply:
        media_type = (request.headers.get("Content-Type") or "").partition(";")[0].strip().lower()
        if media_type == "application/soap+xml":
            raise client_error("SOAP 1.2 is not served here: send SOAP 1.1 (text/xml)")
        if media_type and media_type not in ("text/xml", "application/xml"):
            raise client_error(f"expected Content-Type text/xml, got {media_type[:60]!r}")
        _, name, element = parse_envelope(request.body)
        operation = OPERATIONS.get(name)
        if operation is None:
            raise client_error(
                f"the sandbox does not implement the operation {name[:80]!r} "
                f"(see {SOAP_PATH}?WSDL)",
                item=name[:80],
            )
        action = soap_action_operation(request.headers.get("SOAPAction"))
        if action is not None and action != name:
            raise client_error(
                f"the SOAPAction header names {action[:80]!r}, the body {name!r}",
                item="SOAPAction",
            )
        args = parse_args(operation.params, element)
        chaos = self.app.chaos
        if operation.chaos:
            chaos.delay()
        principal = self.app.auth.soap(args["SessionID"] or "") if operation.session else None
        if operation.chaos:
            injected = chaos.fault()
            if injected == 429:
                return Reply.text(429, _FAULT_TEXT[429], {"Retry-After": chaos.retry_after})
            if injected == 503:
                return Reply.text(503, _FAULT_TEXT[503])
            if injected == 500:
                return self.fault(
                    ApiError(
                        500,
                        "InternalError",
                        "internal error (sandbox fault injection)",
                        retcode="InternalError",
                    )
                )
        call = Call(self.app.store, self.app.auth, args, principal, request.client)
        value = operation.handler(call)
        reply = Reply.xml(200, response(self.namespace, name, operation.result, value))
        if operation.mutating and chaos.drop():
            reply.drop = True
        return reply
