"""Robustness and one server over time: persistence, options, chaos, detached mode."""

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
from urllib.parse import urlsplit

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
import argparse, os, signal, sys
from ecgrid_cli.sandbox import SandboxOptions, create_server
parser = argparse.ArgumentParser()
parser.add_argument("group")
parser.add_argument("command")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--api-key", default=os.environ["ECGRID_SANDBOX_API_KEY"])
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
        recorded = json.loads(pid_file_path(str(db)).read_text())
        assert recorded == {"pid": pid, "baseUrl": url, "db": str(db.resolve())}
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


# -- the database and the command line of a detached sandbox --------------------------------------


def test_an_old_database_asks_for_reset(tmp_path: Path) -> None:
    import sqlite3

    from ecgrid_cli.sandbox.store import StoreError

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE networks (network_id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with pytest.raises(StoreError, match=r"schema 1, expected 2.*--reset"):
        create_server(SandboxOptions(port=0, db_path=str(db)))
    server = create_server(SandboxOptions(port=0, db_path=str(db), reset=True))
    server.shutdown()


def test_serve_command_passes_every_non_default_flag() -> None:
    from ecgrid_cli.sandbox.lifecycle import serve_command

    options = SandboxOptions(
        port=0,
        id_create_style="guide",
        soap_namespace="legacy",
        session_ttl=5,
        token_ttl=7,
        parcel_seconds=0.5,
        parcel_fail_rate=0.25,
    )
    argv = serve_command(options, 8000, "/tmp/x.db", ["ecgrid"])
    flags = dict(zip(argv[3::2], argv[4::2], strict=False))
    assert flags["--id-create-style"] == "guide"
    assert flags["--soap-namespace"] == "legacy"
    assert (flags["--session-ttl"], flags["--token-ttl"]) == ("5.0", "7.0")
    assert (flags["--parcel-seconds"], flags["--parcel-fail-rate"]) == ("0.5", "0.25")
    defaults = serve_command(SandboxOptions(port=0), 8000, "/tmp/x.db", ["ecgrid"])
    new_flags = ("--id-create", "--soap", "--session", "--token", "--parcel")
    assert not any(arg.startswith(new_flags) for arg in defaults)
