"""Envelope builders and sample payloads for the CLI tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

BASE = "https://api.test"
KEY = "cli-test-key-Zq8v71"


def ok(data: Any, status: int = 200):
    return httpx.Response(
        status, json={"success": True, "data": data, "errorCode": None, "message": None}
    )


def fail(status: int, code: str, message: str = "refused", headers: dict | None = None):
    return httpx.Response(
        status,
        json={"success": False, "data": None, "errorCode": code, "message": message},
        headers=headers,
    )


PARTNER = {
    "ecGridId": 334455,
    "mailboxId": 3001,
    "networkId": 9,
    "qualifier": "01",
    "id": "PARTNERCO      ",
    "description": "Partner Company Inc.",
    "status": "Active",
    "routingGroup": "ProductionA",
    "ediStandard": "X12",
}


def interconnect(ic_id: int, a: int, b: int, status: str = "Active") -> dict:
    return {
        "interconnectId": ic_id,
        "ecGridIdFrom": a,
        "ecGridIdTo": b,
        "status": status,
        "created": "2026-05-07T11:00:00Z",
        "modified": "2026-05-07T11:00:00Z",
    }


def refuse_get_find(api) -> None:
    """Make the mocked server POST-only for find, as a real one would answer GET.

    The client keeps probing after an empty POST answer (an empty list does not prove
    the form), so tests of "nothing found" must say what the GET forms answer.
    """
    api.get("/v2/ids/find").mock(return_value=fail(405, "MethodNotAllowed"))


def mock_counts(api, counts: dict[int, int]):
    """Answer partners/count per ECGrid ID (0 for any ID not given)."""

    def answer(request):
        return ok(counts.get(json.loads(request.content)["ecGridId"], 0))

    return api.post("/v2/partners/count").mock(side_effect=answer)
