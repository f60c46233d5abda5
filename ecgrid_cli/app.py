"""The root command: global options, sub-command groups, and error -> exit code.

``run()`` is the single place where an error becomes a message and an exit code;
nothing below it prints errors or calls ``sys.exit``.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from ecgrid_cli import __version__, help_labels
from ecgrid_cli.commands import auth, config, ids, interconnect, partners, sandbox
from ecgrid_cli.commands.completion import completion
from ecgrid_cli.context import AppContext, GlobalFlags
from ecgrid_cli.errors import EcgridError
from ecgrid_cli.output import Output

EXIT_OK = 0
EXIT_CODES = {
    "error": 1,
    "api": 1,
    "usage": 2,
    "auth": 3,
    "not_found": 4,
    "conflict": 5,
    "transient": 6,
    "unreachable": 7,
    "interrupted": 130,
}

help_labels.install()

app = typer.Typer(
    name="ecgrid",
    help="EDI partner administration on the ECGrid network: IDs, interconnects, setup.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(ids.app, name="ids")
app.add_typer(partners.app, name="partners")
app.add_typer(interconnect.app, name="interconnect")
app.add_typer(config.app, name="config")
app.add_typer(auth.app, name="auth")
app.add_typer(sandbox.app, name="sandbox")
app.command("completion")(completion)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"ecgrid {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", metavar="NAME", help="Config profile to use.", show_default=False
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", metavar="URL", help="API base URL.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", metavar="SECONDS", help="Deadline per API call, retries included."
        ),
    ] = None,
    retries: Annotated[
        int | None, typer.Option("--retries", metavar="N", help="Retries of transient failures.")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log requests and timings to stderr.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Disable colour.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """EDI partner administration on the ECGrid network."""
    app_ctx = ctx.ensure_object(AppContext)
    app_ctx.flags = GlobalFlags(
        profile=profile,
        base_url=base_url,
        timeout=timeout,
        retries=retries,
        verbose=verbose,
        no_color=no_color,
    )
    app_ctx.output.no_color = app_ctx.output.no_color or no_color


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; never lets a traceback reach the user."""
    args = list(sys.argv[1:] if argv is None else argv)
    app_ctx = AppContext()
    out = app_ctx.output
    if "--json" in args:
        out.json_mode = True
    try:
        result = app(args=args, prog_name="ecgrid", standalone_mode=False, obj=app_ctx)
        if result == EXIT_CODES["interrupted"]:
            # Typer turns Ctrl+C into a bare exit code 130; report it like any error.
            raise KeyboardInterrupt
        return result if isinstance(result, int) else EXIT_OK
    except EcgridError as err:
        out.error(err.code, err.message, err.http_status)
        return EXIT_CODES.get(err.kind, 1)
    except (typer.Abort, KeyboardInterrupt):
        out.error("Interrupted", "interrupted", None)
        return EXIT_CODES["interrupted"]
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except Exception as err:  # the last line of defence: one line, never a traceback
        if _is_click_error(err):
            return _report_click_error(out, err)
        out.error("InternalError", f"unexpected error: {type(err).__name__}: {err}", None)
        return 1
    finally:
        app_ctx.close()


def _is_click_error(err: Exception) -> bool:
    """Click's exceptions (Typer vendors its own copy, so match by shape, not class)."""
    return hasattr(err, "format_message") and isinstance(getattr(err, "exit_code", None), int)


def _report_click_error(out: Output, err: Any) -> int:
    ctx = getattr(err, "ctx", None)
    if type(err).__name__ == "NoArgsIsHelpError":
        message = err.format_message()  # a group run without a sub-command: its help
        if message.strip():
            out.err_line(message)
        return 2
    message = err.format_message()
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    out.error("UsageError", message, None)
    return err.exit_code


def _silence_stdout() -> None:
    """After a closed pipe (e.g. `| head`), keep Python from complaining at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main() -> None:
    code = run()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    sys.exit(code)
