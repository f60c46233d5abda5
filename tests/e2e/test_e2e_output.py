"""Output contracts end to end: --version, a usage error, --jq, closed pipes, wrong keys
(3) and unreachable servers (7).

Usage errors, ``--header`` and the other ``--jq`` rules are proven in-process
(``tests/cli/test_errors.py``, ``tests/cli/test_output.py``)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import (
    HUB_ID,
    NOT_FOUND,
    PARTNERCO_ID,
    WRONG_KEY,
    Run,
    assert_json_error,
    assert_no_secret,
    request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port bound but not listening: connections are refused, and no other
    test (or sandbox) can take it while this test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_version_and_a_usage_error(runner_for, ecgrid_exe) -> None:
    """The installed console script runs, scripts find the same one, and a usage error
    exits 2 with a JSON error document (the others: ``tests/cli/test_errors.py``)."""
    beside = Path(sys.executable).parent / "ecgrid"
    if beside.exists():
        assert Path(ecgrid_exe) == beside
    run = runner_for(None)  # neither needs a server
    version, usage = run_parallel(run, ("--version",), ("--json", "ids", "find", "-q", "01"))
    assert version.code == 0, version.describe()
    assert re.fullmatch(r"ecgrid \d+\.\d+\.\d+\S*\n", version.out), version.out
    assert version.err == ""
    assert usage.code == 2, usage.describe()
    error = assert_json_error(usage, "UsageError", None)
    assert "--id" in error["message"]
    on_path = run.shell("command -v ecgrid")
    assert on_path.out.strip() == ecgrid_exe  # scripts run the same ecgrid


def test_jq_filters_json_output(reader, api) -> None:
    hub, partnerco = str(HUB_ID), str(PARTNERCO_ID)
    find, global_jq, listed, check, failing = run_parallel(
        reader,
        ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--jq", ".[0].ecGridId"),
        ("-v", "--jq", "{q: .qualifier, id}", "ids", "get", partnerco),
        ("partners", "list", hub, "--all", "--per-page", "5", "--jq", ".[].interconnectId"),
        ("interconnect", "check", "87002", "--jq", ".issues[]"),
        ("ids", "get", "999", "--jq", ".id"),
    )
    assert (find.code, find.out, find.err) == (0, f"{PARTNERCO_ID}\n", ""), find.describe()
    assert global_jq.code == 0, global_jq.describe()
    assert global_jq.json() == {"q": "01", "id": "PARTNERCO"}
    assert request_lines(global_jq.err), global_jq.err
    assert listed.code == 0, listed.describe()  # over every page
    assert listed.out.split() == [str(n) for n in range(88001, 88019)]
    assert check.code == 8, check.describe()  # unhealthy: exit 8 whatever the filter
    assert check.out.startswith("no traffic recorded")  # strings come out raw
    assert failing.code == 4, failing.describe()
    assert_json_error(failing, *NOT_FOUND[api])  # errors stay JSON with --jq


def _closed_pipe_run(runner, *args: str) -> Run:
    """``ecgrid ARGS`` writing into a pipe whose reader is already gone (EPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            runner.argv(*args),
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=runner.env(),
            cwd=runner.cwd,
            start_new_session=True,
        )
    finally:
        os.close(write_end)
    result = Run(proc.returncode, "", proc.stderr)
    assert_no_secret(result, where=" ".join(args))
    return result


def test_closed_pipe_exits_0_silently(start_sandbox, runner_for) -> None:
    # Latency between pages: `head -1` has gone before the second page is written.
    slow = start_sandbox("--latency-ms", "150")
    run = runner_for(slow.url)
    script = (
        f"ecgrid partners list {HUB_ID} --all --per-page 5 | head -1\n"
        f"ecgrid partners list {HUB_ID} --all --per-page 5 --json | head -1\n"
    )
    piped = run.shell(script)
    lines = piped.out.splitlines()
    assert len(lines) == 2, piped.describe()
    assert lines[0].startswith(f"88001\t{HUB_ID}\t200001\tActive\t") and lines[1] == "["
    assert (piped.code, piped.err) == (0, ""), piped.describe()
    for args in (("ids", "get", str(PARTNERCO_ID)), ("ids", "get", str(PARTNERCO_ID), "--json")):
        closed = _closed_pipe_run(run, *args)
        assert (closed.code, closed.err) == (0, ""), closed.describe()


def test_wrong_key_exits_3(reader, api) -> None:
    def run_wrong(*args: str):
        return reader(*args, env_extra={"ECGRID_API_KEY": WRONG_KEY})

    results = run_parallel(
        run_wrong,
        ("-v", "ids", "get", str(PARTNERCO_ID), "--json"),
        ("-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111"),
    )
    for result in results:
        assert result.code == 3, result.describe()
        assert result.out == ""
    error = assert_json_error(results[0])
    assert (error["code"], error["httpStatus"]) == (
        ("InvalidAPIKey", 401) if api == "rest" else ("AccessDenied", 500)
    )
    assert WRONG_KEY[-4:] in error["message"]  # which key: masked, by its last 4
    assert "ECGRID_API_KEY" in error["message"]
    assert results[1].err.rstrip().splitlines()[-1].startswith("error: ")


@pytest.mark.parametrize("api", ["rest", "soap"])
def test_unreachable_server_exits_7(runner_for, api, refused_port) -> None:
    url = f"http://127.0.0.1:{refused_port}"
    run = runner_for(url, api)
    result = run("--retries", "2", "--timeout", "3", "ids", "get", "334455", "--json")
    assert result.code == 7, result.describe()  # retried, still unreachable
    error = assert_json_error(result, "Unreachable", None)
    assert url in error["message"]
