"""Run the sandbox as a detached background process (``ecgrid sandbox serve --detach``).

Each database has its own pid file and log file beside it (``f.db`` has ``f.pid``
and ``f.log``; see :mod:`~ecgrid_cli.sandbox.runfiles`), so each database has at most
one detached sandbox and ``stop`` only ever stops the one of its database. A custom API
key reaches the child in the environment (``ECGRID_SANDBOX_API_KEY``), never on its
command line, where ``ps`` would show it. Standard library only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from ecgrid_cli.sandbox.chaos import format_retry_after
from ecgrid_cli.sandbox.dblock import DatabaseLock, database_in_use
from ecgrid_cli.sandbox.options import (
    DEFAULT_PARCEL_SECONDS,
    DEFAULT_SESSION_TTL,
    DEFAULT_TOKEN_TTL,
    SandboxOptions,
    default_db_path,
)
from ecgrid_cli.sandbox.records import StoreError
from ecgrid_cli.sandbox.runfiles import (
    MEMORY,
    log_path_for,
    open_private,
    pid_path_for,
    read_pid_file,
    write_pid_file,
)
from ecgrid_cli.sandbox.server import url_host

API_KEY_ENV = "ECGRID_SANDBOX_API_KEY"  # how a detached child receives its key
STOP_TIMEOUT_SECONDS = 5.0
_POLL_SECONDS = 0.05
_LOG_TAIL_LINES = 5

# Children started by this process, so they can be reaped (no zombies, no warnings).
_SPAWNED: dict[int, subprocess.Popen[bytes]] = {}


def resolved_db(db_path: str | None) -> str:
    if db_path is None:
        return str(default_db_path())
    if db_path == MEMORY:
        return MEMORY
    return str(Path(db_path).expanduser().resolve())


def runtime_dir(db_path: str | None = None) -> Path:
    """Where the pid and log files of the sandbox for ``db_path`` live."""
    return pid_file_path(db_path).parent


def pid_file_path(db_path: str | None = None) -> Path:
    return pid_path_for(resolved_db(db_path))


def log_file_path(db_path: str | None = None) -> Path:
    return log_path_for(resolved_db(db_path))


def serve_command(
    options: SandboxOptions, port: int, db: str, command: Sequence[str] | None = None
) -> list[str]:
    """The ``ecgrid sandbox serve`` argv for ``options``; flags at their default are left out.

    The API key is never on it (see :func:`child_environment`).
    """
    argv = list(command) if command is not None else [sys.executable, "-m", "ecgrid_cli"]
    argv += ["sandbox", "serve"]
    if options.host != "127.0.0.1":
        argv += ["--host", options.host]
    argv += ["--port", str(port), "--db", db]
    if options.reset:
        argv.append("--reset")
    if options.latency_ms:
        argv += ["--latency-ms", str(options.latency_ms)]
    if options.fault_rate:
        argv += ["--fault-rate", repr(float(options.fault_rate))]
    if options.retry_after != 1.0:
        argv += ["--retry-after", format_retry_after(options.retry_after)]
    if options.drop_rate:
        argv += ["--drop-rate", repr(float(options.drop_rate))]
    if options.find_style != "all":
        argv += ["--find-style", options.find_style]
    if options.seed is not None:
        argv += ["--seed", str(options.seed)]
    if options.id_create_style != "all":
        argv += ["--id-create-style", options.id_create_style]
    if options.soap_namespace != "live":
        argv += ["--soap-namespace", options.soap_namespace]
    for flag, value, default in (
        ("--session-ttl", options.session_ttl, DEFAULT_SESSION_TTL),
        ("--token-ttl", options.token_ttl, DEFAULT_TOKEN_TTL),
        ("--parcel-seconds", options.parcel_seconds, DEFAULT_PARCEL_SECONDS),
        ("--parcel-fail-rate", options.parcel_fail_rate, 0.0),
    ):
        if value != default:
            argv += [flag, repr(float(value))]
    return argv


def child_environment(options: SandboxOptions) -> dict[str, str]:
    """This process's environment plus the sandbox's API key for the child to read."""
    return {**os.environ, API_KEY_ENV: options.api_key}


def start_detached(
    options: SandboxOptions, timeout: float = 10.0, command: Sequence[str] | None = None
) -> tuple[int, str]:
    """Start ``ecgrid sandbox serve`` in the background; return ``(pid, base_url)``.

    When the pid file names a sandbox that is running and answering, that one is
    returned instead. ``reset`` is refused while any sandbox uses the database, with
    the words of a foreground ``serve --reset``: its data is never wiped from under it.
    ``command`` replaces ``[sys.executable, "-m", "ecgrid_cli"]`` (for tests).
    Raises RuntimeError with a one-line reason, including the end of the log.
    """
    options.validate()
    db = resolved_db(options.db_path)
    try:
        runtime_dir(db).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RuntimeError(_cannot_use(options, exc)) from None
    running = running_detached(db)
    if running is not None:
        pid, url = running
        if options.reset:
            raise RuntimeError(database_in_use(options.resolved_db_path(), pid))
        if options.port in (0, urlsplit(url).port):
            return running
        raise RuntimeError(
            f"a sandbox for {db} is already running at {url} (pid {pid}); "
            f"stop it before starting one on port {options.port}"
        )
    _ensure_database_free(options, db)
    _ensure_pid_file_free(db)
    port = options.port or _free_port(options.host)
    _ensure_port_free(options.host, port)
    base_url = f"http://{url_host(options.host)}:{port}"
    log_path = log_file_path(db)
    argv = serve_command(options, port, db, command)
    try:
        log_fd = open_private(log_path, os.O_WRONLY | os.O_TRUNC)
    except OSError as exc:
        raise RuntimeError(_cannot_use(options, exc, f" (its log {log_path})")) from None
    with os.fdopen(log_fd, "wb") as log:
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                close_fds=True,
                env=child_environment(options),
                **_detach_flags(),
            )
        except OSError as exc:
            raise RuntimeError(f"could not start the sandbox ({argv[0]}): {exc}") from None
    _SPAWNED[process.pid] = process
    pid_path = pid_file_path(db)
    try:
        write_pid_file(pid_path, process.pid, base_url, db)
    except OSError as exc:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
        _SPAWNED.pop(process.pid, None)
        raise RuntimeError(_cannot_use(options, exc, f" (its pid file {pid_path})")) from None
    deadline = time.monotonic() + timeout
    while True:
        code = process.poll()
        if code is not None:
            _forget(process.pid, pid_path)
            raise RuntimeError(
                f"the sandbox exited with status {code} before answering at {base_url}"
                f"{_log_tail(log_path)}"
            )
        if answers(base_url):
            return process.pid, base_url
        if time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
            _forget(process.pid, pid_path)
            raise RuntimeError(
                f"the sandbox did not answer at {base_url} within {timeout:g}s{_log_tail(log_path)}"
            )
        time.sleep(_POLL_SECONDS)


def running_detached(db_path: str | None = None) -> tuple[int, str] | None:
    """``(pid, base_url)`` of the detached sandbox for ``db_path`` if it is up and answering."""
    db = resolved_db(db_path)
    pid_path = pid_file_path(db)
    info = _read_own_pid_file(pid_path, db)
    if info is None:
        return None
    pid, url = info
    if not _pid_alive(pid):
        _unlink(pid_path)
        return None
    return (pid, url) if answers(url) else None


def stop_detached(db_path: str | None = None) -> int | None:
    """SIGTERM the sandbox named in the pid file, wait up to 5 s, remove the pid file.

    Returns its pid, or None when none was running. A pid that now belongs to some
    other program (the sandbox died and the pid was reused) is left alone, and so is
    a pid file that belongs to another database.
    """
    db = resolved_db(db_path)
    pid_path = pid_file_path(db)
    info = _read_own_pid_file(pid_path, db)
    if info is None:
        if read_pid_file(pid_path) is None:
            _unlink(pid_path)
        return None
    pid, url = info
    if not _pid_alive(pid) or not _is_sandbox(pid, url):
        _forget(pid, pid_path)
        return None
    _signal(pid, signal.SIGTERM)
    if not _wait_for_exit(pid, STOP_TIMEOUT_SECONDS):
        _signal(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        _wait_for_exit(pid, 1.0)
    _forget(pid, pid_path)
    return pid


def answers(base_url: str, timeout: float = 0.5) -> bool:
    """True when ``GET {base_url}/v2/auth/version`` returns a success envelope."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    try:
        with opener.open(f"{base_url}/v2/auth/version", timeout=timeout) as response:
            document = json.loads(response.read(65536))
    except (OSError, ValueError, http.client.HTTPException):
        return False
    return isinstance(document, dict) and document.get("success") is True


# -- helpers ---------------------------------------------------------------------------------


def _detach_flags() -> dict[str, object]:
    if os.name == "nt":
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
        return {"creationflags": flags}
    return {"start_new_session": True}  # survives the terminal closing and Ctrl-C


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _ensure_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise RuntimeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _cannot_use(options: SandboxOptions, exc: OSError, what: str = "") -> str:
    reason = exc.strerror or type(exc).__name__
    return f"cannot use the database {options.resolved_db_path()}{what}: {reason}"


def _read_own_pid_file(path: Path, db: str) -> tuple[int, str] | None:
    """The pid file's ``(pid, base_url)`` when it belongs to ``db`` (older files: assumed)."""
    info = read_pid_file(path)
    if info is None or info[2] not in (None, db):
        return None
    return info[0], info[1]


def _ensure_database_free(options: SandboxOptions, db: str) -> None:
    """Refuse now, as a foreground ``serve`` would, when another sandbox holds the database."""
    if db == MEMORY:
        return
    try:
        DatabaseLock.acquire(db, shown=options.resolved_db_path()).release()
    except StoreError as exc:
        raise RuntimeError(str(exc)) from None


def _ensure_pid_file_free(db: str) -> None:
    """Two databases whose names share a pid file (``f.db`` and ``f``) cannot both run."""
    path = pid_file_path(db)
    info = read_pid_file(path)
    if info is None or info[2] in (None, db) or not _pid_alive(info[0]):
        return
    raise RuntimeError(
        f"{path} belongs to the running sandbox of {info[2]} (pid {info[0]}); "
        "give this database a name of its own"
    )


def _forget(pid: int, pid_path: Path) -> None:
    _SPAWNED.pop(pid, None)
    _unlink(pid_path)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):  # missing, or its directory is not one
        path.unlink()


def _pid_alive(pid: int) -> bool:
    child = _SPAWNED.get(pid)
    if child is not None:
        return child.poll() is None  # also reaps it, so it does not linger as a zombie
    if os.name == "nt":
        return True  # os.kill(pid, 0) would terminate it on Windows; callers also probe HTTP
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_sandbox(pid: int, base_url: str) -> bool:
    """Guard against a reused pid: check the command line where /proc has it, else HTTP."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return answers(base_url)
    return b"sandbox" in cmdline


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL_SECONDS)
    return True


def _log_tail(log_path: Path) -> str:
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    tail = [line.strip() for line in lines if line.strip()][-_LOG_TAIL_LINES:]
    return f" (log {log_path}: {' | '.join(tail)})" if tail else f" (log {log_path} is empty)"
