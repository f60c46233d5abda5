"""The canonical JSON documents (DESIGN "Output"): models in, camelCase dicts out.

Every key is always present; a field the server did not send is null. ISA IDs are
shown without their trailing padding (the models strip it when they read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, User


def id_document(record: EcgridId) -> dict[str, Any]:
    return {
        "ecGridId": record.ecgrid_id,
        "mailboxId": record.mailbox_id,
        "networkId": record.network_id,
        "qualifier": record.qualifier,
        "id": record.isa_id,
        "description": record.description,
        "status": record.status,
        "routingGroup": record.routing_group,
        "ediStandard": record.edi_standard,
    }


def interconnect_document(record: Interconnect) -> dict[str, Any]:
    return {
        "interconnectId": record.interconnect_id,
        "ecGridIdFrom": record.ecgrid_id_from,
        "ecGridIdTo": record.ecgrid_id_to,
        "status": record.status,
        "created": record.created,
        "modified": record.modified,
    }


def note_document(note: InterconnectNote) -> dict[str, Any]:
    return {
        "text": note.text,
        "timestamp": note.timestamp,
        "userId": note.user_id,
        "postedBy": note.posted_by,
    }


def user_document(user: User) -> dict[str, Any]:
    return {
        "userId": user.user_id,
        "login": user.login,
        "email": user.email,
        "networkId": user.network_id,
        "mailboxId": user.mailbox_id,
        "authLevel": user.auth_level,
        "status": user.status,
    }


def maybe(document_of: Any, record: Any) -> dict[str, Any] | None:
    return None if record is None else document_of(record)
