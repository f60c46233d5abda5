"""Test parcels: sent over a routing interconnect, delivered (or failed) as time passes.

No background threads: a parcel's status is derived from the time since it was sent.
It is ``outboxPending`` for the first half of ``parcel_seconds``, ``outboxSent`` for the
second half, then ``InBoxReady`` (delivered) or ``outboxFailed``. Whether it fails is
decided when it is sent (``parcel_fail_rate``, seeded RNG; parcels to or from the demo
partner ZZ/BOUNCECO always fail). The first time a parcel is read as delivered, the
interconnect records traffic in the parcel's direction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ecgrid_cli.sandbox import seed
from ecgrid_cli.sandbox.records import ACTIVE, ParcelRecord, invalid, not_found, stamp
from ecgrid_cli.sandbox.store_interconnects import InterconnectRules

FIRST_PARCEL_ID = 900001
PENDING = "outboxPending"
SENT = "outboxSent"
DELIVERED = "InBoxReady"
FAILED = "outboxFailed"
PARCEL_STATUSES = (PENDING, SENT, DELIVERED, FAILED)


def parcel_state(elapsed: float, seconds: float, fails: bool) -> tuple[str, float]:
    """(status, seconds after sending at which it reached that status)."""
    if elapsed < seconds / 2:
        return PENDING, 0.0
    if elapsed < seconds:
        return SENT, seconds / 2
    return (FAILED if fails else DELIVERED), seconds


def sample_interchange(parcel_id: int, sender: str, receiver: str, document_type: str) -> str:
    """The X12 text a test parcel carries (only its name and size are ever shown)."""
    control = f"{parcel_id % 1_000_000_000:09d}"
    return (
        f"ISA*00*          *00*          *{sender}*{receiver}*260105*0900*U*00401*"
        f"{control}*0*T*>~GS*TS*SANDBOX*SANDBOX*20260105*0900*1*X*004010~"
        f"ST*{document_type[:3] or 'TST'}*0001~SE*2*0001~GE*1*1~IEA*1*{control}~\n"
    )


class ParcelRules(InterconnectRules):
    def send_test_file(
        self, ecgrid_id_from: int, ecgrid_id_to: int, document_type: str | None = None
    ) -> int:
        """Record a test parcel; needs an Active interconnect in either orientation."""
        with self._transaction() as conn:
            sender = self._id_or_404(conn, ecgrid_id_from, "from")
            receiver = self._id_or_404(conn, ecgrid_id_to, "to")
            if self._between(conn, ecgrid_id_from, ecgrid_id_to, (ACTIVE,)) is None:
                raise invalid(
                    f"no Active interconnect joins ECGrid IDs {ecgrid_id_from} and "
                    f"{ecgrid_id_to}: the test parcel would be rejected",
                    item=f"ECGridID {ecgrid_id_to}",
                )
            bounce = any(
                (record.qualifier.upper(), record.isa_id.upper()) == seed.BOUNCE_QID
                for record in (sender, receiver)
            )
            fails = bounce or self._draw_failure()
            parcel_id = self._next_id(conn, "parcels", "parcel_id", FIRST_PARCEL_ID)
            content = sample_interchange(
                parcel_id,
                f"{sender.qualifier}*{sender.isa_id:<15}",
                f"{receiver.qualifier}*{receiver.isa_id:<15}",
                document_type or "",
            )
            now = self._clock()
            conn.execute(
                "INSERT INTO parcels (parcel_id, ecgrid_id_from, ecgrid_id_to, mailbox_id, "
                "network_id, document_type, file_name, bytes, created, created_epoch, fails) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    parcel_id,
                    ecgrid_id_from,
                    ecgrid_id_to,
                    sender.mailbox_id,
                    sender.network_id,
                    document_type,
                    f"sandbox-test-{parcel_id}.x12",
                    len(content.encode("ascii", "replace")),
                    stamp(now),
                    now.timestamp(),
                    int(fails),
                ),
            )
            return parcel_id

    def _draw_failure(self) -> bool:
        if self.parcel_fail_rate <= 0.0:
            return False  # draw nothing, so seeded runs stay reproducible
        return self._parcel_rng.random() < self.parcel_fail_rate

    def get_parcel(self, parcel_id: int) -> ParcelRecord:
        """The parcel with its current status (recording traffic when first seen delivered)."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT parcel_id, ecgrid_id_from, ecgrid_id_to, mailbox_id, network_id, "
                "document_type, file_name, bytes, created, created_epoch, fails, "
                "traffic_recorded FROM parcels WHERE parcel_id = ?",
                (parcel_id,),
            ).fetchone()
            if row is None:
                raise not_found(f"parcel {parcel_id} not found", item=f"ParcelID {parcel_id}")
            *fields, created_epoch, fails, traffic_recorded = row
            now = self._clock()
            status, after = parcel_state(
                now.timestamp() - created_epoch, self.parcel_seconds, bool(fails)
            )
            if status == DELIVERED and not traffic_recorded:
                self._record_traffic(conn, fields[1], fields[2], stamp(now))
                conn.execute(
                    "UPDATE parcels SET traffic_recorded = 1 WHERE parcel_id = ?", (parcel_id,)
                )
            modified = stamp(datetime.fromtimestamp(created_epoch + after, UTC))
            return ParcelRecord(*fields, status=status, modified=modified)
