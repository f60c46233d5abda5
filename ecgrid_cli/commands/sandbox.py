"""`ecgrid sandbox ...`: a local ECGrid-compatible server (REST and SOAP) for trying and testing."""

from __future__ import annotations

import os
import shlex
from typing import Annotated, Any

import typer

from ecgrid_cli import context
from ecgrid_cli.commands.framework import examples_epilog, group
from ecgrid_cli.errors import UsageError
from ecgrid_cli.output.render import lines
from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT
from ecgrid_cli.startup import resume_collector

app = group("Run a local ECGrid-compatible sandbox server.")

API_KEY_ENV = "ECGRID_SANDBOX_API_KEY"  # also how `serve --detach` hands its child the key


@app.command(
    "serve",
    epilog=examples_epilog(
        [
            "ecgrid sandbox serve",
            "ecgrid sandbox serve --detach",
            "ecgrid sandbox serve --port 0 --db /tmp/sb.db --reset --latency-ms 20",
            "ecgrid sandbox serve --fault-rate 0.2 --drop-rate 0.1 --seed 7",
        ]
    ),
)
def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="ADDR",
            help="Address to bind; anything but loopback needs your own --api-key.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port; 0 picks a free one.")
    ] = DEFAULT_PORT,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help=f"Key clients must send (default: ${API_KEY_ENV}, else {DEFAULT_API_KEY}).",
            show_default=False,
        ),
    ] = None,
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
    id_create_style: Annotated[
        str,
        typer.Option(
            "--id-create-style",
            metavar="STYLE",
            help="POST /v2/ids bodies served: all, reference, guide.",
        ),
    ] = "all",
    soap_namespace: Annotated[
        str,
        typer.Option(
            "--soap-namespace",
            metavar="NS",
            help="SOAP answers in the live (https://os.ecgrid.io/) or legacy namespace.",
        ),
    ] = "live",
    session_ttl: Annotated[
        float,
        typer.Option(
            "--session-ttl", metavar="SECONDS", help="Idle seconds before a SOAP session ends."
        ),
    ] = 1200.0,
    token_ttl: Annotated[
        float,
        typer.Option("--token-ttl", metavar="SECONDS", help="Lifetime of REST login tokens."),
    ] = 3600.0,
    parcel_seconds: Annotated[
        float,
        typer.Option(
            "--parcel-seconds", metavar="SECONDS", help="Time a test parcel takes to arrive."
        ),
    ] = 3.0,
    parcel_fail_rate: Annotated[
        float,
        typer.Option("--parcel-fail-rate", metavar="RATE", help="Share of test parcels failing."),
    ] = 0.0,
    seed: Annotated[
        int | None, typer.Option("--seed", metavar="N", help="RNG seed for faults and parcels.")
    ] = None,
    detach: Annotated[
        bool,
        typer.Option("--detach", "-d", help="Run in the background; stop with 'sandbox stop'."),
    ] = False,
) -> None:
    """Serve the ECGrid REST v2 and SOAP v4.1 subsets, with demo data."""
    io = context.get(ctx).io
    from ecgrid_cli.sandbox import SandboxOptions, StoreError, create_server

    from_env = os.environ.get(API_KEY_ENV, "") if api_key is None else ""
    api_key = api_key or from_env or DEFAULT_API_KEY
    # A key from the environment is not echoed: a detached sandbox's output is its log.
    shown_key = f"(from {API_KEY_ENV})" if from_env and api_key != DEFAULT_API_KEY else api_key
    try:
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
            id_create_style=id_create_style,
            soap_namespace=soap_namespace,
            session_ttl=session_ttl,
            token_ttl=token_ttl,
            parcel_seconds=parcel_seconds,
            parcel_fail_rate=parcel_fail_rate,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if detach:
        from ecgrid_cli.sandbox import start_detached

        try:
            pid, base_url = start_detached(options)
        except RuntimeError as exc:
            raise UsageError(str(exc)) from None
        if context.get(ctx).flags.json:  # `ecgrid --json sandbox serve --detach`
            started = {"url": base_url, "pid": pid, "apiKey": shown_key, "stop": _stop_command(db)}
            _print_json(io, started)
            return
        lines(
            io,
            f"ECGrid sandbox running in the background at {base_url} (pid {pid})",
            f"API key: {shown_key}",
            f"Stop it with: {_stop_command(db)}",
        )
        return
    try:
        server = create_server(options)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except (StoreError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    resume_collector()  # a server runs for long: collect cycles again
    _exit_on_sigterm()
    lines(
        io,
        f"ECGrid sandbox listening on {server.listen_url}",
        f"API key: {shown_key}",
        f"SOAP: {server.listen_url}/v4.1/prod/ECGridOS.asmx (WSDL: ?WSDL)",
        "Press Ctrl+C to stop.",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


@app.command(
    "stop",
    epilog=examples_epilog(["ecgrid sandbox stop", "ecgrid sandbox stop --db /tmp/sb.db"]),
)
def stop(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="PATH", help="The --db the sandbox was started with."),
    ] = None,
) -> None:
    """Stop a sandbox started with --detach."""
    from ecgrid_cli.sandbox import stop_detached

    pid = stop_detached(db)
    app_ctx = context.get(ctx)
    if app_ctx.flags.json:  # `ecgrid --json sandbox stop`
        _print_json(app_ctx.io, {"stopped": pid is not None, "pid": pid})
        return
    app_ctx.io.err(
        f"stopped the sandbox (pid {pid})" if pid else "no background sandbox was running"
    )


def _print_json(io: Any, document: dict[str, Any]) -> None:
    """`--json` for these plain commands: one document on stdout."""
    import json

    lines(io, json.dumps(document, indent=2))


def _stop_command(db: str | None) -> str:
    """``ecgrid sandbox stop``, with ``--db`` when ``db`` is not the default database."""
    from ecgrid_cli.sandbox import default_db_path
    from ecgrid_cli.sandbox.lifecycle import resolved_db

    if db is None or resolved_db(db) == resolved_db(str(default_db_path())):
        return "ecgrid sandbox stop"
    return f"ecgrid sandbox stop --db {shlex.quote(resolved_db(db))}"


def _exit_on_sigterm() -> None:
    """`sandbox stop` sends SIGTERM: leave through the same tidy path as Ctrl+C."""
    import signal

    def leave(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, leave)
