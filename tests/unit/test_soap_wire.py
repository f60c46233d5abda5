"""The SOAP 1.1 wire module: envelopes out, values or typed errors in, hostile XML refused.

Every sample answer below is written by hand from the ECGridOS v4.1 type definitions
(SessionInfo, ECGridIDInfo, InterconnectIDInfo, RetCode, .NET DataSet), the way a .NET
ASMX service serialises them. No test reads anything outside the repository.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest

from ecgrid_cli.api.soap import wire
from ecgrid_cli.api.soap.dataset import counts_by_status
from ecgrid_cli.api.soap.wire import (
    CONTENT_TYPE,
    LEGACY_NAMESPACE,
    NAMESPACE,
    SOAP_ENV,
    build_request,
    parse_response,
    soap_action,
    soap_bool,
    soap_datetime,
    soap_int,
)
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    TransientError,
    UsageError,
)

XSI_XSD = (
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
)


def envelope(body: str, prefix: str = "soap") -> bytes:
    """A .NET-style SOAP 1.1 answer around ``body``."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<{prefix}:Envelope xmlns:{prefix}="{SOAP_ENV}" {XSI_XSD}>'
        f"<{prefix}:Body>{body}</{prefix}:Body></{prefix}:Envelope>"
    ).encode()


def answer(operation: str, result: str | None, namespace: str = NAMESPACE) -> bytes:
    inner = "" if result is None else result
    return envelope(f'<{operation}Response xmlns="{namespace}">{inner}</{operation}Response>')


def raises(
    exc: type[Exception],
    raw: bytes,
    operation: str = "Version",
    shape: str = "scalar",
    **kwargs: Any,
) -> Any:
    with pytest.raises(exc) as info:
        parse_response(raw, operation, shape, **kwargs)
    return info.value


# --- requests ----------------------------------------------------------------------------

HEAD = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
)
TAIL = b"</soap:Body></soap:Envelope>"


def test_constants_and_soap_action() -> None:
    assert NAMESPACE == "https://os.ecgrid.io/"
    assert LEGACY_NAMESPACE == "http://www.ecgridos.net/"
    assert SOAP_ENV == "http://schemas.xmlsoap.org/soap/envelope/"
    assert CONTENT_TYPE == "text/xml; charset=utf-8"
    assert soap_action("TPSearch") == '"https://os.ecgrid.io/TPSearch"'
    assert soap_action("Version") == '"https://os.ecgrid.io/Version"'


def test_envelope_without_parameters() -> None:
    assert build_request("Version", []) == (
        HEAD + b'<Version xmlns="https://os.ecgrid.io/"></Version>' + TAIL
    )


def test_envelope_keeps_order_omits_none_and_writes_booleans() -> None:
    raw = build_request(
        "TPSearch",
        [("SessionID", "s-1"), ("Qualifier", None), ("ID", "ACME"), ("ShowInactive", False)],
    )
    assert raw == (
        HEAD
        + b'<TPSearch xmlns="https://os.ecgrid.io/">'
        + b"<SessionID>s-1</SessionID><ID>ACME</ID><ShowInactive>false</ShowInactive>"
        + b"</TPSearch>"
        + TAIL
    )


def test_envelope_escapes_text_and_sends_ints_and_empty_strings() -> None:
    raw = build_request(
        "InterconnectAdd",
        [
            ("SessionID", "s-1"),
            ("ECGridID1", 123),
            ("ECGridID2", 456),
            ("Reference", "PO <42> & \"co\" 'x' ]]>"),
            ("ContactName", ""),
            ("ContactEMail", None),
            ("NotifyContact", True),
            ("Preconfirm", False),
            ("Note", "line 1\r\nline 2\tünïcødé €"),
        ],
    )
    assert raw == (
        HEAD
        + b'<InterconnectAdd xmlns="https://os.ecgrid.io/"><SessionID>s-1</SessionID>'
        + b"<ECGridID1>123</ECGridID1><ECGridID2>456</ECGridID2>"
        + b"<Reference>PO &lt;42&gt; &amp; \"co\" 'x' ]]&gt;</Reference>"
        + b"<ContactName></ContactName>"
        + b"<NotifyContact>true</NotifyContact><Preconfirm>false</Preconfirm>"
        + "<Note>line 1&#13;\nline 2\tünïcødé €</Note>".encode()
        + b"</InterconnectAdd>"
        + TAIL
    )
    # Well-formed, in the live namespace, and the text survives a parse unchanged.
    root = ElementTree.fromstring(raw)
    operation = root.find(f"{{{SOAP_ENV}}}Body/{{{NAMESPACE}}}InterconnectAdd")
    assert operation is not None
    assert [local.tag.split("}")[1] for local in operation] == [
        "SessionID", "ECGridID1", "ECGridID2", "Reference", "ContactName",
        "NotifyContact", "Preconfirm", "Note",
    ]  # fmt: skip
    assert operation.findtext(f"{{{NAMESPACE}}}Reference") == "PO <42> & \"co\" 'x' ]]>"
    assert operation.findtext(f"{{{NAMESPACE}}}Note") == "line 1\r\nline 2\tünïcødé €"
    assert LEGACY_NAMESPACE.encode() not in raw


def test_envelope_base64_and_datetime() -> None:
    from datetime import datetime

    raw = build_request(
        "CertificateAddPublic",
        [
            ("SessionID", "s"),
            ("BeginUsage", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
            ("Cert", b"\x00\xffcert"),
        ],
    )
    assert raw == (
        HEAD
        + b'<CertificateAddPublic xmlns="https://os.ecgrid.io/"><SessionID>s</SessionID>'
        + b"<BeginUsage>2024-05-01T12:00:00+00:00</BeginUsage><Cert>AP9jZXJ0</Cert>"
        + b"</CertificateAddPublic>"
        + TAIL
    )


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "\x1b[31m", "\ufffe", "lone \ud800"])
def test_characters_xml_cannot_carry_are_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError) as info:
        build_request("Login", [("LoginName", "me"), ("Password", bad)])
    assert "Password" in info.value.message
    assert bad not in info.value.message  # the value may be a secret


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("TP Search", []),
        ("<x>", []),
        ("", []),
        ("TPSearch", [("Session ID", "x")]),
        ("TPSearch", [("a:b", "x")]),
    ],
)
def test_bad_names_are_programming_errors(operation: str, params: list) -> None:
    with pytest.raises(ValueError):
        build_request(operation, params)


def test_unsupported_value_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        build_request("TPSearch", [("ShowInactive", 1.5)])


# --- scalar, object and list shapes -------------------------------------------------------

VERSION_ANSWERS = {
    "live": answer("Version", "<VersionResult>4.1 (Build 472)</VersionResult>"),
    "legacy": answer("Version", "<VersionResult>4.1 (Build 472)</VersionResult>", LEGACY_NAMESPACE),
    "odd prefixes": (
        f'<?xml version="1.0"?><E:Envelope xmlns:E="{SOAP_ENV}"><E:Header/><E:Body>'
        f'<q1:VersionResponse xmlns:q1="{LEGACY_NAMESPACE}">'
        "<q1:VersionResult>4.1 (Build 472)</q1:VersionResult></q1:VersionResponse>"
        "</E:Body></E:Envelope>"
    ).encode(),
    "prefixed live, whitespace, BOM": (
        "\ufeff<?xml version='1.0' encoding='utf-8'?>\n"
        f'<s:Envelope xmlns:s="{SOAP_ENV}">\n  <s:Body>\n'
        f'    <tns:VersionResponse xmlns:tns="{NAMESPACE}">\n'
        "      <tns:VersionResult>4.1 (Build 472)</tns:VersionResult>\n"
        "    </tns:VersionResponse>\n  </s:Body>\n</s:Envelope>\n"
    ).encode(),
}


@pytest.mark.parametrize("raw", VERSION_ANSWERS.values(), ids=VERSION_ANSWERS.keys())
def test_version_scalar_in_both_namespaces(raw: bytes) -> None:
    assert parse_response(raw, "Version", "scalar") == "4.1 (Build 472)"


def test_scalar_absent_nil_and_empty() -> None:
    assert parse_response(answer("Login", None), "Login", "scalar") is None
    nil = answer("Login", '<LoginResult xsi:nil="true" />')
    assert parse_response(nil, "Login", "scalar") is None
    assert parse_response(answer("Login", "<LoginResult />"), "Login", "scalar") == ""
    raw = answer("Login", "<LoginResult>  spaced  </LoginResult>")
    assert parse_response(raw, "Login", "scalar") == "  spaced  "


def test_scalar_int_and_bool_helpers() -> None:
    added = parse_response(answer("TPAdd", "<TPAddResult>1234567</TPAddResult>"), "TPAdd", "scalar")
    assert soap_int(added) == 1234567  # type: ignore[arg-type]
    cancel = answer(
        "InterconnectCancel", "<InterconnectCancelResult>true</InterconnectCancelResult>"
    )
    assert soap_bool(parse_response(cancel, "InterconnectCancel", "scalar")) is True  # type: ignore[arg-type]
    assert soap_bool("false") is False
    assert soap_bool("1") is True
    assert soap_int(None) is None
    assert soap_bool(None) is None
    with pytest.raises(InvalidResponseError):
        soap_int("12a")
    with pytest.raises(InvalidResponseError):
        soap_bool("yes")


def test_scalar_with_elements_is_invalid() -> None:
    raw = answer("Version", "<VersionResult><x>1</x></VersionResult>")
    raises(InvalidResponseError, raw)


WHOAMI = answer(
    "WhoAmI",
    "<WhoAmIResult>"
    "<ECGridOSVersion>4.1 (Build 472)</ECGridOSVersion>"
    "<SessionID>ab12cd34-5678-90ef-abcd-1234567890ab</SessionID>"
    "<SessionEventID>99881</SessionEventID>"
    "<UserID>4711</UserID>"
    "<LoginName>jdoe</LoginName>"
    "<FirstName>Jane</FirstName>"
    "<LastName>Doe</LastName>"
    "<Company>ACME &amp; Sons</Company>"
    "<EMail>jane@example.com</EMail>"
    "<Phone />"
    "<TimeZoneOffset>-5</TimeZoneOffset>"
    "<AuthLevel>MailboxAdmin</AuthLevel>"
    "<LastLogin>2024-05-01T09:30:00.1234567-04:00</LastLogin>"
    "<OpenSessions>1</OpenSessions>"
    "<TimeOut>20</TimeOut>"
    "<NetworkID>42</NetworkID>"
    "<MailboxID>1001</MailboxID>"
    "</WhoAmIResult>",
)


def test_whoami_object() -> None:
    info = parse_response(WHOAMI, "WhoAmI", "object")
    assert info == {
        "ECGridOSVersion": "4.1 (Build 472)",
        "SessionID": "ab12cd34-5678-90ef-abcd-1234567890ab",
        "SessionEventID": "99881",
        "UserID": "4711",
        "LoginName": "jdoe",
        "FirstName": "Jane",
        "LastName": "Doe",
        "Company": "ACME & Sons",
        "EMail": "jane@example.com",
        "Phone": None,
        "TimeZoneOffset": "-5",
        "AuthLevel": "MailboxAdmin",
        "LastLogin": "2024-05-01T09:30:00.1234567-04:00",
        "OpenSessions": "1",
        "TimeOut": "20",
        "NetworkID": "42",
        "MailboxID": "1001",
    }
    assert soap_datetime(info["LastLogin"]) == "2024-05-01T09:30:00.123456-04:00"  # type: ignore[index]


def ecgrid_id_info(tag: str, ecgrid_id: int, qualifier: str, ident: str, *, owner: bool) -> str:
    owner_xml = (
        "<Owner><UserID>4711</UserID><LoginName>jdoe</LoginName><FirstName>Jane</FirstName>"
        "<LastName>Doe</LastName><Company>ACME</Company><EMail>jane@example.com</EMail>"
        "<CellCarrier>NoneSpecified</CellCarrier><TimeZoneOffset>-5</TimeZoneOffset>"
        "<NetworkID>42</NetworkID><MailboxID>1001</MailboxID><AuthLevel>MailboxAdmin</AuthLevel>"
        "<Created>2019-01-02T03:04:05</Created><Modified>0001-01-01T00:00:00</Modified>"
        "<LastLogin>2024-05-01T09:30:00</LastLogin><Status>Active</Status>"
        "<LockedOut>false</LockedOut><OpenSessions>0</OpenSessions></Owner>"
        if owner
        else ""
    )
    return (
        f"<{tag}>"
        f"<ECGridID>{ecgrid_id}</ECGridID><NetworkID>42</NetworkID>"
        "<NetworkName>Loren Data</NetworkName><MailboxID>1001</MailboxID>"
        "<MailboxName>ACME Main</MailboxName>"
        f"<Qualifier>{qualifier}</Qualifier><ID>{ident}</ID>"
        "<Description>ACME production ID</Description><DataEMail />"
        "<MailboxDefault>true</MailboxDefault><Status>Active</Status>"
        "<UseType>Production</UseType>"
        f"{owner_xml}"
        "<OwnerInfo><NetworkID>42</NetworkID><NetworkName>Loren Data</NetworkName>"
        "<MailboxID>1001</MailboxID><MailboxName>ACME Main</MailboxName>"
        "<Created>2019-01-02T03:04:05</Created><Modified>2020-02-03T04:05:06</Modified>"
        "<Effective>2019-01-02T00:00:00</Effective><Expires>0001-01-01T00:00:00</Expires>"
        "<LastTraffic>2024-04-30T23:59:59Z</LastTraffic><RoutingGroup>Standard</RoutingGroup>"
        "</OwnerInfo>"
        f"</{tag}>"
    )


TPSEARCH = answer(
    "TPSearch",
    "<TPSearchResult>"
    + ecgrid_id_info("ECGridIDInfo", 555001, "ZZ", "ACME", owner=True)
    + '<ECGridIDInfo xsi:nil="true" />'
    + ecgrid_id_info("ECGridIDInfo", 555002, "01", "123456789", owner=False)
    + "</TPSearchResult>",
)


def test_tpsearch_list_with_nested_owner_info() -> None:
    found = parse_response(TPSEARCH, "TPSearch", "list")
    assert isinstance(found, list)
    assert [item["ECGridID"] for item in found] == ["555001", "555002"]  # nil item skipped
    first = found[0]
    assert first["Qualifier"] == "ZZ"
    assert first["ID"] == "ACME"
    assert first["DataEMail"] is None
    assert first["MailboxDefault"] == "true"
    assert first["Owner"]["LoginName"] == "jdoe"
    assert first["OwnerInfo"] == {
        "NetworkID": "42",
        "NetworkName": "Loren Data",
        "MailboxID": "1001",
        "MailboxName": "ACME Main",
        "Created": "2019-01-02T03:04:05",
        "Modified": "2020-02-03T04:05:06",
        "Effective": "2019-01-02T00:00:00",
        "Expires": "0001-01-01T00:00:00",
        "LastTraffic": "2024-04-30T23:59:59Z",
        "RoutingGroup": "Standard",
    }
    assert "Owner" not in found[1]
    assert soap_datetime(first["OwnerInfo"]["Expires"]) is None


def test_list_in_legacy_namespace_with_odd_prefixes() -> None:
    raw = (
        f'<x:Envelope xmlns:x="{SOAP_ENV}"><x:Body>'
        f'<ns9:TPSearchResponse xmlns:ns9="{LEGACY_NAMESPACE}"><ns9:TPSearchResult>'
        "<ns9:ECGridIDInfo><ns9:ECGridID>1</ns9:ECGridID><ns9:ID>A</ns9:ID></ns9:ECGridIDInfo>"
        "<ns9:ECGridIDInfo><ns9:ECGridID>2</ns9:ECGridID><ns9:ID>B</ns9:ID></ns9:ECGridIDInfo>"
        "</ns9:TPSearchResult></ns9:TPSearchResponse></x:Body></x:Envelope>"
    ).encode()
    assert parse_response(raw, "TPSearch", "list") == [
        {"ECGridID": "1", "ID": "A"},
        {"ECGridID": "2", "ID": "B"},
    ]


def test_list_absent_nil_and_empty() -> None:
    assert parse_response(answer("TPSearch", None), "TPSearch", "list") == []
    assert parse_response(answer("TPSearch", "<TPSearchResult />"), "TPSearch", "list") == []
    nil = answer("TPSearch", '<TPSearchResult xsi:nil="true"/>')
    assert parse_response(nil, "TPSearch", "list") == []


INTERCONNECT_INFO = answer(
    "InterconnectInfo",
    "<InterconnectInfoResult>"
    "<InterconnectID>987654</InterconnectID>"
    "<UniqueID>IC-987654</UniqueID>"
    "<Created>2024-04-01T10:00:00</Created>"
    "<Modified>2024-04-02T11:00:00</Modified>"
    "<Completed>0001-01-01T00:00:00</Completed>"
    "<LastTraffic>0001-01-01T00:00:00</LastTraffic>"
    "<LastTrafficInbound>0001-01-01T00:00:00</LastTrafficInbound>"
    "<LastTrafficOutbound>0001-01-01T00:00:00</LastTrafficOutbound>"
    "<ContactName>Ops Desk</ContactName>"
    "<ContactEMail>ops@example.com</ContactEMail>"
    "<Status>Pending</Status>"
    "<SuspendPendingInterchanges>false</SuspendPendingInterchanges>"
    + ecgrid_id_info("TP1", 555001, "ZZ", "ACME", owner=False)
    + "<AS2ID1 /><Reference1>PO-1</Reference1>"
    + ecgrid_id_info("TP2", 777002, "ZZ", "GLOBEX", owner=False)
    + "<AS2ID2 /><Reference2 />"
    "</InterconnectInfoResult>",
)


def test_interconnect_info_object_with_tp1_and_tp2() -> None:
    info = parse_response(INTERCONNECT_INFO, "InterconnectInfo", "object")
    assert isinstance(info, dict)
    assert info["InterconnectID"] == "987654"
    assert info["Status"] == "Pending"
    assert info["TP1"]["ECGridID"] == "555001"
    assert info["TP2"]["ID"] == "GLOBEX"
    assert info["TP2"]["OwnerInfo"]["RoutingGroup"] == "Standard"
    assert info["AS2ID1"] is None
    assert info["Reference2"] is None
    assert "RequestorUser" not in info and "NetOps" not in info
    assert soap_datetime(info["Completed"]) is None
    assert soap_datetime(info["Created"]) == "2024-04-01T10:00:00"


def test_object_nil_absent_empty_and_repeated_children() -> None:
    assert (
        parse_response(answer("TPInfo", '<TPInfoResult xsi:nil="1"/>'), "TPInfo", "object") is None
    )
    raises(InvalidResponseError, answer("TPInfo", None), "TPInfo", "object")
    assert parse_response(answer("TPInfo", "<TPInfoResult/>"), "TPInfo", "object") == {}
    raw = answer("X", "<XResult><N>1</N><Note>a</Note><Note>b</Note><Note>c</Note></XResult>")
    assert parse_response(raw, "X", "object") == {"N": "1", "Note": ["a", "b", "c"]}
    raises(
        InvalidResponseError,
        answer("TPInfo", "<TPInfoResult>text</TPInfoResult>"),
        "TPInfo",
        "object",
    )


def test_deep_but_allowed_nesting_parses_without_recursion_trouble() -> None:
    depth = 90  # plus Envelope, Body, Response, Result: still below the limit
    inner = "<n>" * depth + "leaf" + "</n>" * depth
    value = parse_response(answer("X", f"<XResult>{inner}</XResult>"), "X", "object")
    for _ in range(depth - 1):
        value = value["n"]  # type: ignore[index]
    assert value == {"n": "leaf"}


# --- missing pieces and non-SOAP answers --------------------------------------------------


def test_missing_response_element_is_invalid_and_names_it() -> None:
    error = raises(InvalidResponseError, answer("TPInfo", "<TPInfoResult/>"), "TPSearch", "list")
    assert "TPSearchResponse" in str(error)
    error = raises(InvalidResponseError, envelope(""), "Version")
    assert "VersionResponse" in str(error)
    wrong_ns = envelope(
        '<VersionResponse xmlns="urn:other"><VersionResult>1</VersionResult></VersionResponse>'
    )
    raises(InvalidResponseError, wrong_ns)


def test_missing_result_in_object_and_dataset_shapes_is_invalid() -> None:
    raises(InvalidResponseError, answer("WhoAmI", None), "WhoAmI", "object")
    raises(InvalidResponseError, answer("InterconnectCount", None), "InterconnectCount", "dataset")


def test_envelope_without_body_is_invalid() -> None:
    raw = f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Header/></soap:Envelope>'.encode()
    raises(InvalidResponseError, raw)


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Runtime Error</title></head>"
    b"<body><h1>Server Error in '/' Application.</h1></body></html>"
)
NOT_SOAP = {
    "html": HTML_PAGE,
    "xhtml with declaration": b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML'
    b' 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
    b'<html xmlns="http://www.w3.org/1999/xhtml"><body>busy</body></html>',
    "json": b'{"success": false, "errorCode": "InternalError"}',
    "empty": b"",
    "whitespace": b"  \r\n ",
    "truncated": answer("Version", "<VersionResult>4.1</VersionResult>")[:-25],
    "garbage": b"\x00\x01\x02 not xml at all",
    "plain text": b"Service Unavailable",
    "unknown encoding": b'<?xml version="1.0" encoding="klingon"?><a/>',
    "invalid utf-8": b"<a>\xff\xfe</a>",
    "non-SOAP xml": b'<?xml version="1.0"?><string xmlns="https://os.ecgrid.io/">4.1</string>',
    "SOAP 1.2 envelope": b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
    b"<env:Body/></env:Envelope>",
}


@pytest.mark.parametrize("raw", NOT_SOAP.values(), ids=NOT_SOAP.keys())
def test_non_soap_answers_are_invalid_with_one_clear_line(raw: bytes) -> None:
    error = raises(InvalidResponseError, raw, content_type="text/html; charset=utf-8")
    text = str(error)
    assert "\n" not in text
    assert text.startswith("SOAP Version: ")
    assert "HTTP 200" in text and "text/html" in text
    assert error.http_status == 200
    assert len(text) < 400


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("raw", NOT_SOAP.values(), ids=NOT_SOAP.keys())
def test_server_errors_without_a_fault_are_transient_and_maybe_applied(
    raw: bytes, status: int
) -> None:
    error = raises(TransientError, raw, http_status=status, content_type="text/html")
    assert isinstance(error, TransientError)
    assert error.maybe_applied is True
    assert error.http_status == status
    assert error.code == f"HTTP{status}"
    assert f"HTTP {status}" in str(error)


def test_missing_response_at_500_is_transient() -> None:
    error = raises(TransientError, envelope(""), http_status=500)
    assert error.maybe_applied is True


def test_rate_limit_without_fault_is_transient_not_applied() -> None:
    error = raises(TransientError, b"Too many requests", http_status=429, content_type="text/plain")
    assert error.maybe_applied is False
    assert "try again later" in str(error)


def test_html_messages_say_what_arrived() -> None:
    assert "HTML page" in str(raises(InvalidResponseError, HTML_PAGE))
    assert "JSON" in str(raises(InvalidResponseError, NOT_SOAP["json"]))
    assert "empty" in str(raises(InvalidResponseError, b""))
    assert "not well-formed XML" in str(raises(InvalidResponseError, NOT_SOAP["truncated"]))
    assert "not a SOAP 1.1 envelope" in str(raises(InvalidResponseError, NOT_SOAP["non-SOAP xml"]))


# --- faults -------------------------------------------------------------------------------


def fault(
    detail: str = "",
    *,
    faultcode: str = "soap:Client",
    faultstring: str = "Fault",
    prefix: str = "soap",
) -> bytes:
    code = f"<faultcode>{faultcode}</faultcode>" if faultcode else ""
    text = f"<faultstring>{faultstring}</faultstring>" if faultstring else ""
    return envelope(f"<{prefix}:Fault>{code}{text}{detail}</{prefix}:Fault>", prefix)


def error_info(code: str, string: str = "", item: str = "", message: str = "") -> str:
    return (
        f"<ErrorCode>{code}</ErrorCode><ErrorString>{string}</ErrorString>"
        f"<ErrorItem>{item}</ErrorItem><ErrorMessage>{message}</ErrorMessage>"
    )


LAYOUTS = {
    "direct": lambda code: f"<detail>{error_info(code, 'Error text.', 'SessionID')}</detail>",
    "ErrorInfo": lambda code: (
        f'<detail><ErrorInfo xmlns="{NAMESPACE}">{error_info(code, "Error text.", "SessionID")}'
        "</ErrorInfo></detail>"
    ),
    "ErrorInfo legacy prefixed": lambda code: (
        f'<detail><e:ErrorInfo xmlns:e="{LEGACY_NAMESPACE}"><e:ErrorCode>{code}</e:ErrorCode>'
        "<e:ErrorString>Error text.</e:ErrorString><e:ErrorItem>SessionID</e:ErrorItem>"
        "</e:ErrorInfo></detail>"
    ),
    "lone ECGridOSSOAPErrorCode": lambda code: (
        f"<detail><ECGridOSSOAPErrorCode>{code}</ECGridOSSOAPErrorCode></detail>"
    ),
    "namespaced detail": lambda code: (
        f'<x:detail xmlns:x="urn:any"><x:ErrorCode>{code}</x:ErrorCode></x:detail>'
    ),
}

MAPPING = [
    ("SessionTimeout", AuthError),
    ("AccessDenied", AuthError),
    ("Authentication", AuthError),
    ("Authorization", AuthError),
    ("NotFound", NotFoundError),
    ("ObjectNotFound", NotFoundError),
    ("Duplicate", ConflictError),
    ("IDExistsOnNetwork", ConflictError),
    ("InvalidID", ApiError),
    ("InvalidDataType", ApiError),
    ("InvalidDataLength", ApiError),
    ("DataError", ApiError),
    ("InvalidParameter", ApiError),
    ("InternalError", TransientError),
    ("SQLError", TransientError),
    ("SystemError", TransientError),
    ("Unknown", TransientError),
]


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize(("code", "cls"), MAPPING, ids=[code for code, _ in MAPPING])
def test_every_error_code_in_every_fault_layout(layout, code: str, cls: type) -> None:
    raw = fault(layout(code), faultstring="Something happened")
    error = raises(cls, raw, "TPSearch", "list", http_status=500)
    assert type(error) is cls
    assert error.code == code
    assert error.http_status == 500
    assert error.details["faultcode"] == "soap:Client"
    if isinstance(error, TransientError):
        assert error.maybe_applied is True
    assert "\n" not in str(error)


def test_session_timeout_tells_the_user_to_log_in_again() -> None:
    raw = fault(f"<detail>{error_info('SessionTimeout', 'Session timed out.')}</detail>")
    error = raises(AuthError, raw, "WhoAmI", "object", http_status=500)
    assert error.code == "SessionTimeout"
    # A session is a SOAP login: logging in again over REST would not renew it.
    assert error.message == "The SOAP session expired; run 'ecgrid --api soap auth login' again."


@pytest.mark.parametrize(
    ("faultcode", "cls"),
    [
        ("soap:Server", TransientError),
        ("s:Server", TransientError),
        ("soap:Server.Database", TransientError),
        ("soap:Client", ApiError),
        ("q:Client.Authentication", ApiError),
        ("soap:VersionMismatch", ApiError),
    ],
)
def test_fault_without_error_code_maps_by_faultcode(faultcode: str, cls: type) -> None:
    raw = fault(faultcode=faultcode, faultstring="Server was unable to process request.")
    error = raises(cls, raw, http_status=500)
    assert type(error) is cls
    assert error.code == "SoapFault"
    assert error.details == {"faultcode": faultcode}
    if cls is TransientError:
        assert error.maybe_applied is True


def test_fault_without_faultcode_at_500_is_transient_and_at_200_an_api_error() -> None:
    raw = fault(faultcode="", faultstring="odd")
    assert type(raises(TransientError, raw, http_status=500)) is TransientError
    assert type(raises(ApiError, raw, http_status=200)) is ApiError


def test_unknown_error_code_keeps_its_code_and_falls_back_on_faultcode() -> None:
    detail = "<detail><ErrorCode>MailboxSuspended</ErrorCode></detail>"
    error = raises(ApiError, fault(detail), http_status=500)
    assert type(error) is ApiError and error.code == "MailboxSuspended"
    error = raises(TransientError, fault(detail, faultcode="soap:Server"), http_status=500)
    assert error.code == "MailboxSuspended"


def test_numeric_error_code_is_named_by_its_error_string() -> None:
    detail = (
        "<detail><ErrorCode>8</ErrorCode><ErrorString>Invalid data length.</ErrorString>"
        "<ErrorItem>Description</ErrorItem><ErrorMessage>Too Integer (max=35)</ErrorMessage>"
        "</detail>"
    )
    error = raises(ApiError, fault(detail, faultstring="Invalid data length."), "TPAdd")
    assert error.code == "InvalidDataLength"
    assert error.details == {
        "faultcode": "soap:Client",
        "errorItem": "Description",
        "errorNumber": "8",
    }
    assert str(error) == "SOAP TPAdd: Invalid data length: Too Integer (max=35) (item: Description)"


def test_numeric_code_without_a_known_error_string_stays_numeric() -> None:
    detail = "<detail><ECGridOSSOAPErrorCode>5</ECGridOSSOAPErrorCode></detail>"
    error = raises(ApiError, fault(detail, faultstring="Invalid SessionID"))
    assert type(error) is ApiError and error.code == "5"
    assert str(error) == "SOAP Version: Invalid SessionID"


def test_fault_message_does_not_repeat_the_same_text() -> None:
    detail = f"<detail>{error_info('Duplicate', 'Duplicate interconnect.', 'ECGridID2')}</detail>"
    error = raises(
        ConflictError, fault(detail, faultstring="Duplicate interconnect."), "InterconnectAdd"
    )
    assert str(error) == "SOAP InterconnectAdd: Duplicate interconnect. (item: ECGridID2)"
    assert str(error).count("Duplicate interconnect") == 1
    # A faultstring that already contains the ErrorString is not repeated either.
    long_fault = "System.Web.Services.Protocols.SoapException: Duplicate interconnect."
    error = raises(ConflictError, fault(detail, faultstring=long_fault), "InterconnectAdd")
    assert str(error).count("Duplicate interconnect") == 1
    assert error.details == {"faultcode": "soap:Client", "errorItem": "ECGridID2"}


def test_fault_in_a_200_answer_and_odd_envelope_prefix() -> None:
    raw = fault(
        "<detail><ErrorCode>NotFound</ErrorCode></detail>",
        faultcode="SOAP-ENV:Client",
        prefix="SOAP-ENV",
    )
    error = raises(NotFoundError, raw, "TPInfo", "object", http_status=200)
    assert error.http_status == 200
    assert error.details == {"faultcode": "SOAP-ENV:Client"}


def test_fault_text_is_one_line_without_stack_trace_or_control_characters() -> None:
    # ESC cannot travel in XML 1.0, but the 8-bit CSI (U+009B), DEL and bidi overrides can.
    faultstring = (
        "System.Web.Services.Protocols.SoapException: Server was unable to process request."
        " ---&gt; Boom \x9b31mred\x7f \u202eevil\u202c\t!\n"
        "   at ECGridOS.Service.TPSearch(String SessionID) in C:\\src\\Service.cs:line 88\n"
        "   at Other.Frame()"
    )
    error = raises(
        TransientError, fault(faultcode="soap:Server", faultstring=faultstring), http_status=500
    )
    text = str(error)
    assert not any(ch in text for ch in "\n\t\x9b\x7f\u202e\u202c")
    assert " at ECGridOS" not in text and "Service.cs" not in text
    assert "---> Boom 31mred evil !" in text


def test_non_ascii_fault_text_is_kept() -> None:
    detail = "<detail><ErrorCode>NotFound</ErrorCode><ErrorString>找不到</ErrorString></detail>"
    error = raises(NotFoundError, fault(detail, faultstring="Objet introuvable"), "TPInfo")
    assert str(error) == "SOAP TPInfo: Objet introuvable: 找不到"


def test_long_fault_text_is_truncated() -> None:
    raw = fault(faultstring="x" * 5000)
    text = str(raises(ApiError, raw))
    assert len(text) < 350
    assert text.endswith("…")


def test_fault_echoing_secrets_is_redacted_everywhere() -> None:
    session = "9f8e7d6c-SESSION-0001"
    api_key = "key-ABCDEF123456"
    detail = (
        f"<detail><ErrorInfo><ErrorCode>InvalidID</ErrorCode>"
        f"<ErrorString>Invalid ID {api_key}</ErrorString><ErrorItem>{session}</ErrorItem>"
        f"<ErrorMessage>Session {session} rejected key {api_key}</ErrorMessage>"
        "</ErrorInfo></detail>"
    )
    raw = fault(detail, faultstring=f"Bad session {session}")
    error = raises(
        ApiError, raw, "TPSearch", "list", http_status=500, secrets=[session, api_key, ""]
    )
    everything = f"{error} {error.details}"
    assert session not in everything
    assert api_key not in everything
    assert "[REDACTED]" in str(error)
    assert error.details["errorItem"] == "[REDACTED]"


def test_secret_in_content_type_or_root_tag_is_redacted() -> None:
    error = raises(
        InvalidResponseError,
        b"<SECRET-KEY-1/>",
        content_type="text/xml; k=SECRET-KEY-1",
        secrets=["SECRET-KEY-1"],
    )
    assert "SECRET-KEY-1" not in str(error)


# --- DataSet ------------------------------------------------------------------------------


def dataset(
    columns: str, rows: str, *, operation: str = "InterconnectCount", extra_tables: str = ""
) -> bytes:
    """A .NET DataSet result: an inline schema for table ``Table`` and a diffgram."""
    schema = (
        '<xs:schema id="NewDataSet" xmlns="" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:msdata="urn:schemas-microsoft-com:xml-msdata">'
        '<xs:element name="NewDataSet" msdata:IsDataSet="true" msdata:UseCurrentLocale="true">'
        '<xs:complexType><xs:choice minOccurs="0" maxOccurs="unbounded">'
        f'<xs:element name="Table"><xs:complexType><xs:sequence>{columns}</xs:sequence>'
        f"</xs:complexType></xs:element>{extra_tables}"
        "</xs:choice></xs:complexType></xs:element></xs:schema>"
    )
    diffgram = (
        '<diffgr:diffgram xmlns:msdata="urn:schemas-microsoft-com:xml-msdata" '
        'xmlns:diffgr="urn:schemas-microsoft-com:xml-diffgram-v1">'
        f'<NewDataSet xmlns="">{rows}</NewDataSet></diffgr:diffgram>'
    )
    return answer(operation, f"<{operation}Result>{schema}{diffgram}</{operation}Result>")


def column(name: str, xsd_type: str) -> str:
    return f'<xs:element name="{name}" type="xs:{xsd_type}" minOccurs="0" />'


def row(index: int, cells: str, table: str = "Table") -> str:
    return f'<{table} diffgr:id="{table}{index}" msdata:rowOrder="{index - 1}">{cells}</{table}>'


LONG = dataset(
    column("Status", "string") + column("Count", "int"),
    row(1, "<Status>Pending</Status><Count>3</Count>")
    + row(2, "<Status>Completed</Status><Count>120</Count>")
    + row(3, "<Status>Canceled</Status><Count>0</Count>"),
)
WIDE = dataset(
    "".join(column(name, "int") for name in ("Pending", "Completed", "Canceled", "Problem")),
    row(1, "<Pending>3</Pending><Completed>120</Completed><Canceled>0</Canceled>"),
)


def test_dataset_long_form() -> None:
    rows = parse_response(LONG, "InterconnectCount", "dataset")
    assert rows == [
        {"Status": "Pending", "Count": 3},
        {"Status": "Completed", "Count": 120},
        {"Status": "Canceled", "Count": 0},
    ]
    assert counts_by_status(rows) == {"Pending": 3, "Completed": 120, "Canceled": 0}  # type: ignore[arg-type]


def test_dataset_wide_form_with_a_missing_column() -> None:
    rows = parse_response(WIDE, "InterconnectCount", "dataset")
    assert rows == [{"Pending": 3, "Completed": 120, "Canceled": 0, "Problem": None}]
    assert counts_by_status(rows) == {"Pending": 3, "Completed": 120, "Canceled": 0}  # type: ignore[arg-type]


def test_dataset_in_legacy_namespace() -> None:
    raw = LONG.replace(NAMESPACE.encode(), LEGACY_NAMESPACE.encode())
    assert len(parse_response(raw, "InterconnectCount", "dataset")) == 3  # type: ignore[arg-type]


def test_empty_dataset() -> None:
    assert (
        parse_response(dataset(column("Status", "string"), ""), "InterconnectCount", "dataset")
        == []
    )
    # .NET writes an empty diffgram when the DataSet has no rows at all.
    raw = answer(
        "InterconnectCount",
        "<InterconnectCountResult>"
        '<xs:schema id="NewDataSet" xmlns="" xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="NewDataSet"><xs:complexType><xs:choice minOccurs="0" '
        'maxOccurs="unbounded" /></xs:complexType></xs:element></xs:schema>'
        '<diffgr:diffgram xmlns:diffgr="urn:schemas-microsoft-com:xml-diffgram-v1" />'
        "</InterconnectCountResult>",
    )
    assert parse_response(raw, "InterconnectCount", "dataset") == []
    nil = answer("InterconnectCount", '<InterconnectCountResult xsi:nil="true" />')
    assert parse_response(nil, "InterconnectCount", "dataset") == []
    assert counts_by_status([]) == {}


def test_dataset_typed_columns_and_missing_values() -> None:
    columns = (
        column("ECGridID", "int")
        + column("Bytes", "long")
        + column("Days", "short")
        + column("Amount", "decimal")
        + column("Ratio", "double")
        + column("Active", "boolean")
        + column("Created", "dateTime")
        + column("Name", "string")
        + column("Last_x0020_Traffic", "dateTime")
        + '<xs:element name="Code" minOccurs="0"><xs:simpleType>'
        '<xs:restriction base="xs:string"><xs:maxLength value="10" /></xs:restriction>'
        "</xs:simpleType></xs:element>"
        + '<xs:element name="Guid" msdata:DataType="System.Guid, mscorlib" type="xs:string"'
        ' minOccurs="0" />'
    )
    rows = row(
        1,
        "<ECGridID>555001</ECGridID><Bytes>9876543210123</Bytes><Days>-3</Days>"
        "<Amount>12.50</Amount><Ratio>0.25</Ratio><Active>true</Active>"
        "<Created>2024-05-01T12:34:56.1234567-04:00</Created><Name> ACME &amp; Co </Name>"
        "<Last_x0020_Traffic>0001-01-01T00:00:00</Last_x0020_Traffic><Code>007</Code>"
        "<Guid>0f8fad5b-d9cb-469f-a165-70867728950e</Guid>",
    ) + row(2, "<ECGridID>2</ECGridID><Active>0</Active><Name />")
    parsed = parse_response(dataset(columns, rows, operation="TPReport"), "TPReport", "dataset")
    assert parsed == [
        {
            "ECGridID": 555001,
            "Bytes": 9876543210123,
            "Days": -3,
            "Amount": Decimal("12.50"),
            "Ratio": 0.25,
            "Active": True,
            "Created": "2024-05-01T12:34:56.123456-04:00",
            "Name": " ACME & Co ",
            "Last Traffic": None,
            "Code": "007",
            "Guid": "0f8fad5b-d9cb-469f-a165-70867728950e",
        },
        {
            "ECGridID": 2,
            "Bytes": None,
            "Days": None,
            "Amount": None,
            "Ratio": None,
            "Active": False,
            "Created": None,
            "Name": "",
            "Last Traffic": None,
            "Code": None,
            "Guid": None,
        },
    ]


def test_dataset_columns_with_other_prefixes_and_attribute_columns() -> None:
    raw = answer(
        "NetworkStatusSummary",
        "<NetworkStatusSummaryResult>"
        '<s:schema id="DS" xmlns="" xmlns:s="http://www.w3.org/2001/XMLSchema">'
        '<s:element name="DS"><s:complexType><s:choice maxOccurs="unbounded">'
        '<s:element name="Counts"><s:complexType><s:sequence>'
        '<s:element name="Status" type="s:string" minOccurs="0"/>'
        '<s:element name="Total" type="s:long" minOccurs="0"/>'
        '</s:sequence><s:attribute name="Kind" type="s:string"/></s:complexType></s:element>'
        "</s:choice></s:complexType></s:element></s:schema>"
        '<dg:diffgram xmlns:dg="urn:schemas-microsoft-com:xml-diffgram-v1">'
        '<DS xmlns=""><Counts Kind="ECGridID"><Status>Active</Status><Total>7</Total></Counts>'
        "</DS></dg:diffgram></NetworkStatusSummaryResult>",
    )
    rows = parse_response(raw, "NetworkStatusSummary", "dataset")
    assert rows == [{"Status": "Active", "Total": 7, "Kind": "ECGridID"}]


def test_dataset_ignores_diffgram_before_and_errors_sections() -> None:
    raw = LONG.replace(
        b"</NewDataSet></diffgr:diffgram>",
        b'</NewDataSet><diffgr:before><Table diffgr:id="Table1"><Status>Old</Status>'
        b"</Table></diffgr:before><diffgr:errors/></diffgr:diffgram>",
    )
    assert len(parse_response(raw, "InterconnectCount", "dataset")) == 3  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [
        dataset(column("Count", "int"), row(1, "<Count>many</Count>")),
        dataset(column("Flag", "boolean"), row(1, "<Flag>yes</Flag>")),
        dataset(column("When", "dateTime"), row(1, "<When>yesterday</When>")),
        dataset(column("Amount", "decimal"), row(1, "<Amount>1,5</Amount>")),
        dataset(column("Count", "int"), row(1, "<Count>1</Count>", table="Other")),
        dataset(column("Count", "int"), row(1, "<Count><x>1</x></Count>")),
        answer("InterconnectCount", "<InterconnectCountResult><x/></InterconnectCountResult>"),
        answer(
            "InterconnectCount",
            '<InterconnectCountResult><d:diffgram xmlns:d="urn:schemas-microsoft-com:xml-'
            'diffgram-v1"><DS><Table><A>1</A></Table></DS></d:diffgram></InterconnectCountResult>',
        ),
    ],
    ids=[
        "bad int",
        "bad bool",
        "bad date",
        "bad decimal",
        "unknown table",
        "nested table",
        "not a dataset",
        "rows without schema",
    ],
)
def test_malformed_datasets_are_invalid(raw: bytes) -> None:
    error = raises(InvalidResponseError, raw, "InterconnectCount", "dataset")
    assert str(error).startswith("SOAP InterconnectCount: ")
    assert "\n" not in str(error)


def test_counts_by_status_long_form_adds_repeated_statuses() -> None:
    rows = [
        {"Status": "Pending", "Count": 2},
        {"Status": "Pending", "Count": 3},
        {"Status": "Completed", "Count": Decimal("4")},
    ]
    assert counts_by_status(rows) == {"Pending": 5, "Completed": 4}


@pytest.mark.parametrize(
    "rows",
    [
        [{"Status": "Pending", "Count": 1, "NetworkID": 42}],
        [{"Status": "Pending", "Label": "x"}],
        [{"Status": "Pending", "Count": None}],
        [{"Status": "Pending", "Count": -1}],
        [{"Status": "", "Count": 1}],
        [{"Status": "Pending", "Count": True}],
        [{"Status": "Pending", "Count": 1.5}],
        [{"Pending": 1}, {"Pending": 2}],
        [{"Pending": 1, "Completed": "2"}],
        [{"Pending": 1, "Total": 1}],
        [{"Status": 1, "Count": 3}],
        [{"Pending": None}],
        [{"Pending": -4}],
    ],
)
def test_counts_by_status_refuses_anything_else(rows: list) -> None:
    with pytest.raises(InvalidResponseError):
        counts_by_status(rows)


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0001-01-01T00:00:00", None),
        ("0001-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00.0000000-05:00", None),
        (None, None),
        ("", None),
        ("2024-05-01T12:34:56", "2024-05-01T12:34:56"),
        ("2024-05-01T12:34:56Z", "2024-05-01T12:34:56+00:00"),
        ("2024-05-01T12:34:56.1234567-04:00", "2024-05-01T12:34:56.123456-04:00"),
        ("2024-05-01T12:34:56.5", "2024-05-01T12:34:56.500000"),
        (" 2024-05-01T00:00:00+05:30 ", "2024-05-01T00:00:00+05:30"),
    ],
)
def test_soap_datetime(text: str | None, expected: str | None) -> None:
    assert soap_datetime(text) == expected


def test_soap_datetime_refuses_garbage() -> None:
    with pytest.raises(InvalidResponseError):
        soap_datetime("not a date")


# --- hostile XML --------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
    + envelope(
        '<VersionResponse xmlns="https://os.ecgrid.io/"><VersionResult>&lol9;'
        "</VersionResult></VersionResponse>"
    ).split(b"?>", 1)[1]
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    + envelope(
        '<VersionResponse xmlns="https://os.ecgrid.io/"><VersionResult>&xxe;'
        "</VersionResult></VersionResponse>"
    ).split(b"?>", 1)[1]
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE soap:Envelope SYSTEM "file:///etc/passwd">'
    + envelope(
        '<VersionResponse xmlns="https://os.ecgrid.io/"><VersionResult>1'
        "</VersionResult></VersionResponse>"
    ).split(b"?>", 1)[1]
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><x/>'
)
HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "external DTD": EXTERNAL_DTD,
    "parameter entity": PARAMETER_ENTITY,
    "internal DTD only": b'<?xml version="1.0"?><!DOCTYPE x [<!ELEMENT x ANY>]><x/>',
    "entity in a fault": (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY big "'
        + b"A" * 1000
        + b'">]>'
        + fault(faultstring="&big;&big;&big;").split(b"?>", 1)[1]
    ),
}

_opened: list[str] = []
_watching = False


def _audit(event: str, args: tuple) -> None:
    if _watching and event in ("open", "urllib.Request", "socket.connect"):
        _opened.append(f"{event} {args[0]!r}")


sys.addaudithook(_audit)


@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_dtds_and_entities_are_refused_never_expanded_or_fetched(raw: bytes, status: int) -> None:
    global _watching
    _opened.clear()
    started = time.perf_counter()
    _watching = True
    try:
        with pytest.raises(InvalidResponseError) as info:
            parse_response(raw, "Version", "scalar", http_status=status)
    finally:
        _watching = False
    assert time.perf_counter() - started < 1.0
    assert _opened == []  # nothing opened, requested or connected to
    text = str(info.value)
    assert "DTD or entities" in text
    assert "root:" not in text and "lol" not in text and "AAAA" not in text
    assert info.value.http_status == status


def test_huge_nesting_is_refused_without_recursion_error() -> None:
    depth = 100_000
    raw = b"<a>" * depth + b"</a>" * depth
    error = raises(InvalidResponseError, raw)
    assert "nested deeper than 100 levels" in str(error)
    inner = "<n>" * 200 + "</n>" * 200
    error = raises(InvalidResponseError, answer("X", f"<XResult>{inner}</XResult>"), "X", "object")
    assert "nested deeper" in str(error)


def test_too_many_elements_are_refused() -> None:
    items = "<ECGridIDInfo/>" * (wire.MAX_ELEMENTS + 1)
    raw = answer("TPSearch", f"<TPSearchResult>{items}</TPSearchResult>")
    error = raises(InvalidResponseError, raw, "TPSearch", "list", http_status=500)
    assert f"more than {wire.MAX_ELEMENTS} elements" in str(error)


def test_limits_are_as_documented() -> None:
    assert wire.MAX_DEPTH == 100
    assert wire.MAX_ELEMENTS == 200_000


def test_importing_the_wire_module_stays_light() -> None:
    code = (
        "import sys, ecgrid_cli.api.soap.wire as w; "
        "heavy = [m for m in ('httpx', 'pydantic', 'rich', 'typer', 'decimal') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
