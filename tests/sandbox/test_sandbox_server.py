"""The sandbox over real loopback HTTP: envelopes, auth, find forms, domain rules, faults."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from sandbox_support import OWN_SEEDED, Answer, Api, assert_error, count

from ecgrid_cli.sandbox import (
    SandboxServer,
)

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ENVELOPE_KEYS = {"success", "data", "errorCode", "message"}
StartSandbox = Callable[..., SandboxServer]


@pytest.fixture
def api(sandbox: SandboxServer) -> Api:
    return Api(sandbox.base_url)


# -- envelope, auth, version --------------------------------------------------------------


def test_version_needs_no_api_key(api: Api) -> None:
    answer = api.get("/v2/auth/version", key=None)
    assert answer.status == 200
    assert answer.envelope == {
        "success": True,
        "data": {"version": "2.6"},
        "errorCode": None,
        "message": None,
    }
    assert answer.headers["Content-Type"].startswith("application/json")
    assert int(answer.headers["Content-Length"]) > 0


@pytest.mark.parametrize("key", [None, "wrong-key", ""])
def test_missing_or_wrong_api_key_is_401(api: Api, key: str | None) -> None:
    assert_error(api.get("/v2/users/me", key=key), 401, "InvalidAPIKey")
    assert_error(
        api.post("/v2/partners/count", {"ecGridId": 123456}, key=key), 401, "InvalidAPIKey"
    )


def test_users_me(api: Api) -> None:
    me = api.ok("GET", "/v2/users/me")
    assert me["login"] == "sandbox"
    assert (me["networkId"], me["mailboxId"]) == (42, 1001)
    assert (me["authLevel"], me["status"]) == ("NetworkAdmin", "Active")
    assert isinstance(me["userId"], int) and "@" in me["email"]


def test_every_answer_is_an_envelope(api: Api) -> None:
    answers_ = [
        api.get("/v2/ids/123456"),
        api.get("/v2/no/such/route"),
        api.post("/v2/partners", {"ecGridIdFrom": "abc", "ecGridIdTo": 1}),
    ]
    for answer in answers_:
        assert set(answer.envelope) == ENVELOPE_KEYS
        assert answer.headers["Content-Type"].startswith("application/json")
    assert_error(answers_[1], 404, "ObjectNotFound")


def test_wrong_method_on_known_path_is_405(api: Api) -> None:
    answer = api.get("/v2/partners/list")
    assert_error(answer, 405, "MethodNotAllowed")
    assert answer.headers["Allow"] == "POST"
    assert_error(api.request("PUT", "/v2/ids/123456"), 405, "MethodNotAllowed")


# -- find forms -------------------------------------------------------------------------------


def find(api: Api, form: str, qualifier: str, isa_id: str) -> Answer:
    if form == "post":
        return api.post("/v2/ids/find", {"qualifier": qualifier, "id": isa_id})
    names = ("isaQualifier", "isaId") if form == "get-isa" else ("qualifier", "id")
    return api.get("/v2/ids/find?" + urlencode(dict(zip(names, (qualifier, isa_id), strict=True))))


SERVED = {
    "post": {"post": 200, "get-isa": 405, "get-qual": 405},
    "get-isa": {"post": 405, "get-isa": 200, "get-qual": 400},
    "get-qual": {"post": 405, "get-isa": 400, "get-qual": 200},
    "all": {"post": 200, "get-isa": 200, "get-qual": 200},
}


@pytest.mark.parametrize("style", list(SERVED))
def test_find_forms_follow_find_style(start_sandbox: StartSandbox, style: str) -> None:
    api = Api(start_sandbox(find_style=style).base_url)
    for form, status in SERVED[style].items():
        answer = find(api, form, "01", "PARTNERCO")
        assert answer.status == status, (style, form, answer.envelope)
        if status == 405:
            assert_error(answer, 405, "MethodNotAllowed")
        elif status == 400:
            assert_error(answer, 400, "InvalidParameter", mentions="required")
        elif form == "get-isa":
            assert answer.data == [
                {
                    "ecGridId": 334455,
                    "isaQualifier": "01",
                    "isaId": "PARTNERCO      ",
                    "companyName": "Partner Company Inc.",
                    "status": "Active",
                    "mailboxId": 3001,
                    "networkId": 9,
                }
            ]
        else:
            assert answer.data == [
                {
                    "ecGridId": 334455,
                    "mailboxId": 3001,
                    "networkId": 9,
                    "qualifier": "01",
                    "id": "PARTNERCO      ",
                    "description": "Partner Company Inc.",
                    "status": "Active",
                    "routingGroup": "ProductionA",
                    "ediStandard": "X12",
                    "useType": "Production",
                    "ownerInfo": {
                        "networkId": 9,
                        "mailboxId": 3001,
                        "effective": "2026-01-05T09:00:00Z",
                        "expires": None,
                    },
                }
            ]


def test_get_isa_style_names_the_missing_parameter(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(find_style="get-isa").base_url)
    answer = api.get("/v2/ids/find?qualifier=01&id=PARTNERCO")
    assert_error(answer, 400, "InvalidParameter", mentions="isaQualifier")
    assert_error(api.get("/v2/ids/find?isaQualifier=01"), 400, "InvalidParameter", mentions="isaId")


@pytest.mark.parametrize("form", ["post", "get-isa", "get-qual"])
def test_find_matching_rules(api: Api, form: str) -> None:
    def ecgrid_ids(qualifier: str, isa_id: str) -> list[int]:
        answer = find(api, form, qualifier, isa_id)
        assert answer.status == 200, answer.envelope
        return [item["ecGridId"] for item in answer.data]

    assert ecgrid_ids("zz", "mycompany") == [111111]  # case-insensitive
    assert ecgrid_ids("ZZ", "MYCOMPANY      ") == [111111]  # padded input
    assert ecgrid_ids("ZZ", "MYCOMP") == []  # exact, not partial
    assert ecgrid_ids("01", "MYCOMPANY") == []  # qualifier must match
    assert ecgrid_ids("ZZ", "REUSEDCO") == [500001, 500002]  # any status
    assert ecgrid_ids("ZZ", "TWINCO") == [600001, 600002]


def test_find_with_no_parameters_is_400(api: Api) -> None:
    assert_error(api.get("/v2/ids/find"), 400, "InvalidParameter", mentions="required")
    assert_error(api.post("/v2/ids/find", {"qualifier": "01"}), 400, "InvalidParameter")


# -- ECGrid IDs -------------------------------------------------------------------------------


def test_get_id_pads_the_isa_id(api: Api) -> None:
    info = api.ok("GET", "/v2/ids/123456")
    assert info == {
        "ecGridId": 123456,
        "mailboxId": 1001,
        "networkId": 42,
        "qualifier": "01",
        "id": "PARTNER001     ",
        "description": "Acme Corp Production",
        "status": "Active",
        "routingGroup": "ProductionA",
        "ediStandard": "X12",
        "useType": "Production",
        "ownerInfo": {
            "networkId": 42,
            "mailboxId": 1001,
            "effective": "2026-01-05T09:00:00Z",
            "expires": None,
        },
    }
    assert len(api.ok("GET", "/v2/ids/445566")["id"]) == 15


def test_get_id_errors(api: Api) -> None:
    assert_error(api.get("/v2/ids/999999"), 404, "ObjectNotFound", mentions="999999")
    assert_error(api.get("/v2/ids/abc"), 400, "InvalidParameter")


def test_create_id(api: Api) -> None:
    body = {"mailboxId": 1002, "qualifier": "zz", "id": "NEWCO", "description": "New Co"}
    info = api.ok("POST", "/v2/ids", body)
    assert info["ecGridId"] > 600002
    assert (info["qualifier"], info["id"], info["status"]) == ("ZZ", "NEWCO          ", "Active")
    assert (info["mailboxId"], info["networkId"]) == (1002, 42)
    assert (info["routingGroup"], info["ediStandard"]) == ("ProductionA", "X12")
    assert api.ok("GET", f"/v2/ids/{info['ecGridId']}") == info

    again = api.post("/v2/ids", {**body, "id": "newco  "})
    assert_error(again, 400, "DuplicateObject", mentions=str(info["ecGridId"]))
    # REUSEDCO's Terminated ID does not block, but its live one does.
    taken = api.post("/v2/ids", {"mailboxId": 1001, "qualifier": "ZZ", "id": "REUSEDCO"})
    assert_error(taken, 400, "DuplicateObject", mentions="500002")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"mailboxId": 9999, "qualifier": "ZZ", "id": "X1"}, 404, "ObjectNotFound"),
        ({"qualifier": "ZZ", "id": "X1"}, 400, "InvalidParameter"),
        ({"mailboxId": "1001", "qualifier": "ZZ", "id": "X1"}, 400, "InvalidParameter"),
        ({"mailboxId": 1001, "qualifier": "ZZZ", "id": "X1"}, 400, "InvalidParameter"),
        ({"mailboxId": 1001, "qualifier": "ZZ", "id": "X" * 16}, 400, "InvalidParameter"),
        ({"mailboxId": 1001, "qualifier": "ZZ", "id": "   "}, 400, "InvalidParameter"),
    ],
)
def test_create_id_rejects(api: Api, body: dict[str, Any], status: int, code: str) -> None:
    assert_error(api.post("/v2/ids", body), status, code)


def test_list_ids_filters_and_pages(api: Api) -> None:
    hub = api.ok("POST", "/v2/ids/list", {"mailboxId": 2001, "recordsPerPage": 500})
    demo = list(range(700001, 700007))
    assert [i["ecGridId"] for i in hub] == [*range(200001, 200021), 500001, 600001, *demo]
    active = api.ok("POST", "/v2/ids/list", {"networkId": 7, "status": "ACTIVE"})
    active_ids = [i["ecGridId"] for i in active]
    assert 500001 not in active_ids and 700004 not in active_ids  # Terminated, Suspended
    assert len(active) == 25  # the default page size: 26 are Active
    page2 = api.ok("POST", "/v2/ids/list", {"mailboxId": 2001, "pageNo": 2, "recordsPerPage": 10})
    assert [i["ecGridId"] for i in page2] == list(range(200011, 200021))


def test_tp_move(api: Api) -> None:
    moved = api.ok("POST", "/v2/ids/tp-move", {"ecGridId": 123456, "newMailboxId": 1002})
    assert (moved["ecGridId"], moved["mailboxId"], moved["networkId"]) == (123456, 1002, 42)
    assert api.ok("GET", "/v2/ids/123456")["mailboxId"] == 1002
    unchanged = api.ok("POST", "/v2/ids/tp-move", {"ecGridId": 123456, "newMailboxId": 1002})
    assert unchanged == moved

    other_network = api.post("/v2/ids/tp-move", {"ecGridId": 123456, "newMailboxId": 3001})
    assert_error(other_network, 400, "InvalidParameter", mentions="network")
    no_mailbox = api.post("/v2/ids/tp-move", {"ecGridId": 123456, "newMailboxId": 4242})
    assert_error(no_mailbox, 404, "ObjectNotFound", mentions="mailbox")
    no_id = api.post("/v2/ids/tp-move", {"ecGridId": 999999, "newMailboxId": 1001})
    assert_error(no_id, 404, "ObjectNotFound", mentions="999999")
    bad_type = api.post("/v2/ids/tp-move", {"ecGridId": 123456, "newMailboxId": True})
    assert_error(bad_type, 400, "InvalidParameter")


# -- interconnects ---------------------------------------------------------------------------


def test_seeded_interconnect_counts(api: Api) -> None:
    assert count(api, 123456, "Active") == 14
    assert count(api, 123456, "active") == 14
    assert count(api, 123456) == 18
    assert (count(api, 123456, "Suspended"), count(api, 123456, "Development")) == (2, 1)
    assert count(api, 123456, "Terminated") == 1
    assert count(api, 200014) == 1  # 200014 is the From side of its interconnect
    assert (count(api, 111111), count(api, 445566)) == (OWN_SEEDED, 0)


def test_list_interconnects_either_side_and_ordered(api: Api) -> None:
    items = api.ok("POST", "/v2/partners/list", {"ecGridId": 123456, "recordsPerPage": 500})
    assert [i["interconnectId"] for i in items] == list(range(88001, 88019))
    assert all(123456 in (i["ecGridIdFrom"], i["ecGridIdTo"]) for i in items)
    assert {i["ecGridIdFrom"] for i in items} == {123456, 200014}
    first = items[0]
    assert set(first) == {
        "interconnectId",
        "ecGridIdFrom",
        "ecGridIdTo",
        "status",
        "created",
        "modified",
        "lastTrafficInbound",
        "lastTrafficOutbound",
        "reference",
    }
    assert ISO_UTC.match(first["created"]) and ISO_UTC.match(first["modified"])
    suspended = api.ok("POST", "/v2/partners/list", {"ecGridId": 123456, "status": "suspended"})
    assert [(i["ecGridIdTo"], i["status"]) for i in suspended] == [
        (200015, "Suspended"),
        (200016, "Suspended"),
    ]


def test_pagination(api: Api) -> None:
    def page(number: int, size: int = 5) -> list[int]:
        body = {"ecGridId": 123456, "pageNo": number, "recordsPerPage": size}
        return [i["interconnectId"] for i in api.ok("POST", "/v2/partners/list", body)]

    pages = [page(n) for n in range(1, 6)]
    assert [len(p) for p in pages] == [5, 5, 5, 3, 0]
    assert [i for p in pages for i in p] == list(range(88001, 88019))
    assert len(api.ok("POST", "/v2/partners/list", {"ecGridId": 123456})) == 18  # default 25
    for bad in ({"pageNo": 0}, {"recordsPerPage": 0}, {"recordsPerPage": 501}, {"pageNo": "2"}):
        answer = api.post("/v2/partners/list", {"ecGridId": 123456, **bad})
        assert_error(answer, 400, "InvalidParameter")


def test_create_interconnect_and_duplicates_in_either_orientation(api: Api) -> None:
    created = api.ok("POST", "/v2/partners", {"ecGridIdFrom": 111111, "ecGridIdTo": 334455})
    assert 88019 <= created["interconnectId"] < 89000
    assert (created["ecGridIdFrom"], created["ecGridIdTo"]) == (111111, 334455)
    assert created["status"] == "Active"
    assert ISO_UTC.match(created["created"]) and created["modified"] == created["created"]
    assert api.ok("GET", f"/v2/partners/{created['interconnectId']}") == created

    same = api.post("/v2/partners", {"ecGridIdFrom": 111111, "ecGridIdTo": 334455})
    assert_error(same, 400, "DuplicateObject", mentions=str(created["interconnectId"]))
    reverse = api.post("/v2/partners", {"ecGridIdFrom": 334455, "ecGridIdTo": 111111})
    assert_error(reverse, 400, "DuplicateObject", mentions=str(created["interconnectId"]))
    # Seeded: 123456 -> 200001 is 88001; the reverse orientation is a duplicate too.
    seeded = api.post("/v2/partners", {"ecGridIdFrom": 200001, "ecGridIdTo": 123456})
    assert_error(seeded, 400, "DuplicateObject", mentions="88001")
    # A Terminated interconnect (88018, with 200018) does not block a new one.
    renewed = api.ok("POST", "/v2/partners", {"ecGridIdFrom": 123456, "ecGridIdTo": 200018})
    assert renewed["interconnectId"] > created["interconnectId"]
    development = {"ecGridIdFrom": 111111, "ecGridIdTo": 445566, "status": "development"}
    assert api.ok("POST", "/v2/partners", development)["status"] == "Development"


@pytest.mark.parametrize(
    ("body", "status", "code", "mentions"),
    [
        ({"ecGridIdFrom": 999999, "ecGridIdTo": 334455}, 404, "ObjectNotFound", "from"),
        ({"ecGridIdFrom": 111111, "ecGridIdTo": 999999}, 404, "ObjectNotFound", "to"),
        ({"ecGridIdFrom": 111111, "ecGridIdTo": 111111}, 400, "InvalidParameter", ""),
        ({"ecGridIdFrom": "abc", "ecGridIdTo": 334455}, 400, "InvalidParameter", "ecGridIdFrom"),
        ({"ecGridIdFrom": 111111}, 400, "InvalidParameter", "ecGridIdTo"),
        ({"ecGridIdFrom": 111111, "ecGridIdTo": 1.5}, 400, "InvalidParameter", ""),
        (
            {"ecGridIdFrom": 111111, "ecGridIdTo": 334455, "status": "Live"},
            400,
            "InvalidParameter",
            "status",
        ),
        (
            {"ecGridIdFrom": 111111, "ecGridIdTo": 334455, "status": "Terminated"},
            400,
            "InvalidParameter",
            "",
        ),
        ({"ecGridIdFrom": 111111, "ecGridIdTo": 500001}, 400, "InvalidParameter", "terminated"),
    ],
)
def test_create_interconnect_rejects(
    api: Api, body: dict[str, Any], status: int, code: str, mentions: str
) -> None:
    assert_error(api.post("/v2/partners", body), status, code, mentions=mentions)
    assert count(api, 111111) == OWN_SEEDED


def test_not_found_answers(api: Api) -> None:
    assert_error(api.get("/v2/partners/1"), 404, "ObjectNotFound")
    assert_error(api.request("DELETE", "/v2/partners/99999"), 404, "ObjectNotFound")
    assert_error(api.post("/v2/partners/list", {"ecGridId": 999999}), 404, "ObjectNotFound")
    assert_error(api.post("/v2/partners/count", {"ecGridId": 999999}), 404, "ObjectNotFound")
    assert_error(api.post("/v2/partners/notelist", {"interconnectId": 5}), 404, "ObjectNotFound")


def test_delete_terminates_once(api: Api) -> None:
    before = api.ok("GET", "/v2/partners/88001")
    assert api.ok("DELETE", "/v2/partners/88001") is True
    after = api.ok("GET", "/v2/partners/88001")
    assert after["status"] == "Terminated"
    assert after["created"] == before["created"] and after["modified"] > before["modified"]
    again = api.request("DELETE", "/v2/partners/88001")
    assert_error(again, 400, "InvalidParameter", mentions="already terminated")
    assert (count(api, 123456, "Active"), count(api, 123456)) == (13, 18)


def test_notes(api: Api) -> None:
    assert api.ok("POST", "/v2/partners/notelist", {"interconnectId": 88001}) == []
    for text in ("first contact", "went live"):
        assert api.ok("POST", "/v2/partners/note", {"interconnectId": 88001, "note": text}) is True
    notes = api.ok("POST", "/v2/partners/notelist", {"interconnectId": 88001})
    assert [n["text"] for n in notes] == ["first contact", "went live"]
    assert all(ISO_UTC.match(n["timestamp"]) and isinstance(n["userId"], int) for n in notes)
    empty = api.post("/v2/partners/note", {"interconnectId": 88001, "note": " "})
    assert_error(empty, 400, "InvalidParameter")
    missing = api.post("/v2/partners/note", {"interconnectId": 1, "note": "x"})
    assert_error(missing, 404, "ObjectNotFound")


def test_send_test_file(api: Api) -> None:
    send = "/v2/parcels/send-test-file"
    assert api.ok("POST", send, {"ecGridIdFrom": 123456, "ecGridIdTo": 200001}) == 900001
    # Either orientation: 88014 runs 200014 -> 123456.
    body = {"ecGridIdFrom": 123456, "ecGridIdTo": 200014, "documentType": "850"}
    assert api.ok("POST", send, body) == 900002
    assert api.ok("POST", send, {"ecGridIdFrom": 200014, "ecGridIdTo": 123456}) == 900003

    suspended = api.post(send, {"ecGridIdFrom": 123456, "ecGridIdTo": 200015})
    assert_error(suspended, 400, "InvalidParameter", mentions="Active")
    none = api.post(send, {"ecGridIdFrom": 111111, "ecGridIdTo": 445566})
    assert_error(none, 400, "InvalidParameter")
    unknown = api.post(send, {"ecGridIdFrom": 111111, "ecGridIdTo": 999999})
    assert_error(unknown, 404, "ObjectNotFound")

    api.ok("POST", "/v2/partners", {"ecGridIdFrom": 111111, "ecGridIdTo": 445566})
    assert api.ok("POST", send, {"ecGridIdFrom": 111111, "ecGridIdTo": 445566}) == 900004
