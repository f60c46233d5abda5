"""EcgridClient: one method per endpoint, find-form probing, parsing, paging, reconcile."""

from __future__ import annotations

import json

import httpx
import pytest

from ecgrid_cli.api.client import EcgridClient
from ecgrid_cli.api.find_forms import FIND_PATH, FindFormCache
from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, User
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    InvalidResponseError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
)


def body_of(route):
    return json.loads(route.calls.last.request.content)


# -- one method per endpoint -----------------------------------------------------------


def test_get_id(api, make_client, ok, make_ecgrid_id):
    route = api.get("/v2/ids/42").respond(200, json=ok(make_ecgrid_id(42)))
    found = make_client().get_id(42)
    assert route.call_count == 1
    assert route.calls.last.request.content == b""
    assert isinstance(found, EcgridId)
    assert found.ecgrid_id == 42
    assert found.mailbox_id == 300
    assert found.qualifier == "01"
    assert found.isa_id == "PARTNERCO"
    assert found.status == "Active"


def test_list_ids_sends_filters_and_paging(api, make_client, ok, make_ecgrid_id):
    route = api.post("/v2/ids/list").respond(
        200, json=ok([make_ecgrid_id(1), make_ecgrid_id(2, isa_id="OTHER")])
    )
    found = make_client().list_ids(
        mailbox_id=300, network_id=20, status="Active", page=2, per_page=10
    )
    assert body_of(route) == {
        "mailboxId": 300,
        "networkId": 20,
        "status": "Active",
        "pageNo": 2,
        "recordsPerPage": 10,
    }
    assert [i.ecgrid_id for i in found] == [1, 2]


def test_list_ids_defaults_omit_unset_filters(api, make_client, ok):
    route = api.post("/v2/ids/list").respond(200, json=ok([]))
    assert make_client().list_ids() == []
    assert body_of(route) == {"pageNo": 1, "recordsPerPage": 25}


def test_list_ids_null_data_is_empty(api, make_client, ok):
    api.post("/v2/ids/list").respond(200, json=ok(None))
    assert make_client().list_ids() == []


def test_create_id(api, make_client, ok, make_ecgrid_id):
    route = api.post("/v2/ids").respond(
        200, json=ok(make_ecgrid_id(77, qualifier="ZZ", isa_id="ACME"))
    )
    created = make_client().create_id(
        mailbox_id=300,
        qualifier="ZZ",
        isa_id="ACME",
        description="Acme Corp",
        edi_standard="X12",
        routing_group="ProductionA",
    )
    assert route.call_count == 1
    assert body_of(route) == {
        "mailboxId": 300,
        "qualifier": "ZZ",
        "id": "ACME",
        "description": "Acme Corp",
        "ediStandard": "X12",
        "routingGroup": "ProductionA",
    }
    assert created.ecgrid_id == 77


def test_create_id_minimal_body(api, make_client, ok, make_ecgrid_id):
    route = api.post("/v2/ids").respond(200, json=ok(make_ecgrid_id(77)))
    make_client().create_id(mailbox_id=300, qualifier="01", isa_id="PARTNERCO")
    assert body_of(route) == {"mailboxId": 300, "qualifier": "01", "id": "PARTNERCO"}


def test_tp_move(api, make_client, ok, make_ecgrid_id):
    route = api.post("/v2/ids/tp-move").respond(200, json=ok(make_ecgrid_id(42, mailbox_id=9)))
    moved = make_client().tp_move(42, 9)
    assert route.call_count == 1
    assert body_of(route) == {"ecGridId": 42, "newMailboxId": 9}
    assert moved.mailbox_id == 9


@pytest.mark.parametrize(
    ("status", "expected_body"),
    [
        (None, {"ecGridIdFrom": 1, "ecGridIdTo": 2}),
        ("Development", {"ecGridIdFrom": 1, "ecGridIdTo": 2, "status": "Development"}),
    ],
)
def test_create_interconnect(api, make_client, ok, make_interconnect, status, expected_body):
    route = api.post("/v2/partners").respond(200, json=ok(make_interconnect(5, 1, 2)))
    created = make_client().create_interconnect(1, 2, status)
    assert route.call_count == 1
    assert body_of(route) == expected_body
    assert isinstance(created, Interconnect)
    assert (created.interconnect_id, created.ecgrid_id_from, created.ecgrid_id_to) == (5, 1, 2)


def test_get_interconnect(api, make_client, ok, make_interconnect):
    route = api.get("/v2/partners/5").respond(200, json=ok(make_interconnect(5, 1, 2)))
    found = make_client().get_interconnect(5)
    assert route.call_count == 1
    assert found.interconnect_id == 5
    assert found.status == "Active"
    assert found.created == "2024-01-02T03:04:05Z"


def test_list_interconnects(api, make_client, ok, make_interconnect):
    route = api.post("/v2/partners/list").respond(
        200, json=ok([make_interconnect(5, 1, 2), make_interconnect(6, 3, 1)])
    )
    found = make_client().list_interconnects(1, status="Active", page=3, per_page=50)
    assert body_of(route) == {"ecGridId": 1, "status": "Active", "pageNo": 3, "recordsPerPage": 50}
    assert [i.interconnect_id for i in found] == [5, 6]


@pytest.mark.parametrize(
    ("status", "expected_body"),
    [(None, {"ecGridId": 1}), ("Active", {"ecGridId": 1, "status": "Active"})],
)
def test_count_interconnects_is_a_post_with_body(api, make_client, ok, status, expected_body):
    route = api.post("/v2/partners/count").respond(200, json=ok(12))
    assert make_client().count_interconnects(1, status) == 12
    assert body_of(route) == expected_body


def test_count_interconnects_accepts_numeric_string(api, make_client, ok):
    api.post("/v2/partners/count").respond(200, json=ok(" 12 "))
    assert make_client().count_interconnects(1) == 12


@pytest.mark.parametrize("data", [True, None])
def test_delete_interconnect(api, make_client, ok, data):
    route = api.delete("/v2/partners/5").respond(200, json=ok(data))
    assert make_client().delete_interconnect(5) is True
    assert route.call_count == 1
    assert route.calls.last.request.content == b""


def test_add_note(api, make_client, ok):
    route = api.post("/v2/partners/note").respond(200, json=ok(True))
    assert make_client().add_note(5, "called Bob") is True
    assert body_of(route) == {"interconnectId": 5, "note": "called Bob"}


def test_list_notes(api, make_client, ok):
    route = api.post("/v2/partners/notelist").respond(
        200,
        json=ok(
            [
                {"text": "first", "timestamp": "2024-01-01T00:00:00Z", "userId": 3},
                {"note": "second", "Timestamp": "2024-01-02T00:00:00Z", "UserID": 4, "x": 1},
            ]
        ),
    )
    notes = make_client().list_notes(5)
    assert body_of(route) == {"interconnectId": 5}
    assert all(isinstance(n, InterconnectNote) for n in notes)
    assert [n.to_json() for n in notes] == [
        {"text": "first", "timestamp": "2024-01-01T00:00:00Z", "userId": 3},
        {"text": "second", "timestamp": "2024-01-02T00:00:00Z", "userId": 4},
    ]


@pytest.mark.parametrize(
    ("document_type", "expected_body"),
    [
        (None, {"ecGridIdFrom": 1, "ecGridIdTo": 2}),
        ("850", {"ecGridIdFrom": 1, "ecGridIdTo": 2, "documentType": "850"}),
    ],
)
def test_send_test_file(api, make_client, ok, document_type, expected_body):
    route = api.post("/v2/parcels/send-test-file").respond(200, json=ok(987654))
    assert make_client().send_test_file(1, 2, document_type) == 987654
    assert body_of(route) == expected_body


def test_me(api, make_client, ok):
    route = api.get("/v2/users/me").respond(
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
    user = make_client().me()
    assert route.call_count == 1
    assert isinstance(user, User)
    assert user.to_json() == {
        "userId": 11,
        "login": "ops",
        "email": "ops@example.com",
        "networkId": 20,
        "mailboxId": 300,
        "authLevel": "NetworkAdmin",
        "status": "Active",
    }


@pytest.mark.parametrize("data", [{"version": "2.6"}, "2.6", 2.6])
def test_version(api, make_client, ok, data):
    route = api.get("/v2/auth/version").respond(200, json=ok(data))
    assert make_client().version() == "2.6"
    assert route.call_count == 1


@pytest.mark.parametrize("data", [None, [], {"v": 1}])
def test_version_unexpected_shape(api, make_client, ok, data):
    api.get("/v2/auth/version").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_client().version()


# -- the three find forms (DRIFT 1) --------------------------------------------------------

QUAL, ISA = "01", "PARTNERCO"
NOT_ALLOWED = {"text": "Method Not Allowed", "headers": {"Content-Type": "text/plain"}}


def serve_find(api, form, results, ok, fail, qualifier=QUAL, isa_id=ISA):
    """Install a server that speaks only ``form``; returns (the form's route, all routes).

    The other forms get what a real server would answer: 405 for the wrong method and
    400 InvalidParameter when the query lacks the parameters this server expects.
    """
    missing = fail("InvalidParameter", "required parameter missing")
    if form == "post":
        good = api.post(FIND_PATH, json={"qualifier": qualifier, "id": isa_id}).respond(
            200, json=ok(results)
        )
        others = [
            api.post(FIND_PATH).respond(400, json=missing),
            api.get(FIND_PATH).respond(405, **NOT_ALLOWED),
        ]
    else:
        names = ("isaQualifier", "isaId") if form == "get-isa" else ("qualifier", "id")
        good = api.get(FIND_PATH, params__eq={names[0]: qualifier, names[1]: isa_id}).respond(
            200, json=ok(results)
        )
        others = [
            api.get(FIND_PATH).respond(400, json=missing),
            api.post(FIND_PATH).respond(405, **NOT_ALLOWED),
        ]
    return good, [good, *others]


@pytest.mark.parametrize("form", ["post", "get-isa", "get-qual"])
def test_each_find_form_alone_works(api, make_client, ok, fail, make_ecgrid_id, form):
    good, _ = serve_find(api, form, [make_ecgrid_id(42)], ok, fail)
    found = make_client().find_ids(QUAL, ISA)
    assert [i.ecgrid_id for i in found] == [42]
    assert good.call_count == 1


@pytest.mark.parametrize(("form", "probes"), [("post", 1), ("get-isa", 2), ("get-qual", 3)])
def test_find_form_is_cached_so_next_find_is_one_request(
    api, make_client, ok, fail, make_ecgrid_id, cache_path, base_url, form, probes
):
    good, _ = serve_find(api, form, [make_ecgrid_id(42)], ok, fail)
    client = make_client()
    client.find_ids(QUAL, ISA)
    assert len(api.calls) == probes
    assert json.loads(cache_path.read_text()) == {base_url: form}

    assert [i.ecgrid_id for i in client.find_ids(QUAL, ISA)] == [42]
    assert len(api.calls) == probes + 1

    # A later run (a new client reading the same cache file) also makes one request.
    assert [i.ecgrid_id for i in make_client().find_ids(QUAL, ISA)] == [42]
    assert len(api.calls) == probes + 2
    assert good.call_count == 3


def test_find_form_cache_is_per_base_url(
    api, make_client, ok, fail, make_ecgrid_id, cache_path, base_url
):
    cache_path.write_text(json.dumps({"https://other.test": "get-qual"}))
    serve_find(api, "get-qual", [make_ecgrid_id(42)], ok, fail)
    make_client().find_ids(QUAL, ISA)
    # The other server's entry was not used for this one: all three forms were probed.
    assert len(api.calls) == 3
    assert json.loads(cache_path.read_text()) == {
        "https://other.test": "get-qual",
        base_url: "get-qual",
    }


def test_stale_find_cache_reprobes(
    api, make_client, ok, fail, make_ecgrid_id, cache_path, base_url
):
    cache_path.write_text(json.dumps({base_url: "post"}))
    good, _ = serve_find(api, "get-isa", [make_ecgrid_id(42)], ok, fail)
    found = make_client().find_ids(QUAL, ISA)
    assert [i.ecgrid_id for i in found] == [42]
    assert [c.request.method for c in api.calls] == ["POST", "GET"]
    assert json.loads(cache_path.read_text()) == {base_url: "get-isa"}
    make_client().find_ids(QUAL, ISA)
    assert len(api.calls) == 3
    assert good.call_count == 2


def test_find_empty_answer_to_unknown_params_is_not_proof_of_form(
    api, make_client, ok, make_ecgrid_id, cache_path, base_url
):
    api.get(FIND_PATH, params__eq={"qualifier": QUAL, "id": ISA}).respond(
        200, json=ok([make_ecgrid_id(42)])
    )
    api.get(FIND_PATH).respond(200, json=ok([]))  # unknown params: no filter matches
    api.post(FIND_PATH).respond(405, **NOT_ALLOWED)
    found = make_client().find_ids(QUAL, ISA)
    assert [i.ecgrid_id for i in found] == [42]


def test_stale_find_cache_is_forgotten_when_no_form_answers(api, make_client, cache_path, base_url):
    cache_path.write_text(json.dumps({base_url: "post", "https://other.test": "get-isa"}))
    api.post(FIND_PATH).respond(405, **NOT_ALLOWED)
    api.get(FIND_PATH).respond(405, **NOT_ALLOWED)
    with pytest.raises(ApiError) as info:
        make_client().find_ids(QUAL, ISA)
    assert info.value.http_status == 405
    assert len(api.calls) == 3
    assert json.loads(cache_path.read_text()) == {"https://other.test": "get-isa"}


def test_corrupt_find_cache_is_ignored(api, make_client, ok, fail, make_ecgrid_id, cache_path):
    cache_path.write_text("{not json")
    serve_find(api, "get-qual", [make_ecgrid_id(42)], ok, fail)
    assert [i.ecgrid_id for i in make_client().find_ids(QUAL, ISA)] == [42]


def test_find_with_no_cache_file_still_works(api, make_transport, ok, fail, make_ecgrid_id):
    serve_find(api, "get-isa", [make_ecgrid_id(42)], ok, fail)
    client = EcgridClient(make_transport())
    assert [i.ecgrid_id for i in client.find_ids(QUAL, ISA)] == [42]


def test_find_auth_error_on_cached_form_is_not_reprobed(
    api, make_client, fail, cache_path, base_url
):
    cache_path.write_text(json.dumps({base_url: "get-qual"}))
    api.get(FIND_PATH).respond(401, json=fail("InvalidAPIKey", "bad key"))
    api.post(FIND_PATH).respond(405, **NOT_ALLOWED)
    with pytest.raises(AuthError):
        make_client().find_ids(QUAL, ISA)
    assert len(api.calls) == 1
    assert json.loads(cache_path.read_text()) == {base_url: "get-qual"}


def test_find_when_no_form_works_raises_first_error(api, make_client, cache_path):
    api.post(FIND_PATH).respond(404, **NOT_ALLOWED)
    api.get(FIND_PATH).respond(405, **NOT_ALLOWED)
    with pytest.raises(ApiError) as info:
        make_client().find_ids(QUAL, ISA)
    assert info.value.http_status == 404
    assert len(api.calls) == 3
    assert not cache_path.exists()


def test_find_transient_failure_is_not_taken_for_a_wrong_form(api, make_client, fail):
    route = api.post(FIND_PATH).respond(500, json=fail("InternalError"))
    with pytest.raises(RetriesExhaustedError):
        make_client().find_ids(QUAL, ISA)
    assert route.call_count == 4
    assert len(api.calls) == 4  # no GET form was tried


def test_find_nothing_is_empty_list(api, make_client, ok, fail, cache_path, base_url):
    serve_find(api, "get-qual", [], ok, fail)
    assert make_client().find_ids(QUAL, ISA) == []
    assert json.loads(cache_path.read_text()) == {base_url: "get-qual"}


def test_find_keeps_only_exact_qid_matches(api, make_client, ok, fail, make_ecgrid_id):
    serve_find(
        api,
        "post",
        [
            make_ecgrid_id(1, isa_id="PARTNERCO"),
            make_ecgrid_id(2, isa_id="PARTNERCO2"),
            make_ecgrid_id(3, isa_id="MYPARTNERCO"),
            make_ecgrid_id(4, qualifier="ZZ", isa_id="PARTNERCO"),
            make_ecgrid_id(5, isa_id="PARTNERCO      "),
            make_ecgrid_id(6, isa_id="partnerco"),
            make_ecgrid_id(7, isa_id="PARTNER"),
        ],
        ok,
        fail,
    )
    found = make_client().find_ids(QUAL, ISA)
    assert [i.ecgrid_id for i in found] == [1, 5, 6]
    assert {i.isa_id for i in found} == {"PARTNERCO", "partnerco"}


def test_find_sends_the_qid_in_each_form(api, make_client, ok, fail, make_ecgrid_id):
    serve_find(api, "get-qual", [], ok, fail, qualifier="ZZ", isa_id="ACME CORP")
    make_client().find_ids("ZZ", "ACME CORP")
    post, get_isa, get_qual = (c.request for c in api.calls)
    assert post.method == "POST"
    assert json.loads(post.content) == {"qualifier": "ZZ", "id": "ACME CORP"}
    assert dict(get_isa.url.params) == {"isaQualifier": "ZZ", "isaId": "ACME CORP"}
    assert dict(get_qual.url.params) == {"qualifier": "ZZ", "id": "ACME CORP"}


# -- parsing: DRIFT 2 spellings, padding, unknowns, wrong types --------------------------

CANONICAL_ID = {
    "ecGridId": 42,
    "mailboxId": 300,
    "networkId": 20,
    "qualifier": "01",
    "id": "PARTNERCO",
    "description": "Partner Co",
    "status": "Active",
    "routingGroup": "ProductionA",
    "ediStandard": "X12",
}

ID_SPELLINGS = {
    "reference": CANONICAL_ID,
    "seed": {
        "ecGridId": 42,
        "mailboxId": 300,
        "networkId": 20,
        "isaQualifier": "01",
        "isaId": "PARTNERCO",
        "companyName": "Partner Co",
        "status": "Active",
        "routingGroup": "ProductionA",
        "ediStandard": "X12",
    },
    "lowercase-g": {
        "ecgridId": 42,
        "mailboxId": 300,
        "networkId": 20,
        "qualifier": "01",
        "id": "PARTNERCO",
        "description": "Partner Co",
        "status": "Active",
        "routingGroup": "ProductionA",
        "ediStandard": "X12",
    },
    "soap-pascal": {
        "ECGridID": 42,
        "MailboxID": 300,
        "NetworkID": 20,
        "Qualifier": "01",
        "ID": "PARTNERCO",
        "Description": "Partner Co",
        "Status": "Active",
        "RoutingGroup": "ProductionA",
        "EDIStandard": "X12",
    },
    "padded-and-extra": {
        **CANONICAL_ID,
        "id": "PARTNERCO      ",
        "status": "active",
        "brandNewField": {"nested": [1, 2]},
        "anotherOne": None,
    },
}


@pytest.mark.parametrize("spelling", list(ID_SPELLINGS))
def test_ecgrid_id_spellings_parse_to_one_canonical_form(api, make_client, ok, spelling):
    api.get("/v2/ids/42").respond(200, json=ok(ID_SPELLINGS[spelling]))
    assert make_client().get_id(42).to_json() == CANONICAL_ID


CANONICAL_INTERCONNECT = {
    "interconnectId": 5,
    "ecGridIdFrom": 1,
    "ecGridIdTo": 2,
    "status": "Active",
    "created": "2024-01-02T03:04:05Z",
    "modified": "2024-02-03T04:05:06Z",
}

INTERCONNECT_SPELLINGS = {
    "reference": CANONICAL_INTERCONNECT,
    "seed": {
        "interconnectId": 5,
        "ecGridIdFrom": 1,
        "ecGridIdTo": 2,
        "status": "Active",
        "createdDate": "2024-01-02T03:04:05Z",
        "modifiedDate": "2024-02-03T04:05:06Z",
    },
    "lowercase-g": {
        "interconnectId": 5,
        "ecgridIdFrom": 1,
        "ecgridIdTo": 2,
        "status": "ACTIVE",
        "created": "2024-01-02T03:04:05Z",
        "modified": "2024-02-03T04:05:06Z",
        "unknown": True,
    },
    "soap-pascal": {
        "InterconnectID": 5,
        "ECGridIDFrom": 1,
        "ECGridIDTo": 2,
        "Status": "Active",
        "Created": "2024-01-02T03:04:05Z",
        "Modified": "2024-02-03T04:05:06Z",
    },
}


@pytest.mark.parametrize("spelling", list(INTERCONNECT_SPELLINGS))
def test_interconnect_spellings_parse_to_one_canonical_form(api, make_client, ok, spelling):
    api.get("/v2/partners/5").respond(200, json=ok(INTERCONNECT_SPELLINGS[spelling]))
    assert make_client().get_interconnect(5).to_json() == CANONICAL_INTERCONNECT


def test_minimal_ecgrid_id_fills_missing_optionals_with_null(api, make_client, ok):
    api.get("/v2/ids/42").respond(200, json=ok({"ecGridId": 42}))
    document = make_client().get_id(42).to_json()
    assert document == dict.fromkeys(CANONICAL_ID, None) | {"ecGridId": 42}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("active", "Active"),
        ("ACTIVE", "Active"),
        (" terminated ", "Terminated"),
        ("preproduction", "Preproduction"),
        ("Pending", "Pending"),
        ("AwaitingApproval", "AwaitingApproval"),
        (None, None),
    ],
)
def test_status_canonicalised_or_passed_through(api, make_client, ok, raw, expected):
    api.get("/v2/ids/42").respond(200, json=ok({**CANONICAL_ID, "status": raw}))
    assert make_client().get_id(42).status == expected


def test_unknown_enum_values_in_other_fields_pass_through(api, make_client, ok):
    api.get("/v2/ids/42").respond(
        200, json=ok({**CANONICAL_ID, "routingGroup": "ProductionZ", "ediStandard": "JSON"})
    )
    found = make_client().get_id(42)
    assert (found.routing_group, found.edi_standard) == ("ProductionZ", "JSON")


@pytest.mark.parametrize("data", ["abc", "", "12abc", 1.5, [3], {"count": 3}, True, None])
def test_count_wrong_type_is_invalid_response(api, make_client, ok, data):
    api.post("/v2/partners/count").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_client().count_interconnects(1)


@pytest.mark.parametrize("data", ["²", "①"])
def test_count_unicode_digit_string_is_invalid_response(api, make_client, ok, data):
    api.post("/v2/partners/count").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_client().count_interconnects(1)


LIST_CALLS = {
    "ids": (lambda c: c.list_ids(), "/v2/ids/list"),
    "partners": (lambda c: c.list_interconnects(1), "/v2/partners/list"),
    "notes": (lambda c: c.list_notes(5), "/v2/partners/notelist"),
}
NOT_A_LIST = [{"ecGridId": 1}, "list", 3]
BAD_ITEMS = [[1, 2], [{"ecGridId": 1, "interconnectId": 1}, "x"], [None]]


@pytest.mark.parametrize(
    ("which", "data"),
    [(which, data) for which in LIST_CALLS for data in NOT_A_LIST + BAD_ITEMS],
    ids=repr,
)
def test_list_wrong_type_is_invalid_response(api, make_client, ok, which, data):
    call, path = LIST_CALLS[which]
    api.post(path).respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        call(make_client())


@pytest.mark.parametrize(
    "data",
    [
        [CANONICAL_ID],
        "42",
        None,
        {},
        {"ecGridId": "abc"},
        {"ecGridId": 1.5},
        {"ecGridId": None},
        {"mailboxId": 1},
        {**CANONICAL_ID, "mailboxId": "three"},
        {**CANONICAL_ID, "qualifier": ["01"]},
        {**CANONICAL_ID, "status": {"name": "Active"}},
    ],
    ids=repr,
)
def test_get_id_wrong_type_is_invalid_response(api, make_client, ok, data):
    api.get("/v2/ids/42").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_client().get_id(42)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/v2/ids/42", {**CANONICAL_ID, "ecGridId": True}),
        ("/v2/partners/5", {**CANONICAL_INTERCONNECT, "ecGridIdTo": True}),
    ],
    ids=["ecGridId", "ecGridIdTo"],
)
def test_boolean_ids_are_invalid_response(api, make_client, ok, path, data):
    api.get(path).respond(200, json=ok(data))
    client = make_client()
    with pytest.raises(InvalidResponseError):
        client.get_id(42) if path.startswith("/v2/ids") else client.get_interconnect(5)


@pytest.mark.parametrize("data", [1, "yes", False, {"ok": True}])
def test_boolean_endpoints_reject_other_values(api, make_client, ok, data):
    api.delete("/v2/partners/5").respond(200, json=ok(data))
    api.post("/v2/partners/note").respond(200, json=ok(data))
    client = make_client()
    with pytest.raises(InvalidResponseError):
        client.delete_interconnect(5)
    with pytest.raises(InvalidResponseError):
        client.add_note(5, "n")


@pytest.mark.parametrize("data", [True, "P-1", None, 1.0])
def test_send_test_file_wrong_type_is_invalid_response(api, make_client, ok, data):
    api.post("/v2/parcels/send-test-file").respond(200, json=ok(data))
    with pytest.raises(InvalidResponseError):
        make_client().send_test_file(1, 2)


@pytest.mark.parametrize("stamp", [1767225600, 1767225600.5])
def test_numeric_timestamps_are_kept_as_text(api, make_client, ok, stamp):
    api.get("/v2/partners/5").respond(
        200, json=ok({**CANONICAL_INTERCONNECT, "created": stamp, "modified": stamp})
    )
    interconnect = make_client().get_interconnect(5)
    assert interconnect.created == str(stamp)
    assert interconnect.to_json()["modified"] == str(stamp)


# -- paging ------------------------------------------------------------------------------


def test_iter_interconnects_walks_pages_until_short_page(
    api, make_client, make_interconnect, serve_interconnects
):
    records = [make_interconnect(100 + n, 1, 200 + n) for n in range(5)]
    routes = serve_interconnects(records)
    found = list(make_client().iter_interconnects(1, per_page=2))
    assert [i.interconnect_id for i in found] == [100, 101, 102, 103, 104]
    pages = [json.loads(c.request.content) for c in routes["list"].calls]
    assert [(p["pageNo"], p["recordsPerPage"]) for p in pages] == [(1, 2), (2, 2), (3, 2)]


def test_iter_interconnects_full_last_page_then_empty(
    api, make_client, make_interconnect, serve_interconnects
):
    routes = serve_interconnects([make_interconnect(100 + n, 1, 200 + n) for n in range(4)])
    found = list(make_client().iter_interconnects(1, per_page=2))
    assert len(found) == 4
    assert routes["list"].call_count == 3


def test_iter_interconnects_passes_status(api, make_client, make_interconnect, serve_interconnects):
    routes = serve_interconnects(
        [make_interconnect(1, 1, 2), make_interconnect(2, 1, 3, status="Terminated")]
    )
    found = list(make_client().iter_interconnects(1, status="Terminated"))
    assert [i.interconnect_id for i in found] == [2]
    assert json.loads(routes["list"].calls.last.request.content)["status"] == "Terminated"


def test_iter_interconnects_stops_when_server_repeats_a_page(
    api, make_client, ok, make_interconnect
):
    page = [make_interconnect(1, 1, 2), make_interconnect(2, 1, 3)]
    # A server that ignores pageNo; it stops answering after a few pages so that a
    # client which never notices fails this test instead of looping forever.
    route = api.post("/v2/partners/list").mock(
        side_effect=[httpx.Response(200, json=ok(page))] * 4 + [httpx.Response(200, json=ok([]))]
    )
    found = list(make_client().iter_interconnects(1, per_page=2))
    assert [i.interconnect_id for i in found] == [1, 2]
    assert route.call_count == 2


def test_iter_interconnects_is_lazy(api, make_client, make_interconnect, serve_interconnects):
    routes = serve_interconnects([make_interconnect(100 + n, 1, 200 + n) for n in range(6)])
    iterator = make_client().iter_interconnects(1, per_page=2)
    assert next(iterator).interconnect_id == 100
    assert routes["list"].call_count == 1


# -- find_interconnect_between -----------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [(1, 2), (2, 1)], ids=["same-way", "reversed"])
def test_find_interconnect_between_matches_either_orientation(
    api, make_client, make_interconnect, serve_interconnects, a, b
):
    serve_interconnects([make_interconnect(7, 3, 1), make_interconnect(8, 2, 1)])
    found = make_client().find_interconnect_between(a, b)
    assert found is not None
    assert found.interconnect_id == 8


def test_find_interconnect_between_ignores_terminated(
    api, make_client, make_interconnect, serve_interconnects
):
    serve_interconnects(
        [make_interconnect(7, 1, 2, status="Terminated"), make_interconnect(8, 2, 1)]
    )
    assert make_client().find_interconnect_between(1, 2).interconnect_id == 8


def test_find_interconnect_between_only_terminated_is_none(
    api, make_client, make_interconnect, serve_interconnects
):
    serve_interconnects([make_interconnect(7, 1, 2, status="terminated")])
    assert make_client().find_interconnect_between(1, 2) is None


@pytest.mark.parametrize("status", ["Suspended", "Development", "SomethingNew"])
def test_find_interconnect_between_returns_non_terminated_statuses(
    api, make_client, make_interconnect, serve_interconnects, status
):
    serve_interconnects([make_interconnect(7, 1, 2, status=status)])
    assert make_client().find_interconnect_between(1, 2).interconnect_id == 7


def test_find_interconnect_between_none(api, make_client, make_interconnect, serve_interconnects):
    serve_interconnects([make_interconnect(7, 1, 3), make_interconnect(8, 4, 2)])
    assert make_client().find_interconnect_between(1, 2) is None


def test_find_interconnect_between_lists_the_smaller_side(
    api, make_client, make_interconnect, serve_interconnects
):
    hub, spoke = 1, 2
    records = [make_interconnect(1000 + n, hub, 5000 + n) for n in range(250)]
    records.append(make_interconnect(9, spoke, hub))
    routes = serve_interconnects(records)
    found = make_client().find_interconnect_between(hub, spoke)
    assert found.interconnect_id == 9
    listed = {json.loads(c.request.content)["ecGridId"] for c in routes["list"].calls}
    assert listed == {spoke}
    assert routes["list"].call_count == 1


def test_find_interconnect_between_skips_the_list_when_a_side_has_none(
    api, make_client, make_interconnect, serve_interconnects
):
    routes = serve_interconnects([make_interconnect(1000 + n, 1, 5000 + n) for n in range(30)])
    assert make_client().find_interconnect_between(1, 2) is None
    assert routes["count"].call_count == 2
    assert routes["list"].call_count == 0


def test_find_interconnect_between_count_not_found_falls_back(
    api, make_client, ok, fail, make_interconnect
):
    api.post("/v2/partners/count").respond(404, json=fail("ObjectNotFound"))
    api.post("/v2/partners/list").respond(200, json=ok([make_interconnect(5, 2, 1)]))
    assert make_client().find_interconnect_between(1, 2).interconnect_id == 5


# -- writes that may have landed ---------------------------------------------------------


def test_create_interconnect_after_dropped_connection_returns_reconciled(
    api, make_client, make_interconnect, serve_interconnects
):
    records = []
    serve_interconnects(records)

    def applied_then_dropped(request):
        records.append(make_interconnect(55, 1, 2))
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    post = api.post("/v2/partners").mock(side_effect=applied_then_dropped)
    created = make_client().create_interconnect(1, 2)
    assert created.interconnect_id == 55
    assert post.call_count == 1


def test_create_interconnect_after_500_not_applied_is_resent(
    api, make_client, ok, fail, make_interconnect, serve_interconnects
):
    serve_interconnects([])
    post = api.post("/v2/partners").mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError")),
            httpx.Response(200, json=ok(make_interconnect(56, 1, 2))),
        ]
    )
    assert make_client().create_interconnect(1, 2).interconnect_id == 56
    assert post.call_count == 2


def test_tp_move_after_500_returns_already_moved_id(api, make_client, ok, fail, make_ecgrid_id):
    post = api.post("/v2/ids/tp-move").respond(500, json=fail("InternalError"))
    get = api.get("/v2/ids/42").respond(200, json=ok(make_ecgrid_id(42, mailbox_id=9)))
    moved = make_client().tp_move(42, 9)
    assert moved.mailbox_id == 9
    assert post.call_count == 1
    assert get.call_count == 1


def test_tp_move_after_500_not_moved_is_resent(api, make_client, ok, fail, make_ecgrid_id):
    post = api.post("/v2/ids/tp-move").mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError")),
            httpx.Response(200, json=ok(make_ecgrid_id(42, mailbox_id=9))),
        ]
    )
    api.get("/v2/ids/42").respond(200, json=ok(make_ecgrid_id(42, mailbox_id=300)))
    assert make_client().tp_move(42, 9).mailbox_id == 9
    assert post.call_count == 2


def test_create_id_after_timeout_returns_the_id_found(
    api, make_client, ok, fail, make_ecgrid_id, cache_path, base_url
):
    cache_path.write_text(json.dumps({base_url: "post"}))
    post = api.post("/v2/ids").mock(side_effect=httpx.ReadTimeout("timed out"))
    find = api.post(FIND_PATH).respond(
        200,
        json=ok(
            [
                make_ecgrid_id(40, "ZZ", "ACME", status="Terminated", mailbox_id=300),
                make_ecgrid_id(41, "ZZ", "ACME", mailbox_id=999),
                make_ecgrid_id(42, "ZZ", "ACME", mailbox_id=300),
            ]
        ),
    )
    created = make_client().create_id(mailbox_id=300, qualifier="ZZ", isa_id="ACME")
    assert created.ecgrid_id == 42
    assert post.call_count == 1
    assert find.call_count == 1


def test_delete_interconnect_after_drop_checks_status(api, make_client, ok, make_interconnect):
    delete = api.delete("/v2/partners/5").mock(side_effect=httpx.ReadError("reset"))
    api.get("/v2/partners/5").respond(200, json=ok(make_interconnect(5, 1, 2, status="Terminated")))
    assert make_client().delete_interconnect(5) is True
    assert delete.call_count == 1


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.add_note(5, "n"), "/v2/partners/note"),
        (lambda c: c.send_test_file(1, 2), "/v2/parcels/send-test-file"),
    ],
    ids=["note", "test-file"],
)
def test_writes_without_reconcile_are_not_resent(api, make_client, fail, call, path):
    route = api.post(path).respond(500, json=fail("InternalError"))
    with pytest.raises(TransientError):
        call(make_client())
    assert route.call_count == 1


def test_not_found_maps_through_client(api, make_client, fail):
    api.get("/v2/ids/404").respond(404, json=fail("ObjectNotFound", "no such ID"))
    with pytest.raises(NotFoundError) as info:
        make_client().get_id(404)
    assert info.value.code == "ObjectNotFound"


def test_client_context_manager_closes(make_client):
    with make_client() as client:
        assert isinstance(client.find_cache, FindFormCache)
    assert client.transport._client.is_closed
