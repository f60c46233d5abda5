"""`ecgrid interconnect setup`: find (or onboard) the partner, then create the interconnect.

`interconnect check` lives in :mod:`ecgrid_cli.commands.interconnect_check`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.commands.framework import command, group
from ecgrid_cli.commands.options import (
    DryRunFlag,
    FromOption,
    StatusToCreate,
    refuse_uncreatable,
    resolve_from,
    wanted_status,
)
from ecgrid_cli.errors import UsageError
from ecgrid_cli.output.layouts import SETUP_FIELDS
from ecgrid_cli.output.views import Field, Record, Result

app = group("Set up and check interconnects end to end (find or onboard, create, prove).")

VerifyTimeout = Annotated[
    float,
    typer.Option(
        "--verify-timeout", metavar="SECONDS", help="How long to wait for the delivery verdict."
    ),
]
Concurrency = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        metavar="N",
        help="Bulk: run exactly N rows at once.",
        show_default="adaptive, from 16",
    ),
]
MaxConcurrency = Annotated[
    int | None,
    typer.Option(
        "--max-concurrency",
        metavar="N",
        help="Bulk: the most rows the adaptive window may run at once.",
        show_default="16 per core",
    ),
]
Show = Annotated[
    str,
    typer.Option("--show", metavar="all|failed", help="Bulk on a terminal: which rows to list."),
]


@command(
    app,
    "setup",
    examples=[
        "ecgrid interconnect setup --qualifier 01 --id PARTNERCO",
        "ecgrid interconnect setup -q ZZ -i NEWPARTNER --onboard --mailbox 3001 --verify",
        "ecgrid interconnect setup -q 01 -i PARTNERCO --dry-run",
        "ecgrid interconnect setup --file partners.csv --json > report.json",
    ],
)
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
            help="Bulk: a CSV (header qualifier,id[,from,partner_ecgrid_id,status,mailbox,"
            "description]), a JSON array or JSON lines; '-' reads stdin.",
        ),
    ] = None,
    from_id: FromOption = None,
    partner_ecgrid_id: Annotated[
        str | None,
        typer.Option("--partner-ecgrid-id", metavar="N", help="Skip the search: use this ID."),
    ] = None,
    onboard: Annotated[
        bool,
        typer.Option("--onboard", help="Create the partner's ECGrid ID if none holds the QID."),
    ] = False,
    mailbox: Annotated[
        str | None,
        typer.Option("--mailbox", "-m", metavar="MAILBOX_ID", help="With --onboard: its mailbox."),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", metavar="TEXT", help="With --onboard: its name."),
    ] = None,
    status: StatusToCreate = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Prove delivery with a test file afterwards.")
    ] = False,
    verify_timeout: VerifyTimeout = 60.0,
    concurrency: Concurrency = None,
    max_concurrency: MaxConcurrency = None,
    show: Show = "failed",
    dry_run: DryRunFlag = False,
) -> Result:
    """Find a trading partner's ECGrid ID and create the interconnect (idempotent)."""
    app_ctx = context.get(ctx)
    timeout = _positive_seconds(verify_timeout, "--verify-timeout")
    if onboard and mailbox is None:
        raise UsageError("--onboard needs --mailbox N (the mailbox that will own the partner's ID)")
    if mailbox is not None and not onboard:
        raise UsageError("--mailbox goes with --onboard")
    onboard_mailbox = validation.positive_id(mailbox, "--mailbox") if mailbox else None
    if file is not None:
        if qualifier or isa_id or partner_ecgrid_id:
            raise UsageError(
                "--file cannot be combined with --qualifier, --id or --partner-ecgrid-id"
            )
        from ecgrid_cli.commands.bulk_setup import bulk_setup

        return bulk_setup(
            app_ctx,
            path=file,
            from_id=from_id,
            status=status,
            onboard_mailbox=onboard_mailbox,
            verify=verify,
            verify_timeout=timeout,
            dry_run=dry_run,
            concurrency=concurrency,
            max_concurrency=max_concurrency,
            show=validation.choice(show, "--show", ("all", "failed")) or "failed",
        )
    from ecgrid_cli.domain.queries import PartnerRef
    from ecgrid_cli.domain.setup import Onboarding, SetupRequest

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
    if onboard and qualifier is None:
        raise UsageError("--onboard needs the partner's --qualifier and --id")
    request = SetupRequest(
        from_id=resolve_from(app_ctx, from_id),
        partner=PartnerRef(
            validation.qualifier(qualifier) if qualifier is not None else None,
            validation.isa_id(isa_id) if isa_id is not None else None,
            partner,
        ),
        status=wanted_status(app_ctx, status),
        onboard=Onboarding(onboard_mailbox, validation.free_text(description, "--description"))
        if onboard_mailbox
        else None,
        verify=verify,
        verify_timeout=timeout,
        dry_run=dry_run,
    )
    return single_setup(app_ctx, request)


def single_setup(app_ctx: context.AppContext, request) -> Result:
    from ecgrid_cli.commands.setup_results import action_text, setup_display, setup_document
    from ecgrid_cli.domain.setup import run_setup
    from ecgrid_cli.output.progress import spinner

    backend = app_ctx.backend()
    refuse_uncreatable(backend, request.status)
    label = "waiting for the test parcel's verdict"
    with spinner(app_ctx.io, app_ctx.options, label, wanted=request.verify) as progress:
        result = run_setup(
            backend,
            request,
            on_delivery_poll=lambda status: progress.update(
                f"test parcel: {status or 'in flight'}"
            ),
        )
    fields = SETUP_FIELDS
    notes = [action_text(result, request)]
    if result.dry_run:
        notes.append("dry run: nothing changed")
    code = 0
    if result.delivery is not None:
        fields = (*fields, Field("Delivery", "delivery"), Field("Test parcel", "parcelId"))
        notes.append(f"delivery {result.delivery.verdict}: {result.delivery.detail}")
        if result.delivery.verdict != "delivered":
            code = 8
    display = setup_display(result, request)
    display["parcelId"] = result.delivery.parcel_id if result.delivery else None
    title = "Interconnect setup" + (" (dry run)" if result.dry_run else "")
    return Result(
        setup_document(result, request),
        Record(fields, title),
        display=display,
        notes=notes,
        exit_code=code,
    )


def _positive_seconds(value: float, option: str) -> float:
    if not 0 < value <= 3600:
        raise UsageError(f"invalid {option} {value:g}: expected seconds, more than 0 up to 3600")
    return value


from ecgrid_cli.commands import interconnect_check  # noqa: E402,F401 - registers `check`
