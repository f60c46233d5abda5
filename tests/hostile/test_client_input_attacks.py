"""Hostile input and hostile process state ("Hardening, round two", 5 and 7).

5. Unbounded input: a 1,000,000-row bulk file whose last row is invalid is refused
   (exit 2, naming the line) without holding the file in memory (peak RSS of the child,
   measured by a wrapper that runs only that child); ``--file /dev/zero``, an endless
   stdin and a single 1 MB line each end in one clear line, exit 2, quickly.
7. Clean errors: stdout or stdin closed; 100000 nested ``[``; a CSV header naming a
   column twice; SIGINT inherited as ignored, then sent while a request hangs.

Nothing may be sent for a file that is refused: the base URL points at a listener of
the test that must see no connection. Every child runs with a 2 GiB address-space
limit and a timeout, so an unbounded reader fails instead of exhausting the machine.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from client_attack_support import (
    ATTACK_API_KEY,
    OWN_ID,
    PARTNERCO_ID,
    Connection,
    HostileServer,
    Run,
    close_at_once,
    ecgrid_command,
    isolated_env,
)

APIS = ("rest", "soap")
MEMORY_LIMIT = 2 * 1024**3


def limited(*extra: Callable[[], None]) -> Callable[[], None]:
    """A preexec_fn: the 2 GiB address-space limit, then ``extra`` steps."""

    def prepare() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        for step in extra:
            step()

    return prepare


def one_error_line(run: Run) -> str:
    lines = run.error_lines()
    assert len(lines) == 1, run.describe()
    assert lines[0].startswith("error: "), run.describe()
    assert len(lines[0]) < 500, run.describe()
    return lines[0]


def setup_file(attack_cli, listener: HostileServer, path: str, **options) -> Run:
    """Bulk setup over ``path`` against a listener that must never be contacted."""
    run = attack_cli(
        "--base-url",
        listener.url,
        "--timeout",
        "5",
        "--retries",
        "0",
        "interconnect",
        "setup",
        "--from",
        str(OWN_ID),
        "--file",
        path,
        env_extra={"ECGRID_API_KEY": ATTACK_API_KEY, **options.pop("env_extra", {})},
        preexec_fn=options.pop("preexec_fn", limited()),
        **options,
    )
    assert listener.connections == 0, f"a refused file was sent\n{run.describe()}"
    return run


# -- 5. unbounded input ------------------------------------------------------------------

MILLION = 1_000_000
RSS_LIMIT_KIB = 100 * 1024
RSS_WRAPPER = """
import json, resource, subprocess, sys
limit = 2 * 1024 ** 3
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
done = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, capture_output=True,
                      text=True, errors="replace", timeout=240)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as report:
    json.dump({"code": done.returncode, "out": done.stdout, "err": done.stderr,
               "peakKiB": peak}, report)
"""


@pytest.fixture(scope="module")
def million_row_run(tmp_path_factory) -> tuple[Run, int]:
    """One run over a 1,000,000-row CSV whose last row lacks its ISA ID: (run, peak KiB)."""
    root = tmp_path_factory.mktemp("million")
    home = root / "home"
    home.mkdir()
    rows = root / "million.csv"
    with open(rows, "wb") as out:
        out.write(b"qualifier,id\n")
        out.write(b"".join(b"ZZ,P%07d\n" % index for index in range(MILLION - 1)))
        out.write(b"ZZ,\n")
    report = root / "report.json"
    with HostileServer(close_at_once) as listener:
        command = [*ecgrid_command(), "--base-url", listener.url, "interconnect", "setup"]
        command += ["--from", str(OWN_ID), "--file", str(rows)]
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", RSS_WRAPPER, str(report), *command],
            env=isolated_env(home, {"ECGRID_API_KEY": ATTACK_API_KEY}),
            cwd=root,
            timeout=300,
            check=True,
        )
        seconds = time.monotonic() - started
        assert listener.connections == 0, "rows were sent before the file was validated"
    result = json.loads(report.read_text())
    rows.unlink()
    return Run(result["code"], result["out"], result["err"], seconds), result["peakKiB"]


def test_a_million_rows_with_a_bad_last_row_are_refused_naming_the_line(million_row_run):
    run, _ = million_row_run
    assert "Traceback" not in run.err, run.describe()
    assert run.code == 2, run.describe()
    assert run.out == ""
    line = one_error_line(run)
    assert f"line {MILLION + 1}" in line, line  # the header is line 1
    assert run.seconds < 60, run.describe()


def test_a_million_rows_are_validated_in_bounded_memory(million_row_run):
    run, peak_kib = million_row_run
    assert run.code == 2, run.describe()
    assert peak_kib < RSS_LIMIT_KIB, f"peak RSS {peak_kib / 1024:.0f} MiB"


def test_dev_zero_as_the_file_ends_in_one_line(attack_cli):
    with HostileServer(close_at_once) as listener:
        run = setup_file(attack_cli, listener, "/dev/zero", timeout=60)
    assert run.code == 2, run.describe()
    assert run.seconds < 10, run.describe()
    assert "/dev/zero" in one_error_line(run)


# Bounds the disk the test may fill: more than the tool's own cap on piped input (256 MiB).
FILE_SIZE_LIMIT = 512 * 1024**2


def test_an_endless_stdin_ends_in_one_line(attack_cli, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()

    def bounded_disk() -> None:  # the test must not fill the disk either
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
        zero = os.open("/dev/zero", os.O_RDONLY)
        os.dup2(zero, 0)

    try:
        with HostileServer(close_at_once) as listener:
            run = setup_file(
                attack_cli,
                listener,
                "-",
                timeout=60,
                env_extra={"TMPDIR": str(spool)},
                preexec_fn=limited(bounded_disk),
            )
        left = sorted(path.name for path in spool.iterdir())
    finally:
        for path in spool.iterdir():
            path.unlink()
    assert run.code == 2, run.describe()
    assert run.seconds < 10, run.describe()
    one_error_line(run)
    assert left == [], f"spool files left behind: {left}"


ONE_MEGABYTE = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("long.csv", "qualifier,id\nZZ," + "A" * ONE_MEGABYTE + "\n"),
        ("long.json", json.dumps([{"qualifier": "ZZ", "id": "A" * ONE_MEGABYTE}]) + "\n"),
    ],
    ids=["csv", "json"],  # never the megabyte itself (it would land in the env)
)
def test_a_one_megabyte_line_ends_in_one_short_line(name, content, attack_cli, tmp_path):
    path = tmp_path / name
    path.write_text(content)
    with HostileServer(close_at_once) as listener:
        run = setup_file(attack_cli, listener, str(path))
    assert run.code == 2, run.describe()
    line = one_error_line(run)  # short: the megabyte is not repeated
    assert name in line and "line" in line, line


# -- 7. clean errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["--version"], ["completion", "bash"]], ids=["version", "completion"]
)
def test_a_closed_stdout_is_one_clean_line(args, attack_home, tmp_path):
    done = subprocess.run(
        [*ecgrid_command(), *args],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=isolated_env(attack_home),
        cwd=tmp_path,
        timeout=60,
        preexec_fn=lambda: os.close(1),
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "unexpected error" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], ["config", "list"], ["--json", "config", "list"]],
    ids=["version", "help", "table", "json"],
)
def test_a_full_disk_on_stdout_is_one_clean_line(args, attack_home, tmp_path):
    """Output that cannot be written (> /dev/full) is an error, not lost with exit 0."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*ecgrid_command(), *args],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=isolated_env(attack_home),
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if args[0] == "--json":
        assert lines == [
            '{"error": {"code": "OutputError", "message": "cannot write the output: No space '
            'left on device", "httpStatus": null, "details": null}}'
        ]
    else:
        assert lines == ["error: cannot write the output: No space left on device"]


def test_a_closed_stdin_is_a_clean_usage_error(attack_cli, attack_home):
    run = attack_cli("config", "set", "api-key", "-", preexec_fn=lambda: os.close(0))
    assert "AttributeError" not in run.err and "unexpected error" not in run.err, run.describe()
    assert run.code == 2, run.describe()
    assert "standard input is closed" in one_error_line(run)
    config = attack_home / "ecgrid-config" / "config.toml"
    assert not config.exists() or "api_key" not in config.read_text()


def test_deeply_nested_json_is_refused(attack_cli, tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000)
    with HostileServer(close_at_once) as listener:
        run = setup_file(attack_cli, listener, str(path))
    assert run.code == 2, run.describe()
    assert "nested.json" in one_error_line(run)


@pytest.mark.parametrize(
    ("header", "named"), [("qualifier,id,qualifier", "qualifier"), ("qualifier,id,ID", "ID")]
)
def test_a_csv_header_naming_a_column_twice_is_refused(header, named, attack_cli, tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text(f"{header}\n01,PARTNERCO,01\n")
    with HostileServer(close_at_once) as listener:
        run = setup_file(attack_cli, listener, str(path))
    assert run.code == 2, run.describe()
    assert f"'{named}'" in one_error_line(run)


def hang(connection: Connection) -> None:
    """Take the request, then answer nothing until the test ends."""
    connection.read_request()
    connection.server.stopping.wait(60)


@pytest.mark.parametrize("api", APIS)
def test_sigint_ends_a_hanging_call_even_when_inherited_as_ignored(api, attack_home, tmp_path):
    with HostileServer(hang) as server:
        command = [*ecgrid_command(), *(["--api", "soap"] if api == "soap" else [])]
        command += ["--base-url", server.url, "--timeout", "30", "ids", "get", str(PARTNERCO_ID)]
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=isolated_env(attack_home, {"ECGRID_API_KEY": ATTACK_API_KEY}),
            cwd=tmp_path,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        try:
            assert server.wait_for_request(timeout=30) is not None, "no request arrived"
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                pytest.fail("SIGINT was ignored: the call kept hanging")
            waited = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
    assert "Traceback" not in err, err
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert waited < 5
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["error: interrupted"], err
