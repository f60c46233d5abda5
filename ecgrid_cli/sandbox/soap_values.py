"""Store rows as values of the SOAP types (dicts keyed by element name; see soap_types).

The store keeps REST status words; SOAP answers carry the SOAP words of
``ecgrid_cli.statuses``, so a record written over one API reads the same over the other.
"""

from __future__ import annotations

from typing import Any

from ecgrid_cli.sandbox.auth import SANDBOX_USER
from ecgrid_cli.sandbox.records import (
    EcgridIdRecord,
    InterconnectRecord,
    NoteRecord,
    ParcelRecord,
)
from ecgrid_cli.sandbox.rest_wire import padded
from ecgrid_cli.sandbox.soap_types import ENUMS
from ecgrid_cli.sandbox.store_parcels import DELIVERED, FAILED, PENDING
from ecgrid_cli.statuses import ID_REST_TO_SOAP, INTERCONNECT_REST_TO_SOAP

# ParcelIDInfo.StatusCode: empty while the parcel is on its way.
_PARCEL_STATUS_CODES = {DELIVERED: "InBoxReady", FAILED: "outboxDeliveryError"}
_PARCEL_MESSAGES = {
    PENDING: "Parcel accepted; waiting in the outbox",
    DELIVERED: "Delivered to the recipient's InBox",
    FAILED: "Delivery to the recipient failed",
}
_PARCEL_VALID = {PENDING: "Pending", DELIVERED: "VallidRouted", FAILED: "ValidNoneRouted"}


def _member(enum: str, value: str | None, fallback: str) -> str:
    return value if value in ENUMS[enum] else fallback


def interconnect_status(rest_word: str) -> str:
    return _member("StatusInterconnect", INTERCONNECT_REST_TO_SOAP.get(rest_word), "Problem")


def id_value(record: EcgridIdRecord) -> dict[str, Any]:
    """ECGridIDInfo (OwnerInfo.Effective in the future = a move is scheduled)."""
    routing_group = _member("RoutingGroup", record.routing_group, "ProductionA")
    return {
        "ECGridID": record.ecgrid_id,
        "NetworkID": record.network_id,
        "NetworkName": record.network_name,
        "MailboxID": record.mailbox_id,
        "MailboxName": record.mailbox_name,
        "Qualifier": record.qualifier,
        "ID": padded(record.isa_id),
        "Description": record.description,
        "MailboxDefault": False,
        "Status": _member("StatusECGridID", ID_REST_TO_SOAP.get(record.status), "Pending"),
        "UseType": _member("UseType", record.use_type, "Undefined"),
        "OwnerInfo": {
            "NetworkID": record.network_id,
            "NetworkName": record.network_name,
            "MailboxID": record.mailbox_id,
            "MailboxName": record.mailbox_name,
            "Created": record.created,
            "Modified": record.modified,
            "Effective": record.owner_effective,
            "Expires": record.owner_expires,
            "RoutingGroup": routing_group,
        },
    }


def interconnect_value(
    record: InterconnectRecord, tp1: EcgridIdRecord, tp2: EcgridIdRecord
) -> dict[str, Any]:
    """InterconnectIDInfo; TP1 is the requesting side (ecGridIdFrom), Reference1 its reference."""
    return {
        "InterconnectID": record.interconnect_id,
        "Created": record.created,
        "Modified": record.modified,
        "Completed": record.completed,
        "LastTraffic": record.last_traffic,
        "LastTrafficInbound": record.last_traffic_inbound,
        "LastTrafficOutbound": record.last_traffic_outbound,
        "ContactName": record.contact_name,
        "ContactEMail": record.contact_email,
        "Status": interconnect_status(record.status),
        "SuspendPendingInterchanges": False,
        "TP1": id_value(tp1),
        "Reference1": record.reference,
        "TP2": id_value(tp2),
    }


def note_value(record: NoteRecord) -> dict[str, Any]:
    attachment = None
    if record.attachment_name is not None or record.attachment is not None:
        attachment = {"FileName": record.attachment_name, "Content": record.attachment}
    return {
        "InterconnectID": record.interconnect_id,
        "InterconnectNoteID": record.note_id,
        "NoteDate": record.timestamp,
        "Status": interconnect_status(record.status),
        "PostedBy": SANDBOX_USER["login"] if record.user_id == SANDBOX_USER["userId"] else None,
        "UserID": record.user_id,
        "MailTo": record.mail_to,
        "Note": record.text,
        "Attachment": attachment,
    }


def parcel_value(
    record: ParcelRecord, sender: EcgridIdRecord, receiver: EcgridIdRecord, mailbox_id: int
) -> dict[str, Any]:
    """ParcelIDInfo as seen from ``mailbox_id`` (the session's): OutBox unless it receives it."""
    same_owner = (sender.network_id, sender.mailbox_id) == (record.network_id, record.mailbox_id)
    inbound = receiver.mailbox_id == mailbox_id and record.mailbox_id != mailbox_id
    return {
        "ParcelBytes": record.bytes,
        "ParcelDate": record.created,
        "ActualBytes": record.bytes,
        "NetworkIDFrom": record.network_id,
        "NetworkNameFrom": sender.network_name if same_owner else None,
        "MailboxIDFrom": record.mailbox_id,
        "MailboxNameFrom": sender.mailbox_name if same_owner else None,
        "NetworkIDTo": receiver.network_id,
        "NetworkNameTo": receiver.network_name,
        "MailboxIDTo": receiver.mailbox_id,
        "MailboxNameTo": receiver.mailbox_name,
        "FileName": record.file_name,
        "StatusDate": record.modified,
        "StatusCode": _PARCEL_STATUS_CODES.get(record.status, ""),
        "StatusMessage": _PARCEL_MESSAGES.get(record.status, "Parcel sent; in transit"),
        "LocalStatus": 0,
        "Valid": _PARCEL_VALID.get(record.status, "Valid"),
        "Direction": "InBox" if inbound else "OutBox",
        "ParcelID": record.parcel_id,
    }
