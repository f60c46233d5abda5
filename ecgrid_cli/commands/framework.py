"""How a command function becomes a CLI command that returns a result.

``@command(app, "name", examples=[...])`` registers a function that returns a
:class:`~ecgrid_cli.output.views.Result`. The decorator adds the output options every
such command shares (``--json``, ``--jq EXPR``, ``--header``), checks a ``--jq``
expression before anything is sent, hands the result to the one output layer, and
appends the examples to the help. Command functions therefore never see ``--json``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from ecgrid_cli import context
from ecgrid_cli.output.views import OutputOptions, Result

_JSON = inspect.Parameter(
    "json_output",
    inspect.Parameter.KEYWORD_ONLY,
    default=False,
    annotation=Annotated[
        bool,
        typer.Option(
            "--json", help="Print one JSON document on stdout (errors as JSON on stderr)."
        ),
    ],
)
_JQ = inspect.Parameter(
    "jq_filter",
    inspect.Parameter.KEYWORD_ONLY,
    default=None,
    annotation=Annotated[
        str | None,
        typer.Option(
            "--jq",
            metavar="EXPR",
            help="Filter the JSON output with a jq expression.",
            show_default=False,
        ),
    ],
)
_HEADER = inspect.Parameter(
    "header_row",
    inspect.Parameter.KEYWORD_ONLY,
    default=False,
    annotation=Annotated[
        bool, typer.Option("--header", help="Piped output: start with a header row.")
    ],
)
_OWN = ("json_output", "jq_filter", "header_row")


def group(help_text: str) -> typer.Typer:
    """A command group (``ecgrid ids ...``), loaded only when it is invoked."""
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False)


def single() -> typer.Typer:
    """The home of one root-level command (``ecgrid plan``), loaded only when invoked."""
    return typer.Typer(add_completion=False)


def examples_epilog(examples: Sequence[str]) -> str:
    r"""Help text ending: the examples, kept line by line (``\b``) in plain help too."""
    return "\b\nExamples:\n" + "\n".join(f"  $ {line}" for line in examples)


def command(
    app: typer.Typer,
    name: str,
    *,
    examples: Sequence[str],
    output: bool = True,
    hidden: bool = False,
) -> Callable[[Callable[..., Result | None]], Callable[..., Result | None]]:
    """Register ``func`` as ``name`` on ``app``; its Result is rendered for the user."""

    def decorate(func: Callable[..., Result | None]) -> Callable[..., Result | None]:
        signature = inspect.signature(func, eval_str=True)
        own = [_JSON, _JQ, _HEADER] if output else []

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> int:
            flags = {key: kwargs.pop(key, None) for key in _OWN}
            ctx = kwargs.get("ctx") or next(a for a in args if isinstance(a, typer.Context))
            app_ctx = context.get(ctx)
            configure_output(app_ctx, flags)
            result = func(*args, **kwargs)
            if result is None:
                return 0
            return emit(app_ctx, result)

        parameters = [*signature.parameters.values(), *own]
        run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        # Evaluated once, here: Typer reads the annotations on every run, and strings
        # (``from __future__ import annotations``) would be compiled and evaluated again.
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        run.__annotations__["return"] = int
        help_text = inspect.getdoc(func)
        app.command(name, help=help_text, epilog=examples_epilog(examples), hidden=hidden)(run)
        return func

    return decorate


def configure_output(app_ctx: context.AppContext, flags: dict[str, Any]) -> None:
    """Merge the command's output flags with the global ones; check ``--jq`` early."""
    global_flags = app_ctx.flags
    jq = flags.get("jq_filter") or global_flags.jq
    app_ctx.options = OutputOptions(
        json=bool(flags.get("json_output")) or global_flags.json or jq is not None,
        jq=jq,
        header=bool(flags.get("header_row")) or global_flags.header,
        pager=not global_flags.no_pager,
        show=app_ctx.options.show,
    )
    if jq is not None:  # after the options: a bad expression is reported as JSON too
        from ecgrid_cli.output.jq_filter import compile_jq

        compile_jq(jq)


def emit(app_ctx: context.AppContext, result: Result) -> int:
    """Render ``result``; an error known only at the end is raised after the output."""
    from ecgrid_cli.output.render import render

    finish = render(result, app_ctx.io, app_ctx.options)
    if finish.error is not None:
        raise finish.error
    return finish.exit_code
