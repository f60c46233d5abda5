"""The sandbox over real loopback HTTP: envelopes, auth, find forms, domain rules, faults."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from sandbox_support import OWN_SEEDED, Answer, Api, assert_error, count

import ecgrid_cli
from ecgrid_cli.sandbox import (
    DEFAULT_API_KEY,
    SandboxOptions,
    SandboxServer,
    create_server,
    default_db_path,
    pid_file_path,
    running_detached,
    start_detached,
    stop_detached,
)
from ecgrid_cli.sandbox.lifecycle import answers

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


# -- malformed requests and robustness ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b'"text"', b'{"ecGridId": NaN}', b"\xff\xfe"]
)
def test_malformed_bodies_are_400(api: Api, raw: bytes) -> None:
    assert_error(api.post("/v2/partners/count", raw=raw), 400, "InvalidParameter")


def test_body_over_one_mib_is_413(api: Api) -> None:
    answer = api.post("/v2/partners/count", raw=b" " * (1024 * 1024 + 1))
    assert answer.status == 413
    assert answer.envelope["success"] is False and answer.envelope["data"] is None
    assert api.ok("GET", "/v2/users/me")["login"] == "sandbox"  # still serving


def test_unexpected_exception_is_500_envelope(
    sandbox: SandboxServer, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(sandbox.store, "count_interconnects", explode)
    assert_error(api.post("/v2/partners/count", {"ecGridId": 123456}), 500, "InternalError")
    assert api.ok("GET", "/v2/ids/123456")["ecGridId"] == 123456


def test_keep_alive_survives_errors_with_unread_bodies(sandbox: SandboxServer) -> None:
    parts = urlsplit(sandbox.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        body = json.dumps({"ecGridId": 123456}).encode()
        conn.request("POST", "/v2/partners/count", body=body, headers={"X-API-Key": "wrong"})
        first = conn.getresponse()
        assert first.status == 401 and json.loads(first.read())["errorCode"] == "InvalidAPIKey"
        conn.request(
            "POST", "/v2/partners/count", body=body, headers={"X-API-Key": DEFAULT_API_KEY}
        )
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["data"] == 18
    finally:
        conn.close()


def test_concurrent_creates_of_one_pair_yield_one_interconnect(api: Api) -> None:
    results: list[Answer] = []
    lock = threading.Lock()

    def create(source: int, target: int) -> None:
        answer = api.post("/v2/partners", {"ecGridIdFrom": source, "ecGridIdTo": target})
        with lock:
            results.append(answer)

    pairs = [(111111, 334455) if n % 2 else (334455, 111111) for n in range(16)]
    threads = [threading.Thread(target=create, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 16
    assert sorted(a.status for a in results) == [200] + [400] * 15
    assert {a.code for a in results if a.status == 400} == {"DuplicateObject"}
    assert count(api, 111111) == OWN_SEEDED + 1


# -- persistence and lifecycle of one server ----------------------------------------------------


def test_file_db_persists_across_restarts_and_reset_reseeds(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    db = str(tmp_path / "state" / "sandbox.db")
    first = start_sandbox(db_path=db)
    created = Api(first.base_url).ok(
        "POST", "/v2/partners", {"ecGridIdFrom": 111111, "ecGridIdTo": 334455}
    )
    first.shutdown()

    second_server = start_sandbox(db_path=db)
    second = Api(second_server.base_url)
    assert second.ok("GET", f"/v2/partners/{created['interconnectId']}") == created
    assert count(second, 111111) == OWN_SEEDED + 1
    second_server.shutdown()  # a running sandbox's database cannot be reset under it

    reset = Api(start_sandbox(db_path=db, reset=True).base_url)
    assert_error(reset.get(f"/v2/partners/{created['interconnectId']}"), 404, "ObjectNotFound")
    assert (count(reset, 111111), count(reset, 123456), count(reset, 123456, "Active")) == (
        OWN_SEEDED,
        18,
        14,
    )


def test_port_in_use_raises_before_touching_the_db(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    db = str(tmp_path / "sandbox.db")
    running = start_sandbox(db_path=db)
    api = Api(running.base_url)
    api.ok("POST", "/v2/partners", {"ecGridIdFrom": 111111, "ecGridIdTo": 334455})
    with pytest.raises(OSError):
        create_server(SandboxOptions(port=running.port, db_path=db, reset=True))
    assert count(api, 111111) == OWN_SEEDED + 1


def test_unusable_db_path_is_a_store_error_naming_the_database() -> None:
    from ecgrid_cli.sandbox.store import StoreError

    db = "/proc/ecgrid-no-such-dir/sandbox.db"  # /proc refuses new directories
    with pytest.raises(StoreError, match="cannot use the database /proc/ecgrid-no-such-dir"):
        create_server(SandboxOptions(port=0, db_path=db))


def test_shutdown_is_bounded_with_idle_keep_alive_connections(
    start_sandbox: StartSandbox,
) -> None:
    server = start_sandbox()
    parts = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", "/v2/auth/version")
        conn.getresponse().read()  # the connection stays open, idle
        started = time.monotonic()
        server.shutdown()
        server.shutdown()  # idempotent
        assert time.monotonic() - started < 3
    finally:
        conn.close()
    with pytest.raises(OSError):
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()


def test_base_url_reports_the_chosen_port(sandbox: SandboxServer) -> None:
    assert sandbox.port > 0
    assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}"


@pytest.mark.parametrize(
    "bad",
    [
        {"fault_rate": 1.5},
        {"drop_rate": -0.1},
        {"find_style": "soap"},
        {"latency_ms": -1},
        {"port": 70000},
    ],
)
def test_options_are_validated(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SandboxOptions(**bad)


def test_default_db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "ecgrid" / "sandbox.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_db_path() == Path.home() / ".local" / "share" / "ecgrid" / "sandbox.db"


# -- misbehaving on purpose ---------------------------------------------------------------------


def test_fault_injection_answers_429_500_503(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(fault_rate=1.0, retry_after=0.25, seed=7).base_url)
    expected = {429: "RateLimitExceeded", 500: "InternalError", 503: "ServiceUnavailable"}
    seen = []
    for _ in range(30):
        answer = api.get("/v2/users/me")
        assert_error(answer, answer.status, expected[answer.status])
        if answer.status == 429:
            assert answer.headers["Retry-After"] == "0.25"
        seen.append(answer.status)
    assert set(seen) == {429, 500, 503}
    assert api.get("/v2/auth/version", key=None).status == 200  # no faults without auth
    assert_error(api.get("/v2/users/me", key="wrong"), 401, "InvalidAPIKey")

    replay = Api(start_sandbox(fault_rate=1.0, seed=7).base_url)
    assert [replay.get("/v2/users/me").status for _ in range(30)] == seen  # seeded


def test_fault_injection_happens_before_any_change(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(fault_rate=1.0)
    for _ in range(5):
        answer = Api(server.base_url).post(
            "/v2/partners", {"ecGridIdFrom": 111111, "ecGridIdTo": 334455}
        )
        assert answer.status in (429, 500, 503)
    assert server.store.count_interconnects(111111) == OWN_SEEDED


def test_drop_rate_commits_then_hangs_up(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(drop_rate=1.0)
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=5) as client:
        client.headers["X-API-Key"] = DEFAULT_API_KEY
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v2/partners", json={"ecGridIdFrom": 111111, "ecGridIdTo": 334455})
        listed = client.post("/v2/partners/list", json={"ecGridId": 334455}).json()["data"]
        assert [(i["ecGridIdFrom"], i["ecGridIdTo"]) for i in listed] == [(111111, 334455)]

        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v2/ids/tp-move", json={"ecGridId": 123456, "newMailboxId": 1002})
        assert client.get("/v2/ids/123456").json()["data"]["mailboxId"] == 1002

        # A refused write changed nothing, so it is answered normally.
        again = client.post("/v2/partners", json={"ecGridIdFrom": 334455, "ecGridIdTo": 111111})
        assert again.status_code == 400 and again.json()["errorCode"] == "DuplicateObject"


def test_latency_delays_everything_but_version(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(latency_ms=200).base_url)
    started = time.monotonic()
    api.ok("GET", "/v2/users/me")
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    assert api.get("/v2/auth/version", key=None).status == 200
    assert time.monotonic() - started < 0.15


# -- detached mode ---------------------------------------------------------------------------------

# Stands in for `python -m ecgrid_cli sandbox serve ...` while that command may not exist.
_SERVE_STUB = """
import argparse, signal, sys
from ecgrid_cli.sandbox import SandboxOptions, create_server
parser = argparse.ArgumentParser()
parser.add_argument("group")
parser.add_argument("command")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--api-key", required=True)
parser.add_argument("--db", required=True)
parser.add_argument("--reset", action="store_true")
args = parser.parse_args()
server = create_server(SandboxOptions(
    host=args.host, port=args.port, api_key=args.api_key, db_path=args.db, reset=args.reset
))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("serving at", server.base_url, flush=True)
try:
    server.serve_forever()
finally:
    server.shutdown()
"""


@pytest.fixture
def child_pythonpath(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let spawned interpreters import this checkout of ecgrid_cli."""
    root = str(Path(ecgrid_cli.__file__).resolve().parent.parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    )


def _exercise_detached(db: Path, command: list[str] | None) -> None:
    options = SandboxOptions(port=0, db_path=str(db))
    pid, url = start_detached(options, timeout=10, command=command)
    try:
        assert answers(url)
        assert json.loads(pid_file_path(str(db)).read_text()) == {"pid": pid, "baseUrl": url}
        assert (db.parent / "sandbox.log").exists()
        assert start_detached(options, timeout=10, command=command) == (pid, url)  # reused
        assert running_detached(str(db)) == (pid, url)
        assert Api(url).ok("GET", "/v2/ids/111111")["ecGridId"] == 111111
    finally:
        stopped = stop_detached(str(db))
    assert stopped == pid
    assert not pid_file_path(str(db)).exists()
    assert not answers(url)
    assert stop_detached(str(db)) is None


@pytest.mark.usefixtures("child_pythonpath")
def test_detached_start_reuse_and_stop(tmp_path: Path) -> None:
    _exercise_detached(tmp_path / "sandbox.db", [sys.executable, "-c", _SERVE_STUB])


@pytest.mark.usefixtures("child_pythonpath")
def test_detached_start_failure_reports_the_log(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    crash = [sys.executable, "-c", "import sys; print('boom: cannot serve'); sys.exit(3)"]
    with pytest.raises(RuntimeError, match=r"status 3.*boom: cannot serve"):
        start_detached(SandboxOptions(port=0, db_path=str(db)), timeout=10, command=crash)
    assert not pid_file_path(str(db)).exists()
    assert stop_detached(str(db)) is None


@pytest.mark.usefixtures("child_pythonpath")
def test_detached_with_the_real_cli(tmp_path: Path) -> None:
    probe = subprocess.run(
        [sys.executable, "-m", "ecgrid_cli", "sandbox", "serve", "--help"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("`python -m ecgrid_cli sandbox serve` is not available yet")
    _exercise_detached(tmp_path / "sandbox.db", None)
