"""Option declarations and small input helpers shared by several commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.errors import UsageError
from ecgrid_cli.statuses import REST, STATUSES, creation_refusal, interconnect_status_for

STATUS_HELP = (
    "Interconnect status, REST or SOAP word in any case (Active, Suspended, Completed, ...)."
)

StatusFilter = Annotated[
    str | None,
    typer.Option("--status", metavar="STATUS", help=STATUS_HELP, show_default="all"),
]
StatusToCreate = Annotated[
    str | None,
    typer.Option(
        "--status",
        metavar="STATUS",
        help="Initial status (REST or SOAP word).",
        show_default="Active (SOAP: Completed)",
    ),
]
FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="ECGRID_ID",
        help="Your side of the interconnect.",
        show_default="the profile's ecgrid_id",
    ),
]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
DryRunFlag = Annotated[bool, typer.Option("--dry-run", help="Show the plan; change nothing.")]
QualifierOption = Annotated[
    str,
    typer.Option(
        "--qualifier",
        "-q",
        metavar="QUAL",
        help="ISA qualifier, 2 characters (01, 12, 14, ZZ, ...).",
    ),
]
IsaIdOption = Annotated[
    str, typer.Option("--id", "-i", metavar="ISA_ID", help="ISA ID, up to 15 characters.")
]
EcgridIdArg = Annotated[str, typer.Argument(metavar="ECGRID_ID", help="The ECGrid ID.")]
InterconnectArg = Annotated[
    str, typer.Argument(metavar="INTERCONNECT_ID", help="The interconnect ID.")
]


def wanted_status(app_ctx: context.AppContext, value: str | None) -> str | None:
    """``--status`` in either vocabulary, as the word the API in use understands."""
    checked = validation.status(value)
    if checked is None:
        return None
    api = app_ctx.api()
    word = interconnect_status_for(api, checked)
    if api == REST and word not in STATUSES:  # a SOAP word with no REST counterpart
        raise UsageError(
            f"invalid --status {value!r}: the REST API has no such status (it is a SOAP "
            f"word with no REST counterpart); choose one of {', '.join(STATUSES)}",
            details={"field": "--status", "value": value},
        )
    return word


def refuse_uncreatable(backend: Any, status: str | None, where: str = "") -> None:
    """Before any request: a status the API cannot create an interconnect in."""
    refusal = creation_refusal(backend.api, status, backend.capabilities.initial_statuses)
    if refusal:
        raise UsageError(where + refusal)


def resolve_from(app_ctx: context.AppContext, from_id: str | None) -> int:
    """--from, else the profile's own ECGrid ID."""
    if from_id is not None:
        return validation.positive_id(from_id, "--from")
    own = app_ctx.own_ecgrid_id()
    if own is None:
        raise UsageError(
            "no --from given and the profile has no ecgrid_id: pass --from ECGRID_ID "
            "or run 'ecgrid config set ecgrid-id N'"
        )
    return own
