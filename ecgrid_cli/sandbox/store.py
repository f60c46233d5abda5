"""The sandbox's state: one sqlite database and the ECGrid domain rules (stdlib only).

Every public method takes the store's lock, so one ``Store`` can be shared by all of
the HTTP server's handler threads. Rule violations raise :class:`ApiError`, which
carries the HTTP status and ECGrid ``errorCode`` the server should answer with.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ecgrid_cli.sandbox import seed

MEMORY = ":memory:"
SCHEMA_VERSION = 1
STATUSES = ("Development", "Active", "Preproduction", "Suspended", "Terminated")
TERMINATED = "Terminated"
ACTIVE = "Active"
ISA_ID_MAX_LENGTH = 15
FIRST_ECGRID_ID = 100001
FIRST_INTERCONNECT_ID = 88001
FIRST_PARCEL_ID = 900001

_SCHEMA = """
CREATE TABLE networks (
    network_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE mailboxes (
    mailbox_id INTEGER PRIMARY KEY,
    network_id INTEGER NOT NULL REFERENCES networks (network_id),
    name TEXT NOT NULL
);
CREATE TABLE ecgrid_ids (
    ecgrid_id INTEGER PRIMARY KEY,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (mailbox_id),
    qualifier TEXT NOT NULL,
    isa_id TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    routing_group TEXT,
    edi_standard TEXT,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX ecgrid_ids_qid ON ecgrid_ids (qualifier COLLATE NOCASE, isa_id COLLATE NOCASE);
CREATE INDEX ecgrid_ids_mailbox ON ecgrid_ids (mailbox_id);
CREATE TABLE interconnects (
    interconnect_id INTEGER PRIMARY KEY,
    ecgrid_id_from INTEGER NOT NULL REFERENCES ecgrid_ids (ecgrid_id),
    ecgrid_id_to INTEGER NOT NULL REFERENCES ecgrid_ids (ecgrid_id),
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX interconnects_from ON interconnects (ecgrid_id_from);
CREATE INDEX interconnects_to ON interconnects (ecgrid_id_to);
CREATE TABLE notes (
    note_id INTEGER PRIMARY KEY,
    interconnect_id INTEGER NOT NULL REFERENCES interconnects (interconnect_id),
    text TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    timestamp TEXT NOT NULL
);
CREATE TABLE parcels (
    parcel_id INTEGER PRIMARY KEY,
    ecgrid_id_from INTEGER NOT NULL,
    ecgrid_id_to INTEGER NOT NULL,
    document_type TEXT,
    created TEXT NOT NULL
);
"""

_ID_COLUMNS = """
    i.ecgrid_id, i.mailbox_id, m.network_id, i.qualifier, i.isa_id, i.description,
    i.status, i.routing_group, i.edi_standard
"""
_ID_SELECT = f"SELECT {_ID_COLUMNS} FROM ecgrid_ids i JOIN mailboxes m USING (mailbox_id)"
_INTERCONNECT_SELECT = (
    "SELECT interconnect_id, ecgrid_id_from, ecgrid_id_to, status, created, modified "
    "FROM interconnects"
)


class ApiError(Exception):
    """A refusal the server turns into an error envelope."""

    def __init__(self, http_status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidParameter", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "ObjectNotFound", message)


def duplicate(message: str) -> ApiError:
    return ApiError(400, "DuplicateObject", message)


class StoreError(RuntimeError):
    """The database cannot be opened as a sandbox store (wrong file, other version)."""


@dataclass(frozen=True)
class EcgridIdRecord:
    ecgrid_id: int
    mailbox_id: int
    network_id: int
    qualifier: str
    isa_id: str  # stored without the trailing space padding
    description: str | None
    status: str
    routing_group: str | None
    edi_standard: str | None


@dataclass(frozen=True)
class InterconnectRecord:
    interconnect_id: int
    ecgrid_id_from: int
    ecgrid_id_to: int
    status: str
    created: str
    modified: str


@dataclass(frozen=True)
class NoteRecord:
    text: str
    timestamp: str
    user_id: int


def canonical_status(value: str) -> str:
    """``active`` -> ``Active``; anything that is not a known status -> InvalidParameter."""
    for status in STATUSES:
        if status.lower() == value.strip().lower():
            return status
    raise invalid(f"unknown status {value!r}: expected one of {', '.join(STATUSES)}")


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """LIMIT and OFFSET for a 1-based page (values already validated by the caller)."""
    return per_page, (page - 1) * per_page


class Store:
    """The sandbox database. Thread-safe: every method runs under one lock."""

    def __init__(
        self, path: str, *, reset: bool = False, clock: Callable[[], str] = iso_now
    ) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if reset:
                _remove_database_files(Path(path))
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                path, check_same_thread=False, timeout=5.0
            )
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(
                f"cannot use {path} as the sandbox database ({exc}); start with --reset "
                "to replace it"
            ) from None

    # -- setup -----------------------------------------------------------------------

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
            conn.executescript(f"BEGIN; {_SCHEMA}")
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

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- lookups used by several rules -------------------------------------------------

    def _id_or_404(
        self, conn: sqlite3.Connection, ecgrid_id: int, role: str = ""
    ) -> EcgridIdRecord:
        row = conn.execute(f"{_ID_SELECT} WHERE i.ecgrid_id = ?", (ecgrid_id,)).fetchone()
        if row is None:
            label = f"{role} ECGrid ID" if role else "ECGrid ID"
            raise not_found(f"{label} {ecgrid_id} not found")
        return EcgridIdRecord(*row)

    def _mailbox_network_or_404(self, conn: sqlite3.Connection, mailbox_id: int) -> int:
        row = conn.execute(
            "SELECT network_id FROM mailboxes WHERE mailbox_id = ?", (mailbox_id,)
        ).fetchone()
        if row is None:
            raise not_found(f"mailbox {mailbox_id} not found")
        return int(row[0])

    def _interconnect_or_404(
        self, conn: sqlite3.Connection, interconnect_id: int
    ) -> InterconnectRecord:
        row = conn.execute(
            f"{_INTERCONNECT_SELECT} WHERE interconnect_id = ?", (interconnect_id,)
        ).fetchone()
        if row is None:
            raise not_found(f"interconnect {interconnect_id} not found")
        return InterconnectRecord(*row)

    def _between(
        self, conn: sqlite3.Connection, a: int, b: int, statuses: tuple[str, ...]
    ) -> InterconnectRecord | None:
        """An interconnect joining a and b in either orientation with one of ``statuses``."""
        marks = ", ".join("?" * len(statuses))
        row = conn.execute(
            f"{_INTERCONNECT_SELECT} WHERE ((ecgrid_id_from = ? AND ecgrid_id_to = ?) "
            f"OR (ecgrid_id_from = ? AND ecgrid_id_to = ?)) AND status IN ({marks}) "
            "ORDER BY interconnect_id LIMIT 1",
            (a, b, b, a, *statuses),
        ).fetchone()
        return InterconnectRecord(*row) if row else None

    @staticmethod
    def _next_id(conn: sqlite3.Connection, table: str, column: str, first: int) -> int:
        row = conn.execute(f"SELECT max({column}) FROM {table}").fetchone()
        return first if row[0] is None else max(first, int(row[0]) + 1)

    # -- ECGrid IDs ------------------------------------------------------------------

    def find_ids(self, qualifier: str, isa_id: str) -> list[EcgridIdRecord]:
        """Exact QID matches in any status: qualifier and ISA ID compared case-insensitively."""
        with self._lock:
            rows = self._db().execute(
                f"{_ID_SELECT} WHERE i.qualifier = ? COLLATE NOCASE "
                "AND i.isa_id = ? COLLATE NOCASE ORDER BY i.ecgrid_id",
                (qualifier.strip(), isa_id.rstrip(" ")),
            )
            return [EcgridIdRecord(*row) for row in rows]

    def get_id(self, ecgrid_id: int) -> EcgridIdRecord:
        with self._lock:
            return self._id_or_404(self._db(), ecgrid_id)

    def create_id(
        self,
        *,
        mailbox_id: int,
        qualifier: str,
        isa_id: str,
        description: str | None = None,
        edi_standard: str | None = None,
        routing_group: str | None = None,
    ) -> EcgridIdRecord:
        qualifier = _checked_qualifier(qualifier)
        isa_id = _checked_isa_id(isa_id)
        with self._transaction() as conn:
            self._mailbox_network_or_404(conn, mailbox_id)
            taken = conn.execute(
                "SELECT ecgrid_id FROM ecgrid_ids WHERE qualifier = ? COLLATE NOCASE "
                "AND isa_id = ? COLLATE NOCASE AND status != ? ORDER BY ecgrid_id LIMIT 1",
                (qualifier, isa_id, TERMINATED),
            ).fetchone()
            if taken is not None:
                raise duplicate(
                    f"QID {qualifier}/{isa_id} is already in use by ECGrid ID {taken[0]}"
                )
            new_id = self._next_id(conn, "ecgrid_ids", "ecgrid_id", FIRST_ECGRID_ID)
            now = self._clock()
            conn.execute(
                "INSERT INTO ecgrid_ids VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id,
                    mailbox_id,
                    qualifier,
                    isa_id,
                    description,
                    ACTIVE,
                    routing_group or seed.DEFAULT_ROUTING_GROUP,
                    edi_standard or seed.DEFAULT_EDI_STANDARD,
                    now,
                    now,
                ),
            )
            return self._id_or_404(conn, new_id)

    def list_ids(
        self,
        *,
        mailbox_id: int | None = None,
        network_id: int | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = 25,
    ) -> list[EcgridIdRecord]:
        where: list[str] = []
        args: list[object] = []
        for clause, value in (
            ("i.mailbox_id = ?", mailbox_id),
            ("m.network_id = ?", network_id),
            ("i.status = ?", status),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = _ID_SELECT + (f" WHERE {' AND '.join(where)}" if where else "")
        with self._lock:
            rows = self._db().execute(
                f"{sql} ORDER BY i.ecgrid_id LIMIT ? OFFSET ?",
                (*args, *_page_bounds(page, per_page)),
            )
            return [EcgridIdRecord(*row) for row in rows]

    def tp_move(self, ecgrid_id: int, new_mailbox_id: int) -> EcgridIdRecord:
        """Move an ID to another mailbox of its own network."""
        with self._transaction() as conn:
            current = self._id_or_404(conn, ecgrid_id)
            network_id = self._mailbox_network_or_404(conn, new_mailbox_id)
            if current.mailbox_id == new_mailbox_id:
                return current
            if current.status == TERMINATED:
                raise invalid(f"ECGrid ID {ecgrid_id} is terminated and cannot be moved")
            if network_id != current.network_id:
                raise invalid(
                    f"mailbox {new_mailbox_id} is in network {network_id}, not in network "
                    f"{current.network_id} of ECGrid ID {ecgrid_id}: a TP move stays within "
                    "one network"
                )
            conn.execute(
                "UPDATE ecgrid_ids SET mailbox_id = ?, modified = ? WHERE ecgrid_id = ?",
                (new_mailbox_id, self._clock(), ecgrid_id),
            )
            return self._id_or_404(conn, ecgrid_id)

    # -- interconnects ---------------------------------------------------------------

    def create_interconnect(
        self, ecgrid_id_from: int, ecgrid_id_to: int, status: str = ACTIVE
    ) -> InterconnectRecord:
        if status == TERMINATED:
            raise invalid("an interconnect cannot be created in status Terminated")
        if ecgrid_id_from == ecgrid_id_to:
            raise invalid("ecGridIdFrom and ecGridIdTo must be different ECGrid IDs")
        with self._transaction() as conn:
            for role, ecgrid_id in (("from", ecgrid_id_from), ("to", ecgrid_id_to)):
                record = self._id_or_404(conn, ecgrid_id, role)
                if record.status == TERMINATED:
                    raise invalid(f"{role} ECGrid ID {ecgrid_id} is terminated")
            live = tuple(s for s in STATUSES if s != TERMINATED)
            existing = self._between(conn, ecgrid_id_from, ecgrid_id_to, live)
            if existing is not None:
                raise duplicate(
                    f"interconnect {existing.interconnect_id} already joins ECGrid IDs "
                    f"{existing.ecgrid_id_from} and {existing.ecgrid_id_to} "
                    f"(status {existing.status})"
                )
            new_id = self._next_id(conn, "interconnects", "interconnect_id", FIRST_INTERCONNECT_ID)
            now = self._clock()
            conn.execute(
                "INSERT INTO interconnects VALUES (?, ?, ?, ?, ?, ?)",
                (new_id, ecgrid_id_from, ecgrid_id_to, status, now, now),
            )
            return self._interconnect_or_404(conn, new_id)

    def get_interconnect(self, interconnect_id: int) -> InterconnectRecord:
        with self._lock:
            return self._interconnect_or_404(self._db(), interconnect_id)

    def list_interconnects(
        self, ecgrid_id: int, *, status: str | None = None, page: int = 1, per_page: int = 25
    ) -> list[InterconnectRecord]:
        """Interconnects with ``ecgrid_id`` on either side, ordered by interconnect ID."""
        where, args = self._either_side(ecgrid_id, status)
        with self._lock:
            conn = self._db()
            self._id_or_404(conn, ecgrid_id)
            rows = conn.execute(
                f"{_INTERCONNECT_SELECT} WHERE {where} ORDER BY interconnect_id LIMIT ? OFFSET ?",
                (*args, *_page_bounds(page, per_page)),
            )
            return [InterconnectRecord(*row) for row in rows]

    def count_interconnects(self, ecgrid_id: int, status: str | None = None) -> int:
        where, args = self._either_side(ecgrid_id, status)
        with self._lock:
            conn = self._db()
            self._id_or_404(conn, ecgrid_id)
            return int(
                conn.execute(f"SELECT count(*) FROM interconnects WHERE {where}", args).fetchone()[
                    0
                ]
            )

    @staticmethod
    def _either_side(ecgrid_id: int, status: str | None) -> tuple[str, tuple[object, ...]]:
        where = "(ecgrid_id_from = ? OR ecgrid_id_to = ?)"
        if status is None:
            return where, (ecgrid_id, ecgrid_id)
        return f"{where} AND status = ?", (ecgrid_id, ecgrid_id, status)

    def terminate_interconnect(self, interconnect_id: int) -> None:
        """Set status Terminated (irreversible)."""
        with self._transaction() as conn:
            current = self._interconnect_or_404(conn, interconnect_id)
            if current.status == TERMINATED:
                raise invalid(f"interconnect {interconnect_id} is already terminated")
            conn.execute(
                "UPDATE interconnects SET status = ?, modified = ? WHERE interconnect_id = ?",
                (TERMINATED, self._clock(), interconnect_id),
            )

    def add_note(self, interconnect_id: int, text: str, user_id: int) -> None:
        with self._transaction() as conn:
            self._interconnect_or_404(conn, interconnect_id)
            conn.execute(
                "INSERT INTO notes (interconnect_id, text, user_id, timestamp) VALUES (?, ?, ?, ?)",
                (interconnect_id, text, user_id, self._clock()),
            )

    def list_notes(self, interconnect_id: int) -> list[NoteRecord]:
        with self._lock:
            conn = self._db()
            self._interconnect_or_404(conn, interconnect_id)
            rows = conn.execute(
                "SELECT text, timestamp, user_id FROM notes WHERE interconnect_id = ? "
                "ORDER BY note_id",
                (interconnect_id,),
            )
            return [NoteRecord(*row) for row in rows]

    # -- parcels ---------------------------------------------------------------------

    def send_test_file(
        self, ecgrid_id_from: int, ecgrid_id_to: int, document_type: str | None = None
    ) -> int:
        """Record a test parcel; needs an Active interconnect in either orientation."""
        with self._transaction() as conn:
            self._id_or_404(conn, ecgrid_id_from, "from")
            self._id_or_404(conn, ecgrid_id_to, "to")
            if self._between(conn, ecgrid_id_from, ecgrid_id_to, (ACTIVE,)) is None:
                raise invalid(
                    f"no Active interconnect joins ECGrid IDs {ecgrid_id_from} and "
                    f"{ecgrid_id_to}: the test parcel would be rejected"
                )
            parcel_id = self._next_id(conn, "parcels", "parcel_id", FIRST_PARCEL_ID)
            conn.execute(
                "INSERT INTO parcels VALUES (?, ?, ?, ?, ?)",
                (parcel_id, ecgrid_id_from, ecgrid_id_to, document_type, self._clock()),
            )
            return parcel_id


def _checked_qualifier(value: str) -> str:
    value = value.strip().upper()
    if len(value) != 2 or not value.isascii() or not value.isalnum():
        raise invalid(f"qualifier must be 2 letters or digits (like 01, 12, ZZ), got {value!r}")
    return value


def _checked_isa_id(value: str) -> str:
    value = value.rstrip(" ")
    if not value or value.startswith(" "):
        raise invalid("id (the ISA ID) must not be empty or start with a space")
    if len(value) > ISA_ID_MAX_LENGTH:
        raise invalid(f"id (the ISA ID) is longer than {ISA_ID_MAX_LENGTH} characters")
    if not value.isascii() or not value.isprintable():
        raise invalid("id (the ISA ID) must be printable ASCII")
    return value


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
