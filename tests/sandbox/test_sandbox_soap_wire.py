"""The SOAP endpoint's wire behaviour: faults, sessions, namespaces, ?WSDL, chaos."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sandbox_support import ENV_NS, LEGACY_NS, LIVE_NS, SOAP_PATH, Api, Soap, envelope, flat

from ecgrid_cli.sandbox import DEFAULT_API_KEY, SandboxServer
from ecgrid_cli.sandbox.soap_ops import OPERATIONS

StartSandbox = Callable[..., SandboxServer]
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"


@pytest.fixture
def soap(sandbox: SandboxServer) -> Soap:
    return Soap(sandbox.base_url)


def assert_fault(
    answer: Any, error_code: str, *, faultcode: str = "soap:Client", item: str = ""
) -> dict:
    fault = answer.fault()
    assert fault["faultcode"] == faultcode, fault
    assert fault["ErrorCode"] == error_code, fault
    assert fault["faultstring"] and fault["faultstring"] == fault["ErrorMessage"]
    assert fault["ErrorString"]
    assert item in fault["ErrorItem"]
    return fault


# -- faults for each error class ------------------------------------------------------------------


def test_not_found_invalid_id_duplicate_and_data_errors(soap: Soap) -> None:
    assert_fault(soap.call("TPInfo", ("ECGridID", 999999)), "NotFound", item="999999")
    assert_fault(soap.call("InterconnectInfo", ("InterconnectID", 5)), "NotFound")
    assert_fault(soap.call("ParcelInfo", ("ParcelID", 5)), "NotFound")
    duplicate = soap.call(
        "InterconnectAdd",
        ("ECGridID1", 200001),  # 88001 joins 123456 -> 200001: either orientation counts
        ("ECGridID2", 123456),
        ("NotifyContact", False),
        ("Preconfirm", True),
    )
    assert_fault(duplicate, "Duplicate", item="88001")
    taken = soap.call("TPAdd", ("Qualifier", "ZZ"), ("ID", "mycompany"), ("Description", "x"))
    assert_fault(taken, "IDExistsOnNetwork")
    other_network = soap.call(
        "TPAddEx",
        ("NetworkID", 9),
        ("MailboxID", 1001),
        ("Qualifier", "ZZ"),
        ("ID", "NEWPARTNER"),
        ("RoutingGroup", "ProductionA"),
    )
    assert_fault(other_network, "InvalidID", item="1001")
    move = soap.call("TPMoveMailbox", ("ECGridID", 123456), ("MailboxID", 3001))
    assert_fault(move, "InvalidID")
    soap.call("InterconnectCancel", ("InterconnectID", 88002), ("EMailTo", "NoEMail"))
    again = soap.call("InterconnectCancel", ("InterconnectID", 88002), ("EMailTo", "NoEMail"))
    assert_fault(again, "DataError")
    no_route = soap.call(
        "ParcelTest", ("ECGridIDFrom", 111111), ("ECGridIDTo", 445566), ("DocumentType", "X12")
    )
    assert_fault(no_route, "DataError")
    assert_fault(soap.call("TPSearch", ("ShowInactive", True)), "DataError", item="ID")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ((("ECGridID", "abc"),), "InvalidDataType"),
        ((("ECGridID", "99999999999"),), "InvalidDataType"),  # beyond xs:int
        ((("ECGridID", "1.5"),), "InvalidDataType"),
    ],
)
def test_bad_values_are_invalid_data_type(soap: Soap, params: tuple, code: str) -> None:
    assert_fault(soap.call("TPInfo", *params), code, item="ECGridID")


def test_bad_enums_booleans_and_lengths(soap: Soap) -> None:
    bad_enum = soap.call(
        "InterconnectListByStatus", ("Status", "Active"), ("ECGridID", 0), ("MaxDays", 0)
    )
    assert_fault(bad_enum, "InvalidDataType", item="Status")
    bad_bool = soap.call("TPSearch", ("ID", "X"), ("ShowInactive", "yes"))
    assert_fault(bad_bool, "InvalidDataType", item="ShowInactive")
    long_id = soap.call("TPAdd", ("Qualifier", "ZZ"), ("ID", "X" * 16), ("Description", "x"))
    assert_fault(long_id, "InvalidDataLength")
    long_text = soap.call("TPAdd", ("Qualifier", "ZZ"), ("ID", "X1"), ("Description", "d" * 256))
    assert_fault(long_text, "InvalidDataLength", item="Description")
    short_max_days = soap.call("InterconnectCount", ("MaxDays", 40000))  # beyond xs:short
    assert_fault(short_max_days, "InvalidDataType", item="MaxDays")


def test_malformed_and_foreign_requests_are_client_faults(soap: Soap) -> None:
    assert_fault(soap.post(b"<soap:Envelope"), "DataError")
    assert_fault(soap.post(b""), "DataError")
    assert_fault(soap.post(b"<x/>"), "DataError")
    soap12 = envelope("Version", []).replace(
        ENV_NS.encode(), b"http://www.w3.org/2003/05/soap-envelope"
    )
    assert "SOAP 1.2" in assert_fault(soap.post(soap12), "DataError")["faultstring"]
    as_soap12 = soap.post(envelope("Version", []), content_type="application/soap+xml")
    assert "SOAP 1.2" in assert_fault(as_soap12, "DataError")["faultstring"]
    assert_fault(soap.post(envelope("Version", []), content_type="application/json"), "DataError")
    foreign = envelope("Version", [], namespace="urn:other")
    assert_fault(soap.post(foreign), "DataError")
    unknown = soap.call("NetworkList")
    assert "does not implement" in assert_fault(unknown, "DataError")["faultstring"]
    mismatch = soap.call("TPInfo", ("ECGridID", 111111), action='"https://os.ecgrid.io/TPAdd"')
    assert_fault(mismatch, "DataError", item="SOAPAction")
    empty_body = f'<soap:Envelope xmlns:soap="{ENV_NS}"><soap:Body/></soap:Envelope>'.encode()
    assert_fault(soap.post(empty_body), "DataError")


def test_body_over_the_cap_is_a_client_fault(soap: Soap) -> None:
    huge = envelope("Version", []) + b" " * (1024 * 1024)
    assert_fault(soap.post(huge), "InvalidDataLength")
    assert soap.call("Version", session=None).status == 200  # still serving


def test_unexpected_errors_are_server_faults(
    sandbox: SandboxServer, soap: Soap, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(sandbox.store, "get_id", explode)
    fault = assert_fault(
        soap.call("TPInfo", ("ECGridID", 1)), "InternalError", faultcode="soap:Server"
    )
    assert "boom" not in fault["faultstring"]


def test_path_is_case_insensitive(sandbox: SandboxServer) -> None:
    api = Api(sandbox.base_url)
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    status, _, body = api.raw("POST", SOAP_PATH.lower(), envelope("Version", []), headers)
    assert status == 200 and b"VersionResult" in body
    status, _, _ = api.raw("PUT", SOAP_PATH, b"", headers)
    assert status == 405


# -- sessions -----------------------------------------------------------------------------------


def login(soap: Soap, name: str = "sandbox", password: str = "sandbox-password") -> Any:
    return soap.call("Login", ("LoginName", name), ("Password", password), session=None)


def test_login_who_am_i_logout(soap: Soap) -> None:
    session = login(soap).text("Login")
    assert session and session != DEFAULT_API_KEY
    who = flat(soap.call("WhoAmI", session=session).result("WhoAmI"))
    assert who == {
        **who,
        "SessionID": session,
        "UserID": "7001",
        "LoginName": "sandbox",
        "AuthLevel": "NetworkAdmin",
        "NetworkID": "42",
        "MailboxID": "1001",
        "ip": "127.0.0.1",
    }
    assert list(who)[:4] == ["ECGridOSVersion", "SessionID", "SessionEventID", "UserID"]
    assert who["LastLogin"] != "0001-01-01T00:00:00"
    assert int(who["OpenSessions"]) >= 1 and who["TimeOut"] == "20"  # minutes
    by_key = flat(soap.call("WhoAmI").result("WhoAmI"))
    assert by_key["SessionID"] == DEFAULT_API_KEY and by_key["LastLogin"] == "0001-01-01T00:00:00"
    assert soap.call("Logout", session=session).text("Logout") == "0"
    assert_fault(soap.call("WhoAmI", session=session), "AccessDenied", item="SessionID")


def test_wrong_credentials_and_unknown_sessions(soap: Soap) -> None:
    assert_fault(login(soap, password="nope"), "AccessDenied")
    assert_fault(login(soap, name="someone"), "AccessDenied")
    assert_fault(soap.call("WhoAmI", session="not-a-session"), "AccessDenied")
    assert_fault(soap.call("TPInfo", ("ECGridID", 111111), session=None), "AccessDenied")
    assert login(soap, name="sandbox@example.com").status == 200  # the email works too


def test_idle_sessions_time_out(start_sandbox: StartSandbox) -> None:
    soap = Soap(start_sandbox(session_ttl=0.4).base_url)
    session = login(soap).text("Login")
    for _ in range(3):  # activity keeps it alive
        time.sleep(0.2)
        assert soap.call("WhoAmI", session=session).status == 200
    time.sleep(0.6)
    assert_fault(soap.call("WhoAmI", session=session), "SessionTimeout")
    assert soap.call("WhoAmI").status == 200  # the API key never times out


# -- namespaces and the WSDL ----------------------------------------------------------------------


def test_legacy_namespace_knob(start_sandbox: StartSandbox) -> None:
    soap = Soap(start_sandbox(soap_namespace="legacy").base_url)
    for namespace in (LIVE_NS, LEGACY_NS):
        answer = soap.call("TPInfo", ("ECGridID", 111111), namespace=namespace)
        assert flat(answer.result("TPInfo", LEGACY_NS), LEGACY_NS)["ECGridID"] == "111111"
        assert LIVE_NS.encode() not in answer.body


def wsdl(server: SandboxServer, query: str = "WSDL") -> ET.Element:
    status, headers, body = Api(server.base_url).raw("GET", f"{SOAP_PATH}?{query}", None, {})
    assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(body)


@pytest.mark.parametrize("query", ["WSDL", "wsdl", "Wsdl="])
def test_wsdl_describes_exactly_the_implemented_operations(
    sandbox: SandboxServer, query: str
) -> None:
    root = wsdl(sandbox, query)
    assert root.get("targetNamespace") == LIVE_NS
    bindings = root.findall(f"{{{WSDL_NS}}}binding")
    assert len(bindings) == 1
    assert bindings[0].find(f"{{{WSDL_SOAP_NS}}}binding") is not None  # SOAP 1.1 only
    operations = {op.get("name") for op in bindings[0].findall(f"{{{WSDL_NS}}}operation")}
    assert operations == set(OPERATIONS)
    actions = {op.get("soapAction") for op in bindings[0].iter(f"{{{WSDL_SOAP_NS}}}operation")}
    assert actions == {f"{LIVE_NS}{name}" for name in OPERATIONS}
    address = root.find(f".//{{{WSDL_SOAP_NS}}}address")
    assert address is not None and address.get("location") == f"{sandbox.base_url}{SOAP_PATH}"


def test_wsdl_follows_the_namespace_knob(start_sandbox: StartSandbox) -> None:
    root = wsdl(start_sandbox(soap_namespace="legacy"))
    assert root.get("targetNamespace") == LEGACY_NS


def test_get_without_wsdl_lists_operations(sandbox: SandboxServer) -> None:
    status, _, body = Api(sandbox.base_url).raw("GET", SOAP_PATH, None, {})
    assert status == 200 and b"?WSDL" in body and b"InterconnectCountEx" in body


# -- latency, faults and drops apply to SOAP too ------------------------------------------------


def test_fault_injection_on_soap(start_sandbox: StartSandbox) -> None:
    soap = Soap(start_sandbox(fault_rate=1.0, retry_after=0.5, seed=3).base_url)
    seen = set()
    for _ in range(30):
        answer = soap.call("TPInfo", ("ECGridID", 111111))
        seen.add(answer.status)
        if answer.status == 429:
            assert answer.headers["Retry-After"] == "0.5"
        elif answer.status == 500:
            assert_fault(answer, "InternalError", faultcode="soap:Server")
        else:
            assert answer.status == 503
    assert seen == {429, 500, 503}
    assert soap.call("Version", session=None).status == 200  # like GET /v2/auth/version
    assert_fault(soap.call("WhoAmI", session="wrong"), "AccessDenied")  # auth comes first


def test_latency_on_soap(start_sandbox: StartSandbox) -> None:
    soap = Soap(start_sandbox(latency_ms=200).base_url)
    started = time.monotonic()
    soap.call("TPInfo", ("ECGridID", 111111))
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    soap.call("Version", session=None)
    assert time.monotonic() - started < 0.15


def test_drop_rate_commits_soap_writes_then_hangs_up(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(drop_rate=1.0)
    body = envelope(
        "TPAdd",
        [
            ("SessionID", DEFAULT_API_KEY),
            ("Qualifier", "ZZ"),
            ("ID", "DROPPED"),
            ("Description", "d"),
        ],
    )
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=5) as client:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(SOAP_PATH, content=body, headers=headers)
        search = [("SessionID", DEFAULT_API_KEY), ("ID", "DROPPED"), ("ShowInactive", True)]
        read = envelope("TPSearch", search)
        answer = client.post(SOAP_PATH, content=read, headers=headers)  # reads are never dropped
        assert answer.status_code == 200 and b"DROPPED" in answer.content
