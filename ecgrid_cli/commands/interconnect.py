"""`ecgrid interconnect setup`: find the partner by QID, then create the interconnect."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.commands.options import DryRunFlag, JsonFlag, StatusOption
from ecgrid_cli.commands.partners import resolve_from
from ecgrid_cli.errors import UsageError

app = typer.Typer(help="Set up interconnects end to end (find, then create).", no_args_is_help=True)


@app.command("setup")
def setup(
    ctx: typer.Context,
    qualifier: Annotated[
        str | None,
        typer.Option("--qualifier", "-q", metavar="QUAL", help="Partner's ISA qualifier."),
    ] = None,
    isa_id: Annotated[
        str | None, typer.Option("--id", "-i", metavar="ISA_ID", help="Partner's ISA ID.")
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            "-f",
            metavar="PATH|-",
            help="Bulk: a CSV (header qualifier,id[,from,partner_ecgrid_id,status]) or a JSON "
            "array; '-' reads stdin.",
        ),
    ] = None,
    from_id: Annotated[
        str | None,
        typer.Option("--from", metavar="ECGRID_ID", help="Your side (default: profile ecgrid_id)."),
    ] = None,
    partner_ecgrid_id: Annotated[
        str | None,
        typer.Option("--partner-ecgrid-id", metavar="N", help="Skip the search: use this ID."),
    ] = None,
    status: StatusOption = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Send a test file afterwards and report its parcel.")
    ] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", metavar="N", help="Bulk: rows run at once.")
    ] = 8,
    dry_run: DryRunFlag = False,
    json: JsonFlag = False,
) -> None:
    """Find a trading partner's ECGrid ID and create the interconnect (idempotent)."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    if file is not None:
        if qualifier or isa_id or partner_ecgrid_id:
            raise UsageError(
                "--file cannot be combined with --qualifier, --id or --partner-ecgrid-id"
            )
        from ecgrid_cli.bulk_setup import run_bulk_command

        run_bulk_command(
            app_ctx,
            path=file,
            default_from=from_id,
            default_status=status,
            concurrency=validation.in_range(concurrency, "--concurrency", 1, 64),
            verify=verify,
            dry_run=dry_run,
        )
        return
    request = build_request(
        app_ctx, qualifier, isa_id, from_id, partner_ecgrid_id, status, verify, dry_run
    )
    from ecgrid_cli.setup_flow import run_setup

    result = run_setup(app_ctx.client(), request)
    render(out, result, json)
    if result.verify_error is not None:
        raise result.verify_error


def build_request(
    app_ctx: context.AppContext,
    qualifier: str | None,
    isa_id: str | None,
    from_id: str | None,
    partner_ecgrid_id: str | None,
    status: str | None,
    verify: bool,
    dry_run: bool,
):
    from ecgrid_cli.setup_flow import SetupRequest

    partner = (
        validation.positive_id(partner_ecgrid_id, "--partner-ecgrid-id")
        if partner_ecgrid_id is not None
        else None
    )
    if partner is None and (qualifier is None or isa_id is None):
        raise UsageError(
            "give the partner as --qualifier Q --id ID, or --partner-ecgrid-id N, or --file PATH"
        )
    if (qualifier is None) != (isa_id is None):
        raise UsageError("--qualifier and --id go together")
    return SetupRequest(
        from_id=resolve_from(app_ctx, from_id),
        qualifier=validation.qualifier(qualifier) if qualifier is not None else None,
        isa_id=validation.isa_id(isa_id) if isa_id is not None else None,
        partner_ecgrid_id=partner,
        status=validation.status(status),
        verify=verify,
        dry_run=dry_run,
    )


def render(out, result, json: bool) -> None:
    doc = result.to_json()
    if json:
        out.json(doc)
        return
    partner = doc["partner"]
    ic = doc["interconnect"]
    who = f"{partner['qualifier']}/{partner['id']} ({partner['description'] or 'no description'})"
    if result.dry_run:
        if ic is None:
            out.status(f"would create an interconnect to ECGrid ID {partner['ecGridId']} {who}")
        else:
            out.status(
                f"interconnect {ic['interconnectId']} already joins the pair ({ic['status']}); "
                "nothing to do"
            )
        out.status("dry run: nothing changed")
    elif result.created:
        out.status(f"created interconnect {ic['interconnectId']} to {who}")
    else:
        out.status(
            f"interconnect {ic['interconnectId']} already exists ({ic['status']}); not created"
        )
    pairs: list[tuple[str, object]] = [
        ("Created", doc["created"]),
        ("Interconnect", ic["interconnectId"] if ic else None),
        ("From", ic["ecGridIdFrom"] if ic else None),
        ("To", ic["ecGridIdTo"] if ic else None),
        ("Status", ic["status"] if ic else None),
        ("Partner ECGrid ID", partner["ecGridId"]),
        ("Partner QID", f"{partner['qualifier']}/{partner['id']}"),
        ("Partner", partner["description"]),
    ]
    if doc["testParcelId"] is not None or result.verify_error is not None:
        pairs.append(("Test parcel", doc["testParcelId"]))
    out.record(pairs, title="Interconnect setup" + (" (dry run)" if result.dry_run else ""))
