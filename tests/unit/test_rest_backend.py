"""RestBackend: each operation's request exactly as API-NOTES documents it, the probed
and remembered forms (find, create-ID, login, refresh), page shapes and paging, and
the pair query. Every respx router here fails the test when a stub goes unused."""

from __future__ import annotations

import json
import os
import stat

import httpx
import pytest
from unit_support import (
    BASE_URL,
    bodies,
    body_of,
    ecgrid_id,
    fail,
    interconnect,
    ok,
    partners_server,
)

from ecgrid_cli.api.backend import NewId
from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, Parcel, User
from ecgrid_cli.api.rest.backend import MAX_PAGE_SIZE
from ecgrid_cli.api.rest.find_forms import FIND_PATH
from ecgrid_cli.api.rest.server_facts import ServerFacts, default_cache_path
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
)
from ecgrid_cli.output.documents import interconnect_document

NOT_ALLOWED = {"text": "Method Not Allowed", "headers": {"Content-Type": "text/plain"}}


def never() -> None:
    return None


# -- IDs -------------------------------------------------------------------------------------


def test_get_id(rest_api, make_rest):
    route = rest_api.get("/v2/ids/42").respond(200, json=ok(ecgrid_id(42)))
    found = make_rest().get_id(42)
    assert route.calls.last.request.content == b""
    assert isinstance(found, EcgridId)
    assert (found.ecgrid_id, found.mailbox_id, found.qualifier, found.isa_id) == (
        42,
        300,
        "01",
        "PARTNERCO",
    )
    assert found.status == "Active"


def test_not_found_maps_through_the_backend(rest_api, make_rest):
    rest_api.get("/v2/ids/404").respond(404, json=fail("ObjectNotFound", "no such ID"))
    with pytest.raises(NotFoundError) as info:
        make_rest().get_id(404)
    assert info.value.code == "ObjectNotFound"


def test_tp_move(rest_api, make_rest):
    route = rest_api.post("/v2/ids/tp-move").respond(200, json=ok(ecgrid_id(42, mailbox_id=9)))
    moved = make_rest().tp_move(42, 9, reconcile=never)
    assert body_of(route) == {"ecGridId": 42, "newMailboxId": 9}
    assert moved.mailbox_id == 9


def test_tp_move_after_a_lost_answer_returns_what_reconcile_finds(rest_api, make_rest):
    route = rest_api.post("/v2/ids/tp-move").respond(500, json=fail("InternalError"))
    already = EcgridId.model_validate(ecgrid_id(42, mailbox_id=9))
    assert make_rest().tp_move(42, 9, reconcile=lambda: already) is already
    assert route.call_count == 1


# -- create ID: two documented bodies, probed and remembered ---------------------------------

NEW = NewId(mailbox_id=300, qualifier="ZZ", isa_id="ACME", description="Acme Corp")
REFERENCE_BODY = {"mailboxId": 300, "qualifier": "ZZ", "id": "ACME", "description": "Acme Corp"}
GUIDE_BODY = {
    "networkId": 20,
    "mailboxId": 300,
    "isaQualifier": "ZZ",
    "isaId": "ACME           ",
    "description": "Acme Corp",
}


def test_create_id_reference_form_first_and_remembered(rest_api, make_rest, facts_path):
    route = rest_api.post("/v2/ids").respond(200, json=ok(ecgrid_id(77, "ZZ", "ACME")))
    created = make_rest().create_id(NEW, reconcile=never)
    assert created.ecgrid_id == 77
    assert bodies(route) == [REFERENCE_BODY]
    assert json.loads(facts_path.read_text()) == {BASE_URL: {"create-id": "reference"}}


def test_create_id_minimal_reference_body(rest_api, make_rest):
    route = rest_api.post("/v2/ids").respond(200, json=ok(ecgrid_id(77)))
    make_rest().create_id(NewId(300, "01", "PARTNERCO"), reconcile=never)
    assert body_of(route) == {"mailboxId": 300, "qualifier": "01", "id": "PARTNERCO"}


def test_create_id_routing_group_in_reference_body(rest_api, make_rest):
    route = rest_api.post("/v2/ids").respond(200, json=ok(ecgrid_id(77)))
    make_rest().create_id(NewId(300, "01", "P", routing_group="Test"), reconcile=never)
    assert body_of(route) == {
        "mailboxId": 300,
        "qualifier": "01",
        "id": "P",
        "routingGroup": "Test",
    }


def test_create_id_falls_back_to_the_guide_form_and_remembers_it(rest_api, make_rest, facts_path):
    route = rest_api.post("/v2/ids").mock(
        side_effect=[
            httpx.Response(400, json=fail("InvalidParameter", "isaQualifier is required")),
            httpx.Response(200, json=ok(ecgrid_id(77, "ZZ", "ACME"))),
        ]
    )
    me = rest_api.get("/v2/users/me").respond(200, json=ok({"userId": 1, "networkId": 20}))
    backend = make_rest()
    assert backend.create_id(NEW, reconcile=never).ecgrid_id == 77
    assert bodies(route) == [REFERENCE_BODY, GUIDE_BODY]
    assert me.call_count == 1
    assert json.loads(facts_path.read_text()) == {BASE_URL: {"create-id": "guide"}}


def test_remembered_guide_form_is_one_request_next_run(rest_api, make_rest, facts_path):
    ServerFacts(facts_path).put(BASE_URL, "create-id", "guide")
    route = rest_api.post("/v2/ids").respond(200, json=ok(ecgrid_id(77, "ZZ", "ACME")))
    new = NewId(300, "ZZ", "ACME", description="Acme Corp", network_id=20, use_type="Test")
    make_rest().create_id(new, reconcile=never)
    assert bodies(route) == [GUIDE_BODY | {"useType": "Test"}]


def test_remembered_form_that_stopped_working_switches_back(rest_api, make_rest, facts_path):
    ServerFacts(facts_path).put(BASE_URL, "create-id", "guide")
    route = rest_api.post("/v2/ids").mock(
        side_effect=[
            httpx.Response(400, json=fail("InvalidParameter", "qualifier is required")),
            httpx.Response(200, json=ok(ecgrid_id(77, "ZZ", "ACME"))),
        ]
    )
    make_rest().create_id(NewId(300, "ZZ", "ACME", network_id=20), reconcile=never)
    assert [sorted(b) for b in bodies(route)] == [
        ["isaId", "isaQualifier", "mailboxId", "networkId"],
        ["id", "mailboxId", "qualifier"],
    ]
    assert ServerFacts(facts_path).get(BASE_URL, "create-id") == "reference"


def test_create_id_duplicate_is_not_retried_in_the_other_form(rest_api, make_rest, facts_path):
    route = rest_api.post("/v2/ids").respond(400, json=fail("DuplicateObject", "QID exists"))
    with pytest.raises(ConflictError):
        make_rest().create_id(NEW, reconcile=never)
    assert route.call_count == 1
    assert not facts_path.exists()


def test_create_id_refused_in_both_forms_raises_the_last_refusal(rest_api, make_rest):
    route = rest_api.post("/v2/ids").mock(
        side_effect=[
            httpx.Response(400, json=fail("InvalidParameter", "first")),
            httpx.Response(400, json=fail("InvalidParameter", "second")),
        ]
    )
    with pytest.raises(ApiError) as info:
        make_rest().create_id(NewId(300, "ZZ", "ACME", network_id=20), reconcile=never)
    assert info.value.message == "second"
    assert route.call_count == 2


def test_create_id_after_a_lost_answer_returns_what_reconcile_finds(rest_api, make_rest):
    route = rest_api.post("/v2/ids").mock(side_effect=httpx.ReadTimeout("timed out"))
    found = EcgridId.model_validate(ecgrid_id(42, "ZZ", "ACME"))
    assert make_rest().create_id(NEW, reconcile=lambda: found) is found
    assert route.call_count == 1


# -- interconnects --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected_body"),
    [
        (None, {"ecGridIdFrom": 1, "ecGridIdTo": 2}),
        ("Development", {"ecGridIdFrom": 1, "ecGridIdTo": 2, "status": "Development"}),
    ],
)
def test_create_interconnect_body_never_carries_the_token(
    rest_api, make_rest, status, expected_body
):
    route = rest_api.post("/v2/partners").respond(200, json=ok(interconnect(5, 1, 2)))
    created = make_rest().create_interconnect(
        1, 2, status=status, token="ecgrid-cli/abc", reconcile=never
    )
    assert body_of(route) == expected_body
    assert isinstance(created, Interconnect)
    assert (created.interconnect_id, created.ecgrid_id_from, created.ecgrid_id_to) == (5, 1, 2)


def test_get_interconnect(rest_api, make_rest):
    rest_api.get("/v2/partners/5").respond(200, json=ok(interconnect(5, 1, 2)))
    found = make_rest().get_interconnect(5)
    assert interconnect_document(found) == interconnect(5, 1, 2)


def test_list_interconnects_body(rest_api, make_rest):
    route = rest_api.post("/v2/partners/list").respond(
        200, json=ok([interconnect(5, 1, 2), interconnect(6, 3, 1)])
    )
    found = make_rest().list_interconnects(1, status="Active", page=3, per_page=50)
    assert body_of(route) == {"ecGridId": 1, "status": "Active", "pageNo": 3, "recordsPerPage": 50}
    assert [i.interconnect_id for i in found] == [5, 6]


def test_list_interconnects_without_status(rest_api, make_rest):
    route = rest_api.post("/v2/partners/list").respond(200, json=ok([]))
    make_rest().list_interconnects(1, status=None, page=1, per_page=25)
    assert body_of(route) == {"ecGridId": 1, "pageNo": 1, "recordsPerPage": 25}


@pytest.mark.parametrize(
    "data",
    [
        [interconnect(5, 1, 2), interconnect(6, 1, 3)],
        {
            "totalRecords": 2,
            "pageNo": 1,
            "recordsPerPage": 25,
            "items": [interconnect(5, 1, 2), interconnect(6, 1, 3)],
        },
        {
            "totalRecords": 2,
            "pageNo": 1,
            "recordsPerPage": 25,
            "partners": [interconnect(5, 1, 2), interconnect(6, 1, 3)],
        },
    ],
    ids=["plain-array", "paged-object-items", "paged-object-named"],
)
def test_the_documented_page_shapes(rest_api, make_rest, data):
    rest_api.post("/v2/partners/list").respond(200, json=ok(data))
    found = make_rest().list_interconnects(1, status=None, page=1, per_page=25)
    assert [i.interconnect_id for i in found] == [5, 6]


def test_array_page_with_top_level_total_records(rest_api, make_rest):
    rest_api.post("/v2/partners/list").respond(
        200, json=ok([interconnect(5, 1, 2)]) | {"totalRecords": 1}
    )
    found = make_rest().list_interconnects(1, status=None, page=1, per_page=25)
    assert [i.interconnect_id for i in found] == [5]


@pytest.mark.parametrize("data", [None, {"totalRecords": 0, "pageNo": 1, "recordsPerPage": 25}])
def test_empty_page_shapes(rest_api, make_rest, data):
    rest_api.post("/v2/partners/list").respond(200, json=ok(data))
    assert make_rest().list_interconnects(1, status=None, page=1, per_page=25) == []


@pytest.mark.parametrize(
    "data",
    [
        {"ecGridId": 1},
        "list",
        3,
        {"a": [], "b": []},
        [1, 2],
        [interconnect(1, 1, 2), "x"],
        [None],
        [{"interconnectId": 1}],
    ],
    ids=repr,
)
def test_list_of_the_wrong_shape_is_invalid_response(rest_api, make_rest, data):
    rest_api.post("/v2/partners/list").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_rest().list_interconnects(1, status=None, page=1, per_page=25)


@pytest.mark.parametrize(
    ("status", "expected_body"),
    [(None, {"ecGridId": 1}), ("Active", {"ecGridId": 1, "status": "Active"})],
)
def test_count_interconnects_is_a_post_with_body(rest_api, make_rest, status, expected_body):
    route = rest_api.post("/v2/partners/count").respond(200, json=ok(12))
    assert make_rest().count_interconnects(1, status=status) == 12
    assert body_of(route) == expected_body


def test_count_accepts_a_numeric_string(rest_api, make_rest):
    rest_api.post("/v2/partners/count").respond(200, json=ok(" 12 "))
    assert make_rest().count_interconnects(1) == 12


@pytest.mark.parametrize(
    "data", ["abc", "", "12abc", 1.5, [3], {"count": 3}, True, None, "²", "①", "9" * 20]
)
def test_count_of_the_wrong_type_is_invalid_response(rest_api, make_rest, data):
    rest_api.post("/v2/partners/count").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_rest().count_interconnects(1)


def test_count_without_an_id_is_refused_before_sending(make_rest):
    with pytest.raises(ApiError):
        make_rest().count_interconnects(None)


@pytest.mark.parametrize("data", [True, None])
def test_cancel_interconnect(rest_api, make_rest, data):
    route = rest_api.delete("/v2/partners/5").respond(200, json=ok(data))
    assert make_rest().cancel_interconnect(5, reconcile=never) is None
    assert route.calls.last.request.content == b""


def test_cancel_after_a_dropped_connection_asks_reconcile(rest_api, make_rest):
    route = rest_api.delete("/v2/partners/5").mock(side_effect=httpx.ReadError("reset"))
    asked: list[int] = []
    make_rest().cancel_interconnect(5, reconcile=lambda: asked.append(1) or True)
    assert route.call_count == 1
    assert asked == [1]


@pytest.mark.parametrize("data", [1, "yes", False, {"ok": True}])
def test_true_endpoints_refuse_other_values(rest_api, make_rest, data):
    rest_api.delete("/v2/partners/5").respond(200, json=ok(data))
    rest_api.post("/v2/partners/note").respond(200, json=ok(data))
    backend = make_rest()
    with pytest.raises(InvalidResponseError):
        backend.cancel_interconnect(5, reconcile=never)
    with pytest.raises(InvalidResponseError):
        backend.add_note(5, "n")


def test_add_note(rest_api, make_rest):
    route = rest_api.post("/v2/partners/note").respond(200, json=ok(True))
    make_rest().add_note(5, "called Bob")
    assert body_of(route) == {"interconnectId": 5, "note": "called Bob"}


def test_add_note_is_not_resent_after_a_lost_answer(rest_api, make_rest):
    route = rest_api.post("/v2/partners/note").respond(500, json=fail("InternalError"))
    with pytest.raises(TransientError):
        make_rest().add_note(5, "n")
    assert route.call_count == 1


def test_list_notes(rest_api, make_rest):
    route = rest_api.post("/v2/partners/notelist").respond(
        200,
        json=ok(
            [
                {"text": "first", "timestamp": "2024-01-01T00:00:00Z", "userId": 3},
                {"note": "second", "Timestamp": "2024-01-02T00:00:00Z", "UserID": 4, "x": 1},
            ]
        ),
    )
    notes = make_rest().list_notes(5)
    assert body_of(route) == {"interconnectId": 5}
    assert all(isinstance(n, InterconnectNote) for n in notes)
    assert [(n.text, n.timestamp, n.user_id) for n in notes] == [
        ("first", "2024-01-01T00:00:00Z", 3),
        ("second", "2024-01-02T00:00:00Z", 4),
    ]


# -- parcels ---------------------------------------------------------------------------------


def test_send_test_file(rest_api, make_rest):
    route = rest_api.post("/v2/parcels/send-test-file").respond(200, json=ok(987654))
    assert make_rest().send_test_file(1, 2) == 987654
    assert body_of(route) == {"ecGridIdFrom": 1, "ecGridIdTo": 2}


def test_send_test_file_is_retried_after_a_lost_answer(rest_api, make_rest):
    route = rest_api.post("/v2/parcels/send-test-file").mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError")),
            httpx.Response(200, json=ok(5)),
        ]
    )
    assert make_rest().send_test_file(1, 2) == 5
    assert route.call_count == 2


@pytest.mark.parametrize("data", [True, "P-1", None, 1.0])
def test_send_test_file_wrong_type_is_invalid_response(rest_api, make_rest, data):
    rest_api.post("/v2/parcels/send-test-file").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_rest().send_test_file(1, 2)


def test_get_parcel(rest_api, make_rest):
    rest_api.get("/v2/parcels/77").respond(
        200, json=ok({"parcelId": 77, "status": "InBoxReady", "ecGridIdFrom": 1})
    )
    parcel = make_rest().get_parcel(77)
    assert isinstance(parcel, Parcel)
    assert (parcel.parcel_id, parcel.status, parcel.ecgrid_id_from) == (77, "InBoxReady", 1)


# -- identity --------------------------------------------------------------------------------


def test_whoami(rest_api, make_rest):
    rest_api.get("/v2/users/me").respond(
        200,
        json=ok(
            {
                "userId": 11,
                "login": "ops",
                "email": "ops@example.com",
                "networkId": 20,
                "mailboxId": 300,
                "authLevel": "NetworkAdmin",
                "status": "active",
                "phone": "ignored",
            }
        ),
    )
    user = make_rest().whoami()
    assert isinstance(user, User)
    assert (user.user_id, user.login, user.network_id, user.auth_level, user.status) == (
        11,
        "ops",
        20,
        "NetworkAdmin",
        "Active",
    )


@pytest.mark.parametrize("data", [{"version": "2.6"}, "2.6", 2.6])
def test_version_needs_no_credentials(rest_api, make_rest, data):
    route = rest_api.get("/v2/auth/version").respond(200, json=ok(data))
    assert make_rest().version() == "2.6"
    assert "X-API-Key" not in route.calls.last.request.headers


@pytest.mark.parametrize("data", [None, [], {"v": 1}])
def test_version_unexpected_shape(rest_api, make_rest, data):
    rest_api.get("/v2/auth/version").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_rest().version()


GRANT = {"token": "jwt-new-abcdefgh", "expiresAt": "2030-01-01T00:00:00Z", "userId": 9}


def test_login_sends_login_and_password_unauthenticated(rest_api, make_rest):
    route = rest_api.post("/v2/auth/login").respond(200, json=ok(GRANT))
    grant = make_rest().login("ops", "pw")
    assert bodies(route) == [{"login": "ops", "password": "pw"}]
    assert "X-API-Key" not in route.calls.last.request.headers
    assert (grant.token, grant.expires_at, grant.user_id) == (
        "jwt-new-abcdefgh",
        "2030-01-01T00:00:00Z",
        9,
    )


@pytest.mark.parametrize("status", [400, 422])
def test_login_falls_back_to_the_email_spelling(rest_api, make_rest, status):
    route = rest_api.post("/v2/auth/login").mock(
        side_effect=[
            httpx.Response(status, json=fail("InvalidParameter", "email is required")),
            httpx.Response(200, json=ok(GRANT | {"refreshToken": "refresh-abcdefgh"})),
        ]
    )
    grant = make_rest().login("ops@example.com", "pw")
    assert bodies(route) == [
        {"login": "ops@example.com", "password": "pw"},
        {"email": "ops@example.com", "password": "pw"},
    ]
    assert grant.refresh_token == "refresh-abcdefgh"


def test_wrong_password_is_not_tried_again_in_the_email_spelling(rest_api, make_rest):
    route = rest_api.post("/v2/auth/login").respond(401, json=fail("InvalidLogin", "wrong"))
    with pytest.raises(AuthError):
        make_rest().login("ops", "pw")
    assert route.call_count == 1


def test_refresh_sends_the_token(rest_api, make_rest):
    route = rest_api.post("/v2/auth/refresh").respond(200, json=ok(GRANT))
    assert make_rest().refresh("jwt-old-abcdefgh", "refresh-abcdefgh").token == GRANT["token"]
    assert bodies(route) == [{"token": "jwt-old-abcdefgh"}]
    assert "X-API-Key" not in route.calls.last.request.headers


@pytest.mark.parametrize("status", [400, 401, 422])
def test_refresh_falls_back_to_the_refresh_token(rest_api, make_rest, status):
    route = rest_api.post("/v2/auth/refresh").mock(
        side_effect=[
            httpx.Response(status, json=fail("InvalidParameter", "refreshToken required")),
            httpx.Response(200, json=ok(GRANT)),
        ]
    )
    make_rest().refresh("jwt-old-abcdefgh", "refresh-abcdefgh")
    assert bodies(route) == [{"token": "jwt-old-abcdefgh"}, {"refreshToken": "refresh-abcdefgh"}]


def test_refresh_without_a_refresh_token_tries_once(rest_api, make_rest):
    route = rest_api.post("/v2/auth/refresh").respond(401, json=fail("InvalidSession", "old"))
    with pytest.raises(AuthError):
        make_rest().refresh("jwt-old-abcdefgh", None)
    assert route.call_count == 1


def test_refresh_forbidden_is_not_tried_again(rest_api, make_rest):
    route = rest_api.post("/v2/auth/refresh").respond(403, json=fail("AccessDenied", "no"))
    with pytest.raises(AuthError):
        make_rest().refresh("jwt-old-abcdefgh", "refresh-abcdefgh")
    assert route.call_count == 1


def test_logout(rest_api, make_rest):
    route = rest_api.post("/v2/auth/logout").respond(200, json=ok(True))
    make_rest().logout()
    assert route.call_count == 1


def test_raw_write_is_not_resent_after_a_lost_answer(rest_api, make_rest):
    route = rest_api.post("/v2/ids/list").respond(500, json=fail("InternalError"))
    with pytest.raises(TransientError):
        make_rest().raw("post", "/v2/ids/list", body={})
    assert route.call_count == 1


def test_raw_read_sent_as_a_post_is_retried(rest_api, make_rest):
    """`ecgrid api --paginate` reads pages of a POST list endpoint: a 503 is retried."""
    route = rest_api.post("/v2/partners/list").mock(
        side_effect=[
            httpx.Response(503, json=fail("ServiceUnavailable")),
            httpx.Response(200, json=ok([{"interconnectId": 1}])),
        ]
    )
    answer = make_rest().raw("post", "/v2/partners/list", body={"pageNo": 1}, read=True)
    assert answer == [{"interconnectId": 1}]
    assert route.call_count == 2


def test_raw_get_is_retried(rest_api, make_rest):
    route = rest_api.get("/v2/networks").mock(
        side_effect=[
            httpx.Response(503, json=fail("ServiceUnavailable")),
            httpx.Response(200, json=ok([1])),
        ]
    )
    assert make_rest().raw("get", "/v2/networks", params={"a": "b"}) == [1]
    assert route.call_count == 2
    assert route.calls.last.request.url.params["a"] == "b"


# -- the three find forms (DRIFT 1) -----------------------------------------------------------

QUAL, ISA = "01", "PARTNERCO"
FORMS = ("post", "get-isa", "get-qual")


def serve_find(rest_api, form, results, qualifier=QUAL, isa_id=ISA):
    """A server that speaks only ``form``; only the requests a prober makes are stubbed.

    The forms probed before it get what a real server answers: 405 for the wrong method,
    400 InvalidParameter for query parameters it does not know.
    """
    missing = fail("InvalidParameter", "required parameter missing")
    routes = {}
    if form == "post":
        routes["post"] = rest_api.post(
            FIND_PATH, json={"qualifier": qualifier, "id": isa_id}
        ).respond(200, json=ok(results))
        return routes["post"], routes
    routes["post"] = rest_api.post(FIND_PATH).respond(405, **NOT_ALLOWED)
    names = ("isaQualifier", "isaId") if form == "get-isa" else ("qualifier", "id")
    routes[form] = rest_api.get(
        FIND_PATH, params__eq={names[0]: qualifier, names[1]: isa_id}
    ).respond(200, json=ok(results))
    if form == "get-qual":
        routes["get-isa"] = rest_api.get(FIND_PATH).respond(400, json=missing)
    return routes[form], routes


@pytest.mark.parametrize("form", FORMS)
def test_each_find_form_alone_works(rest_api, make_rest, form):
    good, _ = serve_find(rest_api, form, [ecgrid_id(42)])
    assert [i.ecgrid_id for i in make_rest().find_ids(QUAL, ISA)] == [42]
    assert good.call_count == 1


@pytest.mark.parametrize(("form", "probes"), [("post", 1), ("get-isa", 2), ("get-qual", 3)])
def test_find_form_is_remembered_so_the_next_find_is_one_request(
    rest_api, make_rest, facts_path, form, probes
):
    good, _ = serve_find(rest_api, form, [ecgrid_id(42)])
    backend = make_rest()
    backend.find_ids(QUAL, ISA)
    assert len(rest_api.calls) == probes
    assert json.loads(facts_path.read_text()) == {BASE_URL: {"find": form}}

    assert [i.ecgrid_id for i in backend.find_ids(QUAL, ISA)] == [42]
    assert len(rest_api.calls) == probes + 1
    # A later run (a new backend reading the same file) also makes one request.
    assert [i.ecgrid_id for i in make_rest().find_ids(QUAL, ISA)] == [42]
    assert len(rest_api.calls) == probes + 2
    assert good.call_count == 3


def test_server_facts_file_is_private(rest_api, make_rest, facts_path):
    serve_find(rest_api, "post", [ecgrid_id(42)])
    make_rest().find_ids(QUAL, ISA)
    assert stat.S_IMODE(os.stat(facts_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(facts_path.parent).st_mode) == 0o700


def test_server_facts_file_stays_private_when_rewritten(rest_api, make_rest, facts_path):
    facts_path.parent.mkdir(parents=True)
    facts_path.write_text(json.dumps({"https://other.test": {"find": "post"}}))
    facts_path.chmod(0o644)
    serve_find(rest_api, "post", [ecgrid_id(42)])
    make_rest().find_ids(QUAL, ISA)
    assert stat.S_IMODE(os.stat(facts_path).st_mode) == 0o600
    assert json.loads(facts_path.read_text()) == {
        "https://other.test": {"find": "post"},
        BASE_URL: {"find": "post"},
    }


def test_find_form_memory_is_per_base_url(rest_api, make_rest, facts_path):
    ServerFacts(facts_path).put("https://other.test", "find", "get-qual")
    serve_find(rest_api, "get-qual", [ecgrid_id(42)])
    make_rest().find_ids(QUAL, ISA)
    assert len(rest_api.calls) == 3  # the other server's entry was not used
    assert json.loads(facts_path.read_text()) == {
        "https://other.test": {"find": "get-qual"},
        BASE_URL: {"find": "get-qual"},
    }


def test_stale_remembered_form_is_reprobed(rest_api, make_rest, facts_path):
    ServerFacts(facts_path).put(BASE_URL, "find", "post")
    serve_find(rest_api, "get-isa", [ecgrid_id(42)])
    assert [i.ecgrid_id for i in make_rest().find_ids(QUAL, ISA)] == [42]
    assert [c.request.method for c in rest_api.calls] == ["POST", "GET"]
    assert ServerFacts(facts_path).get(BASE_URL, "find") == "get-isa"


def test_empty_answer_to_unknown_params_is_not_proof_of_a_form(rest_api, make_rest, facts_path):
    # A server that ignores query parameters it does not know answers [] to the wrong form.
    rest_api.post(FIND_PATH).respond(405, **NOT_ALLOWED)
    good = rest_api.get(FIND_PATH, params__eq={"qualifier": QUAL, "id": ISA}).respond(
        200, json=ok([ecgrid_id(42)])
    )
    rest_api.get(FIND_PATH).respond(200, json=ok([]))
    assert [i.ecgrid_id for i in make_rest().find_ids(QUAL, ISA)] == [42]
    assert good.call_count == 1
    assert ServerFacts(facts_path).get(BASE_URL, "find") == "get-qual"


def test_nothing_found_by_the_only_form_that_answers_is_remembered(rest_api, make_rest, facts_path):
    serve_find(rest_api, "get-qual", [])
    assert make_rest().find_ids(QUAL, ISA) == []
    assert ServerFacts(facts_path).get(BASE_URL, "find") == "get-qual"


def test_nothing_found_by_two_forms_is_not_remembered(rest_api, make_rest, facts_path):
    rest_api.post(FIND_PATH).respond(405, **NOT_ALLOWED)
    rest_api.get(FIND_PATH).respond(200, json=ok([]))
    assert make_rest().find_ids(QUAL, ISA) == []
    assert len(rest_api.calls) == 3
    assert ServerFacts(facts_path).get(BASE_URL, "find") is None


def test_stale_form_is_forgotten_when_no_form_answers(rest_api, make_rest, facts_path):
    ServerFacts(facts_path).put(BASE_URL, "find", "post")
    ServerFacts(facts_path).put("https://other.test", "find", "get-isa")
    rest_api.post(FIND_PATH).respond(405, **NOT_ALLOWED)
    rest_api.get(FIND_PATH).respond(405, **NOT_ALLOWED)
    with pytest.raises(ApiError) as info:
        make_rest().find_ids(QUAL, ISA)
    assert info.value.http_status == 405
    assert len(rest_api.calls) == 3
    assert json.loads(facts_path.read_text()) == {
        BASE_URL: {},
        "https://other.test": {"find": "get-isa"},
    }


def test_corrupt_facts_file_is_ignored(rest_api, make_rest, facts_path):
    facts_path.parent.mkdir(parents=True)
    facts_path.write_text("{not json")
    serve_find(rest_api, "get-qual", [ecgrid_id(42)])
    assert [i.ecgrid_id for i in make_rest().find_ids(QUAL, ISA)] == [42]
    assert ServerFacts(facts_path).get(BASE_URL, "find") == "get-qual"


@pytest.mark.parametrize("content", ["[1, 2]", '{"https://api.test": "post"}', '"x"'])
def test_facts_file_of_the_wrong_shape_is_ignored(facts_path, content):
    facts_path.parent.mkdir(parents=True)
    facts_path.write_text(content)
    assert ServerFacts(facts_path).get(BASE_URL, "find") is None


def test_unwritable_facts_file_is_harmless(rest_api, make_rest, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    serve_find(rest_api, "post", [ecgrid_id(42)])
    backend = make_rest(facts=blocker / "sub" / "facts.json")
    assert [i.ecgrid_id for i in backend.find_ids(QUAL, ISA)] == [42]


def test_default_cache_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "ecgrid" / "server-facts.json"


def test_auth_error_on_the_remembered_form_is_not_reprobed(rest_api, make_rest, facts_path):
    ServerFacts(facts_path).put(BASE_URL, "find", "get-qual")
    rest_api.get(FIND_PATH).respond(401, json=fail("InvalidAPIKey", "bad key"))
    with pytest.raises(AuthError):
        make_rest().find_ids(QUAL, ISA)
    assert len(rest_api.calls) == 1
    assert ServerFacts(facts_path).get(BASE_URL, "find") == "get-qual"


def test_when_no_form_works_the_first_error_is_raised(rest_api, make_rest, facts_path):
    rest_api.post(FIND_PATH).respond(404, **NOT_ALLOWED)
    rest_api.get(FIND_PATH).respond(405, **NOT_ALLOWED)
    with pytest.raises(ApiError) as info:
        make_rest().find_ids(QUAL, ISA)
    assert info.value.http_status == 404
    assert len(rest_api.calls) == 3
    assert not facts_path.exists()


def test_transient_failure_is_not_taken_for_a_wrong_form(rest_api, make_rest):
    route = rest_api.post(FIND_PATH).respond(500, json=fail("InternalError"))
    with pytest.raises(RetriesExhaustedError):
        make_rest(deadline_seconds=1000).find_ids(QUAL, ISA)
    assert route.call_count == 4
    assert len(rest_api.calls) == 4  # no GET form was tried


def test_find_keeps_only_exact_qid_matches(rest_api, make_rest):
    serve_find(
        rest_api,
        "post",
        [
            ecgrid_id(1, isa_id="PARTNERCO"),
            ecgrid_id(2, isa_id="PARTNERCO2"),
            ecgrid_id(3, isa_id="MYPARTNERCO"),
            ecgrid_id(4, qualifier="ZZ", isa_id="PARTNERCO"),
            ecgrid_id(5, isa_id="PARTNERCO      "),
            ecgrid_id(6, isa_id="partnerco"),
            ecgrid_id(7, isa_id="PARTNER"),
        ],
    )
    found = make_rest().find_ids(QUAL, ISA)
    assert [i.ecgrid_id for i in found] == [1, 5, 6]
    assert {i.isa_id for i in found} == {"PARTNERCO", "partnerco"}


def test_find_answers_every_status_even_when_inactive_ones_may_be_left_out(rest_api, make_rest):
    # REST has no status filter: include_inactive=False only allows leaving them out.
    serve_find(
        rest_api,
        "post",
        [ecgrid_id(1, status="Terminated"), ecgrid_id(2), ecgrid_id(3, status="Suspended")],
    )
    backend = make_rest()
    found = backend.find_ids(QUAL, ISA, include_inactive=False)
    assert [i.ecgrid_id for i in found] == [1, 2, 3]


def test_find_sends_the_qid_in_each_form(rest_api, make_rest):
    serve_find(rest_api, "get-qual", [], qualifier="ZZ", isa_id="ACME CORP")
    make_rest().find_ids("ZZ", "ACME CORP")
    post, get_isa, get_qual = (c.request for c in rest_api.calls)
    assert post.method == "POST"
    assert json.loads(post.content) == {"qualifier": "ZZ", "id": "ACME CORP"}
    assert dict(get_isa.url.params) == {"isaQualifier": "ZZ", "isaId": "ACME CORP"}
    assert dict(get_qual.url.params) == {"qualifier": "ZZ", "id": "ACME CORP"}


# -- paging ------------------------------------------------------------------------------------


def serve_partners(rest_api, records, *, count=True, listing=True):
    count_effect, list_effect = partners_server(records)
    routes = {}
    if count:
        routes["count"] = rest_api.post("/v2/partners/count").mock(side_effect=count_effect)
    if listing:
        routes["list"] = rest_api.post("/v2/partners/list").mock(side_effect=list_effect)
    return routes


def test_iter_walks_pages_until_a_short_page(rest_api, make_rest):
    routes = serve_partners(
        rest_api, [interconnect(100 + n, 1, 200 + n) for n in range(5)], count=False
    )
    found = list(make_rest().iter_interconnects(1, per_page=2))
    assert [i.interconnect_id for i in found] == [100, 101, 102, 103, 104]
    pages = bodies(routes["list"])
    assert [(p["pageNo"], p["recordsPerPage"]) for p in pages] == [(1, 2), (2, 2), (3, 2)]


def test_iter_full_last_page_then_empty(rest_api, make_rest):
    routes = serve_partners(
        rest_api, [interconnect(100 + n, 1, 200 + n) for n in range(4)], count=False
    )
    assert len(list(make_rest().iter_interconnects(1, per_page=2))) == 4
    assert routes["list"].call_count == 3


def test_iter_pages_of_500_by_default(rest_api, make_rest):
    routes = serve_partners(rest_api, [interconnect(1, 1, 2)], count=False)
    list(make_rest().iter_interconnects(1))
    assert body_of(routes["list"])["recordsPerPage"] == MAX_PAGE_SIZE == 500


def test_iter_passes_status(rest_api, make_rest):
    routes = serve_partners(
        rest_api,
        [interconnect(1, 1, 2), interconnect(2, 1, 3, status="Terminated")],
        count=False,
    )
    found = list(make_rest().iter_interconnects(1, status="Terminated"))
    assert [i.interconnect_id for i in found] == [2]
    assert body_of(routes["list"])["status"] == "Terminated"


def test_iter_stops_when_the_server_repeats_a_page(rest_api, make_rest):
    page = [interconnect(1, 1, 2), interconnect(2, 1, 3)]
    route = rest_api.post("/v2/partners/list").mock(
        side_effect=[httpx.Response(200, json=ok(page))] * 2
    )
    found = list(make_rest().iter_interconnects(1, per_page=2))
    assert [i.interconnect_id for i in found] == [1, 2]
    assert route.call_count == 2


def test_iter_is_lazy(rest_api, make_rest):
    routes = serve_partners(
        rest_api, [interconnect(100 + n, 1, 200 + n) for n in range(6)], count=False
    )
    iterator = make_rest().iter_interconnects(1, per_page=2)
    assert next(iterator).interconnect_id == 100
    assert routes["list"].call_count == 1


# -- interconnects_between: both counts, the smaller list ----------------------------------------


@pytest.mark.parametrize(("a", "b"), [(1, 2), (2, 1)], ids=["same-way", "reversed"])
def test_between_matches_either_orientation(rest_api, make_rest, a, b):
    serve_partners(rest_api, [interconnect(7, 3, 1), interconnect(8, 2, 1)])
    assert [i.interconnect_id for i in make_rest().interconnects_between(a, b)] == [8]


def test_between_counts_both_sides_and_lists_the_smaller(rest_api, make_rest):
    hub, spoke = 1, 2
    records = [interconnect(1000 + n, hub, 5000 + n) for n in range(250)]
    records.append(interconnect(9, spoke, hub))
    routes = serve_partners(rest_api, records)
    found = make_rest().interconnects_between(hub, spoke)
    assert [i.interconnect_id for i in found] == [9]
    assert sorted(b["ecGridId"] for b in bodies(routes["count"])) == [hub, spoke]
    assert [b["ecGridId"] for b in bodies(routes["list"])] == [spoke]


def test_between_returns_every_status(rest_api, make_rest):
    serve_partners(rest_api, [interconnect(7, 1, 2, status="Terminated"), interconnect(8, 2, 1)])
    found = make_rest().interconnects_between(1, 2)
    assert sorted(i.interconnect_id for i in found) == [7, 8]


@pytest.mark.parametrize("empty_side", ["a", "b"])
def test_between_skips_the_list_when_a_side_has_none(rest_api, make_rest, empty_side):
    busy = 1 if empty_side == "b" else 2
    routes = serve_partners(
        rest_api, [interconnect(1000 + n, busy, 5000 + n) for n in range(30)], listing=False
    )
    assert make_rest().interconnects_between(1, 2) == []
    # Our side is counted first: when it has none, the partner's is never asked.
    assert routes["count"].call_count == (1 if empty_side == "a" else 2)


def test_between_none(rest_api, make_rest):
    serve_partners(rest_api, [interconnect(7, 1, 3), interconnect(8, 4, 2)])
    assert make_rest().interconnects_between(1, 2) == []


def test_between_count_not_found_falls_back_to_listing(rest_api, make_rest):
    rest_api.post("/v2/partners/count").respond(404, json=fail("ObjectNotFound"))
    route = rest_api.post("/v2/partners/list").respond(200, json=ok([interconnect(5, 2, 1)]))
    assert [i.interconnect_id for i in make_rest().interconnects_between(1, 2)] == [5]
    assert body_of(route)["ecGridId"] == 1


def test_close_closes_the_transport(make_rest):
    backend = make_rest()
    backend.close()
    assert backend.transport._client.is_closed
