"""The sandbox application: one store, one set of credentials, two protocols (no sockets).

Requests for ``/v4.1/prod/ECGridOS.asmx`` go to the SOAP endpoint, everything else to
the REST API; both share the store, the API key, sessions and tokens, and the chaos
knobs, so whatever one protocol writes the other reads.
"""

from __future__ import annotations

from ecgrid_cli.sandbox.auth import Authenticator, Sessions, Tokens
from ecgrid_cli.sandbox.chaos import Chaos
from ecgrid_cli.sandbox.messages import Reply, Request
from ecgrid_cli.sandbox.options import SandboxOptions
from ecgrid_cli.sandbox.rest import RestApi
from ecgrid_cli.sandbox.soap import SoapEndpoint, is_soap_path
from ecgrid_cli.sandbox.store import Store

_PROTOCOL_ERROR_CODES = {
    400: "InvalidParameter",
    401: "InvalidAPIKey",
    403: "AccessDenied",
    404: "ObjectNotFound",
    405: "MethodNotAllowed",
    429: "RateLimitExceeded",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class SandboxApp:
    """Request -> Reply: auth, faults, routing and endpoints of both protocols."""

    def __init__(self, options: SandboxOptions, store: Store) -> None:
        self.options = options
        self.store = store
        self.base_url = f"http://127.0.0.1:{options.port}"  # the server sets the real one
        self.chaos = Chaos(options)
        self.auth = Authenticator(
            options.api_key, Tokens(options.token_ttl), Sessions(options.session_ttl)
        )
        self.rest = RestApi(self)
        self.soap = SoapEndpoint(self)

    def handle(self, request: Request) -> Reply:
        """Answer one request; never raises."""
        if is_soap_path(request.path):
            return self.soap.handle(request)
        return self.rest.handle(request)

    def refuse(self, path: str, status: int, message: str) -> Reply:
        """The answer to a request the HTTP layer cannot take, in the protocol of ``path``."""
        if is_soap_path(path):
            return self.soap.refuse(status, message)
        code = _PROTOCOL_ERROR_CODES.get(
            status, "InternalError" if status >= 500 else "InvalidParameter"
        )
        return Reply.error(status, code, message)

    def close(self) -> None:
        self.store.close()
