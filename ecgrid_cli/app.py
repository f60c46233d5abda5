"""The root command: global options, sub-command groups, and error -> exit code.

``run()`` is the single place where an error becomes a message and an exit code;
nothing below it prints errors or calls ``sys.exit``.
"""

import contextlib
import errno
import importlib
import signal
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ecgrid_cli import __version__, typer_tuning
from ecgrid_cli.context import AppContext, GlobalFlags
from ecgrid_cli.errors import EcgridError
from ecgrid_cli.exit_codes import ExitCode, for_kind
from ecgrid_cli.iostreams import ClosedStreamError, IOStreams, ReaderGone
from ecgrid_cli.output.errors import show_error

typer_tuning.install()

# Sub-commands by name: (module, Typer app in it). A run imports and builds only the
# one it invokes, so an API command does not pay for every other command's options;
# `--help` (which lists them all) loads them all.
COMMANDS: dict[str, tuple[str, str]] = {
    "ids": ("ecgrid_cli.commands.ids", "app"),
    "partners": ("ecgrid_cli.commands.partners", "app"),
    "interconnect": ("ecgrid_cli.commands.interconnect", "app"),
    "plan": ("ecgrid_cli.commands.plan", "plan_app"),
    "apply": ("ecgrid_cli.commands.plan", "apply_app"),
    "api": ("ecgrid_cli.commands.api", "app"),
    "config": ("ecgrid_cli.commands.config", "app"),
    "auth": ("ecgrid_cli.commands.auth", "app"),
    "sandbox": ("ecgrid_cli.commands.sandbox", "app"),
    "completion": ("ecgrid_cli.commands.completion", "app"),
    "completion-values": ("ecgrid_cli.commands.completion", "values_app"),
}


class LazyGroup(TyperGroup):
    """The root group: each sub-command is imported and built when first asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, name: str) -> Any:
        if name not in self.commands and name in COMMANDS:
            module, attribute = COMMANDS[name]
            typer_app = getattr(importlib.import_module(module), attribute)
            command = typer.main.get_command(typer_app)
            command.name = name
            self.commands[name] = command
        return self.commands.get(name)


app = typer.Typer(
    name="ecgrid",
    cls=LazyGroup,
    help="EDI partner administration on the ECGrid network: IDs, interconnects, setup.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(ctx: typer.Context, value: bool) -> None:
    if value:
        obj = ctx.find_root().obj
        io = obj.io if isinstance(obj, AppContext) else IOStreams.system()
        from ecgrid_cli.output.render import lines

        lines(io, f"ecgrid {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="Config profile to use.",
            show_default="ECGRID_PROFILE, else the config's default_profile",
        ),
    ] = None,
    api: Annotated[
        str | None,
        typer.Option(
            "--api",
            metavar="rest|soap",
            help="Which ECGrid API to speak.",
            show_default="rest (soap for a .asmx base URL)",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", metavar="URL", help="API base URL.", show_default="per API"),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Deadline per API call, retries included.",
            show_default="30",
        ),
    ] = None,
    retries: Annotated[
        int | None,
        typer.Option(
            "--retries", metavar="N", help="Retries of transient failures.", show_default="5"
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log requests and timings to stderr.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Disable colour.")] = False,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Never send long listings through a pager.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="JSON output for the command that follows.")
    ] = False,
    jq: Annotated[
        str | None,
        typer.Option(
            "--jq", metavar="EXPR", help="Filter the JSON output with jq.", show_default=False
        ),
    ] = None,
    header: Annotated[
        bool, typer.Option("--header", help="Piped tables: start with a header row.")
    ] = False,
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
        api=api,
        base_url=base_url,
        timeout=timeout,
        retries=retries,
        verbose=verbose,
        no_color=no_color,
        no_pager=no_pager,
        json=json_output,
        jq=jq,
        header=header,
    )
    if no_color:
        app_ctx.io.disable_color()
    if no_pager:
        app_ctx.io.disable_pager()
    from ecgrid_cli.commands.framework import configure_output

    configure_output(app_ctx, {})


_WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def run(argv: list[str] | None = None, io: IOStreams | None = None) -> int:
    """Run the CLI and return its exit code; never lets a traceback reach the user."""
    args = list(sys.argv[1:] if argv is None else argv)
    app_ctx = AppContext(io=io or IOStreams.system())
    _plain_help_when_piped(app_ctx.io)
    try:
        # Typer and Click print help and usage to sys.stdout: point it at this run's stdout.
        with contextlib.redirect_stdout(app_ctx.io.stdout):
            result = app(args=args, prog_name="ecgrid", standalone_mode=False, obj=app_ctx)
        app_ctx.io.flush_out()  # a write that fails at the end is an error too (> /dev/full)
        if result == ExitCode.INTERRUPTED:
            # Typer turns Ctrl+C into a bare exit code 130; report it like any error.
            raise KeyboardInterrupt
        return result if isinstance(result, int) else int(ExitCode.OK)
    except EcgridError as err:
        _report(app_ctx, err.code, err.message, err.http_status, err.details)
        return for_kind(err.kind)
    except (typer.Abort, KeyboardInterrupt):
        # A second Ctrl+C while this one is reported must not end the run by the signal.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _report(app_ctx, "Interrupted", "interrupted", None)
        return int(ExitCode.INTERRUPTED)
    except (BrokenPipeError, ReaderGone) as gone:
        # The reader went away (`ecgrid ... | head -1`): it has what it wanted.
        _silence_stdout(app_ctx.io.stdout)
        finish = getattr(gone, "finish", None)
        if finish is not None and finish.error is not None:
            err = finish.error
            _report(app_ctx, err.code, err.message, err.http_status, err.details)
            return for_kind(err.kind)
        return finish.exit_code if finish is not None else int(ExitCode.OK)
    except ClosedStreamError as err:
        _report(app_ctx, "ClosedStream", f"cannot write: {err}", None)
        return int(ExitCode.ERROR)
    except Exception as err:  # the last line of defence: one line, never a traceback
        if _is_click_error(err):
            return _report_click_error(app_ctx, err, args)
        if isinstance(err, OSError) and err.errno in _WRITE_FAILURES:
            # Help and usage that Click writes itself (> /dev/full, a full disk).
            _report(app_ctx, "OutputError", f"cannot write the output: {err.strerror}", None)
            return int(ExitCode.ERROR)
        _report(app_ctx, "InternalError", f"unexpected error: {type(err).__name__}: {err}", None)
        return int(ExitCode.ERROR)
    finally:
        app_ctx.close()
        app_ctx.io.stop_pager()


def _report(
    app_ctx: AppContext,
    code: str,
    message: str,
    http_status: int | None,
    details: dict[str, object] | None = None,
) -> None:
    show_error(
        app_ctx.io,
        code,
        message,
        http_status,
        json_mode=app_ctx.options.wants_json,
        details=details,
    )


def _plain_help_when_piped(io: IOStreams) -> None:
    """Help is rich on a terminal and plain text (no boxes, no colour) when piped."""
    import typer.core

    typer.core.HAS_RICH = io.stdout_tty


def _is_click_error(err: Exception) -> bool:
    """Click's exceptions (Typer vendors its own copy, so match by shape, not class)."""
    return hasattr(err, "format_message") and isinstance(getattr(err, "exit_code", None), int)


def _asked_for_json(args: list[str]) -> bool:
    """Whether the command line asked for JSON output, when it could not be parsed.

    Only for reporting a parse error: the parsed options say this in every other case.
    """
    words = args[: args.index("--")] if "--" in args else args
    return any(word in ("--json", "--jq") or word.startswith("--jq=") for word in words)


def _report_click_error(app_ctx: AppContext, err: Any, args: list[str]) -> int:
    ctx = getattr(err, "ctx", None)
    if type(err).__name__ == "NoArgsIsHelpError":
        message = err.format_message()  # a group run without a sub-command: its help
        if message.strip():
            app_ctx.io.err(message)
        return int(ExitCode.USAGE)
    message = err.format_message()
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    show_error(
        app_ctx.io,
        "UsageError",
        message,
        None,
        json_mode=app_ctx.options.wants_json or _asked_for_json(args),
    )
    return err.exit_code


def _silence_stdout(stream: Any = None) -> None:
    """After a closed pipe (e.g. `| head`), keep Python from complaining at exit."""
    import os

    try:
        fileno = (stream if stream is not None else sys.stdout).fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fileno)
    except (OSError, ValueError, AttributeError):
        pass


def main() -> None:
    # Started from a background job, SIGINT may be inherited as ignored: Ctrl+C must work.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = run()
    except KeyboardInterrupt:  # a second Ctrl+C while the first was being handled
        code = int(ExitCode.INTERRUPTED)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (OSError, ValueError):
        pass
    sys.exit(code)
