"""SoapBackend over respx: each operation's envelope, the answers parsed into models,
faults and garbage mapped to typed errors, and retries through the shared layer.

Answers are hand-written the way an ASMX service serialises ECGridOS v4.1 types.
"""

from __future__ import annotations

import httpx
import pytest
from unit_support import (
    API_KEY,
    SOAP_URL,
    soap_answer,
    soap_dataset,
    soap_fault,
    soap_id_xml,
    soap_interconnect_xml,
    soap_params,
)

from ecgrid_cli.api.auth import LoginToken
from ecgrid_cli.api.backend import NewId
from ecgrid_cli.api.models import EcgridId, Interconnect, Parcel, User
from ecgrid_cli.api.soap.backend import ALL_DAYS
from ecgrid_cli.api.soap.wire import CONTENT_TYPE, NAMESPACE
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
    UnreachableError,
    UsageError,
)
from ecgrid_cli.statuses import SOAP_INTERCONNECT_STATUSES

KEY = ("SessionID", API_KEY)
HTML = "<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"


def never() -> None:
    return None


def operation(soap_api, name: str):
    """The route of one SOAP operation: POST to the exact .asmx URL with its SOAPAction."""
    return soap_api.post(SOAP_URL, headers={"SOAPAction": f'"{NAMESPACE}{name}"'})


def answer(soap_api, name: str, result: str | None, status: int = 200):
    return operation(soap_api, name).respond(
        status, content=soap_answer(name, result), headers={"Content-Type": CONTENT_TYPE}
    )


def params(route, name: str, call: int = -1) -> list[tuple[str, str]]:
    return soap_params(route.calls[call].request, name)


# -- the request on the wire ---------------------------------------------------------------


def test_request_goes_to_the_asmx_url_with_soapaction_and_xml(soap_api, make_soap):
    route = answer(soap_api, "TPInfo", _inner(soap_id_xml(42)))
    make_soap().get_id(42)
    request = route.calls.last.request
    assert request.method == "POST"
    assert str(request.url) == SOAP_URL
    assert request.headers["SOAPAction"] == '"https://os.ecgrid.io/TPInfo"'
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert request.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert params(route, "TPInfo") == [KEY, ("ECGridID", "42")]


def test_login_session_is_the_session_id(soap_api, make_soap):
    session = LoginToken("soap-session-abcdefgh", method="soap-session", origin="the login")
    route = answer(soap_api, "Logout", "0")
    make_soap(credentials=session).logout()
    assert params(route, "Logout") == [("SessionID", "soap-session-abcdefgh")]


# -- identity ------------------------------------------------------------------------------


def test_version_sends_no_session(soap_api, make_soap):
    route = answer(soap_api, "Version", "4.1.1234")
    assert make_soap().version() == "4.1.1234"
    assert params(route, "Version") == []


def test_whoami(soap_api, make_soap):
    route = answer(
        soap_api,
        "WhoAmI",
        "<UserID>11</UserID><LoginName>ops</LoginName><AuthLevel>NetworkAdmin</AuthLevel>"
        "<NetworkID>20</NetworkID><MailboxID>300</MailboxID><Status>Active</Status>",
    )
    user = make_soap().whoami()
    assert isinstance(user, User)
    assert (user.user_id, user.login, user.auth_level, user.network_id, user.mailbox_id) == (
        11,
        "ops",
        "NetworkAdmin",
        20,
        300,
    )
    assert params(route, "WhoAmI") == [KEY]


def test_login(soap_api, make_soap):
    route = answer(soap_api, "Login", "new-session-abcdefgh")
    grant = make_soap().login("ops", "pw")
    assert grant.token == "new-session-abcdefgh"
    assert params(route, "Login") == [("LoginName", "ops"), ("Password", "pw")]


@pytest.mark.parametrize("result", ["", None])
def test_login_without_a_session_is_invalid(soap_api, make_soap, result):
    answer(soap_api, "Login", result)
    with pytest.raises(InvalidResponseError):
        make_soap().login("ops", "pw")


# -- IDs -----------------------------------------------------------------------------------


def _inner(xml: str) -> str:
    return xml[xml.index(">") + 1 : xml.rindex("<")]


def test_find_ids_is_tp_search_filtered_to_the_exact_qid(soap_api, make_soap):
    route = answer(
        soap_api,
        "TPSearch",
        soap_id_xml(1)
        + soap_id_xml(2, isa_id="PARTNERCO2")
        + soap_id_xml(3, qualifier="ZZ")
        + soap_id_xml(4, isa_id="partnerco", status="Suspended"),
    )
    found = make_soap().find_ids("01", "PARTNERCO")
    assert [(i.ecgrid_id, i.isa_id) for i in found] == [(1, "PARTNERCO"), (4, "partnerco")]
    assert params(route, "TPSearch") == [
        KEY,
        ("Qualifier", "01"),
        ("ID", "PARTNERCO"),
        ("ShowInactive", "true"),
    ]


def test_find_active_only_asks_the_server(soap_api, make_soap):
    route = answer(soap_api, "TPSearch", soap_id_xml(1))
    make_soap().find_ids("01", "PARTNERCO", include_inactive=False)
    assert params(route, "TPSearch")[-1] == ("ShowInactive", "false")


def test_find_nothing(soap_api, make_soap):
    answer(soap_api, "TPSearch", None)
    assert make_soap().find_ids("01", "NOBODY") == []


def test_get_id_parses_the_soap_spelling(soap_api, make_soap):
    answer(soap_api, "TPInfo", _inner(soap_id_xml(42, status="Suspended")))
    found = make_soap().get_id(42)
    assert isinstance(found, EcgridId)
    assert (found.ecgrid_id, found.network_id, found.mailbox_id) == (42, 20, 300)
    assert (found.qualifier, found.isa_id, found.status) == ("01", "PARTNERCO", "Suspended")
    assert found.use_type == "Production"


def test_create_id_is_tp_add_ex_then_tp_info(soap_api, make_soap):
    add = answer(soap_api, "TPAddEx", "77")
    info = answer(soap_api, "TPInfo", _inner(soap_id_xml(77, "ZZ", "ACME")))
    new = NewId(300, "ZZ", "ACME", description="Acme Corp", network_id=20)
    created = make_soap().create_id(new, reconcile=never)
    assert created.ecgrid_id == 77
    assert params(add, "TPAddEx") == [
        KEY,
        ("NetworkID", "20"),
        ("MailboxID", "300"),
        ("Qualifier", "ZZ"),
        ("ID", "ACME"),
        ("Description", "Acme Corp"),
        ("RoutingGroup", "ProductionA"),
    ]
    assert params(info, "TPInfo") == [KEY, ("ECGridID", "77")]


def test_create_id_without_network_asks_who_am_i(soap_api, make_soap):
    who = answer(soap_api, "WhoAmI", "<UserID>1</UserID><NetworkID>21</NetworkID>")
    add = answer(soap_api, "TPAddEx", "77")
    answer(soap_api, "TPInfo", _inner(soap_id_xml(77)))
    make_soap().create_id(NewId(300, "01", "PARTNERCO", routing_group="Test"), reconcile=never)
    assert who.call_count == 1
    sent = dict(params(add, "TPAddEx"))
    assert sent["NetworkID"] == "21"
    assert sent["RoutingGroup"] == "Test"
    assert "Description" not in sent


def test_create_id_with_a_use_type_is_refused_before_sending(soap_api, make_soap):
    with pytest.raises(UsageError) as info:
        make_soap().create_id(NewId(300, "01", "P", use_type="Test"), reconcile=never)
    assert "use type" in info.value.message


def test_create_id_lost_answer_returns_reconcile(soap_api, make_soap):
    add = operation(soap_api, "TPAddEx").respond(
        500, content=soap_fault("InternalError", "oops", "soap:Server")
    )
    found = EcgridId.model_validate({"ecGridId": 77})
    created = make_soap().create_id(NewId(300, "01", "P", network_id=1), reconcile=lambda: found)
    assert created is found
    assert add.call_count == 1


def test_tp_move_is_tp_move_mailbox_then_tp_info(soap_api, make_soap):
    move = answer(soap_api, "TPMoveMailbox", "1")
    answer(soap_api, "TPInfo", _inner(soap_id_xml(42, mailbox_id=9)))
    moved = make_soap().tp_move(42, 9, reconcile=never)
    assert moved.mailbox_id == 9
    assert params(move, "TPMoveMailbox") == [KEY, ("ECGridID", "42"), ("MailboxID", "9")]


# -- interconnects -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "preconfirm"), [(None, "true"), ("Completed", "true"), ("Pending", "false")]
)
def test_interconnect_add_sends_reference_and_preconfirm(soap_api, make_soap, status, preconfirm):
    route = answer(
        soap_api,
        "InterconnectAdd",
        _inner(soap_interconnect_xml(5, 1, 2, status or "Completed", reference="ecgrid-cli/ab12")),
    )
    made = make_soap().create_interconnect(
        1, 2, status=status, token="ecgrid-cli/ab12", reconcile=never
    )
    assert params(route, "InterconnectAdd") == [
        KEY,
        ("ECGridID1", "1"),
        ("ECGridID2", "2"),
        ("Reference", "ecgrid-cli/ab12"),
        ("NotifyContact", "false"),
        ("Preconfirm", preconfirm),
    ]
    assert isinstance(made, Interconnect)
    assert (made.interconnect_id, made.ecgrid_id_from, made.ecgrid_id_to) == (5, 1, 2)
    assert made.reference == "ecgrid-cli/ab12"


@pytest.mark.parametrize(
    "status", ["Active", "Development", "Canceled", "Delayed", "AuthorizationRequired", "Problem"]
)
def test_statuses_soap_cannot_create_are_refused_before_sending(soap_api, make_soap, status):
    with pytest.raises(UsageError) as info:
        make_soap().create_interconnect(1, 2, status=status, token=None, reconcile=never)
    assert status in info.value.message


def test_interconnect_add_duplicate_fault_is_a_conflict(soap_api, make_soap):
    operation(soap_api, "InterconnectAdd").respond(
        500, content=soap_fault("Duplicate", "Interconnect already exists")
    )
    with pytest.raises(ConflictError) as info:
        make_soap().create_interconnect(1, 2, status=None, token=None, reconcile=never)
    assert info.value.code == "Duplicate"
    assert info.value.kind == "conflict"


def test_interconnect_add_lost_answer_is_reconciled_not_resent(soap_api, make_soap):
    route = operation(soap_api, "InterconnectAdd").mock(
        side_effect=httpx.RemoteProtocolError("Server disconnected")
    )
    existing = Interconnect.model_validate(
        {"interconnectId": 9, "ecGridIdFrom": 1, "ecGridIdTo": 2}
    )
    made = make_soap().create_interconnect(1, 2, status=None, token="t", reconcile=lambda: existing)
    assert made is existing
    assert route.call_count == 1


def test_interconnect_info_tp1_tp2_and_net_dates(soap_api, make_soap):
    route = answer(
        soap_api,
        "InterconnectInfo",
        _inner(soap_interconnect_xml(5, 1, 2, last_outbound="2024-05-06T07:08:09")),
    )
    found = make_soap().get_interconnect(5)
    assert params(route, "InterconnectInfo") == [KEY, ("InterconnectID", "5")]
    assert (found.ecgrid_id_from, found.ecgrid_id_to, found.status) == (1, 2, "Completed")
    assert found.created == "2024-01-02T03:04:05"
    assert found.last_traffic_outbound == "2024-05-06T07:08:09"
    assert found.last_traffic_inbound is None  # 0001-01-01: .NET's "never"
    assert found.reference is None


def test_list_without_status_fans_out_over_soap_statuses_merged_and_sorted(soap_api, make_soap):
    by_status = {
        "Pending": [soap_interconnect_xml(30, 1, 4, "Pending")],
        "Completed": [
            soap_interconnect_xml(20, 1, 2),
            soap_interconnect_xml(10, 3, 1),
        ],
        "Canceled": [soap_interconnect_xml(5, 1, 9, "Canceled")],
        # A server that lists one record under two statuses: it is shown once.
        "Delayed": [soap_interconnect_xml(20, 1, 2, "Delayed")],
    }

    def reply(request: httpx.Request) -> httpx.Response:
        sent = dict(soap_params(request, "InterconnectListByStatus"))
        assert sent["ECGridID"] == "1"
        assert sent["MaxDays"] == str(ALL_DAYS)
        items = "".join(by_status.get(sent["Status"], []))
        return httpx.Response(200, content=soap_answer("InterconnectListByStatus", items))

    route = operation(soap_api, "InterconnectListByStatus").mock(side_effect=reply)
    found = list(make_soap().iter_interconnects(1))
    assert [ic.interconnect_id for ic in found] == [5, 10, 20, 30]
    assert [ic.status for ic in found] == ["Canceled", "Completed", "Completed", "Pending"]
    asked = [dict(params(route, "InterconnectListByStatus", n))["Status"] for n in range(6)]
    assert asked == list(SOAP_INTERCONNECT_STATUSES)
    assert route.call_count == len(SOAP_INTERCONNECT_STATUSES)


def test_list_with_status_is_one_call(soap_api, make_soap):
    route = answer(
        soap_api,
        "InterconnectListByStatus",
        soap_interconnect_xml(3, 1, 2, "Pending") + soap_interconnect_xml(2, 1, 3, "Pending"),
    )
    found = make_soap().list_interconnects(1, status="Pending", page=1, per_page=10)
    assert [ic.interconnect_id for ic in found] == [2, 3]
    assert params(route, "InterconnectListByStatus") == [
        KEY,
        ("Status", "Pending"),
        ("ECGridID", "1"),
        ("MaxDays", str(ALL_DAYS)),
    ]


@pytest.mark.parametrize(("page", "expected"), [(1, [1, 2]), (2, [3, 4]), (3, [5]), (4, [])])
def test_pages_are_cut_locally(soap_api, make_soap, page, expected):
    answer(
        soap_api,
        "InterconnectListByStatus",
        "".join(soap_interconnect_xml(n, 1, 100 + n) for n in (5, 3, 1, 4, 2)),
    )
    found = make_soap().list_interconnects(1, status="Completed", page=page, per_page=2)
    assert [ic.interconnect_id for ic in found] == expected


def test_count_for_one_id_is_count_ex_dataset(soap_api, make_soap):
    route = operation(soap_api, "InterconnectCountEx").respond(
        200, content=soap_dataset("InterconnectCountEx", {"Pending": 3, "Completed": 120})
    )
    backend = make_soap()
    assert backend.count_interconnects(1) == 123
    assert backend.count_interconnects(1, status="completed") == 120
    assert backend.count_interconnects(1, status="Canceled") == 0
    assert params(route, "InterconnectCountEx") == [
        KEY,
        ("NetworkID", "0"),
        ("MailboxID", "0"),
        ("ECGridID", "1"),
        ("MaxDays", str(ALL_DAYS)),
    ]


def test_count_for_the_session_is_interconnect_count(soap_api, make_soap):
    route = operation(soap_api, "InterconnectCount").respond(
        200, content=soap_dataset("InterconnectCount", {"Pending": 2, "Problem": 1})
    )
    assert make_soap().count_interconnects(None) == 3
    assert params(route, "InterconnectCount") == [KEY, ("MaxDays", str(ALL_DAYS))]


@pytest.mark.parametrize("stored", [(1, 2), (2, 1)], ids=["asked-way", "reverse"])
def test_pair_query_tries_both_orientations(soap_api, make_soap, stored):
    def reply(request: httpx.Request) -> httpx.Response:
        sent = dict(soap_params(request, "InterconnectListByECGridID"))
        pair = (int(sent["ECGridID1"]), int(sent["ECGridID2"]))
        items = soap_interconnect_xml(7, *stored) if pair == stored else ""
        return httpx.Response(200, content=soap_answer("InterconnectListByECGridID", items))

    route = operation(soap_api, "InterconnectListByECGridID").mock(side_effect=reply)
    found = make_soap().interconnects_between(1, 2)
    assert [ic.interconnect_id for ic in found] == [7]
    asked = [
        (dict(params(route, "InterconnectListByECGridID", n))["ECGridID1"])
        for n in range(route.call_count)
    ]
    assert asked == (["1"] if stored == (1, 2) else ["1", "2"])


def test_pair_query_ignores_records_of_other_pairs(soap_api, make_soap):
    route = answer(soap_api, "InterconnectListByECGridID", soap_interconnect_xml(7, 1, 3))
    assert make_soap().interconnects_between(1, 2) == []
    assert route.call_count == 2


def test_cancel(soap_api, make_soap):
    route = answer(soap_api, "InterconnectCancel", "true")
    make_soap().cancel_interconnect(5, reconcile=never)
    assert params(route, "InterconnectCancel") == [
        KEY,
        ("InterconnectID", "5"),
        ("EMailTo", "NoEMail"),
    ]


def test_add_note(soap_api, make_soap):
    route = answer(soap_api, "InterconnectNote", "true")
    make_soap().add_note(5, "called <Bob> & co")
    assert params(route, "InterconnectNote") == [
        KEY,
        ("InterconnectID", "5"),
        ("AuthLevel", "General"),
        ("Note", "called <Bob> & co"),
        ("EMailTo", "NoEMail"),
    ]


def test_list_notes(soap_api, make_soap):
    route = answer(
        soap_api,
        "InterconnectNoteList",
        "<InterconnectNote><Note>first</Note><NoteDate>2024-01-01T00:00:00</NoteDate>"
        "<UserID>3</UserID><PostedBy>ops</PostedBy></InterconnectNote>",
    )
    notes = make_soap().list_notes(5)
    assert [(n.text, n.timestamp, n.user_id, n.posted_by) for n in notes] == [
        ("first", "2024-01-01T00:00:00", 3, "ops")
    ]
    assert params(route, "InterconnectNoteList") == [KEY, ("InterconnectID", "5")]


# -- parcels -------------------------------------------------------------------------------


def test_send_test_file(soap_api, make_soap):
    route = answer(soap_api, "ParcelTest", "555")
    assert make_soap().send_test_file(1, 2) == 555
    assert params(route, "ParcelTest") == [
        KEY,
        ("ECGridIDFrom", "1"),
        ("ECGridIDTo", "2"),
        ("DocumentType", "X12"),
    ]


@pytest.mark.parametrize("result", ["abc", None, "<X>1</X>"])
def test_send_test_file_bad_answer(soap_api, make_soap, result):
    answer(soap_api, "ParcelTest", result)
    with pytest.raises(InvalidResponseError):
        make_soap().send_test_file(1, 2)


def test_get_parcel(soap_api, make_soap):
    route = answer(
        soap_api,
        "ParcelInfo",
        "<ParcelID>555</ParcelID><StatusCode>InBoxReady</StatusCode>"
        "<StatusDate>2024-01-01T00:00:00</StatusDate><ECGridIDFrom>1</ECGridIDFrom>",
    )
    parcel = make_soap().get_parcel(555)
    assert isinstance(parcel, Parcel)
    assert (parcel.parcel_id, parcel.status, parcel.ecgrid_id_from) == (555, "InBoxReady", 1)
    assert params(route, "ParcelInfo") == [KEY, ("ParcelID", "555")]


# -- faults and garbage --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_type", "kind"),
    [
        ("NotFound", NotFoundError, "not_found"),
        ("Duplicate", ConflictError, "conflict"),
        ("IDExistsOnNetwork", ConflictError, "conflict"),
        ("AccessDenied", AuthError, "auth"),
        ("InvalidID", ApiError, "api"),
        ("DataError", ApiError, "api"),
    ],
)
def test_faults_map_to_exit_code_kinds(soap_api, make_soap, sleeps, code, error_type, kind):
    route = operation(soap_api, "TPInfo").respond(500, content=soap_fault(code, "server says no"))
    with pytest.raises(error_type) as info:
        make_soap().get_id(1)
    assert type(info.value) is error_type
    assert info.value.kind == kind
    assert info.value.code == code
    assert route.call_count == 1
    assert sleeps == []


def test_access_denied_names_the_credentials(soap_api, make_soap):
    operation(soap_api, "TPInfo").respond(500, content=soap_fault("AccessDenied", "Access denied"))
    with pytest.raises(AuthError) as info:
        make_soap().get_id(1)
    assert info.value.message == (
        "SOAP TPInfo: Access denied (API key ****T123 from profile 'prod')"
    )


@pytest.mark.parametrize(
    ("relogin", "said"),
    [
        (None, "ecgrid --api soap auth login"),
        ("ecgrid --profile p --api soap auth login", "ecgrid --profile p --api soap auth login"),
    ],
)
def test_session_timeout_is_an_auth_error_saying_how_to_log_in_again(
    soap_api, make_soap, relogin, said
):
    session = LoginToken(
        "soap-session-abcdefgh", method="soap-session", origin="the login", relogin=relogin
    )
    operation(soap_api, "TPInfo").respond(
        500, content=soap_fault("SessionTimeout", "Session timed out")
    )
    with pytest.raises(AuthError) as info:
        make_soap(credentials=session).get_id(1)
    assert info.value.code == "SessionTimeout"
    assert info.value.kind == "auth"
    assert info.value.message == f"The SOAP session expired; run '{said}' again."


def test_server_faults_are_retried_then_exhausted(soap_api, make_soap, sleeps):
    route = operation(soap_api, "TPInfo").respond(
        500, content=soap_fault("InternalError", "SQL timeout", "soap:Server")
    )
    with pytest.raises(RetriesExhaustedError) as info:
        make_soap(deadline_seconds=1000).get_id(1)
    assert route.call_count == 4
    assert len(sleeps) == 3
    assert info.value.code == "InternalError"


def test_fault_text_never_shows_the_key(soap_api, make_soap):
    operation(soap_api, "TPInfo").respond(
        500, content=soap_fault("InvalidID", f"session {API_KEY} is unknown")
    )
    with pytest.raises(ApiError) as info:
        make_soap().get_id(1)
    assert API_KEY not in info.value.message
    assert "[REDACTED]" in info.value.message


def test_html_answer_is_a_clean_invalid_response(soap_api, make_soap):
    route = operation(soap_api, "TPInfo").respond(
        200, text=HTML, headers={"Content-Type": "text/html"}
    )
    with pytest.raises(InvalidResponseError) as info:
        make_soap().get_id(1)
    assert info.value.message == (
        "SOAP TPInfo: the server sent an HTML page, not a SOAP answer (HTTP 200, text/html)."
    )
    assert route.call_count == 1


def test_html_error_page_is_transient_and_retried(soap_api, make_soap):
    route = operation(soap_api, "TPInfo").mock(
        side_effect=[
            httpx.Response(503, text=HTML, headers={"Content-Type": "text/html"}),
            httpx.Response(200, content=soap_answer("TPInfo", _inner(soap_id_xml(1)))),
        ]
    )
    assert make_soap().get_id(1).ecgrid_id == 1
    assert route.call_count == 2


@pytest.mark.parametrize(
    "body",
    [b"garbage \x00\x01", b'{"success": true}', b"<root><a></root>", b"", b"<html>x</html>"],
    ids=["binary", "json", "broken-xml", "empty", "html"],
)
def test_garbage_answers_are_invalid_responses(soap_api, make_soap, body):
    operation(soap_api, "TPInfo").respond(200, content=body)
    with pytest.raises(InvalidResponseError) as info:
        make_soap().get_id(1)
    assert info.value.message.startswith("SOAP TPInfo: ")
    assert "\x00" not in info.value.message


def test_answer_for_another_operation_is_invalid(soap_api, make_soap):
    operation(soap_api, "TPInfo").respond(200, content=soap_answer("TPSearch", ""))
    with pytest.raises(InvalidResponseError):
        make_soap().get_id(1)


def test_object_answer_that_is_not_an_id_is_invalid(soap_api, make_soap):
    answer(soap_api, "TPInfo", "<ECGridID>abc</ECGridID>")
    with pytest.raises(InvalidResponseError):
        make_soap().get_id(1)


def test_429_with_retry_after_is_honoured(soap_api, make_soap, sleeps):
    route = operation(soap_api, "TPInfo").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, text="Too Many Requests"),
            httpx.Response(200, content=soap_answer("TPInfo", _inner(soap_id_xml(1)))),
        ]
    )
    assert make_soap().get_id(1).ecgrid_id == 1
    assert route.call_count == 2
    assert sleeps == [2.0]


def test_429_on_a_write_is_retried_without_reconcile(soap_api, make_soap, sleeps):
    route = operation(soap_api, "InterconnectAdd").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}, text="slow down"),
            httpx.Response(
                200, content=soap_answer("InterconnectAdd", _inner(soap_interconnect_xml(5, 1, 2)))
            ),
        ]
    )
    asked: list[int] = []
    made = make_soap().create_interconnect(
        1, 2, status=None, token="t", reconcile=lambda: asked.append(1)
    )
    assert made.interconnect_id == 5
    assert asked == []
    assert route.call_count == 2
    assert sleeps == [1.0]


def test_connection_refused_is_unreachable_after_retries(soap_api, make_soap):
    route = operation(soap_api, "Version").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(UnreachableError) as info:
        make_soap(deadline_seconds=1000).version()
    assert info.value.kind == "unreachable"
    assert route.call_count == 4
    assert SOAP_URL in info.value.message


def test_gave_up_message_names_the_operation(soap_api, make_soap):
    operation(soap_api, "Version").respond(
        502, text="bad gateway", headers={"Content-Type": "text/plain"}
    )
    with pytest.raises(RetriesExhaustedError) as info:
        make_soap(retries=0).version()
    assert info.value.message.startswith("gave up after 1 attempt: SOAP Version: ")
    assert info.value.http_status == 502


def test_write_fault_without_reconcile_is_not_resent(soap_api, make_soap):
    route = operation(soap_api, "InterconnectNote").respond(
        500, content=soap_fault("InternalError", "oops", "soap:Server")
    )
    with pytest.raises(TransientError) as info:
        make_soap().add_note(5, "n")
    assert "not sent again" in info.value.message
    assert route.call_count == 1
