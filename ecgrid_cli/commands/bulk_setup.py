"""`interconnect setup --file`: the bulk run as a streamed result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecgrid_cli import context, validation
from ecgrid_cli.commands.options import refuse_uncreatable, resolve_from, wanted_status
from ecgrid_cli.commands.setup_results import row_display, row_document
from ecgrid_cli.output.layouts import BULK_TABLE
from ecgrid_cli.output.views import Finish, Result, Stream, Table
from ecgrid_cli.statuses import interconnect_status_for

MAX_WORKERS = 64


def bulk_setup(
    app_ctx: context.AppContext,
    *,
    path: str,
    from_id: str | None,
    status: str | None,
    onboard_mailbox: int | None,
    verify: bool,
    verify_timeout: float,
    dry_run: bool,
    concurrency: int | None,
    max_concurrency: int | None,
    show: str,
) -> Result:
    from ecgrid_cli.domain.bulk import run_bulk
    from ecgrid_cli.domain.bulk_rows import RowDefaults, validate
    from ecgrid_cli.domain.bulk_tally import Tally
    from ecgrid_cli.domain.rows_file import RowsFile
    from ecgrid_cli.output.progress import problem, progress_bar

    gate = make_gate(concurrency, max_concurrency)
    default_from = (
        resolve_from(app_ctx, from_id) if from_id is not None else app_ctx.own_ecgrid_id()
    )
    api = app_ctx.api()
    # Built before the rows are checked (no request yet): what the API can do is part of
    # what makes a row valid, so a row it cannot carry out stops the run before any send.
    backend = app_ctx.backend(max_connections=gate.cap, throttle=gate)
    defaults = RowDefaults(
        from_id=default_from,
        status=wanted_status(app_ctx, status),
        status_for=lambda word: interconnect_status_for(api, word),
        onboard_mailbox=onboard_mailbox,
        verify=verify,
        verify_timeout=verify_timeout,
        dry_run=dry_run,
        id_use_type=backend.capabilities.id_use_type,
        initial_statuses=backend.capabilities.initial_statuses,
        api=api,
    )
    refuse_uncreatable(backend, defaults.status)
    source = RowsFile(path, stdin=app_ctx.io.stdin)
    try:
        checked = validate(source, defaults)
    except BaseException:
        source.close()
        raise
    tally = Tally(dry_run=dry_run)
    io = app_ctx.io
    app_ctx.options = type(app_ctx.options)(**{**app_ctx.options.__dict__, "show": show})

    def rows() -> Iterator[dict[str, Any]]:
        label = "checking rows (dry run)" if dry_run else "setting up interconnects"
        try:
            with progress_bar(io, app_ctx.options, checked.total, label) as bar:
                for outcome in run_bulk(backend, source, defaults, checked, gate):
                    tally.add(outcome)
                    bar.advance()
                    error = outcome.error
                    if error is not None:
                        problem(
                            io, app_ctx.options, f"row {outcome.row}: {error.code}: {error.message}"
                        )
                    yield row_document(outcome)
        finally:
            source.close()

    def finish() -> Finish:
        notes = []
        if io.stderr_tty:  # piped, stderr carries nothing but errors
            notes.append(tally.summary_line())
            if dry_run:
                notes.append("dry run: nothing changed")
        return Finish(notes=notes, error=tally.verdict())

    return Result(
        Stream(rows(), key="rows", footer=lambda: {"summary": tally.summary(gate.describe())}),
        Table(BULK_TABLE.columns, paged=False),
        display=row_display,
        terminal_filter=lambda row: row["outcome"] not in ("created", "exists", "duplicate"),
        finish=finish,
    )


def make_gate(concurrency: int | None, max_concurrency: int | None):
    from ecgrid_cli.domain.concurrency import DEFAULT_START, AdaptiveGate, default_cap

    if concurrency is not None:
        pinned = validation.in_range(concurrency, "--concurrency", 1, MAX_WORKERS)
        return AdaptiveGate(pinned, pinned, pinned=True)
    cap = default_cap()
    if max_concurrency is not None:
        cap = validation.in_range(max_concurrency, "--max-concurrency", 1, MAX_WORKERS)
    return AdaptiveGate(min(DEFAULT_START, cap), cap)
