"""What each SOAP operation does (the operation table is in ``soap_ops``).

Readings of the sandbox where the vendor says nothing: ``InterconnectListByECGridID``
with ECGridID2 = 0 lists every interconnect of ECGridID1; ``InterconnectListByStatus``
with ECGridID = 0 covers the session's mailbox; MaxDays <= 0 or >= 32767 means no age
limit (else: modified within that many days); ``Logout`` answers 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ecgrid_cli.sandbox.auth import (
    SANDBOX_USER,
    Authenticator,
    Principal,
    credentials_match,
    iso_from_epoch,
)
from ecgrid_cli.sandbox.records import ApiError, InterconnectRecord, invalid, stamp, utc_now
from ecgrid_cli.sandbox.soap_dataset import Table
from ecgrid_cli.sandbox.soap_types import ENUMS
from ecgrid_cli.sandbox.soap_values import (
    id_value,
    interconnect_status,
    interconnect_value,
    note_value,
    parcel_value,
)
from ecgrid_cli.sandbox.store_interconnects import Scope
from ecgrid_cli.statuses import INTERCONNECT_SOAP_TO_REST

if TYPE_CHECKING:
    from ecgrid_cli.sandbox.store import Store

VERSION = "ECGridOS v4.1 (ecgrid-cli sandbox)"
SESSION_MAILBOX = SANDBOX_USER["mailboxId"]
NO_AGE_LIMIT = 32767


@dataclass
class Call:
    """One SOAP call as a handler sees it."""

    store: Store
    auth: Authenticator
    args: dict[str, Any]
    principal: Principal | None
    client: str = ""

    def __getitem__(self, name: str) -> Any:
        return self.args[name]


def _since(max_days: int) -> str | None:
    if max_days <= 0 or max_days >= NO_AGE_LIMIT:
        return None
    return stamp(utc_now() - timedelta(days=max_days))


def _interconnect(call: Call, interconnect_id: int) -> dict[str, Any]:
    record = call.store.get_interconnect(interconnect_id)
    return _with_partners(call, record)


def _with_partners(call: Call, record: InterconnectRecord) -> dict[str, Any]:
    tp1 = call.store.get_id(record.ecgrid_id_from)
    tp2 = call.store.get_id(record.ecgrid_id_to)
    return interconnect_value(record, tp1, tp2)


def _count_table(counts: dict[str, int]) -> Table:
    by_soap: dict[str, int] = {}
    for rest_word, total in counts.items():
        word = interconnect_status(rest_word)
        by_soap[word] = by_soap.get(word, 0) + total
    order = ENUMS["StatusInterconnect"]
    rows = [(word, by_soap[word]) for word in order if by_soap.get(word)]
    return Table((("Status", "string"), ("Count", "int")), rows)


# -- session ------------------------------------------------------------------------------


def version(call: Call) -> str:
    return VERSION


def login(call: Call) -> str:
    if not credentials_match(call["LoginName"] or "", call["Password"] or ""):
        raise ApiError(401, "InvalidCredentials", "wrong LoginName or Password", item="LoginName")
    return call.auth.sessions.login().session_id


def logout(call: Call) -> int:
    if call.principal is not None and call.principal.kind == "session":
        call.auth.sessions.logout(call.principal.secret)
    return 0


def who_am_i(call: Call) -> dict[str, Any]:
    since = call.principal.since if call.principal is not None else None
    return {
        "ECGridOSVersion": "4.1",
        "SessionID": call["SessionID"],
        "SessionEventID": 0,
        "UserID": SANDBOX_USER["userId"],
        "LoginName": SANDBOX_USER["login"],
        "FirstName": "Sandbox",
        "LastName": "User",
        "Company": "ecgrid-cli sandbox",
        "EMail": SANDBOX_USER["email"],
        "TimeZoneOffset": 0.0,
        "AuthLevel": SANDBOX_USER["authLevel"],
        "LastLogin": stamp_or_none(since),
        "OpenSessions": min(call.auth.sessions.open_count(), 32767),
        "TimeOut": int(min(call.auth.sessions.ttl // 60, 32767)),
        "NetworkID": SANDBOX_USER["networkId"],
        "MailboxID": SANDBOX_USER["mailboxId"],
        "ip": call.client or None,
    }


def stamp_or_none(seconds: float | None) -> str | None:
    return iso_from_epoch(seconds) if seconds is not None else None


# -- ECGrid IDs ---------------------------------------------------------------------------


def tp_search(call: Call) -> list[dict[str, Any]]:
    isa_id = call["ID"] or ""
    if not isa_id.strip():
        raise invalid("ID is required", item="ID")
    records = call.store.find_ids(call["Qualifier"], isa_id, active_only=not call["ShowInactive"])
    return [id_value(record) for record in records]


def tp_info(call: Call) -> dict[str, Any]:
    return id_value(call.store.get_id(call["ECGridID"]))


def tp_add(call: Call) -> int:
    record = call.store.create_id(
        mailbox_id=SESSION_MAILBOX,
        qualifier=call["Qualifier"] or "",
        isa_id=call["ID"] or "",
        description=call["Description"],
    )
    return record.ecgrid_id


def tp_add_ex(call: Call) -> int:
    record = call.store.create_id(
        network_id=call["NetworkID"],
        mailbox_id=call["MailboxID"],
        qualifier=call["Qualifier"] or "",
        isa_id=call["ID"] or "",
        description=call["Description"],
        routing_group=call["RoutingGroup"],
    )
    return record.ecgrid_id


def tp_move_mailbox(call: Call) -> int:
    return call.store.tp_move(call["ECGridID"], call["MailboxID"]).ecgrid_id


# -- interconnects ------------------------------------------------------------------------


def interconnect_add(call: Call) -> dict[str, Any]:
    record = call.store.create_interconnect(
        call["ECGridID1"],
        call["ECGridID2"],
        "Active" if call["Preconfirm"] else "Development",
        reference=call["Reference"],
        contact_name=call["ContactName"],
        contact_email=call["ContactEMail"],
        note=call["Note"],
        user_id=SANDBOX_USER["userId"],
    )
    return _with_partners(call, record)


def interconnect_info(call: Call) -> dict[str, Any]:
    return _interconnect(call, call["InterconnectID"])


def interconnect_list_by_ecgrid_id(call: Call) -> list[dict[str, Any]]:
    records = call.store.interconnects_between(call["ECGridID1"], call["ECGridID2"] or None)
    return [_with_partners(call, record) for record in records]


def interconnect_list_by_status(call: Call) -> list[dict[str, Any]]:
    rest_word = INTERCONNECT_SOAP_TO_REST.get(call["Status"])
    if call["ECGridID"]:
        call.store.get_id(call["ECGridID"])  # NotFound for an unknown ID
        scope = Scope(ecgrid_id=call["ECGridID"])
    else:
        scope = Scope(mailbox_id=SESSION_MAILBOX)
    statuses = (rest_word,) if rest_word else ()
    records = call.store.interconnects_in(scope, statuses=statuses, since=_since(call["MaxDays"]))
    return [_with_partners(call, record) for record in records]


def interconnect_count(call: Call) -> Table:
    scope = Scope(mailbox_id=SESSION_MAILBOX)
    return _count_table(call.store.count_by_status(scope, since=_since(call["MaxDays"])))


def interconnect_count_ex(call: Call) -> Table:
    if call["ECGridID"]:
        call.store.get_id(call["ECGridID"])
        scope = Scope(ecgrid_id=call["ECGridID"])
    elif call["MailboxID"]:
        network_id = call.store.mailbox_network(call["MailboxID"])
        if call["NetworkID"] and call["NetworkID"] != network_id:
            raise invalid(
                f"mailbox {call['MailboxID']} is not in network {call['NetworkID']}",
                retcode="InvalidID",
                item=f"MailboxID {call['MailboxID']}",
            )
        scope = Scope(mailbox_id=call["MailboxID"])
    elif call["NetworkID"]:
        scope = Scope(network_id=call["NetworkID"])
    else:
        scope = Scope(mailbox_id=SESSION_MAILBOX)
    return _count_table(call.store.count_by_status(scope, since=_since(call["MaxDays"])))


def interconnect_cancel(call: Call) -> bool:
    call.store.terminate_interconnect(
        call["InterconnectID"], note=call["Note"], user_id=SANDBOX_USER["userId"]
    )
    return True


def interconnect_note(call: Call) -> bool:
    text = call["Note"] or ""
    if not text.strip() and call["AttachmentContent"] is None:
        raise invalid("Note (or an attachment) is required", item="Note")
    call.store.add_note(
        call["InterconnectID"],
        text,
        SANDBOX_USER["userId"],
        mail_to=call["OtherEMailAddress"],
        attachment_name=call["AttachmentName"],
        attachment=call["AttachmentContent"],
    )
    return True


def interconnect_note_list(call: Call) -> list[dict[str, Any]]:
    return [note_value(note) for note in call.store.list_notes(call["InterconnectID"])]


# -- parcels ------------------------------------------------------------------------------


def parcel_test(call: Call) -> int:
    return call.store.send_test_file(call["ECGridIDFrom"], call["ECGridIDTo"], call["DocumentType"])


def parcel_info(call: Call) -> dict[str, Any]:
    record = call.store.get_parcel(call["ParcelID"])
    sender = call.store.get_id(record.ecgrid_id_from)
    receiver = call.store.get_id(record.ecgrid_id_to)
    return parcel_value(record, sender, receiver, SESSION_MAILBOX)
