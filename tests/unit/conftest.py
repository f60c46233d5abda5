"""Shared fixtures for the unit suite: mocked APIs, backends that never really sleep.

* ``rest_api`` / ``soap_api`` are respx routers created with ``assert_all_called=True``:
  a request without a route fails the test, and so does a route nobody used.
* ``make_rest(...)`` / ``make_soap(...)`` build the real backends over the real
  transports, with a ``RetryPolicy`` whose ``sleep`` records each delay in ``sleeps``
  and advances a fake monotonic ``clock`` instead of sleeping, so retry and deadline
  arithmetic runs deterministically in microseconds.
* ``facts_path`` is the REST server-facts cache of the test (under ``tmp_path``).

Builders for payloads live in ``unit_support`` (a unique module name; importing from a
conftest is ambiguous across test directories). Nothing here is autouse, so the test
modules other people own in this directory are unaffected.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from unit_support import API_KEY, BASE_URL, KEY_ORIGIN, SOAP_URL

from ecgrid_cli.api.auth import ApiKey
from ecgrid_cli.api.resilience import Resilience, RetryPolicy
from ecgrid_cli.api.rest.backend import RestBackend
from ecgrid_cli.api.rest.server_facts import ServerFacts
from ecgrid_cli.api.rest.transport import RestTransport
from ecgrid_cli.api.soap.backend import SoapBackend
from ecgrid_cli.api.soap.transport import SoapTransport


class FakeClock:
    """A monotonic clock that only moves when the policy 'sleeps' (or a test moves it)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


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
def make_policy(
    recorded_sleep: Callable[[float], None], clock: FakeClock
) -> Callable[..., RetryPolicy]:
    def factory(**overrides: Any) -> RetryPolicy:
        settings: dict[str, Any] = {
            "retries": 3,
            "deadline_seconds": 5,
            "sleep": recorded_sleep,
            "clock": clock,
            "rng": random.Random(1234),
        }
        settings.update(overrides)
        return RetryPolicy(**settings)

    return factory


@pytest.fixture
def make_resilience(make_policy: Callable[..., RetryPolicy]) -> Callable[..., Resilience]:
    def factory(
        *,
        target: str = BASE_URL,
        log: Callable[[str], None] | None = None,
        throttle: Any = None,
        **policy: Any,
    ) -> Resilience:
        return Resilience(make_policy(**policy), target=target, log=log, throttle=throttle)

    return factory


@pytest.fixture
def facts_path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "ecgrid" / "server-facts.json"


@pytest.fixture
def api_key_credentials() -> ApiKey:
    return ApiKey(API_KEY, KEY_ORIGIN)


@pytest.fixture
def make_rest_transport(
    make_resilience: Callable[..., Resilience], api_key_credentials: ApiKey
) -> Iterator[Callable[..., RestTransport]]:
    made: list[RestTransport] = []

    def factory(
        *,
        base_url: str = BASE_URL,
        credentials: Any = None,
        log: Callable[[str], None] | None = None,
        throttle: Any = None,
        **policy: Any,
    ) -> RestTransport:
        transport = RestTransport(
            base_url,
            credentials or api_key_credentials,
            make_resilience(target=base_url, log=log, throttle=throttle, **policy),
            log=log,
        )
        made.append(transport)
        return transport

    yield factory
    for transport in made:
        transport.close()


@pytest.fixture
def make_rest(
    make_rest_transport: Callable[..., RestTransport], facts_path: Path
) -> Callable[..., RestBackend]:
    def factory(*, facts: Path | None = None, **options: Any) -> RestBackend:
        return RestBackend(make_rest_transport(**options), ServerFacts(facts or facts_path))

    return factory


@pytest.fixture
def make_soap(
    make_resilience: Callable[..., Resilience], api_key_credentials: ApiKey
) -> Iterator[Callable[..., SoapBackend]]:
    made: list[SoapTransport] = []

    def factory(
        *,
        url: str = SOAP_URL,
        credentials: Any = None,
        log: Callable[[str], None] | None = None,
        **policy: Any,
    ) -> SoapBackend:
        transport = SoapTransport(
            url,
            credentials or api_key_credentials,
            make_resilience(target=url, log=log, **policy),
            log=log,
        )
        made.append(transport)
        return SoapBackend(transport)

    yield factory
    for transport in made:
        transport.close()


@pytest.fixture
def rest_api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=True) as router:
        yield router


@pytest.fixture
def soap_api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=True) as router:
        yield router
