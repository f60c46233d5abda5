"""How each kind of document looks to people: table columns and key/value fields.

Commands pick a layout here rather than describing views themselves. ``drop_rank``
orders what a narrow terminal gives up first (timestamps, then mailbox/network);
``shrinkable`` columns (free text) may be shortened; IDs and states never are.
"""

from __future__ import annotations

from ecgrid_cli.output.views import Column, Field, Record, Table

ID_TABLE = Table(
    (
        Column("ecGridId", "ECGRID ID"),
        Column("qualifier", "QUAL"),
        Column("id", "ISA ID"),
        Column("description", "DESCRIPTION", shrinkable=True),
        Column("status", "STATUS"),
        Column("mailboxId", "MAILBOX", drop_rank=1),
        Column("networkId", "NETWORK", drop_rank=2),
    )
)

ID_FIELDS = (
    Field("ECGrid ID", "ecGridId"),
    Field("Qualifier", "qualifier"),
    Field("ISA ID", "id"),
    Field("Description", "description"),
    Field("Status", "status"),
    Field("Mailbox", "mailboxId"),
    Field("Network", "networkId"),
    Field("Routing group", "routingGroup"),
    Field("EDI standard", "ediStandard"),
)


def id_record(title: str) -> Record:
    return Record(ID_FIELDS, title)


INTERCONNECT_TABLE = Table(
    (
        Column("interconnectId", "INTERCONNECT"),
        Column("ecGridIdFrom", "FROM"),
        Column("ecGridIdTo", "TO"),
        Column("status", "STATUS"),
        Column("created", "CREATED", drop_rank=2),
        Column("modified", "MODIFIED", drop_rank=3),
    )
)

INTERCONNECT_FIELDS = (
    Field("Interconnect", "interconnectId"),
    Field("From", "ecGridIdFrom"),
    Field("To", "ecGridIdTo"),
    Field("Status", "status"),
    Field("Created", "created"),
    Field("Modified", "modified"),
)


def interconnect_record(title: str) -> Record:
    return Record(INTERCONNECT_FIELDS, title)


NOTE_TABLE = Table(
    (
        Column("timestamp", "WHEN", drop_rank=1),
        Column("postedBy", "BY", drop_rank=2),
        Column("text", "NOTE", shrinkable=True),
    )
)

SETUP_FIELDS = (
    Field("Outcome", "outcome"),
    Field("Created", "created"),
    Field("Interconnect", "interconnectId"),
    Field("From", "from"),
    Field("To", "to"),
    Field("Status", "status"),
    Field("Partner ECGrid ID", "partnerId"),
    Field("Partner QID", "partnerQid"),
    Field("Partner", "partnerName"),
)

BULK_TABLE = Table(
    (
        Column("row", "ROW"),
        Column("qid", "PARTNER QID"),
        Column("partnerId", "PARTNER", drop_rank=2),
        Column("outcome", "OUTCOME"),
        Column("interconnectId", "INTERCONNECT", drop_rank=1),
        Column("detail", "DETAIL", shrinkable=True),
    ),
    paged=False,
)

CHECK_TABLE = Table(
    (
        Column("check", "CHECK"),
        Column("result", "RESULT"),
        Column("reason", "REASON", shrinkable=True),
    ),
    paged=False,
)

CHECKS_TABLE = Table(
    (
        Column("row", "ROW"),
        Column("interconnectId", "INTERCONNECT"),
        Column("healthy", "HEALTHY"),
        Column("delivery", "DELIVERY", drop_rank=1),
        Column("issues", "ISSUES", shrinkable=True),
    ),
    paged=False,
)

PLAN_TABLE = Table(
    (
        Column("sign", " ", terminal_only=True),
        Column("action", "ACTION"),
        Column("from", "FROM"),
        Column("partner", "PARTNER"),
        Column("interconnectId", "INTERCONNECT"),
        Column("status", "STATUS", drop_rank=1),
        Column("detail", "DETAIL", shrinkable=True),
    ),
    paged=False,
    style_key="sign",
    styles=(("+", "green"), ("~", "yellow"), ("-", "red"), ("!", "red")),
)

CONFIG_TABLE = Table(
    (
        Column("profile", "PROFILE"),
        Column("key", "KEY"),
        Column("value", "VALUE", shrinkable=True),
    )
)
