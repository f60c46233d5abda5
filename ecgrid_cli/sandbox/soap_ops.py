"""The SOAP operations the sandbox implements: ONE table (parameters, result, handler).

The endpoint parses requests and the WSDL generator describes the service from this
table alone, so the published contract cannot drift from what is implemented.
Parameters and results follow ECGridOS v4.1 (names, order, XSD types, occurrence).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecgrid_cli.sandbox import soap_handlers as do
from ecgrid_cli.sandbox.soap_handlers import Call
from ecgrid_cli.sandbox.soap_types import DATASET, Field, opt, req


@dataclass(frozen=True)
class Operation:
    name: str
    doc: str
    params: tuple[Field, ...]
    result: Field | None
    handler: Callable[[Call], Any]
    mutating: bool = False  # drop_rate may hang up after it commits
    session: bool = True  # the first parameter SessionID must be the API key or a session
    chaos: bool = True  # latency and injected faults apply


# -- the table ----------------------------------------------------------------------------

_SESSION = opt("SessionID", "string", max_length=512)
_MAX_DAYS = req("MaxDays", "short")
_INTERCONNECT = (_SESSION, req("InterconnectID", "int"))


def _result(name: str, type_: str, required: bool = False) -> Field:
    return req(f"{name}Result", type_) if required else opt(f"{name}Result", type_)


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "Version",
            "The API version.",
            (),
            _result("Version", "string"),
            do.version,
            session=False,
            chaos=False,
        ),
        Operation(
            "Login",
            "Log in; the answer is the SessionID for the calls that follow.",
            (opt("LoginName", "string", 254), opt("Password", "string", 1024)),
            _result("Login", "string"),
            do.login,
            mutating=True,
            session=False,
        ),
        Operation(
            "Logout",
            "End the session.",
            (_SESSION,),
            _result("Logout", "int", True),
            do.logout,
            mutating=True,
        ),
        Operation(
            "WhoAmI",
            "The session's user.",
            (_SESSION,),
            _result("WhoAmI", "SessionInfo"),
            do.who_am_i,
        ),
        Operation(
            "TPSearch",
            "ECGrid IDs with this exact qualifier and ID (Active only unless ShowInactive).",
            (
                _SESSION,
                opt("Qualifier", "string", 64),
                opt("ID", "string", 64),
                req("ShowInactive", "boolean"),
            ),
            _result("TPSearch", "ArrayOfECGridIDInfo"),
            do.tp_search,
        ),
        Operation(
            "TPInfo",
            "One ECGrid ID.",
            (_SESSION, req("ECGridID", "int")),
            _result("TPInfo", "ECGridIDInfo"),
            do.tp_info,
        ),
        Operation(
            "TPAdd",
            "Add an ECGrid ID to the session's mailbox.",
            (
                _SESSION,
                opt("Qualifier", "string", 64),
                opt("ID", "string", 64),
                opt("Description", "string"),
            ),
            _result("TPAdd", "int", True),
            do.tp_add,
            mutating=True,
        ),
        Operation(
            "TPAddEx",
            "Add an ECGrid ID to a mailbox of a network.",
            (
                _SESSION,
                req("NetworkID", "int"),
                req("MailboxID", "int"),
                opt("Qualifier", "string", 64),
                opt("ID", "string", 64),
                opt("Description", "string"),
                req("RoutingGroup", "RoutingGroup"),
            ),
            _result("TPAddEx", "int", True),
            do.tp_add_ex,
            mutating=True,
        ),
        Operation(
            "TPMoveMailbox",
            "Move an ECGrid ID to another mailbox of its network.",
            (_SESSION, req("ECGridID", "int"), req("MailboxID", "int")),
            _result("TPMoveMailbox", "int", True),
            do.tp_move_mailbox,
            mutating=True,
        ),
        Operation(
            "InterconnectAdd",
            "Create an interconnect; ECGridID1 (TP1) is the requester.",
            (
                _SESSION,
                req("ECGridID1", "int"),
                req("ECGridID2", "int"),
                opt("Reference", "string"),
                opt("ContactName", "string"),
                opt("ContactEMail", "string"),
                req("NotifyContact", "boolean"),
                req("Preconfirm", "boolean"),
                opt("Note", "string", 4000),
            ),
            _result("InterconnectAdd", "InterconnectIDInfo"),
            do.interconnect_add,
            mutating=True,
        ),
        Operation(
            "InterconnectInfo",
            "One interconnect.",
            _INTERCONNECT,
            _result("InterconnectInfo", "InterconnectIDInfo"),
            do.interconnect_info,
        ),
        Operation(
            "InterconnectListByECGridID",
            "Interconnects joining two ECGrid IDs in either orientation (ECGridID2 0: all).",
            (_SESSION, req("ECGridID1", "int"), req("ECGridID2", "int")),
            _result("InterconnectListByECGridID", "ArrayOfInterconnectIDInfo"),
            do.interconnect_list_by_ecgrid_id,
        ),
        Operation(
            "InterconnectListByStatus",
            "Interconnects of an ECGrid ID in one status.",
            (_SESSION, req("Status", "StatusInterconnect"), req("ECGridID", "int"), _MAX_DAYS),
            _result("InterconnectListByStatus", "ArrayOfInterconnectIDInfo"),
            do.interconnect_list_by_status,
        ),
        Operation(
            "InterconnectCount",
            "Count of interconnects by status for the session's mailbox.",
            (_SESSION, _MAX_DAYS),
            _result("InterconnectCount", DATASET),
            do.interconnect_count,
        ),
        Operation(
            "InterconnectCountEx",
            "Count of interconnects by status for an ECGrid ID, mailbox or network.",
            (
                _SESSION,
                req("NetworkID", "int"),
                req("MailboxID", "int"),
                req("ECGridID", "int"),
                _MAX_DAYS,
            ),
            _result("InterconnectCountEx", DATASET),
            do.interconnect_count_ex,
        ),
        Operation(
            "InterconnectCancel",
            "Cancel an interconnect (irreversible).",
            (
                *_INTERCONNECT,
                opt("Note", "string", 4000),
                req("EMailTo", "eMailTo"),
                opt("OtherEMailAddress", "string"),
            ),
            _result("InterconnectCancel", "boolean", True),
            do.interconnect_cancel,
            mutating=True,
        ),
        Operation(
            "InterconnectNote",
            "Add a note to an interconnect.",
            (
                *_INTERCONNECT,
                req("AuthLevel", "AuthLevel"),
                opt("Note", "string", 4000),
                opt("AttachmentName", "string"),
                opt("AttachmentContent", "base64Binary", 2 * 1024 * 1024),
                req("EMailTo", "eMailTo"),
                opt("OtherEMailAddress", "string"),
            ),
            _result("InterconnectNote", "boolean", True),
            do.interconnect_note,
            mutating=True,
        ),
        Operation(
            "InterconnectNoteList",
            "The notes of an interconnect.",
            _INTERCONNECT,
            _result("InterconnectNoteList", "ArrayOfInterconnectNote"),
            do.interconnect_note_list,
        ),
        Operation(
            "ParcelTest",
            "Send a test parcel over a routing interconnect.",
            (
                _SESSION,
                req("ECGridIDFrom", "int"),
                req("ECGridIDTo", "int"),
                req("DocumentType", "EDIStandard"),
            ),
            _result("ParcelTest", "int", True),
            do.parcel_test,
            mutating=True,
        ),
        Operation(
            "ParcelInfo",
            "One parcel and its delivery status.",
            (_SESSION, req("ParcelID", "long")),
            _result("ParcelInfo", "ParcelIDInfo"),
            do.parcel_info,
        ),
    )
}
