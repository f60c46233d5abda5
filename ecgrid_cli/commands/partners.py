"""`ecgrid partners ...`: interconnects between two ECGrid IDs."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.commands.options import JsonFlag, StatusOption, YesFlag
from ecgrid_cli.confirm import confirm
from ecgrid_cli.errors import ConflictError, UsageError
from ecgrid_cli.output import INTERCONNECT_COLUMNS

app = typer.Typer(
    help="Create, show, list, count and terminate interconnects.", no_args_is_help=True
)

EcgridIdArg = Annotated[str, typer.Argument(metavar="ECGRID_ID", help="The ECGrid ID.")]
InterconnectArg = Annotated[
    str, typer.Argument(metavar="INTERCONNECT_ID", help="The interconnect ID.")
]


def interconnect_pairs(doc: dict) -> list[tuple[str, object]]:
    return [
        ("Interconnect", doc["interconnectId"]),
        ("From", doc["ecGridIdFrom"]),
        ("To", doc["ecGridIdTo"]),
        ("Status", doc["status"]),
        ("Created", doc["created"]),
        ("Modified", doc["modified"]),
    ]


def print_interconnect(out, doc: dict, json: bool) -> None:
    if json:
        out.json(doc)
    else:
        out.record(interconnect_pairs(doc), title=f"Interconnect {doc['interconnectId']}")


@app.command("create")
def create(
    ctx: typer.Context,
    from_id: Annotated[
        str | None,
        typer.Option("--from", metavar="ECGRID_ID", help="Your side (default: profile ecgrid_id)."),
    ] = None,
    to_id: Annotated[
        str, typer.Option("--to", metavar="ECGRID_ID", help="The partner's ECGrid ID.")
    ] = ...,
    status: StatusOption = None,
    json: JsonFlag = False,
) -> None:
    """Create an interconnect from one ECGrid ID to another."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    source = resolve_from(app_ctx, from_id)
    target = validation.positive_id(to_id, "--to")
    wanted = validation.status(status)
    if source == target:
        raise UsageError("--from and --to are the same ECGrid ID")
    client = app_ctx.client()
    # Checked first so that the answer does not depend on faults: an existing pair is
    # always exit 5, and a write that may have been applied is known to be ours.
    existing = client.find_interconnect_between(source, target)
    if existing is not None:
        raise ConflictError(
            f"interconnect {existing.interconnect_id} already joins {source} and {target} "
            f"({existing.status or 'status unknown'})"
        )
    created = client.create_interconnect(source, target, wanted)
    out.status(f"created interconnect {created.interconnect_id}: {source} -> {target}")
    print_interconnect(out, created.to_json(), json)


@app.command("get")
def get(ctx: typer.Context, interconnect_id: InterconnectArg, json: JsonFlag = False) -> None:
    """Show one interconnect."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    number = validation.positive_id(interconnect_id, "INTERCONNECT_ID")
    print_interconnect(out, app_ctx.client().get_interconnect(number).to_json(), json)


@app.command("list")
def list_(
    ctx: typer.Context,
    ecgrid_id: EcgridIdArg,
    status: StatusOption = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Fetch every page (streamed).")] = False,
    page: Annotated[
        int | None, typer.Option("--page", metavar="N", help="Page number (from 1).")
    ] = None,
    per_page: Annotated[
        int | None, typer.Option("--per-page", metavar="N", help="Rows per page (default 25).")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """List the interconnects of an ECGrid ID (either side)."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    number = validation.positive_id(ecgrid_id, "ECGRID_ID")
    wanted = validation.status(status)
    if all_pages and page is not None:
        raise UsageError("--all and --page cannot be used together")
    size = validation.at_least_one(per_page, "--per-page") if per_page is not None else None
    client = app_ctx.client()
    if all_pages:
        docs = (
            ic.to_json()
            for ic in client.iter_interconnects(number, status=wanted, per_page=size or 100)
        )
        if json:
            out.json_array_stream(docs)
        elif out.table_stream(docs, INTERCONNECT_COLUMNS) == 0:
            out.status(f"ECGrid ID {number} has no interconnects")
        return
    page_no = validation.at_least_one(page, "--page") if page is not None else 1
    rows = [
        ic.to_json()
        for ic in client.list_interconnects(
            number, status=wanted, page=page_no, per_page=size or 25
        )
    ]
    if json:
        out.json(rows)
    elif rows:
        out.table(rows, INTERCONNECT_COLUMNS)
    else:
        out.status(f"no interconnects on page {page_no}")


@app.command("count")
def count(
    ctx: typer.Context, ecgrid_id: EcgridIdArg, status: StatusOption = None, json: JsonFlag = False
) -> None:
    """Count the interconnects of an ECGrid ID, optionally by status."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    number = validation.positive_id(ecgrid_id, "ECGRID_ID")
    wanted = validation.status(status)
    total = app_ctx.client().count_interconnects(number, wanted)
    if json:
        out.json({"ecGridId": number, "status": wanted, "count": total})
    else:
        out.line(str(total))


@app.command("delete")
def delete(
    ctx: typer.Context,
    interconnect_id: InterconnectArg,
    yes: YesFlag = False,
    json: JsonFlag = False,
) -> None:
    """Terminate an interconnect (irreversible)."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    number = validation.positive_id(interconnect_id, "INTERCONNECT_ID")
    client = app_ctx.client()
    current = client.get_interconnect(number)
    if current.status == "Terminated":
        out.status(f"interconnect {number} is already terminated; nothing to do")
        print_interconnect(out, current.to_json(), json)
        return
    out.status(
        f"interconnect {number}: {current.ecgrid_id_from} <-> {current.ecgrid_id_to} "
        f"({current.status})"
    )
    confirm(f"Terminate interconnect {number}? This cannot be undone.", yes=yes)
    client.delete_interconnect(number)
    out.status(f"terminated interconnect {number}")
    print_interconnect(out, client.get_interconnect(number).to_json(), json)


def resolve_from(app_ctx: context.AppContext, from_id: str | None) -> int:
    """--from, else the profile's own ECGrid ID."""
    if from_id is not None:
        return validation.positive_id(from_id, "--from")
    own = app_ctx.own_ecgrid_id()
    if own is None:
        raise UsageError(
            "no --from given and the profile has no ecgrid_id: pass --from ECGRID_ID "
            "or run 'ecgrid config set ecgrid-id N'"
        )
    return own
