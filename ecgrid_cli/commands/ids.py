"""`ecgrid ids ...`: find, show, create and move ECGrid IDs (trading-partner identities)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.commands.framework import command, group
from ecgrid_cli.commands.options import (
    DryRunFlag,
    EcgridIdArg,
    IsaIdOption,
    QualifierOption,
    YesFlag,
)
from ecgrid_cli.confirm import confirm
from ecgrid_cli.errors import UsageError
from ecgrid_cli.output.documents import id_document
from ecgrid_cli.output.layouts import ID_TABLE, id_record
from ecgrid_cli.output.views import Field, Record, Result, Table

app = group("Find, show, create and move ECGrid IDs (trading-partner identities).")

USE_TYPES = ("Test", "Production", "TestAndProduction")


@command(
    app,
    "find",
    examples=[
        "ecgrid ids find --qualifier 01 --id PARTNERCO",
        "ecgrid ids find -q 01 -i PARTNERCO --jq '.[0].ecGridId'",
    ],
)
def find(ctx: typer.Context, qualifier: QualifierOption, isa_id: IsaIdOption) -> Result:
    """Find the ECGrid IDs registered for an ISA qualifier + ISA ID."""
    app_ctx = context.get(ctx)
    qual = validation.qualifier(qualifier)
    ident = validation.isa_id(isa_id)
    backend = app_ctx.backend()
    found = backend.find_ids(qual, ident, include_inactive=False)
    docs = [id_document(record) for record in found]
    view = Table(ID_TABLE.columns, empty_note=f"no ECGrid ID is registered for {qual}/{ident}")
    return Result(docs, view)


@command(
    app,
    "get",
    examples=["ecgrid ids get 334455", "ecgrid ids get 334455 --json"],
)
def get(ctx: typer.Context, ecgrid_id: EcgridIdArg) -> Result:
    """Show one ECGrid ID."""
    app_ctx = context.get(ctx)
    number = validation.positive_id(ecgrid_id, "ECGRID_ID")
    doc = id_document(app_ctx.backend().get_id(number))
    return Result(doc, id_record(f"ECGrid ID {number}"))


@command(
    app,
    "create",
    examples=[
        "ecgrid ids create --qualifier ZZ --id NEWPARTNER --mailbox 1001",
        "ecgrid ids create -q ZZ -i NEWPARTNER --mailbox 1001 --description 'New Partner' "
        "--use-type Test --json",
    ],
)
def create(
    ctx: typer.Context,
    qualifier: QualifierOption,
    isa_id: IsaIdOption,
    mailbox: Annotated[
        str, typer.Option("--mailbox", "-m", metavar="MAILBOX_ID", help="Mailbox to own the ID.")
    ],
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", metavar="TEXT", help="Company name or note."),
    ] = None,
    use_type: Annotated[
        str | None,
        typer.Option(
            "--use-type",
            metavar="TYPE",
            help="Test, Production or TestAndProduction (REST only).",
            show_default="the server's (Production)",
        ),
    ] = None,
) -> Result:
    """Register a trading partner's ECGrid ID (onboarding); exactly once under faults."""
    app_ctx = context.get(ctx)
    from ecgrid_cli.api.backend import NewId
    from ecgrid_cli.domain import writes

    new = NewId(
        mailbox_id=validation.positive_id(mailbox, "--mailbox"),
        qualifier=validation.qualifier(qualifier),
        isa_id=validation.isa_id(isa_id),
        description=validation.free_text(description, "--description"),
        use_type=validation.choice(use_type, "--use-type", USE_TYPES),
    )
    backend = app_ctx.backend()
    if new.use_type is not None and not backend.capabilities.id_use_type:
        raise UsageError("--use-type: the SOAP API (TPAddEx) has no use type; leave it out")
    made = writes.create_id(backend, new)
    doc = id_document(made.record)
    qid = f"{new.qualifier}/{new.isa_id}"
    note = (
        f"created ECGrid ID {made.record.ecgrid_id} for {qid} in mailbox {new.mailbox_id}"
        if made.confirmed
        else f"ECGrid ID {made.record.ecgrid_id} holds {qid} now; the create's answer was "
        "lost, so this run cannot show it made it"
    )
    return Result(doc, id_record(f"ECGrid ID {made.record.ecgrid_id}"), notes=[note])


MOVE_FIELDS = (
    Field("ECGrid ID", "ecGridId"),
    Field("Qualifier", "qualifier"),
    Field("ISA ID", "id"),
    Field("Action", "action"),
    Field("From mailbox", "fromMailboxId"),
    Field("To mailbox", "toMailboxId"),
)


@command(
    app,
    "tp-move",
    examples=[
        "ecgrid ids tp-move 123456 --mailbox 1002 --dry-run",
        "ecgrid ids tp-move 123456 --mailbox 1002",
        "ecgrid ids tp-move 123456 --mailbox 1002 --yes --json",
    ],
)
def tp_move(
    ctx: typer.Context,
    ecgrid_id: EcgridIdArg,
    mailbox: Annotated[
        str, typer.Option("--mailbox", "-m", metavar="NEW_MAILBOX_ID", help="Destination mailbox.")
    ],
    yes: YesFlag = False,
    dry_run: DryRunFlag = False,
) -> Result:
    """Move an ECGrid ID to another mailbox of the same network."""
    app_ctx = context.get(ctx)
    number = validation.positive_id(ecgrid_id, "ECGRID_ID")
    new_mailbox = validation.positive_id(mailbox, "--mailbox")
    backend = app_ctx.backend()
    current = backend.get_id(number)
    label = f"{number} ({current.qualifier}/{current.isa_id})"
    if current.mailbox_id == new_mailbox:
        return Result(
            id_document(current),
            id_record(f"ECGrid ID {number}"),
            notes=[f"ECGrid ID {label} is already in mailbox {new_mailbox}; nothing to do"],
        )
    plan = {
        "ecGridId": number,
        "qualifier": current.qualifier,
        "id": current.isa_id,
        "fromMailboxId": current.mailbox_id,
        "toMailboxId": new_mailbox,
    }
    if dry_run:
        display = {**plan, "action": f"would move {label} to mailbox {new_mailbox}"}
        return Result(
            {"dryRun": True, "plan": plan},
            Record(MOVE_FIELDS, "Move plan (dry run)"),
            display=display,
            notes=["dry run: nothing changed"],
        )
    app_ctx.note(f"ECGrid ID {label}: mailbox {current.mailbox_id} -> {new_mailbox}")
    confirm(app_ctx.io, f"Move ECGrid ID {label} to mailbox {new_mailbox}?", yes=yes)
    from ecgrid_cli.domain import writes

    moved = writes.tp_move(backend, number, new_mailbox)
    return Result(
        id_document(moved),
        id_record(f"ECGrid ID {number}"),
        notes=[f"moved ECGrid ID {label} to mailbox {moved.mailbox_id}"],
    )
