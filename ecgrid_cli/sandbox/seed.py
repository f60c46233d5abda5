"""Demo data inserted into a new (or reset) sandbox database.

The README's examples depend on these exact values: your own ID 111111, the partner
01/PARTNERCO = 334455, and ID 123456 with 14 Active interconnects out of 18. New
interconnects get IDs from 88019 on, so seed interconnects added later sit below 88001.

Health-check demo: interconnects 87001-87006 from 111111 to the partners 700001-700006
(mailbox 2001, network 7) each show one outcome of the interconnect health check:
healthy, no traffic, interconnect suspended, partner ID suspended, move pending, and
delivery failing. ZZ/NEWPARTNER is deliberately unused (an onboarding walk-through).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

DEFAULT_ROUTING_GROUP = "ProductionA"
DEFAULT_EDI_STANDARD = "X12"
DEFAULT_USE_TYPE = "Production"

# A fixed clock for seed rows, so that listings look the same on every machine.
SEED_EPOCH = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)

NETWORKS: tuple[tuple[int, str], ...] = (
    (42, "Sandbox Network"),
    (9, "Partner VAN"),
    (7, "Trading Partner Hub"),
)
# (mailbox_id, network_id, name)
MAILBOXES: tuple[tuple[int, int, str], ...] = (
    (1001, 42, "Main Mailbox"),
    (1002, 42, "Second Mailbox"),
    (3001, 9, "Partner Mailbox"),
    (2001, 7, "Hub Mailbox"),
)

# (ecgrid_id, mailbox_id, qualifier, isa_id, description, status)
_NAMED_IDS: tuple[tuple[int, int, str, str, str, str], ...] = (
    (111111, 1001, "ZZ", "MYCOMPANY", "My Company", "Active"),
    (123456, 1001, "01", "PARTNER001", "Acme Corp Production", "Active"),
    (334455, 3001, "01", "PARTNERCO", "Partner Company Inc.", "Active"),
    (445566, 3001, "12", "5551234567", "Widget Supply", "Active"),
    # A QID that was given up and registered again: only one of them is live.
    (500001, 2001, "ZZ", "REUSEDCO", "Reused Co (former owner)", "Terminated"),
    (500002, 3001, "ZZ", "REUSEDCO", "Reused Co", "Active"),
    # Two live IDs with one QID (legacy data): lookups by QID are ambiguous.
    (600001, 2001, "ZZ", "TWINCO", "legacy duplicate", "Active"),
    (600002, 3001, "ZZ", "TWINCO", "legacy duplicate", "Active"),
    # Health-check demo partners (see HEALTH_DEMO).
    (700001, 2001, "ZZ", "HEALTHYCO", "Healthy Co", "Active"),
    (700002, 2001, "ZZ", "QUIETCO", "Quiet Co", "Active"),
    (700003, 2001, "ZZ", "HELDCO", "Held Co", "Active"),
    (700004, 2001, "ZZ", "DORMANTCO", "Dormant Co", "Suspended"),
    (700005, 2001, "ZZ", "MOVINGCO", "Moving Co", "Active"),
    (700006, 2001, "ZZ", "BOUNCECO", "Bounce Co", "Active"),
)
PARTNER_IDS = range(200001, 200021)

OWN_ID = 111111
HUB_ID = 123456
# Status of the interconnect between HUB_ID and each partner; 200019/200020 have none.
_HUB_INTERCONNECTS: dict[int, str] = {
    **{partner: "Active" for partner in range(200001, 200015)},
    200015: "Suspended",
    200016: "Suspended",
    200017: "Development",
    200018: "Terminated",
}
# The partner initiated this one (it is the From side): lists match either side.
_PARTNER_INITIATED = {200014}
FIRST_SEED_INTERCONNECT_ID = 88001

# Health-check demo: (interconnect_id, partner ecgrid_id, interconnect status, traffic).
HEALTH_DEMO: tuple[tuple[int, int, str, bool], ...] = (
    (87001, 700001, "Active", True),  # healthy
    (87002, 700002, "Active", False),  # no traffic has flowed
    (87003, 700003, "Suspended", True),  # the interconnect is not routing
    (87004, 700004, "Active", True),  # the partner's ECGrid ID is Suspended
    (87005, 700005, "Active", True),  # a move of the partner's ID is scheduled
    (87006, 700006, "Active", True),  # every test parcel to or from it fails
)
# A scheduled move: the owner that becomes effective on this date.
MOVE_PENDING = {700005: datetime(2099, 1, 1, 0, 0, 0, tzinfo=UTC)}
# Test parcels to or from this QID always fail.
BOUNCE_QID = ("ZZ", "BOUNCECO")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def id_rows() -> list[tuple[object, ...]]:
    """Rows for the ``ecgrid_ids`` table, in column order."""
    created = _stamp(SEED_EPOCH)
    rows: list[tuple[object, ...]] = []
    named = list(_NAMED_IDS)
    named += [
        (partner, 2001, "ZZ", f"TP{partner}", f"Trading Partner {partner}", "Active")
        for partner in PARTNER_IDS
    ]
    for ecgrid_id, mailbox_id, qualifier, isa_id, description, status in sorted(named):
        effective = MOVE_PENDING.get(ecgrid_id)
        rows.append(
            (
                ecgrid_id,
                mailbox_id,
                qualifier,
                isa_id,
                description,
                status,
                DEFAULT_ROUTING_GROUP,
                DEFAULT_EDI_STANDARD,
                DEFAULT_USE_TYPE,
                _stamp(effective) if effective else created,
                None,
                created,
                created,
            )
        )
    return rows


def _interconnect_row(
    interconnect_id: int,
    ends: tuple[int, int],
    status: str,
    created: datetime,
    modified: datetime,
    traffic: bool = False,
) -> tuple[object, ...]:
    completed = _stamp(created) if status in ("Active", "Suspended") else None
    outbound = _stamp(created + timedelta(days=3, hours=5)) if traffic else None
    inbound = _stamp(created + timedelta(days=3, hours=6, minutes=30)) if traffic else None
    return (
        interconnect_id,
        *ends,
        status,
        _stamp(created),
        _stamp(modified),
        completed,
        inbound,
        outbound,
        None,
        None,
        None,
    )


def interconnect_rows() -> list[tuple[object, ...]]:
    """Rows for the ``interconnects`` table, in column order."""
    rows: list[tuple[object, ...]] = []
    for offset, (partner, status) in enumerate(sorted(_HUB_INTERCONNECTS.items())):
        created = SEED_EPOCH + timedelta(days=offset + 1)
        modified = created + timedelta(days=30) if status != "Active" else created
        ends = (partner, HUB_ID) if partner in _PARTNER_INITIATED else (HUB_ID, partner)
        rows.append(
            _interconnect_row(FIRST_SEED_INTERCONNECT_ID + offset, ends, status, created, modified)
        )
    for offset, (interconnect_id, partner, status, traffic) in enumerate(HEALTH_DEMO):
        created = SEED_EPOCH + timedelta(days=20 + offset)
        modified = created + timedelta(days=30) if status != "Active" else created
        rows.append(
            _interconnect_row(
                interconnect_id, (OWN_ID, partner), status, created, modified, traffic
            )
        )
    return rows


def apply(conn: sqlite3.Connection) -> None:
    """Insert the demo data (the caller owns the transaction)."""
    conn.executemany("INSERT INTO networks VALUES (?, ?)", NETWORKS)
    conn.executemany("INSERT INTO mailboxes VALUES (?, ?, ?)", MAILBOXES)
    conn.executemany(f"INSERT INTO ecgrid_ids VALUES ({_marks(13)})", id_rows())
    conn.executemany(f"INSERT INTO interconnects VALUES ({_marks(12)})", interconnect_rows())


def _marks(count: int) -> str:
    return ", ".join("?" * count)
