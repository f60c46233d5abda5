"""Rows of the sandbox store, the refusal type and the input rules shared by REST and SOAP.

Standard library only. :class:`ApiError` carries both the REST answer (HTTP status and
``errorCode``) and the SOAP ``RetCode`` the same refusal becomes on the SOAP endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

STATUSES = ("Development", "Active", "Preproduction", "Suspended", "Terminated")
TERMINATED = "Terminated"
ACTIVE = "Active"
USE_TYPES = ("Test", "Production", "TestAndProduction")
DEFAULT_USE_TYPE = "Production"
ISA_ID_MAX_LENGTH = 15
ROUTING_GROUPS = (
    "ProductionA",
    "ProductionB",
    "Migration1",
    "Migration2",
    "NetOpsOnly1",
    "NetOpsOnly2",
    "ManagedFileTransfer",
    "SuperHub",
    "Test",
    "Suspense1",
    "Suspense2",
    "Suspense3",
)
EDI_STANDARDS = ("X12", "EDIFACT", "TRADACOMS", "VDA", "XML", "TXT", "PDF", "Binary", "PEPPOL")

# The SOAP RetCode a REST errorCode becomes, unless the refusal names its own.
_RETCODE_BY_CODE = {
    "InvalidParameter": "DataError",
    "DuplicateObject": "Duplicate",
    "ObjectNotFound": "NotFound",
    "AccessDenied": "AccessDenied",
    "InvalidAPIKey": "AccessDenied",
    "InvalidCredentials": "AccessDenied",
    "InvalidSession": "SessionTimeout",
}


class ApiError(Exception):
    """A refusal the server turns into an error envelope (REST) or a fault (SOAP)."""

    def __init__(
        self,
        http_status: int,
        code: str,
        message: str,
        *,
        retcode: str | None = None,
        item: str = "",
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.retcode = retcode or _RETCODE_BY_CODE.get(code, "InternalError")
        self.item = item  # what the refusal is about (SOAP ErrorItem)


def invalid(message: str, *, retcode: str | None = None, item: str = "") -> ApiError:
    return ApiError(400, "InvalidParameter", message, retcode=retcode, item=item)


def not_found(message: str, *, item: str = "") -> ApiError:
    return ApiError(404, "ObjectNotFound", message, item=item)


def duplicate(message: str, *, retcode: str | None = None, item: str = "") -> ApiError:
    return ApiError(400, "DuplicateObject", message, retcode=retcode, item=item)


class StoreError(RuntimeError):
    """The database cannot be used as a sandbox store (wrong file, other version, locked)."""


@dataclass(frozen=True)
class EcgridIdRecord:
    ecgrid_id: int
    mailbox_id: int
    network_id: int
    qualifier: str
    isa_id: str  # stored without the trailing space padding
    description: str | None
    status: str
    routing_group: str | None
    edi_standard: str | None
    use_type: str
    owner_effective: str  # when the current owner became (or becomes) effective
    owner_expires: str | None
    created: str
    modified: str
    network_name: str
    mailbox_name: str


@dataclass(frozen=True)
class InterconnectRecord:
    interconnect_id: int
    ecgrid_id_from: int  # TP1, the requesting side
    ecgrid_id_to: int  # TP2
    status: str
    created: str
    modified: str
    completed: str | None
    last_traffic_inbound: str | None  # TP2 -> TP1
    last_traffic_outbound: str | None  # TP1 -> TP2
    reference: str | None
    contact_name: str | None
    contact_email: str | None

    @property
    def last_traffic(self) -> str | None:
        stamps = [s for s in (self.last_traffic_inbound, self.last_traffic_outbound) if s]
        return max(stamps) if stamps else None


@dataclass(frozen=True)
class NoteRecord:
    note_id: int
    interconnect_id: int
    text: str
    timestamp: str
    user_id: int
    status: str  # the interconnect's status when the note was written
    mail_to: str | None
    attachment_name: str | None
    attachment: bytes | None


@dataclass(frozen=True)
class ParcelRecord:
    parcel_id: int
    ecgrid_id_from: int
    ecgrid_id_to: int
    mailbox_id: int  # the sender's mailbox and network when it was sent
    network_id: int
    document_type: str | None
    file_name: str
    bytes: int
    created: str
    status: str  # derived from the time since it was sent
    modified: str  # when it reached that status


def canonical_status(value: str) -> str:
    """``active`` -> ``Active``; anything that is not a known status -> InvalidParameter."""
    for status in STATUSES:
        if status.lower() == value.strip().lower():
            return status
    raise invalid(f"unknown status {value!r}: expected one of {', '.join(STATUSES)}")


def canonical_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """``value`` spelled as the member of ``choices`` it names in any case, else 400."""
    for choice in choices:
        if choice.lower() == value.strip().lower():
            return choice
    raise invalid(
        f"unknown {name} {value!r}: expected one of {', '.join(choices)}",
        retcode="InvalidDataType",
        item=name,
    )


def canonical_use_type(value: str) -> str:
    return canonical_choice("useType", value, USE_TYPES)


def checked_qualifier(value: str) -> str:
    value = value.strip().upper()
    if len(value) != 2 or not value.isascii() or not value.isalnum():
        raise invalid(
            f"qualifier must be 2 letters or digits (like 01, 12, ZZ), got {value!r}",
            retcode="InvalidDataLength" if len(value) != 2 else None,
            item="Qualifier",
        )
    return value


def checked_isa_id(value: str) -> str:
    value = value.rstrip(" ")
    if not value or value.startswith(" "):
        raise invalid("id (the ISA ID) must not be empty or start with a space", item="ID")
    if len(value) > ISA_ID_MAX_LENGTH:
        raise invalid(
            f"id (the ISA ID) is longer than {ISA_ID_MAX_LENGTH} characters",
            retcode="InvalidDataLength",
            item="ID",
        )
    if not value.isascii() or not value.isprintable():
        raise invalid("id (the ISA ID) must be printable ASCII", item="ID")
    return value


def stamp(moment: datetime) -> str:
    """ISO 8601 UTC to the second, the form every timestamp of the sandbox takes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
