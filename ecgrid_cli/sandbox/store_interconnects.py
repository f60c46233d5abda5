"""Interconnect rules: one live record per pair (either orientation), notes, traffic."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ecgrid_cli.sandbox.records import (
    ACTIVE,
    STATUSES,
    TERMINATED,
    InterconnectRecord,
    NoteRecord,
    duplicate,
    invalid,
)
from ecgrid_cli.sandbox.schema import INTERCONNECT_COLUMNS, INTERCONNECT_SELECT, NOTE_SELECT
from ecgrid_cli.sandbox.store_base import StoreBase
from ecgrid_cli.sandbox.store_ids import _page_bounds

FIRST_INTERCONNECT_ID = 88001
LIVE = tuple(s for s in STATUSES if s != TERMINATED)


@dataclass(frozen=True)
class Scope:
    """Which interconnects a SOAP listing or count covers: by ID, else mailbox, else network."""

    ecgrid_id: int | None = None
    mailbox_id: int | None = None
    network_id: int | None = None

    def where(self) -> tuple[str, tuple[object, ...]]:
        if self.ecgrid_id is not None:
            return "(ecgrid_id_from = ? OR ecgrid_id_to = ?)", (self.ecgrid_id, self.ecgrid_id)
        if self.mailbox_id is not None:
            ids = "SELECT ecgrid_id FROM ecgrid_ids WHERE mailbox_id = ?"
            clause = f"(ecgrid_id_from IN ({ids}) OR ecgrid_id_to IN ({ids}))"
            return clause, (self.mailbox_id, self.mailbox_id)
        if self.network_id is not None:
            ids = (
                "SELECT ecgrid_id FROM ecgrid_ids JOIN mailboxes USING (mailbox_id) "
                "WHERE network_id = ?"
            )
            clause = f"(ecgrid_id_from IN ({ids}) OR ecgrid_id_to IN ({ids}))"
            return clause, (self.network_id, self.network_id)
        return "1 = 1", ()


class InterconnectRules(StoreBase):
    def create_interconnect(
        self,
        ecgrid_id_from: int,
        ecgrid_id_to: int,
        status: str = ACTIVE,
        *,
        reference: str | None = None,
        contact_name: str | None = None,
        contact_email: str | None = None,
        note: str | None = None,
        user_id: int = 0,
    ) -> InterconnectRecord:
        if status == TERMINATED:
            raise invalid("an interconnect cannot be created in status Terminated")
        if ecgrid_id_from == ecgrid_id_to:
            raise invalid(
                "ecGridIdFrom and ecGridIdTo must be different ECGrid IDs",
                retcode="InvalidID",
                item=f"ECGridID {ecgrid_id_to}",
            )
        with self._transaction() as conn:
            for role, ecgrid_id in (("from", ecgrid_id_from), ("to", ecgrid_id_to)):
                record = self._id_or_404(conn, ecgrid_id, role)
                if record.status == TERMINATED:
                    raise invalid(
                        f"{role} ECGrid ID {ecgrid_id} is terminated",
                        retcode="InvalidID",
                        item=f"ECGridID {ecgrid_id}",
                    )
            existing = self._between(conn, ecgrid_id_from, ecgrid_id_to, LIVE)
            if existing is not None:
                raise duplicate(
                    f"interconnect {existing.interconnect_id} already joins ECGrid IDs "
                    f"{existing.ecgrid_id_from} and {existing.ecgrid_id_to} "
                    f"(status {existing.status})",
                    item=f"InterconnectID {existing.interconnect_id}",
                )
            new_id = self._next_id(conn, "interconnects", "interconnect_id", FIRST_INTERCONNECT_ID)
            now = self._now()
            conn.execute(
                f"INSERT INTO interconnects ({INTERCONNECT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)",
                (
                    new_id,
                    ecgrid_id_from,
                    ecgrid_id_to,
                    status,
                    now,
                    now,
                    now if status == ACTIVE else None,
                    reference,
                    contact_name,
                    contact_email,
                ),
            )
            if note and note.strip():
                self._insert_note(conn, new_id, note, user_id, status)
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
                f"{INTERCONNECT_SELECT} WHERE {where} ORDER BY interconnect_id LIMIT ? OFFSET ?",
                (*args, *_page_bounds(page, per_page)),
            )
            return [InterconnectRecord(*row) for row in rows]

    def count_interconnects(self, ecgrid_id: int, status: str | None = None) -> int:
        where, args = self._either_side(ecgrid_id, status)
        with self._lock:
            conn = self._db()
            self._id_or_404(conn, ecgrid_id)
            row = conn.execute(f"SELECT count(*) FROM interconnects WHERE {where}", args)
            return int(row.fetchone()[0])

    @staticmethod
    def _either_side(ecgrid_id: int, status: str | None) -> tuple[str, tuple[object, ...]]:
        where = "(ecgrid_id_from = ? OR ecgrid_id_to = ?)"
        if status is None:
            return where, (ecgrid_id, ecgrid_id)
        return f"{where} AND status = ?", (ecgrid_id, ecgrid_id, status)

    def interconnects_between(self, a: int, b: int | None) -> list[InterconnectRecord]:
        """Interconnects joining a and b in either orientation, any status (b None: all of a)."""
        with self._lock:
            conn = self._db()
            self._id_or_404(conn, a)
            if b is None:
                where, args = self._either_side(a, None)
            else:
                where = (
                    "((ecgrid_id_from = ? AND ecgrid_id_to = ?) "
                    "OR (ecgrid_id_from = ? AND ecgrid_id_to = ?))"
                )
                args = (a, b, b, a)
            rows = conn.execute(
                f"{INTERCONNECT_SELECT} WHERE {where} ORDER BY interconnect_id", args
            )
            return [InterconnectRecord(*row) for row in rows]

    def interconnects_in(
        self, scope: Scope, *, statuses: tuple[str, ...] | None = None, since: str | None = None
    ) -> list[InterconnectRecord]:
        """Interconnects in ``scope`` with one of ``statuses``, modified at or after ``since``."""
        where, args = self._scoped(scope, statuses, since)
        with self._lock:
            rows = self._db().execute(
                f"{INTERCONNECT_SELECT} WHERE {where} ORDER BY interconnect_id", args
            )
            return [InterconnectRecord(*row) for row in rows]

    def count_by_status(self, scope: Scope, *, since: str | None = None) -> dict[str, int]:
        where, args = self._scoped(scope, None, since)
        with self._lock:
            rows = self._db().execute(
                f"SELECT status, count(*) FROM interconnects WHERE {where} GROUP BY status", args
            )
            return {str(status): int(total) for status, total in rows}

    @staticmethod
    def _scoped(
        scope: Scope, statuses: tuple[str, ...] | None, since: str | None
    ) -> tuple[str, tuple[object, ...]]:
        where, args = scope.where()
        if statuses is not None:
            where += f" AND status IN ({', '.join('?' * len(statuses)) or 'NULL'})"
            args += statuses
        if since is not None:
            where += " AND modified >= ?"
            args += (since,)
        return where, args

    def terminate_interconnect(
        self, interconnect_id: int, *, note: str | None = None, user_id: int = 0
    ) -> None:
        """Set status Terminated (irreversible); a non-empty ``note`` is kept with it."""
        with self._transaction() as conn:
            current = self._interconnect_or_404(conn, interconnect_id)
            if current.status == TERMINATED:
                raise invalid(
                    f"interconnect {interconnect_id} is already terminated",
                    item=f"InterconnectID {interconnect_id}",
                )
            conn.execute(
                "UPDATE interconnects SET status = ?, modified = ? WHERE interconnect_id = ?",
                (TERMINATED, self._now(), interconnect_id),
            )
            if note and note.strip():
                self._insert_note(conn, interconnect_id, note, user_id, TERMINATED)

    # -- notes -------------------------------------------------------------------------

    def add_note(
        self,
        interconnect_id: int,
        text: str,
        user_id: int,
        *,
        mail_to: str | None = None,
        attachment_name: str | None = None,
        attachment: bytes | None = None,
    ) -> None:
        with self._transaction() as conn:
            current = self._interconnect_or_404(conn, interconnect_id)
            self._insert_note(
                conn,
                interconnect_id,
                text,
                user_id,
                current.status,
                mail_to,
                attachment_name,
                attachment,
            )

    def _insert_note(
        self,
        conn: sqlite3.Connection,
        interconnect_id: int,
        text: str,
        user_id: int,
        status: str,
        mail_to: str | None = None,
        attachment_name: str | None = None,
        attachment: bytes | None = None,
    ) -> None:
        conn.execute(
            "INSERT INTO notes (interconnect_id, text, timestamp, user_id, status, mail_to, "
            "attachment_name, attachment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                interconnect_id,
                text,
                self._now(),
                user_id,
                status,
                mail_to,
                attachment_name,
                attachment,
            ),
        )

    def list_notes(self, interconnect_id: int) -> list[NoteRecord]:
        with self._lock:
            conn = self._db()
            self._interconnect_or_404(conn, interconnect_id)
            rows = conn.execute(
                f"{NOTE_SELECT} WHERE interconnect_id = ? ORDER BY note_id", (interconnect_id,)
            )
            return [NoteRecord(*row) for row in rows]

    # -- traffic -----------------------------------------------------------------------

    def _record_traffic(
        self, conn: sqlite3.Connection, sender: int, receiver: int, moment: str
    ) -> None:
        """Traffic from ``sender`` to ``receiver`` on the live interconnect joining them."""
        record = self._between(conn, sender, receiver, LIVE)
        if record is None:
            return
        column = (
            "last_traffic_outbound" if record.ecgrid_id_from == sender else "last_traffic_inbound"
        )
        conn.execute(
            f"UPDATE interconnects SET {column} = ? WHERE interconnect_id = ?",
            (moment, record.interconnect_id),
        )
