"""Failure modes end to end: give-up (6), timeouts, dropped writes, Ctrl+C (130), and
the background sandbox's own lifecycle (``serve --detach`` / ``stop``)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time

import pytest
from e2e_support import (
    HUB_ID,
    OWN_ID,
    PARTNERCO_ID,
    WIDGET_ID,
    Run,
    assert_no_secret,
    live_pairs,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def test_gives_up_after_retries_with_exit_6(start_sandbox, runner_for) -> None:
    failing = start_sandbox("--fault-rate", "1", "--retry-after", "0")
    run = runner_for(failing.url)
    result = run("-v", "--retries", "2", "ids", "get", str(PARTNERCO_ID), "--json")
    assert result.code == 6, result.describe()
    assert result.out == ""
    error = result.err_json()["error"]
    assert error["httpStatus"] in (429, 500, 503), error
    assert result.err.count("retrying ") == 2, result.err


def test_timeout_counts_as_transient_exit_6(start_sandbox, runner_for) -> None:
    slow = start_sandbox("--latency-ms", "2500")
    run = runner_for(slow.url)
    started = time.monotonic()
    result = run("--timeout", "1", "--retries", "3", "ids", "get", str(PARTNERCO_ID), "--json")
    elapsed = time.monotonic() - started
    assert result.code == 6, result.describe()
    assert result.err_json()["error"]["code"] == "Timeout"
    assert elapsed < 10, f"--timeout 1 took {elapsed:.1f}s"


def test_dropped_writes_are_reconciled_not_repeated(start_sandbox, runner_for) -> None:
    """Every write commits and then the connection drops: each command still succeeds once."""
    dropping = start_sandbox("--drop-rate", "1")
    run = runner_for(dropping.url)
    moved = run("-v", "ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--yes", "--json")
    assert moved.code == 0, moved.describe()
    assert moved.json()["mailboxId"] == 1002
    assert "had been applied; not sending again" in moved.err

    created = run("-v", "partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert created.code == 0, created.describe()
    assert "had been applied; not sending again" in created.err
    setup = run(
        "-v", "interconnect", "setup", "-q", "12", "-i", "5551234567", "--from", "111111", "--json"
    )
    assert setup.code == 0, setup.describe()
    assert setup.json()["created"] is True

    listed = run("partners", "list", str(OWN_ID), "--all", "--json")
    assert live_pairs(listed.json()) == {
        frozenset((OWN_ID, PARTNERCO_ID)): [created.json()["interconnectId"]],
        frozenset((OWN_ID, WIDGET_ID)): [setup.json()["interconnect"]["interconnectId"]],
    }
    assert len(listed.json()) == 2


def _interrupt(
    runner, *args: str, wait_for: str = "", times: int = 1, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Start ``ecgrid -v ARGS`` against a slow server, SIGINT it ``times`` mid-request.

    It is interrupted once a ``-v`` request line containing ``wait_for`` shows that
    the request of interest is on the wire.
    """
    proc = subprocess.Popen(
        [runner.exe, "-v", *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=runner.env(),
        cwd=runner.cwd,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    try:
        deadline = time.monotonic() + 15
        while True:  # wait until the request is on the wire
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"ecgrid ended before sending: {''.join(seen)}"
            seen.append(line)
            if line.startswith("> ") and wait_for in line:
                break
        for _ in range(times):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.3)
        proc.wait(timeout=10)  # its output is tiny: the pipes cannot fill up
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
    while (line := lines.get(timeout=5)) is not None:
        seen.append(line)
    proc.stdout.close()
    proc.stderr.close()
    assert_no_secret(Run(proc.returncode, out, "".join(seen)), where=" ".join(args))
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(seen))


@pytest.fixture
def slow_runner(start_sandbox, runner_for):
    return runner_for(start_sandbox("--latency-ms", "4000").url)


def test_ctrl_c_exits_130_without_traceback(slow_runner) -> None:
    result = _interrupt(slow_runner, "ids", "get", str(PARTNERCO_ID))
    assert result.returncode == 130, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_ctrl_c_reports_an_error_document_with_json(slow_runner) -> None:
    result = _interrupt(slow_runner, "ids", "get", str(PARTNERCO_ID), "--json")
    assert result.returncode == 130, result
    documents = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert documents, f"no JSON error document on stderr: {result.stderr!r}"
    assert documents[-1]["error"]["code"] == "Interrupted", result.stderr


def test_ctrl_c_twice_during_bulk_setup_exits_130_without_traceback(slow_runner) -> None:
    rows = "qualifier,id\n01,PARTNERCO\n01,PARTNER001\n"
    result = _interrupt(
        slow_runner,
        "interconnect", "setup", "--file", "-", "--from", str(OWN_ID), "--json",
        wait_for="/v2/ids/find", times=2, stdin=rows,
    )  # fmt: skip
    assert result.returncode == 130, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr, result.stderr
    documents = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [d["error"]["code"] for d in documents] == ["Interrupted"], result.stderr


def test_detached_sandbox_serves_and_stops(runner_for, tmp_path) -> None:
    key = "detached-sandbox-key-1234"  # its own key: serve prints it, by design
    run = runner_for(None)
    db = tmp_path / "detached" / "sandbox.db"
    serve = ("sandbox", "serve", "--detach", "--port", "0", "--api-key", key, "--db", str(db))
    pid: int | None = None
    try:
        started = run(*serve, timeout=30)
        info = _pid_info(db)
        assert started.code == 0 and info is not None, started.describe()
        pid = info["pid"]
        assert info["baseUrl"] in started.out

        client = runner_for(info["baseUrl"])
        count, status = run_parallel(
            lambda *args: client(*args, env_extra={"ECGRID_API_KEY": key}),
            ("partners", "count", str(HUB_ID), "--status", "Active", "--json"),
            ("auth", "status", "--json"),
        )
        assert count.json()["count"] == 14, count.describe()
        assert status.code == 0, status.describe()
        again = run(*serve)
        assert again.code == 0, again.describe()
        assert f"pid {pid}" in again.out  # the running one, not a second sandbox

        stopped = run("sandbox", "stop", "--db", str(db))
        assert stopped.code == 0, stopped.describe()
        assert str(pid) in stopped.err
        assert not _alive(pid)
        nothing = run("sandbox", "stop", "--db", str(db))
        assert nothing.code == 0, nothing.describe()
        assert "no background sandbox" in nothing.err
    finally:
        info = _pid_info(db)
        for candidate in {pid, info and info.get("pid")} - {None}:
            if _alive(candidate):
                os.kill(candidate, signal.SIGTERM)


def _pid_info(db) -> dict | None:
    try:
        return json.loads((db.parent / "sandbox.pid").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours would still answer: reap it if it is one.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True
