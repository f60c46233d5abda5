"""`ecgrid completion SHELL`: print a static completion script; and the values that
the scripts ask for at <TAB> time (profile names live in the config file)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context
from ecgrid_cli.commands.framework import examples_epilog, single
from ecgrid_cli.errors import UsageError

SHELLS = ("bash", "zsh", "fish")
VALUE_KINDS = ("profiles",)


app = single()
values_app = single()


def register() -> None:
    app.command(
        "completion",
        epilog=examples_epilog(
            ["source <(ecgrid completion bash)", "ecgrid completion zsh > ~/.zfunc/_ecgrid"]
        ),
    )(completion)
    values_app.command("completion-values", hidden=True)(completion_values)


def completion(
    ctx: typer.Context,
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the completion script for SHELL."""
    if shell not in SHELLS:
        raise UsageError(f"invalid SHELL {shell!r}: choose one of {', '.join(SHELLS)}")
    from ecgrid_cli.completion import script
    from ecgrid_cli.output.render import lines

    lines(context.get(ctx).io, script(shell))


def completion_values(
    ctx: typer.Context, kind: Annotated[str, typer.Argument(metavar="KIND")]
) -> None:
    """Values for shell completion, one per line (used by the completion scripts)."""
    if kind not in VALUE_KINDS:
        raise UsageError(f"invalid KIND {kind!r}: choose one of {', '.join(VALUE_KINDS)}")
    from ecgrid_cli import config_file
    from ecgrid_cli.profiles import SANDBOX_PROFILE

    try:
        data = config_file.load(config_file.config_path())
    except Exception:  # a broken config must not break <TAB>
        data = {}
    names = sorted({*data.get("profiles", {}), SANDBOX_PROFILE})
    from ecgrid_cli.output.render import lines

    lines(context.get(ctx).io, *names)


register()
