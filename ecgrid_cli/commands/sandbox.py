"""`ecgrid sandbox ...`: a local ECGrid-compatible server (REST and SOAP) for trying and testing."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ecgrid_cli import context
from ecgrid_cli.commands.framework import group
from ecgrid_cli.errors import UsageError
from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT

app = group("Run a local ECGrid-compatible sandbox server.")


@app.command("serve")
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
    say = _Console(ctx)
    from ecgrid_cli.sandbox import SandboxOptions, StoreError, create_server

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
        say.line(f"ECGrid sandbox running in the background at {base_url} (pid {pid})")
        say.line(f"API key: {api_key}")
        say.line("Stop it with: ecgrid sandbox stop")
        return
    try:
        server = create_server(options)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except (StoreError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    _exit_on_sigterm()
    say.line(f"ECGrid sandbox listening on {server.listen_url}")
    say.line(f"API key: {api_key}")
    say.line(f"SOAP: {server.listen_url}/v4.1/prod/ECGridOS.asmx (WSDL: ?WSDL)")
    say.line("Press Ctrl+C to stop.")
    say.flush()
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

    pid = stop_detached(db)
    _Console(ctx).status(
        f"stopped the sandbox (pid {pid})" if pid else "no background sandbox was running"
    )


class _Console:
    """Lines on stdout, status on stderr, through the run's streams (whatever their API)."""

    def __init__(self, ctx: typer.Context) -> None:
        app_ctx: Any = context.get(ctx)
        self._io = getattr(app_ctx, "io", None)
        self._output = getattr(app_ctx, "output", None)

    def line(self, text: str) -> None:
        if self._io is not None:
            self._io.out(text + "\n")
        elif self._output is not None:
            self._output.line(text)
        else:  # pragma: no cover - a context without streams
            typer.echo(text)

    def status(self, text: str) -> None:
        if self._io is not None:
            self._io.err(text)
        elif self._output is not None:
            self._output.status(text)
        else:  # pragma: no cover
            typer.echo(text, err=True)

    def flush(self) -> None:
        stream = getattr(self._io, "stdout", None) or getattr(self._output, "stdout", None)
        if stream is not None:
            stream.flush()


def _exit_on_sigterm() -> None:
    """`sandbox stop` sends SIGTERM: leave through the same tidy path as Ctrl+C."""
    import signal

    def leave(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, leave)
