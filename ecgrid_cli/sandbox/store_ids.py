"""ECGrid ID rules: find, create (a QID is unique network-wide while live), list, move."""

from __future__ import annotations

from ecgrid_cli.sandbox import seed
from ecgrid_cli.sandbox.records import (
    ACTIVE,
    DEFAULT_USE_TYPE,
    TERMINATED,
    EcgridIdRecord,
    checked_isa_id,
    checked_qualifier,
    duplicate,
    invalid,
)
from ecgrid_cli.sandbox.schema import ID_SELECT
from ecgrid_cli.sandbox.store_base import StoreBase

FIRST_ECGRID_ID = 100001


def _page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """LIMIT and OFFSET for a 1-based page (values already validated by the caller)."""
    return per_page, (page - 1) * per_page


class IdRules(StoreBase):
    def find_ids(
        self, qualifier: str | None, isa_id: str, *, active_only: bool = False
    ) -> list[EcgridIdRecord]:
        """Exact QID matches (case-insensitive; no qualifier = any), in any status by default."""
        where = ["i.isa_id = ? COLLATE NOCASE"]
        args: list[object] = [isa_id.rstrip(" ")]
        if qualifier is not None and qualifier.strip():
            where.append("i.qualifier = ? COLLATE NOCASE")
            args.append(qualifier.strip())
        if active_only:
            where.append("i.status = ?")
            args.append(ACTIVE)
        with self._lock:
            rows = self._db().execute(
                f"{ID_SELECT} WHERE {' AND '.join(where)} ORDER BY i.ecgrid_id", args
            )
            return [EcgridIdRecord(*row) for row in rows]

    def get_id(self, ecgrid_id: int) -> EcgridIdRecord:
        with self._lock:
            return self._id_or_404(self._db(), ecgrid_id)

    def mailbox_network(self, mailbox_id: int) -> int:
        """The network of a mailbox (404 when there is no such mailbox)."""
        with self._lock:
            return self._mailbox_network_or_404(self._db(), mailbox_id)

    def create_id(
        self,
        *,
        mailbox_id: int,
        qualifier: str,
        isa_id: str,
        description: str | None = None,
        edi_standard: str | None = None,
        routing_group: str | None = None,
        use_type: str | None = None,
        network_id: int | None = None,
    ) -> EcgridIdRecord:
        """A new Active ID; ``network_id``, when given, must be the mailbox's network."""
        qualifier = checked_qualifier(qualifier)
        isa_id = checked_isa_id(isa_id)
        with self._transaction() as conn:
            actual_network = self._mailbox_network_or_404(conn, mailbox_id)
            if network_id is not None and network_id != actual_network:
                raise invalid(
                    f"mailbox {mailbox_id} is in network {actual_network}, not in network "
                    f"{network_id}",
                    retcode="InvalidID",
                    item=f"MailboxID {mailbox_id}",
                )
            taken = conn.execute(
                "SELECT ecgrid_id FROM ecgrid_ids WHERE qualifier = ? COLLATE NOCASE "
                "AND isa_id = ? COLLATE NOCASE AND status != ? ORDER BY ecgrid_id LIMIT 1",
                (qualifier, isa_id, TERMINATED),
            ).fetchone()
            if taken is not None:
                raise duplicate(
                    f"QID {qualifier}/{isa_id} already exists: it is ECGrid ID {taken[0]}",
                    retcode="IDExistsOnNetwork",
                    item=f"{qualifier}:{isa_id}",
                )
            new_id = self._next_id(conn, "ecgrid_ids", "ecgrid_id", FIRST_ECGRID_ID)
            now = self._now()
            conn.execute(
                "INSERT INTO ecgrid_ids VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id,
                    mailbox_id,
                    qualifier,
                    isa_id,
                    description,
                    ACTIVE,
                    routing_group or seed.DEFAULT_ROUTING_GROUP,
                    edi_standard or seed.DEFAULT_EDI_STANDARD,
                    use_type or DEFAULT_USE_TYPE,
                    now,
                    None,
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
        sql = ID_SELECT + (f" WHERE {' AND '.join(where)}" if where else "")
        with self._lock:
            rows = self._db().execute(
                f"{sql} ORDER BY i.ecgrid_id LIMIT ? OFFSET ?",
                (*args, *_page_bounds(page, per_page)),
            )
            return [EcgridIdRecord(*row) for row in rows]

    def tp_move(self, ecgrid_id: int, new_mailbox_id: int) -> EcgridIdRecord:
        """Move an ID to another mailbox of its own network; the new owner is effective now."""
        with self._transaction() as conn:
            current = self._id_or_404(conn, ecgrid_id)
            network_id = self._mailbox_network_or_404(conn, new_mailbox_id)
            if current.mailbox_id == new_mailbox_id:
                return current
            if current.status == TERMINATED:
                raise invalid(
                    f"ECGrid ID {ecgrid_id} is terminated and cannot be moved",
                    item=f"ECGridID {ecgrid_id}",
                )
            if network_id != current.network_id:
                raise invalid(
                    f"mailbox {new_mailbox_id} is in network {network_id}, not in network "
                    f"{current.network_id} of ECGrid ID {ecgrid_id}: a TP move stays within "
                    "one network",
                    retcode="InvalidID",
                    item=f"MailboxID {new_mailbox_id}",
                )
            now = self._now()
            conn.execute(
                "UPDATE ecgrid_ids SET mailbox_id = ?, owner_effective = ?, modified = ? "
                "WHERE ecgrid_id = ?",
                (new_mailbox_id, now, now, ecgrid_id),
            )
            return self._id_or_404(conn, ecgrid_id)
