"""REST partner lifecycle: ID-create bodies, owner info, traffic, parcels, tokens, demo data."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sandbox_support import Api, assert_error

from ecgrid_cli.sandbox import SandboxServer

StartSandbox = Callable[..., SandboxServer]
SEND = "/v2/parcels/send-test-file"
REFERENCE_BODY = {"mailboxId": 1002, "qualifier": "ZZ", "id": "REFBODY", "description": "Ref"}
GUIDE_BODY = {
    "networkId": 42,
    "mailboxId": 1002,
    "isaQualifier": "zz",
    "isaId": "GUIDEBODY      ",  # padded to 15, as the guide sends it
    "description": "Guide Co",
    "useType": "testandproduction",
}


@pytest.fixture
def api(sandbox: SandboxServer) -> Api:
    return Api(sandbox.base_url)


# -- POST /v2/ids: two documented bodies -------------------------------------------------------


def test_create_id_with_either_body(api: Api) -> None:
    reference = api.ok("POST", "/v2/ids", REFERENCE_BODY)
    assert (reference["qualifier"], reference["id"].rstrip()) == ("ZZ", "REFBODY")
    assert reference["useType"] == "Production"  # the default
    guide = api.ok("POST", "/v2/ids", GUIDE_BODY)
    assert (guide["qualifier"], guide["id"], guide["description"]) == (
        "ZZ",
        "GUIDEBODY      ",
        "Guide Co",
    )
    assert (guide["mailboxId"], guide["networkId"], guide["useType"]) == (
        1002,
        42,
        "TestAndProduction",
    )
    assert guide["ownerInfo"]["mailboxId"] == 1002 and guide["ownerInfo"]["expires"] is None
    assert api.ok("GET", f"/v2/ids/{guide['ecGridId']}") == guide
    again = api.post("/v2/ids", {**GUIDE_BODY, "isaId": "guidebody"})
    assert_error(again, 400, "DuplicateObject", mentions="exists")


def test_guide_body_network_must_be_the_mailboxs(api: Api) -> None:
    answer = api.post("/v2/ids", {**GUIDE_BODY, "networkId": 9})
    assert_error(answer, 400, "InvalidParameter", mentions="network")
    missing_network = {k: v for k, v in GUIDE_BODY.items() if k != "networkId"}
    assert_error(
        api.post("/v2/ids", missing_network), 400, "InvalidParameter", mentions="networkId"
    )
    bad_use = api.post("/v2/ids", {**GUIDE_BODY, "useType": "Sometimes"})
    assert_error(bad_use, 400, "InvalidParameter", mentions="useType")


@pytest.mark.parametrize(
    ("style", "served", "refused", "names"),
    [
        ("reference", REFERENCE_BODY, GUIDE_BODY, "qualifier"),
        ("guide", GUIDE_BODY, REFERENCE_BODY, "isaQualifier"),
    ],
)
def test_id_create_style_serves_one_body(
    start_sandbox: StartSandbox,
    style: str,
    served: dict[str, Any],
    refused: dict[str, Any],
    names: str,
) -> None:
    api = Api(start_sandbox(id_create_style=style).base_url)
    assert api.ok("POST", "/v2/ids", served)["ecGridId"] > 0
    assert_error(api.post("/v2/ids", refused), 400, "InvalidParameter", mentions=names)


def test_create_id_validates_enums(api: Api) -> None:
    body = {**REFERENCE_BODY, "routingGroup": "test", "ediStandard": "edifact"}
    created = api.ok("POST", "/v2/ids", body)
    assert (created["routingGroup"], created["ediStandard"]) == ("Test", "EDIFACT")
    bad = api.post("/v2/ids", {**REFERENCE_BODY, "id": "OTHER", "routingGroup": "Fast"})
    assert_error(bad, 400, "InvalidParameter", mentions="routingGroup")


def test_tp_move_makes_the_new_owner_effective_now(api: Api) -> None:
    before = api.ok("GET", "/v2/ids/123456")["ownerInfo"]
    moved = api.ok("POST", "/v2/ids/tp-move", {"ecGridId": 123456, "newMailboxId": 1002})
    assert moved["ownerInfo"]["mailboxId"] == 1002
    assert moved["ownerInfo"]["effective"] > before["effective"]


# -- the health-check demo ----------------------------------------------------------------------


def test_health_demo_partners_and_interconnects(api: Api) -> None:
    partners = {n: api.ok("GET", f"/v2/ids/{n}") for n in range(700001, 700007)}
    assert {
        n: (p["qualifier"], p["id"].rstrip(), p["description"]) for n, p in partners.items()
    } == {
        700001: ("ZZ", "HEALTHYCO", "Healthy Co"),
        700002: ("ZZ", "QUIETCO", "Quiet Co"),
        700003: ("ZZ", "HELDCO", "Held Co"),
        700004: ("ZZ", "DORMANTCO", "Dormant Co"),
        700005: ("ZZ", "MOVINGCO", "Moving Co"),
        700006: ("ZZ", "BOUNCECO", "Bounce Co"),
    }
    assert all((p["mailboxId"], p["networkId"]) == (2001, 7) for p in partners.values())
    assert [n for n, p in partners.items() if p["status"] != "Active"] == [700004]
    assert partners[700005]["ownerInfo"]["effective"] == "2099-01-01T00:00:00Z"
    assert all(p["ownerInfo"]["effective"] < "2027" for n, p in partners.items() if n != 700005)

    links = {n: api.ok("GET", f"/v2/partners/{n}") for n in range(87001, 87007)}
    assert [(i["ecGridIdFrom"], i["ecGridIdTo"]) for i in links.values()] == [
        (111111, partner) for partner in range(700001, 700007)
    ]
    assert {n: i["status"] for n, i in links.items() if i["status"] != "Active"} == {
        87003: "Suspended"
    }
    quiet = links[87002]
    assert (quiet["lastTrafficInbound"], quiet["lastTrafficOutbound"]) == (None, None)
    for number, link in links.items():
        if number != 87002:
            assert link["lastTrafficInbound"] and link["lastTrafficOutbound"], link
        assert link["reference"] is None
    listed = api.ok("POST", "/v2/partners/list", {"ecGridId": 111111})
    assert listed == list(links.values())  # fixed timestamps: same listing everywhere
    assert api.ok("POST", "/v2/ids/find", {"qualifier": "ZZ", "id": "NEWPARTNER"}) == []


def test_new_interconnects_still_start_at_88019(api: Api) -> None:
    created = api.ok("POST", "/v2/partners", {"ecGridIdFrom": 111111, "ecGridIdTo": 334455})
    assert created["interconnectId"] == 88019
    assert created["reference"] is None and created["lastTrafficOutbound"] is None


# -- parcels ------------------------------------------------------------------------------------


def wait_for(api: Api, parcel_id: int, status: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        parcel = api.ok("GET", f"/v2/parcels/{parcel_id}")
        if parcel["status"] == status or time.monotonic() > deadline:
            assert parcel["status"] == status, parcel
            return parcel
        time.sleep(0.05)


def test_parcel_moves_through_its_states_and_records_traffic(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(parcel_seconds=0.6).base_url)
    before = api.ok("GET", "/v2/partners/88001")
    assert (before["lastTrafficInbound"], before["lastTrafficOutbound"]) == (None, None)
    parcel_id = api.ok("POST", SEND, {"ecGridIdFrom": 123456, "ecGridIdTo": 200001})
    first = api.ok("GET", f"/v2/parcels/{parcel_id}")
    assert first["status"] == "outboxPending"
    assert set(first) == {
        "parcelId",
        "mailboxId",
        "networkId",
        "fileName",
        "bytes",
        "status",
        "ecGridIdFrom",
        "ecGridIdTo",
        "created",
        "modified",
    }
    assert (first["parcelId"], first["ecGridIdFrom"], first["ecGridIdTo"]) == (
        parcel_id,
        123456,
        200001,
    )
    assert (first["mailboxId"], first["networkId"]) == (1001, 42)
    assert first["bytes"] > 0 and first["fileName"]
    wait_for(api, parcel_id, "outboxSent")
    delivered = wait_for(api, parcel_id, "InBoxReady")
    assert delivered["modified"] >= delivered["created"]
    after = api.ok("GET", "/v2/partners/88001")  # 123456 -> 200001: TP1 -> TP2 is outbound
    assert after["lastTrafficOutbound"] and after["lastTrafficInbound"] is None
    # The reverse direction is inbound traffic on the same interconnect.
    back = api.ok("POST", SEND, {"ecGridIdFrom": 200001, "ecGridIdTo": 123456})
    wait_for(api, back, "InBoxReady")
    assert api.ok("GET", "/v2/partners/88001")["lastTrafficInbound"]


def test_failing_parcels(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(parcel_seconds=0.3, parcel_fail_rate=1.0).base_url)
    parcel_id = api.ok("POST", SEND, {"ecGridIdFrom": 123456, "ecGridIdTo": 200002})
    wait_for(api, parcel_id, "outboxFailed")
    link = api.ok("GET", "/v2/partners/88002")
    assert link["lastTrafficOutbound"] is None  # nothing was delivered


def test_bounce_co_parcels_always_fail(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(parcel_seconds=0.3).base_url)
    to_bounce = api.ok("POST", SEND, {"ecGridIdFrom": 111111, "ecGridIdTo": 700006})
    from_bounce = api.ok("POST", SEND, {"ecGridIdFrom": 700006, "ecGridIdTo": 111111})
    healthy = api.ok("POST", SEND, {"ecGridIdFrom": 111111, "ecGridIdTo": 700001})
    for parcel_id in (to_bounce, from_bounce):
        wait_for(api, parcel_id, "outboxFailed")
    wait_for(api, healthy, "InBoxReady")


def test_parcel_fail_rate_is_seeded(start_sandbox: StartSandbox) -> None:
    def outcomes(seed: int) -> list[str]:
        api = Api(start_sandbox(parcel_seconds=0.1, parcel_fail_rate=0.5, seed=seed).base_url)
        ids = [
            api.ok("POST", SEND, {"ecGridIdFrom": 123456, "ecGridIdTo": 200001}) for _ in range(12)
        ]
        time.sleep(0.2)
        return [api.ok("GET", f"/v2/parcels/{n}")["status"] for n in ids]

    first = outcomes(5)
    assert first == outcomes(5)
    assert set(first) == {"InBoxReady", "outboxFailed"}


def test_parcel_errors(api: Api) -> None:
    assert_error(api.get("/v2/parcels/123"), 404, "ObjectNotFound", mentions="123")
    assert_error(api.get("/v2/parcels/abc"), 400, "InvalidParameter")
    assert_error(api.get(SEND), 405, "MethodNotAllowed")
    held = api.post(SEND, {"ecGridIdFrom": 111111, "ecGridIdTo": 700003})  # Suspended
    assert_error(held, 400, "InvalidParameter", mentions="Active")


# -- tokens -------------------------------------------------------------------------------------


def login(api: Api, **body: str) -> dict[str, Any]:
    return api.ok("POST", "/v2/auth/login", body, key=None)


def test_login_with_either_spelling(api: Api) -> None:
    by_login = login(api, login="sandbox", password="sandbox-password")
    assert set(by_login) == {"token", "expiresAt", "userId"}
    assert by_login["userId"] == 7001 and by_login["expiresAt"].endswith("Z")
    by_email = login(api, email="sandbox@example.com", password="sandbox-password")
    assert set(by_email) == {"token", "expiresAt", "userId", "refreshToken"}
    for answer in (by_login, by_email):
        me = api.ok("GET", "/v2/users/me", key=None, bearer=answer["token"])
        assert me["login"] == "sandbox"
        counted = api.ok(
            "POST", "/v2/partners/count", {"ecGridId": 123456}, key=None, bearer=answer["token"]
        )
        assert counted == 18
    for body in (
        {"login": "sandbox", "password": "wrong"},
        {"email": "nobody@example.com", "password": "sandbox-password"},
    ):
        assert_error(api.post("/v2/auth/login", body, key=None), 401, "InvalidCredentials")
    assert_error(
        api.post("/v2/auth/login", {"login": "sandbox"}, key=None), 400, "InvalidParameter"
    )


def test_session_info(api: Api) -> None:
    token = login(api, login="sandbox", password="sandbox-password")
    session = api.ok("POST", "/v2/auth/session", key=None, bearer=token["token"])
    assert session == {
        "userId": 7001,
        "login": "sandbox",
        "networkId": 42,
        "mailboxId": 1001,
        "authLevel": "NetworkAdmin",
        "expiresAt": token["expiresAt"],
    }
    assert api.ok("POST", "/v2/auth/session")["expiresAt"] is None  # by API key: no expiry


def test_refresh_invalidates_the_old_token(api: Api) -> None:
    old = login(api, login="sandbox", password="sandbox-password")
    new = api.ok("POST", "/v2/auth/refresh", {"token": old["token"]}, key=None)
    assert new["token"] != old["token"] and "refreshToken" not in new
    assert_error(api.get("/v2/users/me", key=None, bearer=old["token"]), 401, "InvalidSession")
    assert api.ok("GET", "/v2/users/me", key=None, bearer=new["token"])["userId"] == 7001
    again = api.post("/v2/auth/refresh", {"token": old["token"]}, key=None)
    assert_error(again, 401, "InvalidSession")

    first = login(api, email="sandbox@example.com", password="sandbox-password")
    second = api.ok("POST", "/v2/auth/refresh", {"refreshToken": first["refreshToken"]}, key=None)
    assert second["refreshToken"] != first["refreshToken"]
    assert_error(api.get("/v2/users/me", key=None, bearer=first["token"]), 401, "InvalidSession")
    reused = api.post("/v2/auth/refresh", {"refreshToken": first["refreshToken"]}, key=None)
    assert_error(reused, 401, "InvalidSession")
    assert_error(api.post("/v2/auth/refresh", {}, key=None), 400, "InvalidParameter")


def test_logout_ends_the_token(api: Api) -> None:
    token = login(api, login="sandbox", password="sandbox-password")["token"]
    assert api.ok("POST", "/v2/auth/logout", key=None, bearer=token) is None
    assert_error(api.get("/v2/users/me", key=None, bearer=token), 401, "InvalidSession")
    assert_error(api.post("/v2/auth/logout", key=None, bearer=token), 401, "InvalidSession")
    assert_error(api.post("/v2/auth/logout"), 400, "InvalidParameter", mentions="Bearer")


def test_tokens_expire(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(token_ttl=0.3).base_url)
    token = login(api, login="sandbox", password="sandbox-password")["token"]
    assert api.ok("GET", "/v2/users/me", key=None, bearer=token)["userId"] == 7001
    time.sleep(0.45)
    assert_error(api.get("/v2/users/me", key=None, bearer=token), 401, "InvalidSession")
    expired = api.post("/v2/auth/refresh", {"token": token}, key=None)
    assert_error(expired, 401, "InvalidSession")


def test_unknown_tokens_and_keys(api: Api) -> None:
    assert_error(api.get("/v2/users/me", key=None, bearer="nope"), 401, "InvalidSession")
    assert_error(api.get("/v2/users/me", key="wrong"), 401, "InvalidAPIKey")
    # A good key wins over a bad token, and the other way round.
    assert api.ok("GET", "/v2/users/me", bearer="nope")["userId"] == 7001
    token = login(api, login="sandbox", password="sandbox-password")["token"]
    assert api.ok("GET", "/v2/users/me", key="wrong", bearer=token)["userId"] == 7001


def test_login_gets_faults_but_version_does_not(start_sandbox: StartSandbox) -> None:
    api = Api(start_sandbox(fault_rate=1.0).base_url)
    body = {"login": "sandbox", "password": "sandbox-password"}
    assert api.post("/v2/auth/login", body, key=None).status in (429, 500, 503)
    assert api.get("/v2/auth/version", key=None).status == 200


def test_rest_create_takes_no_reference(api: Api) -> None:
    """Only SOAP's InterconnectAdd stores a reference; REST v2 documents none."""
    body = {"ecGridIdFrom": 111111, "ecGridIdTo": 334455, "reference": "mine"}
    assert api.ok("POST", "/v2/partners", body)["reference"] is None
