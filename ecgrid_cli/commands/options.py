"""Option declarations shared by several commands (declared once, used everywhere)."""

from __future__ import annotations

from typing import Annotated

import typer

JsonFlag = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout (errors as JSON on stderr)."),
]
StatusOption = Annotated[
    str | None,
    typer.Option(
        "--status",
        metavar="STATUS",
        help="Development, Active, Preproduction, Suspended or Terminated (any case).",
        show_default=False,
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
