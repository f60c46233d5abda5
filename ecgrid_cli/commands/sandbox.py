"""`ecgrid sandbox ...`: a local ECGrid-compatible server for trying and testing."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context
from ecgrid_cli.errors import UsageError
from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT

app = typer.Typer(help="Run a local ECGrid-compatible sandbox server.", no_args_is_help=True)

FIND_STYLES = ("all", "post", "get-isa", "get-qual")


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", metavar="ADDR", help="Address to bind.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port; 0 picks a free one.")
    ] = DEFAULT_PORT,
    api_key: Annotated[
        str, typer.Option("--api-key", metavar="KEY", help="Key clients must send.")
    ] = DEFAULT_API_KEY,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="PATH", help="SQLite file (default: user data dir)."),
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Wipe and reseed the data.")] = False,
    latency_ms: Annotated[
        int, typer.Option("--latency-ms", metavar="MS", help="Delay every request by N ms.")
    ] = 0,
    fault_rate: Annotated[
        float,
        typer.Option("--fault-rate", metavar="RATE", help="Share of requests failing 429/500/503."),
    ] = 0.0,
    retry_after: Annotated[
        float,
        typer.Option(
            "--retry-after", metavar="SECONDS", help="Retry-After seconds on injected 429s."
        ),
    ] = 1.0,
    drop_rate: Annotated[
        float,
        typer.Option(
            "--drop-rate",
            metavar="RATE",
            help="Share of writes committed, then dropped unanswered.",
        ),
    ] = 0.0,
    find_style: Annotated[
        str,
        typer.Option(
            "--find-style", metavar="STYLE", help="Find forms served: all, post, get-isa, get-qual."
        ),
    ] = "all",
    seed: Annotated[
        int | None, typer.Option("--seed", metavar="N", help="RNG seed for faults.")
    ] = None,
    detach: Annotated[
        bool,
        typer.Option("--detach", "-d", help="Run in the background; stop with 'sandbox stop'."),
    ] = False,
) -> None:
    """Serve the ECGrid REST v2 subset on loopback, with demo data."""
    out = context.get(ctx).output
    if not 0 <= port <= 65535:
        raise UsageError(f"invalid --port {port}: expected 0 to 65535")
    for name, rate in (("--fault-rate", fault_rate), ("--drop-rate", drop_rate)):
        if not 0.0 <= rate <= 1.0:
            raise UsageError(f"invalid {name} {rate}: expected a share from 0 to 1")
    if latency_ms < 0 or retry_after < 0:
        raise UsageError("--latency-ms and --retry-after cannot be negative")
    if find_style not in FIND_STYLES:
        raise UsageError(
            f"invalid --find-style {find_style!r}: choose one of {', '.join(FIND_STYLES)}"
        )
    if not api_key or any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in api_key):
        raise UsageError("invalid --api-key: printable characters without spaces")
    from ecgrid_cli.sandbox import SandboxOptions, StoreError, create_server

    options = SandboxOptions(
        host=host,
        port=port,
        api_key=api_key,
        db_path=db,
        reset=reset,
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        retry_after=retry_after,
        drop_rate=drop_rate,
        find_style=find_style,
        seed=seed,
    )
    if detach:
        from ecgrid_cli.sandbox import start_detached

        try:
            pid, base_url = start_detached(options)
        except RuntimeError as exc:
            raise UsageError(str(exc)) from None
        out.line(f"ECGrid sandbox running in the background at {base_url} (pid {pid})")
        out.line(f"API key: {api_key}")
        out.line("Stop it with: ecgrid sandbox stop")
        return
    try:
        server = create_server(options)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    _exit_on_sigterm()
    out.line(f"ECGrid sandbox listening on {server.base_url}")
    out.line(f"API key: {api_key}")
    out.line("Press Ctrl+C to stop.")
    out.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


@app.command("stop")
def stop(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="PATH", help="The --db the sandbox was started with."),
    ] = None,
) -> None:
    """Stop a sandbox started with --detach."""
    from ecgrid_cli.sandbox import stop_detached

    out = context.get(ctx).output
    pid = stop_detached(db)
    out.status(f"stopped the sandbox (pid {pid})" if pid else "no background sandbox was running")


def _exit_on_sigterm() -> None:
    """`sandbox stop` sends SIGTERM: leave through the same tidy path as Ctrl+C."""
    import signal

    def leave(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, leave)
