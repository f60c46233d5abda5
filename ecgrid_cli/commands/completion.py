"""`ecgrid completion SHELL`: print a static completion script."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context
from ecgrid_cli.errors import UsageError

SHELLS = ("bash", "zsh", "fish")


def completion(
    ctx: typer.Context,
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the completion script for SHELL (e.g. source <(ecgrid completion bash))."""
    if shell not in SHELLS:
        raise UsageError(f"invalid SHELL {shell!r}: choose one of {', '.join(SHELLS)}")
    from ecgrid_cli.completion import script

    context.get(ctx).output.line(script(shell).rstrip("\n"))
