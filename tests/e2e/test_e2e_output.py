"""Output contracts end to end: --version, usage errors, --jq, --header, closed pipes,
wrong keys (3) and unreachable servers (7)."""

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


def _version_of_the_ecgrid_beside_python(run_ecgrid, ecgrid_exe) -> None:
    beside = Path(sys.executable).parent / "ecgrid"
    if beside.exists():
        assert Path(ecgrid_exe) == beside
    result = run_ecgrid("--version")
    assert result.code == 0, result.describe()
    assert re.fullmatch(r"ecgrid \d+\.\d+\.\d+\S*\n", result.out), result.out
    assert result.err == ""
    on_path = run_ecgrid.shell("command -v ecgrid")
    assert on_path.out.strip() == ecgrid_exe  # scripts run the same ecgrid


def test_version_and_usage_errors(run_ecgrid, ecgrid_exe) -> None:
    _version_of_the_ecgrid_beside_python(run_ecgrid, ecgrid_exe)
    global_json, command_json, bad_number, bad_status, no_command = run_parallel(
        run_ecgrid,
        ("--json", "ids", "find", "-q", "01"),
        ("ids", "find", "-q", "01", "--json"),  # --json after the command counts too
        ("ids", "get", "abc", "--json"),
        ("partners", "count", str(HUB_ID), "--status", "Nope"),
        ("ids",),
    )
    for result in (global_json, command_json):
        assert result.code == 2, result.describe()
        error = assert_json_error(result, "UsageError", None)
        assert "--id" in error["message"]
    assert bad_number.code == 2, bad_number.describe()
    error = assert_json_error(bad_number, "UsageError", None)
    assert error["details"] == {"field": "ECGRID_ID", "value": "abc"}
    assert bad_status.code == 2, bad_status.describe()
    assert bad_status.out == ""
    assert bad_status.err.startswith("error: ")
    assert no_command.code == 2, no_command.describe()
    assert no_command.out == ""
    assert "find" in no_command.err  # the group's help, on stderr


def test_jq_filters_json_output(run_ecgrid) -> None:
    (find, global_jq, listed, count, check, raw_string, bad, bad_v, failing, header_ignored) = (
        run_parallel(
            run_ecgrid,
            ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--jq", ".[0].ecGridId"),
            ("--jq", ".[0].id", "ids", "find", "-q", "01", "-i", "PARTNERCO"),
            ("partners", "list", str(HUB_ID), "--all", "--jq", ".[].interconnectId"),
            ("partners", "count", str(HUB_ID), "--status", "Active", "--jq", ".count"),
            ("interconnect", "check", "87002", "--jq", ".issues[]"),
            ("ids", "get", str(PARTNERCO_ID), "--jq", "{q: .qualifier, id}"),
            ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--jq", ".[0"),
            ("-v", "ids", "get", str(PARTNERCO_ID), "--jq", "nope("),
            ("ids", "get", "999", "--jq", ".id"),
            ("ids", "get", str(PARTNERCO_ID), "--jq", ".id", "--header"),
        )
    )
    assert (find.code, find.out, find.err) == (0, f"{PARTNERCO_ID}\n", ""), find.describe()
    assert (global_jq.code, global_jq.out) == (0, "PARTNERCO\n"), global_jq.describe()  # raw
    assert listed.code == 0, listed.describe()
    assert listed.out.split() == [str(n) for n in range(88001, 88019)]
    assert (count.code, count.out) == (0, "14\n"), count.describe()
    assert check.code == 8, check.describe()  # unhealthy: exit 8 whatever the filter
    assert check.out.startswith("no traffic recorded")
    assert raw_string.json() == {"q": "01", "id": "PARTNERCO"}
    for result in (bad, bad_v):
        assert result.code == 2, result.describe()
        assert result.out == ""
        assert "--jq" in result.err
    assert request_lines(bad_v.err) == []  # refused before anything was sent
    assert failing.code == 4, failing.describe()
    assert_json_error(failing, "ObjectNotFound", 404)  # errors stay JSON with --jq
    assert (header_ignored.code, header_ignored.out) == (0, "PARTNERCO\n")
    _header_row_for_piped_tables(run_ecgrid)


def _header_row_for_piped_tables(run_ecgrid) -> None:
    find, global_header, record, no_header, as_json = run_parallel(
        run_ecgrid,
        ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--header"),
        ("--header", "ids", "find", "-q", "ZZ", "-i", "TWINCO"),
        ("ids", "get", str(PARTNERCO_ID), "--header"),
        ("ids", "find", "-q", "01", "-i", "PARTNERCO"),
        ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--header", "--json"),
    )
    header = ["ECGRID ID", "QUAL", "ISA ID", "DESCRIPTION", "STATUS", "MAILBOX", "NETWORK"]
    assert find.tsv() == [header, *no_header.tsv()], find.describe()
    rows = global_header.tsv()
    assert rows[0] == header and sorted(r[0] for r in rows[1:]) == ["600001", "600002"]
    assert record.tsv()[0] == ["FIELD", "VALUE"]
    assert record.tsv()[1] == ["ECGrid ID", str(PARTNERCO_ID)]
    assert as_json.json()[0]["ecGridId"] == PARTNERCO_ID  # JSON has no header row


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


@pytest.mark.parametrize("api", ["rest", "soap"])
def test_wrong_key_exits_3(sandbox, runner_for, api) -> None:
    run = runner_for(sandbox.url, api)

    def run_wrong(*args: str):
        return run(*args, env_extra={"ECGRID_API_KEY": WRONG_KEY})

    results = run_parallel(
        run_wrong,
        ("ids", "get", str(PARTNERCO_ID), "--json"),
        ("-v", "ids", "find", "-q", "01", "-i", "PARTNERCO"),
        ("-v", "partners", "count", str(HUB_ID)),
        ("-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111"),
        ("-v", "auth", "status"),
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


@pytest.mark.parametrize("api", ["rest", "soap"])
def test_unreachable_server_exits_7(runner_for, api, refused_port) -> None:
    url = f"http://127.0.0.1:{refused_port}"
    run = runner_for(url, api)
    fast, retried = run_parallel(
        run,
        ("--retries", "0", "ids", "get", "334455", "--json"),
        ("--retries", "2", "--timeout", "3", "ids", "find", "-q", "01", "-i", "PARTNERCO"),
    )
    assert fast.code == 7, fast.describe()
    error = assert_json_error(fast, "Unreachable", None)
    assert url in error["message"]
    assert retried.code == 7, retried.describe()
    assert retried.err.startswith("error: ")
