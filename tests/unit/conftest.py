"""Shared fixtures for the unit suite: a mocked API, clients that never really sleep.

* ``api`` is a respx router for ``https://api.test``; any request it has no route for
  fails the test loudly (no real network, ever).
* ``make_client(**policy_overrides)`` / ``make_transport(**policy_overrides)`` build the
  real classes with a ``RetryPolicy`` whose ``sleep`` records the delay in ``sleeps``
  and advances a fake monotonic ``clock`` instead of sleeping, so deadline arithmetic
  is exercised deterministically and the suite runs in seconds. Clients share one SSL
  context (see ``_SSL_CONTEXT``); everything else is the production code path.
* ``ok(data)`` / ``fail(code, message)`` build ECGrid envelopes; ``make_ecgrid_id`` and
  ``make_interconnect`` build payloads in the reference spelling (fixtures, because
  importing from a conftest module is ambiguous across test directories).
* ``serve_interconnects(records)`` fakes the partners count/list endpoints.
"""

from __future__ import annotations

import json
import random
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from ecgrid_cli.api.client import EcgridClient
from ecgrid_cli.api.find_forms import FindFormCache
from ecgrid_cli.api.transport import RetryPolicy, Transport

BASE_URL = "https://api.test"
API_KEY = "test-key-SECRET123"
# Building a default SSL context (loading the CA bundle) costs ~35 ms per httpx.Client;
# one shared context keeps hundreds of clients cheap. respx still intercepts every
# request at the connection pool, so nothing reaches the network.
_SSL_CONTEXT = ssl.create_default_context()


def envelope_ok(data: Any = None) -> dict[str, Any]:
    return {"success": True, "data": data, "errorCode": None, "message": None}


def envelope_fail(code: str | None, message: str | None = "refused") -> dict[str, Any]:
    return {"success": False, "data": None, "errorCode": code, "message": message}


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


class FakeClock:
    """A monotonic clock that only moves when the policy 'sleeps'."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ok() -> Callable[..., dict[str, Any]]:
    return envelope_ok


@pytest.fixture
def fail() -> Callable[..., dict[str, Any]]:
    return envelope_fail


@pytest.fixture
def make_interconnect() -> Callable[..., dict[str, Any]]:
    return interconnect


@pytest.fixture
def make_ecgrid_id() -> Callable[..., dict[str, Any]]:
    return ecgrid_id


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def base_url() -> str:
    return BASE_URL


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    """Every delay the retry policy asked for, in order."""
    return []


@pytest.fixture
def recorded_sleep(sleeps: list[float], clock: FakeClock) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += seconds

    return sleep


@pytest.fixture
def log_lines() -> list[str]:
    return []


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "forms.json"


@pytest.fixture
def make_transport(
    recorded_sleep: Callable[[float], None], clock: FakeClock
) -> Iterator[Callable[..., Transport]]:
    made: list[Transport] = []

    def factory(
        *,
        base_url: str = BASE_URL,
        api_key: str = API_KEY,
        log: Callable[[str], None] | None = None,
        **policy_overrides: Any,
    ) -> Transport:
        settings: dict[str, Any] = {
            "retries": 3,
            "deadline_seconds": 5,
            "sleep": recorded_sleep,
            "clock": clock,
            "rng": random.Random(1234),
        }
        settings.update(policy_overrides)
        transport = Transport(
            base_url,
            api_key,
            policy=RetryPolicy(**settings),
            log=log,
            transport=httpx.HTTPTransport(verify=_SSL_CONTEXT),
        )
        made.append(transport)
        return transport

    yield factory
    for transport in made:
        transport.close()


@pytest.fixture
def make_client(
    make_transport: Callable[..., Transport], cache_path: Path
) -> Callable[..., EcgridClient]:
    def factory(
        *,
        base_url: str = BASE_URL,
        cache: Path | None = None,
        log: Callable[[str], None] | None = None,
        **policy_overrides: Any,
    ) -> EcgridClient:
        transport = make_transport(base_url=base_url, log=log, **policy_overrides)
        return EcgridClient(transport, FindFormCache(cache or cache_path))

    return factory


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def serve_interconnects(api: respx.MockRouter) -> Callable[[list[dict[str, Any]]], dict]:
    """Serve POST /v2/partners/count and /list from ``records`` (a live, mutable list).

    Answers like the documented server: an interconnect is listed for either side,
    ``status`` filters, ``pageNo``/``recordsPerPage`` page through the rows.
    """

    def install(records: list[dict[str, Any]]) -> dict[str, respx.Route]:
        def involving(body: dict[str, Any]) -> list[dict[str, Any]]:
            wanted = body["ecGridId"]
            rows = [r for r in records if wanted in (r["ecGridIdFrom"], r["ecGridIdTo"])]
            if body.get("status"):
                rows = [r for r in rows if r["status"] == body["status"]]
            return rows

        def count(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            return httpx.Response(200, json=envelope_ok(len(involving(body))))

        def listing(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            page, per_page = body.get("pageNo", 1), body.get("recordsPerPage", 25)
            rows = involving(body)[(page - 1) * per_page : page * per_page]
            return httpx.Response(200, json=envelope_ok(rows))

        return {
            "count": api.post("/v2/partners/count").mock(side_effect=count),
            "list": api.post("/v2/partners/list").mock(side_effect=listing),
        }

    return install
