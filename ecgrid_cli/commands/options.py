"""Option declarations and small input helpers shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.errors import UsageError
from ecgrid_cli.statuses import interconnect_status_for

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
    return None if checked is None else interconnect_status_for(app_ctx.api(), checked)


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
