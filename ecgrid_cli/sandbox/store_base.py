"""The sandbox database: opening, locking, seeding, and the lookups every rule needs.

Every public method of the store takes its lock, so one store can be shared by all of
the HTTP server's handler threads. Rule violations raise
:class:`~ecgrid_cli.sandbox.records.ApiError`.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ecgrid_cli.sandbox import seed
from ecgrid_cli.sandbox.dblock import DatabaseLock
from ecgrid_cli.sandbox.records import (
    ApiError,
    EcgridIdRecord,
    InterconnectRecord,
    StoreError,
    not_found,
    stamp,
    utc_now,
)
from ecgrid_cli.sandbox.runfiles import create_private
from ecgrid_cli.sandbox.schema import ID_SELECT, INTERCONNECT_SELECT, SCHEMA, SCHEMA_VERSION

MEMORY = ":memory:"
DEFAULT_PARCEL_SECONDS = 3.0


class StoreBase:
    """Connection, lock and shared lookups; the rules live in the mixins of ``Store``."""

    def __init__(
        self,
        path: str,
        *,
        reset: bool = False,
        clock: Callable[[], datetime] = utc_now,
        parcel_seconds: float = DEFAULT_PARCEL_SECONDS,
        parcel_fail_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.path = path
        self._clock = clock
        self.parcel_seconds = parcel_seconds
        self.parcel_fail_rate = parcel_fail_rate
        self._parcel_rng = random.Random(seed)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._file_lock: DatabaseLock | None = None
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Before anything is deleted: never reset the database of a running sandbox.
            self._file_lock = DatabaseLock.acquire(path)
            if reset:
                _remove_database_files(Path(path))
        try:
            if path != MEMORY:
                create_private(Path(path))  # 0600: sqlite gives its -wal and -shm the same mode
            self._conn = sqlite3.connect(path, check_same_thread=False, timeout=5.0)
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(
                f"cannot use {path} as the sandbox database ({exc}); start with --reset "
                "to replace it"
            ) from None
        except BaseException:
            self.close()
            raise

    def _prepare(self) -> None:
        conn = self._db()
        conn.execute("PRAGMA foreign_keys = ON")
        if self.path != MEMORY:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        if version != 0 or tables[0] != 0:
            raise StoreError(
                f"{self.path} was not created by this version of the sandbox "
                f"(schema {version}, expected {SCHEMA_VERSION}); start with --reset to replace it"
            )
        with conn:
            conn.executescript(f"BEGIN; {SCHEMA}")
            seed.apply(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ApiError(503, "ServiceUnavailable", "the sandbox is shutting down")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """The lock plus one sqlite transaction, committed on success."""
        with self._lock:
            conn = self._db()
            with conn:
                yield conn

    def _now(self) -> str:
        return stamp(self._clock())

    def close(self) -> None:
        """Close the database and release its lock. Idempotent."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if self._file_lock is not None:
                self._file_lock.release()
                self._file_lock = None

    # -- lookups used by several rules -------------------------------------------------

    def _id_or_404(
        self, conn: sqlite3.Connection, ecgrid_id: int, role: str = ""
    ) -> EcgridIdRecord:
        row = conn.execute(f"{ID_SELECT} WHERE i.ecgrid_id = ?", (ecgrid_id,)).fetchone()
        if row is None:
            label = f"{role} ECGrid ID" if role else "ECGrid ID"
            raise not_found(f"{label} {ecgrid_id} not found", item=f"ECGridID {ecgrid_id}")
        return EcgridIdRecord(*row)

    def _mailbox_network_or_404(self, conn: sqlite3.Connection, mailbox_id: int) -> int:
        row = conn.execute(
            "SELECT network_id FROM mailboxes WHERE mailbox_id = ?", (mailbox_id,)
        ).fetchone()
        if row is None:
            raise not_found(f"mailbox {mailbox_id} not found", item=f"MailboxID {mailbox_id}")
        return int(row[0])

    def _interconnect_or_404(
        self, conn: sqlite3.Connection, interconnect_id: int
    ) -> InterconnectRecord:
        row = conn.execute(
            f"{INTERCONNECT_SELECT} WHERE interconnect_id = ?", (interconnect_id,)
        ).fetchone()
        if row is None:
            raise not_found(
                f"interconnect {interconnect_id} not found",
                item=f"InterconnectID {interconnect_id}",
            )
        return InterconnectRecord(*row)

    def _between(
        self, conn: sqlite3.Connection, a: int, b: int, statuses: tuple[str, ...]
    ) -> InterconnectRecord | None:
        """An interconnect joining a and b in either orientation with one of ``statuses``."""
        marks = ", ".join("?" * len(statuses))
        row = conn.execute(
            f"{INTERCONNECT_SELECT} WHERE ((ecgrid_id_from = ? AND ecgrid_id_to = ?) "
            f"OR (ecgrid_id_from = ? AND ecgrid_id_to = ?)) AND status IN ({marks}) "
            "ORDER BY interconnect_id LIMIT 1",
            (a, b, b, a, *statuses),
        ).fetchone()
        return InterconnectRecord(*row) if row else None

    @staticmethod
    def _next_id(conn: sqlite3.Connection, table: str, column: str, first: int) -> int:
        row = conn.execute(f"SELECT max({column}) FROM {table}").fetchone()
        return first if row[0] is None else max(first, int(row[0]) + 1)


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
