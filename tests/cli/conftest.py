"""CLI tests: the real command tree in-process, a fake backend, captured IO streams.

* ``cli(*argv, stdin="", tty=False, width=80, stdin_tty=None, io=None)`` runs
  ``ecgrid_cli.app.run(argv, IOStreams.test(...))`` and returns a :class:`Run`
  (exit code, stdout, stderr; ``screen``/``err_screen`` as a terminal shows them).
* ``backend`` is a :class:`~fake_backend.FakeBackend` seeded with the sandbox's cast
  (see :func:`fake_backend.demo`); asking for it replaces
  ``ecgrid_cli.api.factory.build_backend`` (the seam the context builds its backend
  through) with one that resolves settings and credentials for real, then hands out
  the fake behind the real retry layer. ``builds`` records what was asked for;
  ``soap`` switches the run (settings and fake) to the SOAP API.
* The environment is isolated (config, XDG dirs and HOME under ``tmp_path``, an API
  key in ``ECGRID_API_KEY``, the file credential store); delivery proof polls on a
  fake clock; any request that reaches an httpx transport fails the test.
* Helpers shared by the test modules live in ``cli_support`` (importing from a conftest
  is ambiguous across test directories).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cli_support import KEY, terminal_lines
from fake_backend import FakeBackend, demo

from ecgrid_cli.api.resilience import Resilience, RetryPolicy
from ecgrid_cli.app import run
from ecgrid_cli.iostreams import IOStreams

ENV_CLEARED = (
    "ECGRID_PROFILE",
    "ECGRID_API",
    "ECGRID_BASE_URL",
    "ECGRID_TIMEOUT",
    "ECGRID_RETRIES",
    "ECGRID_ECGRID_ID",
    "ECGRID_PAGER",
    "PAGER",
    "NO_COLOR",
    "COLUMNS",
)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def err_json(self) -> Any:
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, f"expected one JSON line on stderr, got {self.err!r}"
        return json.loads(lines[0])

    @property
    def out_lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def screen(self) -> list[str]:
        """stdout as lines without the padding rich leaves at their ends."""
        return [line.rstrip() for line in self.out.splitlines()]

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    @property
    def err_screen(self) -> list[str]:
        """stderr as a terminal would leave it: live progress bars erased, prompts kept."""
        return terminal_lines(self.err)


@dataclass
class Builds:
    """What the context asked the factory for (one entry per backend built)."""

    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    for name in ENV_CLEARED:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("ECGRID_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("ECGRID_API_KEY", KEY)
    monkeypatch.setenv("ECGRID_CREDENTIAL_STORE", "file")


@pytest.fixture(autouse=True)
def no_http(monkeypatch):
    """Any request that reaches an httpx transport fails the test (at teardown too)."""
    attempts: list[str] = []

    def refuse(self, request):
        attempts.append(f"{request.method} {request.url}")
        raise AssertionError(f"CLI tests send no HTTP: {request.method} {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    yield
    assert attempts == [], attempts


@pytest.fixture(autouse=True)
def delivery_clock(monkeypatch) -> list[float]:
    """Delivery proof waits between parcel polls: on a fake clock, never really."""
    from ecgrid_cli.domain.delivery import prove_delivery

    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setitem(prove_delivery.__kwdefaults__, "sleep", sleep)
    monkeypatch.setitem(prove_delivery.__kwdefaults__, "clock", lambda: now[0])
    return waits


@pytest.fixture
def builds() -> Builds:
    return Builds()


@pytest.fixture
def backend(monkeypatch, builds) -> FakeBackend:
    """The fake ECGrid every command of the test talks to (REST unless switched)."""
    fake = demo("rest")
    install(monkeypatch, fake, builds)
    return fake


@pytest.fixture
def soap(backend, monkeypatch) -> FakeBackend:
    """The same fake, speaking SOAP; the run's settings choose SOAP too."""
    backend.api = "soap"
    monkeypatch.setenv("ECGRID_API", "soap")
    return backend


def install(monkeypatch, fake: FakeBackend, builds: Builds) -> None:
    """Replace the factory: the real settings and credentials, then the fake."""
    from ecgrid_cli.api import factory

    def build_backend(
        resolved,
        *,
        log=None,
        on_secret=lambda secret: None,
        max_connections=16,
        throttle=None,
        credentials=None,
        refreshable=True,
    ):
        api, url = factory.endpoint(resolved)
        assert api == fake.api, f"the run speaks {api}, the fake {fake.api}: use the soap fixture"
        if credentials is None:
            credentials = factory.choose_credentials(resolved, api, url)
        for secret in credentials.secrets():
            on_secret(secret)
        settings = resolved.settings
        fake.resilience = Resilience(
            RetryPolicy(
                retries=settings.retries,
                deadline_seconds=settings.timeout,
                sleep=fake.sleeps.append,
            ),
            target=url,
            log=log,
            throttle=throttle,
        )
        builds.calls.append(
            {
                "api": api,
                "url": url,
                "max_connections": max_connections,
                "throttle": throttle,
                "credentials": credentials,
            }
        )
        return fake

    monkeypatch.setattr(factory, "build_backend", build_backend)


@pytest.fixture
def cli():
    """Run ``ecgrid ARGV`` in-process with test IO streams."""

    def invoke(
        *argv: str,
        stdin: str = "",
        tty: bool = False,
        width: int = 80,
        stdin_tty: bool | None = None,
        io: IOStreams | None = None,
    ) -> Run:
        if io is None:
            io = IOStreams.test(stdin=stdin, tty=tty, stdin_tty=stdin_tty, width=width)
        code = run(list(argv), io)
        return Run(code, io.stdout.getvalue(), io.stderr.getvalue())

    return invoke


@pytest.fixture
def config_path(tmp_path):
    return tmp_path / "cfg" / "config.toml"


@pytest.fixture
def rows_file(tmp_path):
    """``rows_file(text, name="rows.csv") -> path``: a bulk rows file under tmp_path."""

    def write(text: str, name: str = "rows.csv") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write
