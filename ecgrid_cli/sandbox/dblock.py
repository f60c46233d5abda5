"""One sandbox per database: an exclusive lock on ``<db>.lock`` for the server's lifetime.

``fcntl.flock`` locks belong to the open file, so the operating system releases them
when the holder closes the file or dies, even when it is killed. The lock file is never
deleted (deleting it would let two holders lock two different files). It holds the
holder's pid, so a refusal can name the process. Where ``fcntl`` does not exist
(Windows), no lock is taken.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ecgrid_cli.sandbox.records import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_path(db_path: str) -> Path:
    return Path(f"{db_path}.lock")


class DatabaseLock:
    """Held from :meth:`acquire` until :meth:`release` (or until the process ends)."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def acquire(cls, db_path: str, shown: str | None = None) -> DatabaseLock:
        """Lock ``<db_path>.lock`` or raise StoreError naming the sandbox that holds it.

        ``shown`` is how messages name the database (default: ``db_path``).
        """
        path = lock_path(db_path)
        name = db_path if shown is None else shown
        if fcntl is None:
            return cls(path, None)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(
                f"cannot use the database {name}: cannot open its lock file {path} "
                f"({exc.strerror or type(exc).__name__})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            raise StoreError(database_in_use(name, holder)) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the file releases the flock


def database_in_use(db_path: str, holder: int | None) -> str:
    """Why a sandbox may not use (or reset) ``db_path`` while ``holder`` uses it."""
    who = f" (pid {holder})" if holder else ""
    return (
        f"another sandbox{who} is using the database {db_path}; stop it first "
        "(or start this one with another --db)"
    )


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None
