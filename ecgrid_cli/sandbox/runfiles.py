"""The files a sandbox keeps beside its database: pid file, log, and private file modes.

Each database has its own pid and log file, named after it: ``/tmp/x/f.db`` has
``/tmp/x/f.pid`` and ``/tmp/x/f.log`` (a name without ``.db`` keeps its whole name:
``data.sqlite`` has ``data.sqlite.pid``). The default database ``sandbox.db`` so keeps
``sandbox.pid`` and ``sandbox.log``. The pid file (JSON ``{"pid", "baseUrl", "db"}``)
records the database it belongs to, so two databases whose names map to the same pid
file are never mistaken for each other. Every file is created readable by its owner
only (0600): the log and the database hold what clients sent. Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from ecgrid_cli.sandbox.options import default_db_path

MEMORY = ":memory:"
PRIVATE_MODE = 0o600
_MEMORY_STEM = "sandbox-memory"  # a detached ":memory:" sandbox, in the default directory


def run_file_stem(db: str) -> Path:
    """``<dir>/<name without .db>``: the pid and log files of ``db`` add a suffix to it."""
    if db == MEMORY:
        return default_db_path().parent / _MEMORY_STEM
    path = Path(db)
    name = path.name
    if name.endswith(".db") and len(name) > len(".db"):
        name = name[: -len(".db")]
    return path.parent / name


def pid_path_for(db: str) -> Path:
    return Path(f"{run_file_stem(db)}.pid")


def log_path_for(db: str) -> Path:
    return Path(f"{run_file_stem(db)}.log")


def open_private(path: Path, flags: int) -> int:
    """``os.open`` creating ``path`` 0600; an existing file of ours is narrowed to 0600."""
    fd = os.open(path, flags | os.O_CREAT, PRIVATE_MODE)
    try:
        _narrow(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private(path: Path) -> None:
    """Create ``path`` empty and 0600 if missing; narrow an existing file of ours to 0600."""
    os.close(open_private(path, os.O_RDWR))


def write_pid_file(path: Path, pid: int, base_url: str, db: str) -> None:
    document = json.dumps({"pid": pid, "baseUrl": base_url, "db": db}) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = open_private(temporary, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(document)
    os.replace(temporary, path)


def read_pid_file(path: Path) -> tuple[int, str, str | None] | None:
    """``(pid, base_url, db)`` from a pid file; ``db`` is None in older versions' files."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    pid, url, db = document.get("pid"), document.get("baseUrl"), document.get("db")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(url, str):
        return None
    return pid, url, db if isinstance(db, str) else None


def _narrow(fd: int) -> None:
    if os.name == "nt":
        return
    info = os.fstat(fd)
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        with contextlib.suppress(OSError):
            os.fchmod(fd, PRIVATE_MODE)
