"""Payload models: accept every spelling the vendor documents, in one canonical form.

The vendor's pages disagree on field names (API-NOTES, DRIFT 2), so each field lists
every known alias (REST camelCase, the guides' spellings, SOAP's PascalCase). Unknown
fields are ignored (the v2 series may add fields at any time) and unknown enum values
pass through unchanged. Turning a model into an output document is the output
layer's business (:mod:`ecgrid_cli.output.documents`), not the model's.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

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
    # .NET sends DateTime.MinValue for "never": that is no timestamp at all.
    if isinstance(value, str) and value.startswith("0001-01-01"):
        return None
    return value


IsaText = Annotated[str | None, BeforeValidator(_strip_isa_padding)]
Timestamp = Annotated[str | None, BeforeValidator(_number_as_text)]
IdNumber = Annotated[int, BeforeValidator(_not_boolean)]
Status = Annotated[str | None, BeforeValidator(_canonical_status)]


class ApiModel(BaseModel):
    # defer_build: a command pays for building only the models it actually parses.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True, defer_build=True)


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
    use_type: str | None = Field(None, validation_alias=_aliases("useType", "UseType"))
    # When the current owner became (or becomes) effective: a future date is a
    # scheduled move (the vendor's health check reads ownerInfo.effective).
    owner_effective: Timestamp = Field(
        None, validation_alias=_aliases("ownerEffective", "OwnerEffective")
    )

    @model_validator(mode="before")
    @classmethod
    def _flatten_owner_info(cls, data: Any) -> Any:
        if isinstance(data, dict):
            owner = data.get("ownerInfo", data.get("OwnerInfo"))
            if isinstance(owner, dict) and "ownerEffective" not in data:
                effective = owner.get("effective", owner.get("Effective"))
                data = {**data, "ownerEffective": effective}
                routing = owner.get("routingGroup", owner.get("RoutingGroup"))
                if routing and not data.get("routingGroup", data.get("RoutingGroup")):
                    data["routingGroup"] = routing
        return data


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
    # Outbound: TP1 (from) -> TP2 (to); inbound: the reverse.
    last_traffic_outbound: Timestamp = Field(
        None, validation_alias=_aliases("lastTrafficOutbound", "LastTrafficOutbound")
    )
    last_traffic_inbound: Timestamp = Field(
        None, validation_alias=_aliases("lastTrafficInbound", "LastTrafficInbound")
    )
    reference: str | None = Field(
        None, validation_alias=_aliases("reference", "Reference1", "reference1")
    )

    @model_validator(mode="before")
    @classmethod
    def _sides_from_tps(cls, data: Any) -> Any:
        """SOAP names the two sides as nested ECGridIDInfo: TP1 (requester) and TP2."""
        if isinstance(data, dict) and "TP1" in data and "ecGridIdFrom" not in data:
            tp1, tp2 = data.get("TP1"), data.get("TP2")
            data = {
                **data,
                "ecGridIdFrom": tp1.get("ECGridID") if isinstance(tp1, dict) else None,
                "ecGridIdTo": tp2.get("ECGridID") if isinstance(tp2, dict) else None,
            }
        return data

    def joins(self, a: int, b: int) -> bool:
        """True when this interconnect links a and b, in either orientation (DRIFT 3)."""
        return {self.ecgrid_id_from, self.ecgrid_id_to} == {a, b}


class InterconnectNote(ApiModel):
    text: str | None = Field(None, validation_alias=_aliases("text", "note", "Text", "Note"))
    timestamp: Timestamp = Field(
        None, validation_alias=_aliases("timestamp", "Timestamp", "NoteDate", "noteDate")
    )
    user_id: IdNumber | None = Field(
        None, serialization_alias="userId", validation_alias=_aliases("userId", "UserID")
    )
    posted_by: str | None = Field(None, validation_alias=_aliases("postedBy", "PostedBy"))


class Parcel(ApiModel):
    parcel_id: IdNumber = Field(validation_alias=_aliases("parcelId", "ParcelID", "parcelID"))
    # REST: ``status``; SOAP: ``StatusCode`` (empty while the parcel is in flight).
    status: str | None = Field(
        None, validation_alias=_aliases("status", "Status", "StatusCode", "statusCode")
    )
    status_message: str | None = Field(
        None, validation_alias=_aliases("statusMessage", "StatusMessage")
    )
    ecgrid_id_from: IdNumber | None = Field(
        None, validation_alias=_aliases("ecGridIdFrom", "ECGridIDFrom")
    )
    ecgrid_id_to: IdNumber | None = Field(
        None, validation_alias=_aliases("ecGridIdTo", "ECGridIDTo")
    )
    modified: Timestamp = Field(
        None, validation_alias=_aliases("modified", "StatusDate", "statusDate")
    )


class LoginGrant(ApiModel):
    """What a login returns: a REST JWT (with expiry) or a SOAP session ID."""

    token: str = Field(repr=False, validation_alias=_aliases("token", "sessionId", "SessionID"))
    expires_at: Timestamp = Field(None, validation_alias=_aliases("expiresAt", "ExpiresAt"))
    refresh_token: str | None = Field(
        None, repr=False, validation_alias=_aliases("refreshToken", "RefreshToken")
    )
    user_id: IdNumber | None = Field(None, validation_alias=_aliases("userId", "UserID"))


class User(ApiModel):
    user_id: IdNumber | None = Field(
        None, serialization_alias="userId", validation_alias=_aliases("userId", "UserID")
    )
    login: str | None = Field(
        None, validation_alias=_aliases("login", "Login", "LoginName", "loginName")
    )
    email: str | None = Field(None, validation_alias=_aliases("email", "Email", "EMail"))
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
