"""`ecgrid partners ...`: interconnects between two ECGrid IDs, and their notes."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.commands.framework import command, group
from ecgrid_cli.commands.options import (
    EcgridIdArg,
    FromOption,
    InterconnectArg,
    StatusFilter,
    StatusToCreate,
    YesFlag,
    refuse_uncreatable,
    resolve_from,
    wanted_status,
)
from ecgrid_cli.confirm import confirm
from ecgrid_cli.errors import ConflictError, UsageError
from ecgrid_cli.output.documents import interconnect_document, note_document
from ecgrid_cli.output.layouts import INTERCONNECT_TABLE, NOTE_TABLE, interconnect_record
from ecgrid_cli.output.views import Result, Stream, Table, Value

app = group("Create, show, list, count, terminate and annotate interconnects.")
note_app = group("Add and read notes on an interconnect.")
app.add_typer(note_app, name="note")


def _record(doc: dict) -> Result:
    return Result(doc, interconnect_record(f"Interconnect {doc['interconnectId']}"))


@command(
    app,
    "create",
    examples=[
        "ecgrid partners create --to 334455",
        "ecgrid partners create --from 111111 --to 334455 --status Active --json",
    ],
)
def create(
    ctx: typer.Context,
    to_id: Annotated[
        str, typer.Option("--to", metavar="ECGRID_ID", help="The partner's ECGrid ID.")
    ],
    from_id: FromOption = None,
    status: StatusToCreate = None,
) -> Result:
    """Create an interconnect from one ECGrid ID to another (exit 5 if the pair has one)."""
    app_ctx = context.get(ctx)
    source = resolve_from(app_ctx, from_id)
    target = validation.positive_id(to_id, "--to")
    wanted = wanted_status(app_ctx, status)
    if source == target:
        raise UsageError("--from and --to are the same ECGrid ID")
    from ecgrid_cli.domain import writes
    from ecgrid_cli.domain.queries import live_interconnect_between

    backend = app_ctx.backend()
    refuse_uncreatable(backend, wanted)
    # Checked first so that the answer does not depend on faults: an existing pair is
    # always exit 5, and a write whose answer is lost is known to be about this pair.
    existing = live_interconnect_between(backend, source, target)
    if existing is not None:
        raise _exists(existing.interconnect_id, source, target, existing.status)
    try:
        made = writes.create_interconnect(backend, source, target, wanted)
    except ConflictError as err:  # another writer got there between the check and now
        raced = live_interconnect_between(backend, source, target)
        if raced is None:
            raise
        raise _exists(raced.interconnect_id, source, target, raced.status) from err
    ic = made.interconnect
    if not made.confirmed:
        raise ConflictError(
            f"interconnect {ic.interconnect_id} joins {source} and {target} now, but the "
            "create's answer was lost, so this run cannot show it made it (another writer "
            "may have); it exists either way",
            code="Unconfirmed",
            details={"interconnectId": ic.interconnect_id},
        )
    result = _record(interconnect_document(ic))
    result.notes = [f"created interconnect {ic.interconnect_id}: {source} -> {target}"]
    return result


def _exists(interconnect_id: int, a: int, b: int, status: str | None) -> ConflictError:
    return ConflictError(
        f"interconnect {interconnect_id} already joins {a} and {b} ({status or 'status unknown'})",
        details={"interconnectId": interconnect_id},
    )


@command(app, "get", examples=["ecgrid partners get 88019", "ecgrid partners get 88019 --json"])
def get(ctx: typer.Context, interconnect_id: InterconnectArg) -> Result:
    """Show one interconnect."""
    app_ctx = context.get(ctx)
    number = validation.positive_id(interconnect_id, "INTERCONNECT_ID")
    return _record(interconnect_document(app_ctx.backend().get_interconnect(number)))


@command(
    app,
    "list",
    examples=[
        "ecgrid partners list 123456",
        "ecgrid partners list 123456 --status active --page 1 --per-page 25",
        "ecgrid partners list 123456 --all --json | jq -r '.[].interconnectId'",
    ],
)
def list_(
    ctx: typer.Context,
    ecgrid_id: EcgridIdArg,
    status: StatusFilter = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Fetch every page (streamed).")] = False,
    page: Annotated[
        int | None, typer.Option("--page", metavar="N", help="Page number.", show_default="1")
    ] = None,
    per_page: Annotated[
        int | None,
        typer.Option("--per-page", metavar="N", help="Rows per page.", show_default="25"),
    ] = None,
) -> Result:
    """List the interconnects of an ECGrid ID (either side)."""
    app_ctx = context.get(ctx)
    number = validation.positive_id(ecgrid_id, "ECGRID_ID")
    if all_pages and page is not None:
        raise UsageError("--all and --page cannot be used together")
    size = validation.in_range(per_page, "--per-page", 1, 500) if per_page is not None else 25
    page_no = validation.at_least_one(page, "--page") if page is not None else 1
    wanted = wanted_status(app_ctx, status)
    backend = app_ctx.backend()
    if all_pages:
        items = (
            interconnect_document(ic) for ic in backend.iter_interconnects(number, status=wanted)
        )
        view = Table(
            INTERCONNECT_TABLE.columns, empty_note=f"ECGrid ID {number} has no interconnects"
        )
        return Result(Stream(items), view)
    found = backend.list_interconnects(number, status=wanted, page=page_no, per_page=size)
    view = Table(INTERCONNECT_TABLE.columns, empty_note=f"no interconnects on page {page_no}")
    return Result([interconnect_document(ic) for ic in found], view)


@command(
    app,
    "count",
    examples=[
        "ecgrid partners count 123456",
        "ecgrid partners count 123456 --status Active --json",
    ],
)
def count(
    ctx: typer.Context,
    ecgrid_id: Annotated[
        str | None,
        typer.Argument(
            metavar="ECGRID_ID",
            help="The ECGrid ID (default: the profile's ecgrid_id; SOAP: your mailbox).",
            show_default=False,
        ),
    ] = None,
    status: StatusFilter = None,
) -> Result:
    """Count the interconnects of an ECGrid ID, optionally by status."""
    app_ctx = context.get(ctx)
    wanted = wanted_status(app_ctx, status)
    if ecgrid_id is not None:
        number: int | None = validation.positive_id(ecgrid_id, "ECGRID_ID")
    elif app_ctx.api() == "soap" and app_ctx.own_ecgrid_id() is None:
        number = None  # SOAP InterconnectCount: the session's mailbox
    else:
        number = resolve_from(app_ctx, None)
    total = app_ctx.backend().count_interconnects(number, status=wanted)
    return Result({"ecGridId": number, "status": wanted, "count": total}, Value("count"))


@command(
    app,
    "delete",
    examples=["ecgrid partners delete 88019", "ecgrid partners delete 88019 --yes --json"],
)
def delete(ctx: typer.Context, interconnect_id: InterconnectArg, yes: YesFlag = False) -> Result:
    """Terminate an interconnect (irreversible; asks first on a terminal)."""
    app_ctx = context.get(ctx)
    number = validation.positive_id(interconnect_id, "INTERCONNECT_ID")
    backend = app_ctx.backend()
    current = backend.get_interconnect(number)
    from ecgrid_cli.statuses import is_live

    if not is_live(current.status):
        result = _record(interconnect_document(current))
        result.notes = [f"interconnect {number} is already terminated; nothing to do"]
        return result
    app_ctx.note(
        f"interconnect {number}: {current.ecgrid_id_from} <-> {current.ecgrid_id_to} "
        f"({current.status})"
    )
    confirm(app_ctx.io, f"Terminate interconnect {number}? This cannot be undone.", yes=yes)
    from ecgrid_cli.domain import writes

    writes.cancel_interconnect(backend, number)
    result = _record(interconnect_document(backend.get_interconnect(number)))
    result.notes = [f"terminated interconnect {number}"]
    return result


@command(
    note_app,
    "add",
    examples=[
        "ecgrid partners note add 88019 'Partner confirmed go-live for 1 March'",
        "git log -1 --format=%s | ecgrid partners note add 88019 -",
    ],
)
def note_add(
    ctx: typer.Context,
    interconnect_id: InterconnectArg,
    text: Annotated[str, typer.Argument(metavar="TEXT|-", help="The note; '-' reads stdin.")],
) -> Result:
    """Add a note to an interconnect."""
    app_ctx = context.get(ctx)
    number = validation.positive_id(interconnect_id, "INTERCONNECT_ID")
    if text == "-":
        text = app_ctx.io.stdin.read(4001)
    note = validation.free_text(text, "TEXT", max_length=4000)
    assert note is not None
    app_ctx.backend().add_note(number, note)
    doc = {"interconnectId": number, "added": True, "text": note}
    return Result(doc, None, notes=[f"added a note to interconnect {number}"])


@command(
    note_app,
    "list",
    examples=[
        "ecgrid partners note list 88019",
        "ecgrid partners note list 88019 --jq '.[].text'",
    ],
)
def note_list(ctx: typer.Context, interconnect_id: InterconnectArg) -> Result:
    """List the notes of an interconnect, oldest first."""
    app_ctx = context.get(ctx)
    number = validation.positive_id(interconnect_id, "INTERCONNECT_ID")
    notes = [note_document(n) for n in app_ctx.backend().list_notes(number)]
    view = Table(NOTE_TABLE.columns, empty_note=f"interconnect {number} has no notes")
    return Result(notes, view)
