"""`ecgrid ids ...`: find, show and move ECGrid IDs (trading-partner identities)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.commands.options import (
    DryRunFlag,
    IsaIdOption,
    JsonFlag,
    QualifierOption,
    YesFlag,
)
from ecgrid_cli.confirm import confirm
from ecgrid_cli.output import ID_COLUMNS

app = typer.Typer(
    help="Find, show and move ECGrid IDs (trading-partner identities).", no_args_is_help=True
)

EcgridIdArg = Annotated[str, typer.Argument(metavar="ECGRID_ID", help="The ECGrid ID.")]


def id_pairs(doc: dict) -> list[tuple[str, object]]:
    return [
        ("ECGrid ID", doc["ecGridId"]),
        ("Qualifier", doc["qualifier"]),
        ("ISA ID", doc["id"]),
        ("Description", doc["description"]),
        ("Status", doc["status"]),
        ("Mailbox", doc["mailboxId"]),
        ("Network", doc["networkId"]),
        ("Routing group", doc["routingGroup"]),
        ("EDI standard", doc["ediStandard"]),
    ]


@app.command("find")
def find(
    ctx: typer.Context, qualifier: QualifierOption, isa_id: IsaIdOption, json: JsonFlag = False
) -> None:
    """Find the ECGrid IDs registered for an ISA qualifier + ISA ID."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    qual = validation.qualifier(qualifier)
    ident = validation.isa_id(isa_id)
    docs = [found.to_json() for found in app_ctx.client().find_ids(qual, ident)]
    if json:
        out.json(docs)
        return
    if not docs:
        out.status(f"no ECGrid ID is registered for {qual}/{ident}")
        return
    out.table(docs, ID_COLUMNS)


@app.command("get")
def get(ctx: typer.Context, ecgrid_id: EcgridIdArg, json: JsonFlag = False) -> None:
    """Show one ECGrid ID."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    number = validation.positive_id(ecgrid_id, "ECGRID_ID")
    doc = app_ctx.client().get_id(number).to_json()
    if json:
        out.json(doc)
    else:
        out.record(id_pairs(doc), title=f"ECGrid ID {number}")


@app.command("tp-move")
def tp_move(
    ctx: typer.Context,
    ecgrid_id: EcgridIdArg,
    mailbox: Annotated[
        str, typer.Option("--mailbox", "-m", metavar="NEW_MAILBOX_ID", help="Destination mailbox.")
    ],
    yes: YesFlag = False,
    dry_run: DryRunFlag = False,
    json: JsonFlag = False,
) -> None:
    """Move an ECGrid ID to another mailbox of the same network."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    number = validation.positive_id(ecgrid_id, "ECGRID_ID")
    new_mailbox = validation.positive_id(mailbox, "--mailbox")
    client = app_ctx.client()
    current = client.get_id(number)
    plan = {
        "ecGridId": number,
        "qualifier": current.qualifier,
        "id": current.isa_id,
        "fromMailboxId": current.mailbox_id,
        "toMailboxId": new_mailbox,
    }
    label = f"{number} ({current.qualifier}/{current.isa_id})"
    if current.mailbox_id == new_mailbox:
        out.status(f"ECGrid ID {label} is already in mailbox {new_mailbox}; nothing to do")
        _print_moved(out, current.to_json(), json)
        return
    if dry_run:
        if json:
            out.json({"dryRun": True, "plan": plan})
        else:
            out.record(
                [
                    ("ECGrid ID", number),
                    ("Qualifier", current.qualifier),
                    ("ISA ID", current.isa_id),
                    ("From mailbox", current.mailbox_id),
                    ("To mailbox", new_mailbox),
                ],
                title="Move plan (dry run)",
            )
            out.status("dry run: nothing changed")
        return
    out.status(f"ECGrid ID {label}: mailbox {current.mailbox_id} -> {new_mailbox}")
    confirm(f"Move ECGrid ID {label} to mailbox {new_mailbox}?", yes=yes)
    moved = client.tp_move(number, new_mailbox)
    out.status(f"moved ECGrid ID {label} to mailbox {moved.mailbox_id}")
    _print_moved(out, moved.to_json(), json)


def _print_moved(out, doc: dict, json: bool) -> None:
    if json:
        out.json(doc)
    else:
        out.record(id_pairs(doc), title=f"ECGrid ID {doc['ecGridId']}")
