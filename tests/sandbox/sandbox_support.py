"""Deliberately dumb clients for the sandbox tests: raw REST and raw SOAP 1.1 over loopback."""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from ecgrid_cli.sandbox import DEFAULT_API_KEY

LIVE_NS = "https://os.ecgrid.io/"
LEGACY_NS = "http://www.ecgridos.net/"
ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_PATH = "/v4.1/prod/ECGridOS.asmx"
# Seeded interconnects of our own ID 111111 (the health-check demo, 87001-87006).
OWN_SEEDED = 6


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    envelope: Any

    @property
    def data(self) -> Any:
        return self.envelope["data"]

    @property
    def code(self) -> str | None:
        return self.envelope["errorCode"]


class Api:
    """One connection per request, raw access to everything."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80

    def raw(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = DEFAULT_API_KEY,
        bearer: str | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        headers = {"Accept": "application/json"}
        if key is not None:
            headers["X-API-Key"] = key
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
        if payload is not None:
            headers["Content-Type"] = "application/json"
        status, response_headers, text = self.raw(method, path, payload, headers)
        return Answer(status, response_headers, json.loads(text) if text else None)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.request("POST", path, body, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        answer = self.request(method, path, body, **kwargs)
        assert answer.status == 200, answer.envelope
        assert answer.envelope["success"] is True
        return answer.data


def assert_error(answer: Answer, status: int, code: str, *, mentions: str = "") -> None:
    assert answer.status == status, answer.envelope
    assert answer.envelope == {
        "success": False,
        "data": None,
        "errorCode": code,
        "message": answer.envelope["message"],
    }
    assert isinstance(answer.envelope["message"], str) and answer.envelope["message"]
    assert mentions in answer.envelope["message"]


def count(api: Api, ecgrid_id: int, status: str | None = None) -> int:
    body: dict[str, Any] = {"ecGridId": ecgrid_id}
    if status is not None:
        body["status"] = status
    return api.ok("POST", "/v2/partners/count", body)


# -- SOAP ------------------------------------------------------------------------------------


def envelope(operation: str, params: list[tuple[str, Any]], namespace: str = LIVE_NS) -> bytes:
    """A SOAP 1.1 request; booleans as true/false, None values left out."""
    fields = "".join(
        f"<{name}>{_lexical(value)}</{name}>" for name, value in params if value is not None
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{ENV_NS}"><soap:Body>'
        f'<{operation} xmlns="{namespace}">{fields}</{operation}>'
        "</soap:Body></soap:Envelope>"
    ).encode()


def _lexical(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


@dataclass
class SoapAnswer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def root(self) -> ET.Element:
        return ET.fromstring(self.body)

    def result(self, operation: str, namespace: str = LIVE_NS) -> ET.Element | None:
        """The ``<OpResult>`` element (None when the answer leaves it out)."""
        assert self.status == 200, self.body[:2000]
        response = self.root.find(f"{{{ENV_NS}}}Body/{{{namespace}}}{operation}Response")
        assert response is not None, self.body[:2000]
        return response.find(f"{{{namespace}}}{operation}Result")

    def text(self, operation: str, namespace: str = LIVE_NS) -> str:
        result = self.result(operation, namespace)
        assert result is not None
        return result.text or ""

    def fault(self) -> dict[str, str]:
        """faultcode, faultstring and the detail's children, by name."""
        assert self.status == 500, (self.status, self.body[:2000])
        assert self.headers["Content-Type"] == "text/xml; charset=utf-8"
        node = self.root.find(f"{{{ENV_NS}}}Body/{{{ENV_NS}}}Fault")
        assert node is not None, self.body[:2000]
        found = {child.tag: child.text or "" for child in node if child.tag != "detail"}
        detail = node.find("detail")
        assert detail is not None
        found.update({child.tag: child.text or "" for child in detail})
        assert list(found) == [
            "faultcode",
            "faultstring",
            "ErrorCode",
            "ErrorString",
            "ErrorItem",
            "ErrorMessage",
        ]
        return found


class Soap:
    """Posts raw envelopes to the sandbox's SOAP endpoint."""

    def __init__(self, base_url: str, session: str = DEFAULT_API_KEY) -> None:
        self.api = Api(base_url)
        self.session = session

    def post(
        self, body: bytes, *, action: str | None = None, content_type: str | None = None
    ) -> SoapAnswer:
        headers = {"Content-Type": content_type or "text/xml; charset=utf-8"}
        if action is not None:
            headers["SOAPAction"] = action
        status, response_headers, text = self.api.raw("POST", SOAP_PATH, body, headers)
        return SoapAnswer(status, response_headers, text)

    def call(
        self,
        operation: str,
        *params: tuple[str, Any],
        session: str | None = "",
        namespace: str = LIVE_NS,
        action: str | None = "",
    ) -> SoapAnswer:
        """``operation`` with SessionID first (unless ``session`` is None)."""
        fields = list(params)
        if session is not None:
            fields.insert(0, ("SessionID", session or self.session))
        if action == "":
            action = f'"{namespace}{operation}"'
        return self.post(envelope(operation, fields, namespace), action=action)


def children(element: ET.Element | None, namespace: str = LIVE_NS) -> dict[str, ET.Element]:
    """Child elements by local name (namespace stripped), in document order."""
    assert element is not None
    found: dict[str, ET.Element] = {}
    for child in element:
        found[child.tag.removeprefix(f"{{{namespace}}}")] = child
    return found


def names(element: ET.Element | None, namespace: str = LIVE_NS) -> list[str]:
    assert element is not None
    return [child.tag.removeprefix(f"{{{namespace}}}") for child in element]


def flat(element: ET.Element | None, namespace: str = LIVE_NS) -> dict[str, str]:
    """Simple child values by local name."""
    return {name: (child.text or "") for name, child in children(element, namespace).items()}
