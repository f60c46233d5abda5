"""Payload builders shared by the unit tests (a uniquely named module: tests/cli has its own).

REST payloads are in the reference spelling of API-NOTES; SOAP answers are written by
hand the way a .NET ASMX service serialises ECGridOS v4.1 types.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ecgrid_cli.api.soap.wire import NAMESPACE, SOAP_ENV

BASE_URL = "https://api.test"
SOAP_URL = "https://soap.test/v4.1/prod/ECGridOS.asmx"
API_KEY = "test-key-SECRET123"
KEY_ORIGIN = "profile 'prod'"


# -- REST ------------------------------------------------------------------------------


def ok(data: Any = None) -> dict[str, Any]:
    return {"success": True, "data": data, "errorCode": None, "message": None}


def fail(code: str | None, message: str | None = "refused") -> dict[str, Any]:
    return {"success": False, "data": None, "errorCode": code, "message": message}


def ecgrid_id(
    number: int,
    qualifier: str = "01",
    isa_id: str = "PARTNERCO",
    status: str = "Active",
    mailbox_id: int = 300,
) -> dict[str, Any]:
    """One ECGridIDInfo in the reference spelling."""
    return {
        "ecGridId": number,
        "mailboxId": mailbox_id,
        "networkId": 20,
        "qualifier": qualifier,
        "id": isa_id,
        "description": f"Company {number}",
        "status": status,
        "routingGroup": "ProductionA",
        "ediStandard": "X12",
    }


def interconnect(
    interconnect_id: int, ecgrid_from: int, ecgrid_to: int, status: str = "Active"
) -> dict[str, Any]:
    """One InterconnectIDInfo in the reference spelling."""
    return {
        "interconnectId": interconnect_id,
        "ecGridIdFrom": ecgrid_from,
        "ecGridIdTo": ecgrid_to,
        "status": status,
        "created": "2024-01-02T03:04:05Z",
        "modified": "2024-01-02T03:04:05Z",
    }


def body_of(request_or_route: Any) -> Any:
    request = getattr(request_or_route, "calls", None)
    if request is not None:
        return json.loads(request_or_route.calls.last.request.content)
    return json.loads(request_or_route.content)


def bodies(route: Any) -> list[Any]:
    return [json.loads(call.request.content) for call in route.calls]


def partners_server(records: list[dict[str, Any]]):
    """Side effects answering ``POST /v2/partners/count`` and ``/list`` from ``records``.

    Like the documented server: an interconnect is listed for either side, ``status``
    filters, ``pageNo``/``recordsPerPage`` page through the rows.
    """

    def involving(body: dict[str, Any]) -> list[dict[str, Any]]:
        wanted = body["ecGridId"]
        rows = [r for r in records if wanted in (r["ecGridIdFrom"], r["ecGridIdTo"])]
        if body.get("status"):
            rows = [r for r in rows if r["status"] == body["status"]]
        return rows

    def count(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=ok(len(involving(json.loads(request.content)))))

    def listing(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        page, per_page = body.get("pageNo", 1), body.get("recordsPerPage", 25)
        rows = involving(body)[(page - 1) * per_page : page * per_page]
        return httpx.Response(200, json=ok(rows))

    return count, listing


# -- SOAP ------------------------------------------------------------------------------

XSI_XSD = (
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
)


def soap_envelope(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}" {XSI_XSD}>'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def soap_answer(operation: str, result: str | None) -> bytes:
    """``<OpResponse><OpResult>result</OpResult></OpResponse>`` (result=None: no Result)."""
    inner = "" if result is None else f"<{operation}Result>{result}</{operation}Result>"
    return soap_envelope(f'<{operation}Response xmlns="{NAMESPACE}">{inner}</{operation}Response>')


def soap_fault(
    code: str, text: str = "refused", faultcode: str = "soap:Client", item: str = ""
) -> bytes:
    return soap_envelope(
        "<soap:Fault>"
        f"<faultcode>{faultcode}</faultcode><faultstring>{text}</faultstring>"
        f"<detail><ErrorInfo><ErrorCode>{code}</ErrorCode><ErrorString>{text}</ErrorString>"
        f"<ErrorItem>{item}</ErrorItem></ErrorInfo></detail>"
        "</soap:Fault>"
    )


def soap_id_xml(
    number: int,
    qualifier: str = "01",
    isa_id: str = "PARTNERCO",
    status: str = "Active",
    mailbox_id: int = 300,
    tag: str = "ECGridIDInfo",
) -> str:
    """An ECGridIDInfo element as .NET writes it (ISA ID padded to 15)."""
    return (
        f"<{tag}><ECGridID>{number}</ECGridID><NetworkID>20</NetworkID>"
        f"<NetworkName>Net</NetworkName><MailboxID>{mailbox_id}</MailboxID>"
        f"<MailboxName>Box</MailboxName><Qualifier>{qualifier}</Qualifier>"
        f"<ID>{isa_id.ljust(15)}</ID><Description>Company {number}</Description>"
        f"<Status>{status}</Status><UseType>Production</UseType></{tag}>"
    )


def soap_interconnect_xml(
    interconnect_id: int,
    tp1: int,
    tp2: int,
    status: str = "Completed",
    *,
    reference: str | None = None,
    tag: str = "InterconnectIDInfo",
    last_outbound: str = "0001-01-01T00:00:00",
) -> str:
    reference_xml = f"<Reference1>{reference}</Reference1>" if reference else "<Reference1 />"
    return (
        f"<{tag}><InterconnectID>{interconnect_id}</InterconnectID>"
        "<Created>2024-01-02T03:04:05</Created><Modified>2024-01-03T03:04:05</Modified>"
        "<Completed>0001-01-01T00:00:00</Completed>"
        "<LastTraffic>0001-01-01T00:00:00</LastTraffic>"
        "<LastTrafficInbound>0001-01-01T00:00:00</LastTrafficInbound>"
        f"<LastTrafficOutbound>{last_outbound}</LastTrafficOutbound>"
        f"<Status>{status}</Status>"
        f"{soap_id_xml(tp1, tag='TP1')}{reference_xml}{soap_id_xml(tp2, tag='TP2')}"
        f"</{tag}>"
    )


def soap_dataset(operation: str, counts: dict[str, int]) -> bytes:
    """A .NET DataSet (long form: Status, Count) as the Result of ``operation``."""
    schema = (
        '<xs:schema id="NewDataSet" xmlns="" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:msdata="urn:schemas-microsoft-com:xml-msdata">'
        '<xs:element name="NewDataSet" msdata:IsDataSet="true">'
        '<xs:complexType><xs:choice minOccurs="0" maxOccurs="unbounded">'
        '<xs:element name="Table"><xs:complexType><xs:sequence>'
        '<xs:element name="Status" type="xs:string" minOccurs="0" />'
        '<xs:element name="Count" type="xs:int" minOccurs="0" />'
        "</xs:sequence></xs:complexType></xs:element>"
        "</xs:choice></xs:complexType></xs:element></xs:schema>"
    )
    rows = "".join(
        f'<Table diffgr:id="Table{n}" msdata:rowOrder="{n - 1}">'
        f"<Status>{status}</Status><Count>{count}</Count></Table>"
        for n, (status, count) in enumerate(counts.items(), start=1)
    )
    diffgram = (
        '<diffgr:diffgram xmlns:msdata="urn:schemas-microsoft-com:xml-msdata" '
        'xmlns:diffgr="urn:schemas-microsoft-com:xml-diffgram-v1">'
        f'<NewDataSet xmlns="">{rows}</NewDataSet></diffgr:diffgram>'
    )
    return soap_answer(operation, schema + diffgram)


def soap_params(request: httpx.Request, operation: str) -> list[tuple[str, str]]:
    """The (name, text) parameters of a request envelope, in order."""
    from xml.etree import ElementTree

    root = ElementTree.fromstring(request.content)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    assert body is not None
    call = body.find(f"{{{NAMESPACE}}}{operation}")
    assert call is not None, f"no {operation} in {request.content!r}"
    return [(child.tag.split("}", 1)[1], child.text or "") for child in call]
