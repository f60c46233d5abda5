"""Store rows as REST v2 JSON objects (the endpoint reference's camelCase spelling)."""

from __future__ import annotations

from typing import Any

from ecgrid_cli.sandbox.records import (
    ISA_ID_MAX_LENGTH,
    EcgridIdRecord,
    InterconnectRecord,
    NoteRecord,
    ParcelRecord,
)


def padded(isa_id: str) -> str:
    """ISA IDs go out padded to 15 characters, as the live service sends them."""
    return isa_id.ljust(ISA_ID_MAX_LENGTH)


def owner_info(record: EcgridIdRecord) -> dict[str, Any]:
    """The current owner; an ``effective`` in the future means a move is scheduled."""
    return {
        "networkId": record.network_id,
        "mailboxId": record.mailbox_id,
        "effective": record.owner_effective,
        "expires": record.owner_expires,
    }


def id_info(record: EcgridIdRecord) -> dict[str, Any]:
    """ECGridIDInfo in the endpoint reference's spelling."""
    return {
        "ecGridId": record.ecgrid_id,
        "mailboxId": record.mailbox_id,
        "networkId": record.network_id,
        "qualifier": record.qualifier,
        "id": padded(record.isa_id),
        "description": record.description,
        "status": record.status,
        "routingGroup": record.routing_group,
        "ediStandard": record.edi_standard,
        "useType": record.use_type,
        "ownerInfo": owner_info(record),
    }


def id_info_seed_spelling(record: EcgridIdRecord) -> dict[str, Any]:
    """ECGridIDInfo as the "Set Up an Interconnect" guide spells it (GET ?isaQualifier=)."""
    return {
        "ecGridId": record.ecgrid_id,
        "isaQualifier": record.qualifier,
        "isaId": padded(record.isa_id),
        "companyName": record.description,
        "status": record.status,
        "mailboxId": record.mailbox_id,
        "networkId": record.network_id,
    }


def interconnect_info(record: InterconnectRecord) -> dict[str, Any]:
    """InterconnectIDInfo; outbound traffic is ecGridIdFrom -> ecGridIdTo."""
    return {
        "interconnectId": record.interconnect_id,
        "ecGridIdFrom": record.ecgrid_id_from,
        "ecGridIdTo": record.ecgrid_id_to,
        "status": record.status,
        "created": record.created,
        "modified": record.modified,
        "lastTrafficInbound": record.last_traffic_inbound,
        "lastTrafficOutbound": record.last_traffic_outbound,
        "reference": record.reference,
    }


def note_info(record: NoteRecord) -> dict[str, Any]:
    return {"text": record.text, "timestamp": record.timestamp, "userId": record.user_id}


def parcel_info(record: ParcelRecord) -> dict[str, Any]:
    return {
        "parcelId": record.parcel_id,
        "mailboxId": record.mailbox_id,
        "networkId": record.network_id,
        "fileName": record.file_name,
        "bytes": record.bytes,
        "status": record.status,
        "ecGridIdFrom": record.ecgrid_id_from,
        "ecGridIdTo": record.ecgrid_id_to,
        "created": record.created,
        "modified": record.modified,
    }
