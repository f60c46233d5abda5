"""Attacks on the sandbox server that the previous version did not withstand.

* ``--host`` off loopback with the well-known default key: anyone on the network could
  use (and wipe) the sandbox. Now refused unless an own ``--api-key`` is given, and the
  banner shows the address really listened on instead of a loopback URL.
* ``serve --reset`` while another sandbox runs on the same database deleted its data
  under it (acknowledged writes lost). Now one sandbox holds a database at a time.
* A deeply nested JSON body (100000 ``[``) crashed the request with a 500; hostile XML
  sent to the SOAP endpoint must never do that either.

Everything binds loopback only, runs bounded in time and stops what it starts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import ecgrid_cli
from ecgrid_cli.sandbox import (
    DEFAULT_API_KEY,
    SandboxOptions,
    SandboxServer,
    StoreError,
    create_server,
)

SOAP_PATH = "/v4.1/prod/ECGridOS.asmx"
CLI_TIMEOUT = 30
SERVE = [sys.executable, "-m", "ecgrid_cli", "sandbox", "serve"]
StartSandbox = Callable[..., SandboxServer]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    """``start_sandbox(**options)`` -> a serving sandbox on loopback; always shut down."""
    servers: list[SandboxServer] = []

    def start(**overrides: Any) -> SandboxServer:
        options = SandboxOptions(**{"port": 0, "db_path": ":memory:", "seed": 1, **overrides})
        server = create_server(options)
        servers.append(server)
        server.start_in_thread()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.shutdown()


def _checkout_env(home: Path) -> dict[str, str]:
    """An environment for ``python -m ecgrid_cli`` that imports this checkout."""
    root = str(Path(ecgrid_cli.__file__).resolve().parent.parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECGRID_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env["HOME"] = str(home)
    env["XDG_DATA_HOME"] = str(home / "data")
    env["ECGRID_CONFIG"] = str(home / "config.toml")
    return env


@pytest.fixture(scope="module")
def _serve_runs(tmp_path_factory: pytest.TempPathFactory) -> bool:
    """Whether ``python -m ecgrid_cli sandbox serve`` runs in this checkout (asked once)."""
    probe = subprocess.run(
        [*SERVE, "--help"],
        env=_checkout_env(tmp_path_factory.mktemp("serve-probe")),
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    return probe.returncode == 0


@pytest.fixture
def cli_env(tmp_path: Path, _serve_runs: bool) -> dict[str, str]:
    """An environment for ``python -m ecgrid_cli`` that imports this checkout."""
    if not _serve_runs:
        pytest.skip("`python -m ecgrid_cli sandbox serve` cannot run in this checkout")
    return _checkout_env(tmp_path)


def count(base_url: str, ecgrid_id: int) -> int:
    with httpx.Client(base_url=base_url, trust_env=False, timeout=5) as client:
        answer = client.post(
            "/v2/partners/count",
            json={"ecGridId": ecgrid_id},
            headers={"X-API-Key": DEFAULT_API_KEY},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def create_interconnect(base_url: str, source: int, target: int) -> None:
    with httpx.Client(base_url=base_url, trust_env=False, timeout=5) as client:
        answer = client.post(
            "/v2/partners",
            json={"ecGridIdFrom": source, "ecGridIdTo": target},
            headers={"X-API-Key": DEFAULT_API_KEY},
        )
    assert answer.status_code == 200, answer.text


# -- 1. off loopback, the public default key is not enough -------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.0.2.10", "sandbox.example.com"])
def test_non_loopback_host_needs_its_own_api_key(host: str) -> None:
    with pytest.raises(ValueError, match="--api-key"):
        SandboxOptions(host=host, port=0, db_path=":memory:")
    with pytest.raises(ValueError, match="--api-key"):
        SandboxOptions(host=host, port=0, db_path=":memory:", api_key=DEFAULT_API_KEY)
    SandboxOptions(host=host, port=0, db_path=":memory:", api_key="an-own-key-1234")  # fine


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_keep_the_default_key(host: str) -> None:
    SandboxOptions(host=host, port=0, db_path=":memory:")


def test_cli_refuses_a_public_host_with_the_default_key(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "public.db"
    done = subprocess.run(
        [*SERVE, "--host", "192.0.2.10", "--port", "0", "--db", str(db)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--api-key" in lines[0] and "192.0.2.10" in lines[0]
    assert not db.exists()  # refused before anything was opened


# Runs the real `sandbox serve` with create_server replaced by a stand-in, so the banner
# for a public address can be checked without listening on anything but loopback.
_BANNER_PROBE = """
import sys
import ecgrid_cli.sandbox as sandbox

class Bound:
    host, port = sys.argv[1], 8765
    listen_url = "http://" + (f"[{host}]" if ":" in host else host) + ":8765"
    base_url = "http://127.0.0.1:8765"
    def serve_forever(self): pass
    def shutdown(self): pass

sandbox.create_server = lambda options: Bound()
from ecgrid_cli.app import main
sys.argv = ["ecgrid", "sandbox", "serve", "--host", sys.argv[1], "--api-key", "own-key-5678",
            "--db", ":memory:"]
main()
"""


@pytest.mark.parametrize(
    ("host", "url"), [("0.0.0.0", "http://0.0.0.0:8765"), ("::", "http://[::]:8765")]
)
def test_banner_shows_the_address_really_listened_on(
    cli_env: dict[str, str], host: str, url: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _BANNER_PROBE, host],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"ECGrid sandbox listening on {url}"


def test_loopback_server_urls(start_sandbox: StartSandbox) -> None:
    server = start_sandbox()
    assert server.listen_url == server.base_url == f"http://127.0.0.1:{server.port}"


# -- 2. one sandbox per database ------------------------------------------------------------------


def test_reset_cannot_wipe_the_database_of_a_running_sandbox(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    db = str(tmp_path / "shared.db")
    running = start_sandbox(db_path=db)
    create_interconnect(running.base_url, 111111, 334455)  # acknowledged write
    before = count(running.base_url, 111111)
    for reset in (True, False):
        with pytest.raises(StoreError, match=f"pid {os.getpid()}"):
            create_server(SandboxOptions(port=0, db_path=db, reset=reset))
    assert count(running.base_url, 111111) == before  # nothing lost
    running.shutdown()
    restarted = start_sandbox(db_path=db)  # stopping releases the database
    assert count(restarted.base_url, 111111) == before


def test_cli_names_the_sandbox_holding_the_database(
    start_sandbox: StartSandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    db = str(tmp_path / "held.db")
    running = start_sandbox(db_path=db)
    create_interconnect(running.base_url, 111111, 334455)
    before = count(running.base_url, 111111)
    done = subprocess.run(
        [*SERVE, "--port", "0", "--db", db, "--reset"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pid {os.getpid()}" in lines[0]
    assert count(running.base_url, 111111) == before


_HOLDER = """
import sys, time
from ecgrid_cli.sandbox import SandboxOptions, create_server
server = create_server(SandboxOptions(port=0, db_path=sys.argv[1]))
print("holding", flush=True)
time.sleep(60)
"""


def test_a_killed_sandbox_leaves_no_lock_behind(cli_env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "killed.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, db], env=cli_env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreError, match=f"pid {holder.pid}"):
            create_server(SandboxOptions(port=0, db_path=db))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    server = create_server(SandboxOptions(port=0, db_path=db))  # the OS released the lock
    server.shutdown()


def test_serve_restarts_on_the_same_database(cli_env: dict[str, str], tmp_path: Path) -> None:
    """Like the e2e suite: stop a sandbox, start another on its database at once."""
    db = str(tmp_path / "restart.db")
    for _ in range(2):
        process = subprocess.Popen(
            [*SERVE, "--port", "0", "--db", db],
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert first.startswith("ECGrid sandbox listening on http://127.0.0.1:"), (
                first,
                process.stderr.read() if process.poll() is not None and process.stderr else "",
            )
            url = first.split()[-1]
            assert count(url, 123456) == 18
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=10)
        assert process.returncode == 0


# -- 3. hostile bodies answer 4xx / faults, never a crash ----------------------------------------

NESTED = [
    b"[" * 100_000,
    b'{"a":' * 100_000,
    b'{"ecGridId": 123456, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
]


@pytest.mark.parametrize("body", NESTED, ids=["arrays", "objects", "inside-a-valid-body"])
def test_deeply_nested_json_is_400(start_sandbox: StartSandbox, body: bytes) -> None:
    server = start_sandbox()
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10) as client:
        headers = {"X-API-Key": DEFAULT_API_KEY, "Content-Type": "application/json"}
        for path in ("/v2/partners/count", "/v2/ids", "/v2/auth/login"):
            answer = client.post(path, content=body, headers=headers)
            assert answer.status_code == 400, (path, answer.text[:300])
            assert answer.json()["errorCode"] == "InvalidParameter"
        assert count(server.base_url, 123456) == 18  # still serving


def _laughs() -> str:
    """The "billion laughs" DTD: lol9 expands to 10**9 copies of "lol"."""
    entities = ['<!ENTITY lol0 "lol">']
    for n in range(1, 10):
        references = f"&lol{n - 1};" * 10
        entities.append(f'<!ENTITY lol{n} "{references}">')
    return f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]>'


HOSTILE_XML = {
    "billion-laughs": (
        _laughs() + '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soap:Body><TPInfo xmlns="https://os.ecgrid.io/"><SessionID>&lol9;</SessionID>'
        "</TPInfo></soap:Body></soap:Envelope>"
    ).encode(),
    "external-entity": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b'<TPInfo xmlns="https://os.ecgrid.io/"><SessionID>&xxe;</SessionID></TPInfo>'
        b"</soap:Body></soap:Envelope>"
    ),
    "external-dtd": (
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">'
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>'
    ),
    "deep-nesting": b"<a>" * 100_000 + b"</a>" * 100_000,
    "not-utf8": b'<?xml version="1.0" encoding="utf-8"?><x>\xff\xfe</x>',
}


@pytest.mark.parametrize("body", list(HOSTILE_XML.values()), ids=list(HOSTILE_XML))
def test_hostile_xml_is_a_client_fault(start_sandbox: StartSandbox, body: bytes) -> None:
    server = start_sandbox()
    headers = {
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": '"https://os.ecgrid.io/TPInfo"',
    }
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10) as client:
        started = time.monotonic()
        answer = client.post(SOAP_PATH, content=body, headers=headers)
        assert time.monotonic() - started < 5
    assert answer.status_code == 500, answer.text[:300]
    assert answer.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "<faultcode>soap:Client</faultcode>" in answer.text
    assert "root:" not in answer.text and "Traceback" not in answer.text
    assert count(server.base_url, 123456) == 18  # still serving
    assert urlsplit(server.base_url).hostname == "127.0.0.1"


def test_error_bodies_never_echo_json(start_sandbox: StartSandbox) -> None:
    """A 400 for a nested body names the problem without echoing the payload back."""
    server = start_sandbox()
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10) as client:
        answer = client.post(
            "/v2/partners/count",
            content=b"[" * 100_000,
            headers={"X-API-Key": DEFAULT_API_KEY},
        )
    assert len(json.dumps(answer.json())) < 500
