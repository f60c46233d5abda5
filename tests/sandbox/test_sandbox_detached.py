"""`ecgrid sandbox serve --detach` / `stop` through the real CLI: one sandbox per database,
`--reset` never wipes a running sandbox, and its key and files stay private."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sandbox_process import alive
from sandbox_support import Api

import ecgrid_cli
from ecgrid_cli.sandbox import SandboxOptions, pid_file_path, running_detached, start_detached
from ecgrid_cli.sandbox.lifecycle import answers, serve_command, stop_detached

SECRET = "own-secret-key-4242"
API_KEY_ENV = "ECGRID_SANDBOX_API_KEY"


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory (the default database lives there) and this checkout."""
    data = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    root = str(Path(ecgrid_cli.__file__).resolve().parent.parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    )
    return tmp_path


@pytest.fixture
def cli(home: Path) -> Iterator[Callable[..., Ran]]:
    """Run ``python -m ecgrid_cli ARGS``; every sandbox it may have started is stopped after."""
    databases: set[str | None] = set()

    def run(*args: str, env: dict[str, str] | None = None) -> Ran:
        if "serve" in args:
            databases.add(args[args.index("--db") + 1] if "--db" in args else None)
        done = subprocess.run(
            [sys.executable, "-m", "ecgrid_cli", *args],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=home,
            env={**os.environ, **(env or {})},
            check=False,
        )
        return Ran(done.returncode, done.stdout, done.stderr)

    try:
        yield run
    finally:
        for db in databases:
            pid = _recorded_pid(db)
            if stop_detached(db) is None and pid is not None and alive(pid):
                os.kill(pid, signal.SIGKILL)


def _recorded_pid(db: str | None) -> int | None:
    try:
        return int(json.loads(pid_file_path(db).read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _started(result: Ran) -> tuple[int, str]:
    """``(pid, base_url)`` from the lines `serve --detach` prints."""
    assert result.code == 0, result
    first = result.out.splitlines()[0]
    url, pid = first.split(" at ")[1].split(" (pid ")
    return int(pid.rstrip(")")), url


# -- one sandbox per database ---------------------------------------------------------------


def test_two_databases_in_one_directory_each_have_their_own_sandbox(cli, home) -> None:
    first, second = home / "x" / "f.db", home / "x" / "t.db"
    f_pid, f_url = _started(cli("sandbox", "serve", "--detach", "--port", "0", "--db", str(first)))
    started = cli("sandbox", "serve", "--detach", "--port", "0", "--db", str(second))
    t_pid, t_url = _started(started)
    assert t_pid != f_pid and t_url != f_url
    assert started.out.splitlines()[2] == f"Stop it with: ecgrid sandbox stop --db {second}"
    assert (home / "x" / "f.pid").exists() and (home / "x" / "t.pid").exists()

    stopped = cli("sandbox", "stop", "--db", str(second))
    assert (stopped.code, stopped.err) == (0, f"stopped the sandbox (pid {t_pid})\n")
    assert not answers(t_url)
    assert answers(f_url) and running_detached(str(first)) == (f_pid, f_url)  # untouched
    again = cli("sandbox", "stop", "--db", str(second))
    assert (again.code, again.err) == (0, "no background sandbox was running\n")
    assert answers(f_url)
    assert cli("sandbox", "stop", "--db", str(first)).err == f"stopped the sandbox (pid {f_pid})\n"


def test_the_default_database_needs_no_db_flag(cli, home) -> None:
    started = cli("sandbox", "serve", "--detach", "--port", "0")
    pid, url = _started(started)
    assert started.out.splitlines()[1:] == [
        "API key: sandbox-key-0000",
        "Stop it with: ecgrid sandbox stop",
    ]
    assert (home / "data" / "ecgrid" / "sandbox.pid").exists()
    stopped = cli("sandbox", "stop")
    assert (stopped.code, stopped.err) == (0, f"stopped the sandbox (pid {pid})\n")
    assert not answers(url)


def test_global_json_gets_the_started_sandbox_as_a_document(cli, home) -> None:
    db = home / "j.db"
    started = cli("--json", "sandbox", "serve", "--detach", "--port", "0", "--db", str(db))
    assert (started.code, started.err) == (0, "")
    document = json.loads(started.out)
    assert set(document) == {"url", "pid", "apiKey", "stop"}
    assert running_detached(str(db)) == (document["pid"], document["url"])
    assert document["apiKey"] == "sandbox-key-0000"
    assert document["stop"] == f"ecgrid sandbox stop --db {db}"
    assert answers(document["url"])
    stopped = cli("--json", "sandbox", "stop", "--db", str(db))
    assert (stopped.code, stopped.err) == (0, "")
    assert json.loads(stopped.out) == {"stopped": True, "pid": document["pid"]}
    again = cli("--json", "sandbox", "stop", "--db", str(db))
    assert json.loads(again.out) == {"stopped": False, "pid": None}


def test_a_pid_file_of_another_database_is_never_used(home) -> None:
    """``f.db`` and ``f`` share the name ``f.pid``: stopping ``f`` leaves ``f.db`` alone."""
    db, twin = home / "f.db", home / "f"
    options = SandboxOptions(port=0, db_path=str(db))
    pid, url = start_detached(options, timeout=10)
    try:
        assert stop_detached(str(twin)) is None
        assert running_detached(str(twin)) is None
        assert answers(url)
        with pytest.raises(RuntimeError, match=r"f\.pid belongs to the running sandbox of"):
            start_detached(SandboxOptions(port=0, db_path=str(twin)), timeout=10)
    finally:
        assert stop_detached(str(db)) == pid


# -- --reset under a running sandbox ----------------------------------------------------------


def test_detached_reset_is_refused_like_the_foreground_one(cli, home) -> None:
    db = str(home / "sb.db")
    pid, url = _started(cli("sandbox", "serve", "--detach", "--port", "0", "--db", db))
    api = Api(url)
    assert api.ok("POST", "/v2/partners/note", {"interconnectId": 88001, "note": "keep me"})

    foreground = cli("sandbox", "serve", "--reset", "--port", "0", "--db", db)
    detached = cli("sandbox", "serve", "--detach", "--reset", "--port", "0", "--db", db)
    assert foreground.code == 2 and "using the database" in foreground.err, foreground
    assert (detached.code, detached.out, detached.err) == (2, "", foreground.err)
    assert f"(pid {pid})" in detached.err
    assert running_detached(db) == (pid, url)  # still the same sandbox, with its data
    notes = api.ok("POST", "/v2/partners/notelist", {"interconnectId": 88001})
    assert "keep me" in str(notes)


# -- the key and the files ------------------------------------------------------------------


def test_the_child_gets_a_custom_key_in_its_environment_not_its_argv(home) -> None:
    options = SandboxOptions(port=0, db_path=str(home / "k.db"), api_key=SECRET)
    argv = serve_command(options, 8000, str(home / "k.db"), ["ecgrid"])
    assert SECRET not in " ".join(argv) and "--api-key" not in argv
    from ecgrid_cli.sandbox.lifecycle import child_environment

    assert child_environment(options)[API_KEY_ENV] == SECRET
    # What a started child really receives (it prints it, then exits).
    show = "import os, sys; print(sys.argv, os.environ.get('ECGRID_SANDBOX_API_KEY') == '%s')"
    child = [sys.executable, "-c", show % SECRET + "; sys.exit(3)"]
    with pytest.raises(RuntimeError, match="status 3") as failed:
        start_detached(options, timeout=10, command=child)
    assert "True" in str(failed.value) and "--db" in str(failed.value)
    assert str(failed.value).count(SECRET) == 0


def test_a_custom_key_works_but_is_not_logged_and_the_files_are_private(cli, home) -> None:
    db = home / "p.db"
    old_umask = os.umask(0o022)
    try:
        started = cli(
            "sandbox", "serve", "--detach", "--port", "0", "--api-key", SECRET, "--db", str(db)
        )
    finally:
        os.umask(old_umask)
    pid, url = _started(started)
    assert f"API key: {SECRET}" in started.out  # the user's own terminal: shown, by design
    assert Api(url).ok("GET", "/v2/ids/111111", key=SECRET)["ecGridId"] == 111111
    assert Api(url).get("/v2/ids/111111").status == 401  # the demo key is not it
    log = (home / "p.log").read_text(encoding="utf-8")
    assert "listening on" in log and SECRET not in log
    for path in (db, home / "p.log", home / "p.pid"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert cli("sandbox", "stop", "--db", str(db)).err == f"stopped the sandbox (pid {pid})\n"


def test_an_existing_loose_database_is_narrowed_to_its_owner(home) -> None:
    from ecgrid_cli.sandbox import create_server

    db = home / "loose.db"
    create_server(SandboxOptions(port=0, db_path=str(db))).shutdown()
    db.chmod(0o644)
    create_server(SandboxOptions(port=0, db_path=str(db))).shutdown()
    assert db.stat().st_mode & 0o777 == 0o600


def test_a_database_that_cannot_be_created_is_a_one_line_usage_error(cli, home) -> None:
    (home / "plain").write_text("not a directory\n", encoding="utf-8")
    db = str(home / "plain" / "x.db")
    result = cli("sandbox", "serve", "--detach", "--port", "0", "--db", db)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: cannot use the database {db}: File exists\n"
    stop = cli("sandbox", "stop", "--db", db)
    assert (stop.code, stop.err) == (0, "no background sandbox was running\n")


@pytest.mark.parametrize("suffix", [".pid", ".log", ".lock", ".PID"])
def test_a_db_named_like_a_run_file_is_refused(cli, home, suffix) -> None:
    """`--db b.pid --reset` overwrote a running sandbox's pid file, orphaning it."""
    running = home / "b.db"
    pid, _url = _started(cli("sandbox", "serve", "--detach", "--port", "0", "--db", str(running)))
    clash = home / f"b{suffix}"
    before = (home / "b.pid").read_bytes()
    result = cli("sandbox", "serve", "--detach", "--reset", "--port", "0", "--db", str(clash))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: invalid --db '{clash}': names ending in .pid, .log, .lock belong to a "
        "sandbox's own files; choose a name ending in .db\n"
    )
    assert (home / "b.pid").read_bytes() == before
    assert cli("sandbox", "stop", "--db", str(running)).err == f"stopped the sandbox (pid {pid})\n"
