"""The XML Schema types of the SOAP answers, and how values are written in them.

One table serves the serializer and the generated WSDL, so the two cannot disagree.
The types follow ECGridOS v4.1: the same element names, order, XSD types and
occurrence rules, for the subset of the API the sandbox implements. Values are
written like .NET's XmlSerializer: every ``minOccurs=1`` element is present, with
``0``, ``false``, ``0001-01-01T00:00:00`` or the enum's first member when there is no
value; optional elements without a value are left out.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from ecgrid_cli.sandbox.records import EDI_STANDARDS, ROUTING_GROUPS


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # an XSD primitive, an ENUMS name, a COMPLEX name, or DATASET
    min_occurs: int = 0
    unbounded: bool = False
    max_length: int = 255  # requests only: longer strings are refused (InvalidDataLength)


def req(name: str, type_: str) -> Field:
    return Field(name, type_, min_occurs=1)


def opt(name: str, type_: str, max_length: int = 255) -> Field:
    return Field(name, type_, max_length=max_length)


def many(name: str, type_: str) -> Field:
    return Field(name, type_, unbounded=True)


DATASET = "DataSet"  # an inline xs:schema followed by a diffgram (System.Data.DataSet)
NO_DATE = "0001-01-01T00:00:00"
INT_RANGES = {
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "long": (-(2**63), 2**63 - 1),
    "unsignedByte": (0, 255),
}
PRIMITIVES = frozenset({*INT_RANGES, "string", "boolean", "float", "dateTime", "base64Binary"})
_DEFAULTS = {
    **dict.fromkeys(INT_RANGES, "0"),
    "float": "0",
    "boolean": "false",
    "dateTime": NO_DATE,
}

ENUMS: dict[str, tuple[str, ...]] = {
    "AuthLevel": (
        "NoChange",
        "Root",
        "TechOps",
        "NetOps",
        "NetworkAdmin",
        "NetworkUser",
        "MailboxAdmin",
        "MailboxUser",
        "TPUser",
        "General",
    ),
    "CellCarrier": (
        "NoChange",
        "Undefined",
        "ATTCingular",
        "Verizon",
        "TMobile",
        "SprintPCS",
        "Nextel",
        "Alltel",
        "VirginMobile",
        "ATTPreCingular",
        "ATT",
        "BoostMobile",
        "USCellular",
        "MetroPCS",
        "Powertel",
    ),
    "Status": ("Development", "Active", "Preproduction", "Suspended", "Terminated"),
    "StatusECGridID": ("Active", "AutoRoute", "Pending", "Suspended", "Terminated", "Duplicate"),
    "UseType": ("Undefined", "Test", "Production", "TestAndProduction"),
    "RoutingGroup": ROUTING_GROUPS,
    "StatusInterconnect": (
        "Pending",
        "Completed",
        "Canceled",
        "Delayed",
        "Problem",
        "AuthorizationRequired",
        "NoStatusChange",
    ),
    "eMailTo": (
        "NoEMail",
        "Requestor",
        "Network",
        "RequestorAndNetwork",
        "Other",
        "RequestorAndOther",
        "NetworkAndOther",
        "EMailAll",
    ),
    "EDIStandard": EDI_STANDARDS,
    "ParcelValid": (
        "Pending",
        "Invalid",
        "Valid",
        "PartialValid",
        "ValidNoneRouted",
        "Duplicate",
        "ZeroByte",
        "VallidRouted",  # sic: the vendor's spelling
        "ValidPartialRouted",
        "ValidNoneRoutedx",
    ),
    "Direction": ("NoDir", "OutBox", "InBox"),
    "ManifestType": ("System", "Error", "Manual", "ECGridOS"),
}

_USER_ID_INFO = (
    req("UserID", "int"),
    opt("LoginName", "string"),
    opt("RecoveryQuestion", "string"),
    opt("FirstName", "string"),
    opt("LastName", "string"),
    opt("Company", "string"),
    opt("EMail", "string"),
    opt("Phone", "string"),
    opt("CellPhone", "string"),
    req("CellCarrier", "CellCarrier"),
    req("TimeZoneOffset", "short"),
    req("NetworkID", "int"),
    req("MailboxID", "int"),
    req("AuthLevel", "AuthLevel"),
    req("Created", "dateTime"),
    req("Modified", "dateTime"),
    req("LastLogin", "dateTime"),
    req("Status", "Status"),
    req("LockedOut", "boolean"),
    req("OpenSessions", "short"),
)

COMPLEX: dict[str, tuple[Field, ...]] = {
    "SessionInfo": (
        opt("ECGridOSVersion", "string"),
        opt("SessionID", "string"),
        req("SessionEventID", "int"),
        req("UserID", "int"),
        opt("LoginName", "string"),
        opt("FirstName", "string"),
        opt("LastName", "string"),
        opt("Company", "string"),
        opt("EMail", "string"),
        opt("Phone", "string"),
        req("TimeZoneOffset", "float"),
        req("AuthLevel", "AuthLevel"),
        req("LastLogin", "dateTime"),
        req("OpenSessions", "short"),
        req("TimeOut", "short"),
        req("NetworkID", "int"),
        req("MailboxID", "int"),
        opt("ip", "string"),
    ),
    "ArrayOfECGridIDInfo": (many("ECGridIDInfo", "ECGridIDInfo"),),
    "ECGridIDInfo": (
        req("ECGridID", "int"),
        req("NetworkID", "int"),
        opt("NetworkName", "string"),
        req("MailboxID", "int"),
        opt("MailboxName", "string"),
        opt("Qualifier", "string"),
        opt("ID", "string"),
        opt("Description", "string"),
        opt("DataEMail", "string"),
        req("MailboxDefault", "boolean"),
        req("Status", "StatusECGridID"),
        req("UseType", "UseType"),
        opt("Owner", "UserIDInfo"),
        opt("OwnerInfo", "ECGridOwnerInfo"),
        opt("Config", "MailboxConfig"),
    ),
    "UserIDInfo": _USER_ID_INFO,
    "ECGridOwnerInfo": (
        req("NetworkID", "int"),
        opt("NetworkName", "string"),
        req("MailboxID", "int"),
        opt("MailboxName", "string"),
        req("Created", "dateTime"),
        req("Modified", "dateTime"),
        req("Effective", "dateTime"),
        req("Expires", "dateTime"),
        req("LastTraffic", "dateTime"),
        req("RoutingGroup", "RoutingGroup"),
    ),
    "MailboxConfig": (
        req("InBoxTimeout", "short"),
        req("SegTerm", "unsignedByte"),
        req("ElmSep", "unsignedByte"),
        req("SubElmSep", "unsignedByte"),
        req("EBCDICFilter", "short"),
        req("FTPasciiFilter", "boolean"),
        req("LowPassFilter", "boolean"),
        req("MailbagPassThrough", "boolean"),
        req("DeleteOnDownload", "boolean"),
        req("StripDirectedEnvelope", "boolean"),
    ),
    "ArrayOfInterconnectIDInfo": (many("InterconnectIDInfo", "InterconnectIDInfo"),),
    "InterconnectIDInfo": (
        req("InterconnectID", "int"),
        opt("UniqueID", "string"),
        req("Created", "dateTime"),
        req("Modified", "dateTime"),
        req("Completed", "dateTime"),
        req("LastTraffic", "dateTime"),
        req("LastTrafficInbound", "dateTime"),
        req("LastTrafficOutbound", "dateTime"),
        opt("RequestorUser", "UserIDInfo"),
        opt("ContactUser", "UserIDInfo"),
        opt("ContactName", "string"),
        opt("ContactEMail", "string"),
        req("Status", "StatusInterconnect"),
        req("SuspendPendingInterchanges", "boolean"),
        opt("TP1", "ECGridIDInfo"),
        opt("AS2ID1", "string"),
        opt("Reference1", "string"),
        opt("TP2", "ECGridIDInfo"),
        opt("AS2ID2", "string"),
        opt("Reference2", "string"),
        opt("NetOps", "UserIDInfo"),
    ),
    "ArrayOfInterconnectNote": (many("InterconnectNote", "InterconnectNote"),),
    "InterconnectNote": (
        req("InterconnectID", "int"),
        req("InterconnectNoteID", "int"),
        req("NoteDate", "dateTime"),
        req("Status", "StatusInterconnect"),
        opt("PostedBy", "string"),
        req("UserID", "int"),
        opt("MailTo", "string"),
        opt("Note", "string"),
        opt("Attachment", "NoteAttachment"),
    ),
    "NoteAttachment": (opt("FileName", "string"), opt("Content", "base64Binary")),
    "ParcelIDInfo": (
        req("ParcelBytes", "int"),
        req("ParcelDate", "dateTime"),
        req("ActualBytes", "int"),
        req("NetworkIDFrom", "int"),
        opt("NetworkNameFrom", "string"),
        req("MailboxIDFrom", "int"),
        opt("MailboxNameFrom", "string"),
        req("NetworkIDTo", "int"),
        opt("NetworkNameTo", "string"),
        req("MailboxIDTo", "int"),
        opt("MailboxNameTo", "string"),
        opt("FileName", "string"),
        opt("MailbagControlID", "string"),
        req("ArchiveDate", "dateTime"),
        req("StatusDate", "dateTime"),
        opt("StatusCode", "string"),
        opt("StatusMessage", "string"),
        req("LocalStatus", "short"),
        req("LocalStatusDate", "dateTime"),
        req("Valid", "ParcelValid"),
        opt("Acknowledgment", "string"),
        req("Direction", "Direction"),
        opt("Interchanges", "ArrayOfInterchangeIDInfo"),
        opt("Log", "ArrayOfManifestInfo"),
        req("ParcelID", "long"),
    ),
    "ArrayOfInterchangeIDInfo": (many("InterchangeIDInfo", "InterchangeIDInfo"),),
    "InterchangeIDInfo": (
        req("InterchangeID", "int"),
        req("InterchangeProcessDate", "dateTime"),
        req("NetworkIDFrom", "int"),
        opt("NetworkNameFrom", "string"),
        req("MailboxIDFrom", "int"),
        req("NetworkIDTo", "int"),
        opt("NetworkNameTo", "string"),
        req("MailboxIDTo", "int"),
        req("Standard", "EDIStandard"),
        req("Bytes", "int"),
        opt("InterchangeControlID", "string"),
        req("InterchangeDateTime", "dateTime"),
        req("ArchiveDate", "dateTime"),
        req("StatusDate", "dateTime"),
        opt("StatusCode", "string"),
        opt("StatusMessage", "string"),
        opt("DocumentType", "string"),
        opt("Header", "string"),
        opt("TPFrom", "ECGridIDInfo"),
        opt("TPTo", "ECGridIDInfo"),
        opt("Parcels", "ArrayOfParcelIDInfo"),
    ),
    "ArrayOfParcelIDInfo": (many("ParcelIDInfo", "ParcelIDInfo"),),
    "ArrayOfManifestInfo": (many("ManifestInfo", "ManifestInfo"),),
    "ManifestInfo": (
        req("ManifestDate", "dateTime"),
        req("NetworkID", "int"),
        opt("NetworkName", "string"),
        req("Type", "ManifestType"),
        req("ParcelID", "long"),
        req("InterchangeID", "long"),
        opt("StatusCode", "string"),
        opt("StatusMessage", "string"),
        opt("StatusColor", "string"),
    ),
}

# Characters XML 1.0 cannot carry at all: replaced, so an answer always parses.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: str) -> str:
    """``value`` as XML character data."""
    return escape(_NOT_XML.sub("\ufffd", value))


def attribute(value: str) -> str:
    """``value`` for a double-quoted XML attribute."""
    return text(value).replace('"', "&quot;")


def lexical(type_: str, value: Any) -> str:
    """A Python value in the lexical form of XSD ``type_`` (ValueError when it does not fit)."""
    if type_ in ENUMS:
        if value not in ENUMS[type_]:
            raise ValueError(f"{value!r} is not a member of the enum {type_}")
        return str(value)
    if type_ == "boolean":
        return "true" if value else "false"
    if type_ in INT_RANGES:
        low, high = INT_RANGES[type_]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{value!r} is not an xs:{type_}")
        return str(value)
    if type_ == "float":
        return repr(float(value))
    if type_ == "base64Binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    return text(str(value))


def element(field: Field, value: Any) -> str:
    """The element(s) for ``field`` holding ``value`` ("" for an optional field without one)."""
    if field.unbounded:
        return "".join(_one(field, item) for item in value or ())
    if value is None:
        return "" if field.min_occurs == 0 else _absent(field)
    return _one(field, value)


def _absent(field: Field) -> str:
    """A required element without a value, as .NET writes it: its type's default."""
    if field.type in COMPLEX:
        return _one(field, {})
    if field.type in ENUMS:
        return _one(field, ENUMS[field.type][0])
    return f"<{field.name}>{_DEFAULTS.get(field.type, '')}</{field.name}>"


def _one(field: Field, value: Any) -> str:
    name = field.name
    if value is None:
        return f'<{name} xsi:nil="true" />'
    if field.type in COMPLEX:
        return f"<{name}>{complex_content(field.type, value)}</{name}>"
    if field.type == DATASET:
        raise ValueError(f"{name}: a DataSet is written by soap_dataset, not as a value")
    return f"<{name}>{lexical(field.type, value)}</{name}>"


def complex_content(type_: str, value: Mapping[str, Any] | Sequence[Any]) -> str:
    """The children of a complex type; an ArrayOf type may be given its items as a list."""
    fields = COMPLEX[type_]
    if not isinstance(value, Mapping):
        value = {fields[0].name: value}
    return "".join(element(field, value.get(field.name)) for field in fields)
