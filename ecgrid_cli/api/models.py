"""Payload models: accept every spelling the vendor documents, emit one canonical form.

The vendor's pages disagree on field names (API-NOTES, DRIFT 2), so each field lists
every known alias. Unknown fields are ignored (the v2 series may add fields at any
time) and unknown enum values pass through unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from ecgrid_cli.statuses import canonical_status


def _strip_isa_padding(value: Any) -> Any:
    return value.rstrip(" ") if isinstance(value, str) else value


def _canonical_status(value: Any) -> Any:
    return canonical_status(value) if isinstance(value, str) else value


def _aliases(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _not_boolean(value: Any) -> Any:
    # pydantic's lax mode would read JSON true as 1: an ID is never a boolean.
    if isinstance(value, bool):
        raise ValueError("expected an integer ID, got a boolean")
    return value


def _number_as_text(value: Any) -> Any:
    # A timestamp may arrive as a number (epoch) rather than ISO text: keep it, as text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


IsaText = Annotated[str | None, BeforeValidator(_strip_isa_padding)]
Timestamp = Annotated[str | None, BeforeValidator(_number_as_text)]
IdNumber = Annotated[int, BeforeValidator(_not_boolean)]
Status = Annotated[str | None, BeforeValidator(_canonical_status)]


class ApiModel(BaseModel):
    # defer_build: a command pays for building only the models it actually parses.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True, defer_build=True)

    def to_json(self) -> dict[str, Any]:
        """The canonical camelCase document for ``--json`` output."""
        return self.model_dump(by_alias=True, mode="json")


class EcgridId(ApiModel):
    ecgrid_id: IdNumber = Field(
        serialization_alias="ecGridId",
        validation_alias=_aliases("ecGridId", "ecgridId", "ECGridID", "ecGridID"),
    )
    mailbox_id: IdNumber | None = Field(
        None,
        serialization_alias="mailboxId",
        validation_alias=_aliases("mailboxId", "MailboxID", "mailboxID"),
    )
    network_id: IdNumber | None = Field(
        None,
        serialization_alias="networkId",
        validation_alias=_aliases("networkId", "NetworkID", "networkID"),
    )
    qualifier: IsaText = Field(
        None,
        serialization_alias="qualifier",
        validation_alias=_aliases("qualifier", "isaQualifier", "Qualifier", "ISAQualifier"),
    )
    isa_id: IsaText = Field(
        None,
        serialization_alias="id",
        validation_alias=_aliases("id", "isaId", "ID", "ISAID"),
    )
    description: str | None = Field(
        None,
        serialization_alias="description",
        validation_alias=_aliases("description", "companyName", "Description", "CompanyName"),
    )
    status: Status = Field(
        None, serialization_alias="status", validation_alias=_aliases("status", "Status")
    )
    routing_group: str | None = Field(
        None,
        serialization_alias="routingGroup",
        validation_alias=_aliases("routingGroup", "RoutingGroup"),
    )
    edi_standard: str | None = Field(
        None,
        serialization_alias="ediStandard",
        validation_alias=_aliases("ediStandard", "EDIStandard", "ediSTandard"),
    )


class Interconnect(ApiModel):
    interconnect_id: IdNumber = Field(
        serialization_alias="interconnectId",
        validation_alias=_aliases("interconnectId", "InterconnectID", "interconnectID"),
    )
    ecgrid_id_from: IdNumber = Field(
        serialization_alias="ecGridIdFrom",
        validation_alias=_aliases("ecGridIdFrom", "ecgridIdFrom", "ECGridIDFrom"),
    )
    ecgrid_id_to: IdNumber = Field(
        serialization_alias="ecGridIdTo",
        validation_alias=_aliases("ecGridIdTo", "ecgridIdTo", "ECGridIDTo"),
    )
    status: Status = Field(
        None, serialization_alias="status", validation_alias=_aliases("status", "Status")
    )
    created: Timestamp = Field(
        None,
        serialization_alias="created",
        validation_alias=_aliases("created", "createdDate", "Created"),
    )
    modified: Timestamp = Field(
        None,
        serialization_alias="modified",
        validation_alias=_aliases("modified", "modifiedDate", "Modified"),
    )

    def joins(self, a: int, b: int) -> bool:
        """True when this interconnect links a and b, in either orientation (DRIFT 3)."""
        return {self.ecgrid_id_from, self.ecgrid_id_to} == {a, b}


class InterconnectNote(ApiModel):
    text: str | None = Field(None, validation_alias=_aliases("text", "note", "Text"))
    timestamp: str | None = Field(None, validation_alias=_aliases("timestamp", "Timestamp"))
    user_id: IdNumber | None = Field(
        None, serialization_alias="userId", validation_alias=_aliases("userId", "UserID")
    )


class User(ApiModel):
    user_id: IdNumber | None = Field(
        None, serialization_alias="userId", validation_alias=_aliases("userId", "UserID")
    )
    login: str | None = Field(None, validation_alias=_aliases("login", "Login"))
    email: str | None = Field(None, validation_alias=_aliases("email", "Email"))
    network_id: IdNumber | None = Field(
        None, serialization_alias="networkId", validation_alias=_aliases("networkId", "NetworkID")
    )
    mailbox_id: IdNumber | None = Field(
        None, serialization_alias="mailboxId", validation_alias=_aliases("mailboxId", "MailboxID")
    )
    auth_level: str | None = Field(
        None,
        serialization_alias="authLevel",
        validation_alias=_aliases("authLevel", "AuthLevel"),
    )
    status: Status = Field(
        None, serialization_alias="status", validation_alias=_aliases("status", "Status")
    )
