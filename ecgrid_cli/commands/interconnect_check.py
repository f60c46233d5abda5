"""`ecgrid interconnect check`: the health check, one interconnect or a file of them.

Exit 0 when healthy, 8 when the check worked and the answer is "unhealthy" (so CI can
gate on it), any other code when the check itself failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import typer

from ecgrid_cli import context, validation
from ecgrid_cli.commands.framework import command
from ecgrid_cli.commands.interconnect import VerifyTimeout, _positive_seconds, app
from ecgrid_cli.commands.options import FromOption, resolve_from
from ecgrid_cli.commands.setup_results import delivery_document, error_document
from ecgrid_cli.errors import EcgridError, NotFoundError, UsageError
from ecgrid_cli.exit_codes import ExitCode
from ecgrid_cli.output.documents import id_document, interconnect_document
from ecgrid_cli.output.layouts import CHECK_TABLE, CHECKS_TABLE
from ecgrid_cli.output.views import Finish, Result, Stream, Table

CHECK_WORKERS = 8


@command(
    app,
    "check",
    examples=[
        "ecgrid interconnect check 87001",
        "ecgrid interconnect check --qualifier ZZ --id QUIETCO --json",
        "ecgrid interconnect check 87001 --deliver",
        "ecgrid interconnect check --file interconnects.csv",
    ],
)
def check(
    ctx: typer.Context,
    interconnect_id: Annotated[
        str | None,
        typer.Argument(metavar="INTERCONNECT_ID", help="The interconnect.", show_default=False),
    ] = None,
    qualifier: Annotated[
        str | None,
        typer.Option("--qualifier", "-q", metavar="QUAL", help="Or the partner's QID ..."),
    ] = None,
    isa_id: Annotated[
        str | None, typer.Option("--id", "-i", metavar="ISA_ID", help="... and ISA ID.")
    ] = None,
    from_id: FromOption = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            "-f",
            metavar="PATH|-",
            help="Check many: a CSV/JSON with interconnect_id, or qualifier,id[,from].",
        ),
    ] = None,
    deliver: Annotated[
        bool, typer.Option("--deliver", help="Also prove delivery with a test file.")
    ] = False,
    verify_timeout: VerifyTimeout = 60.0,
) -> Result:
    """Health-check an interconnect: status, traffic, both IDs Active, no pending move."""
    app_ctx = context.get(ctx)
    timeout = _positive_seconds(verify_timeout, "--verify-timeout")
    given = [
        interconnect_id is not None,
        qualifier is not None or isa_id is not None,
        file is not None,
    ]
    if sum(given) != 1:
        raise UsageError(
            "name the interconnect: INTERCONNECT_ID, or --qualifier Q --id ID, or --file PATH"
        )
    if file is not None:
        return _check_file(app_ctx, file, from_id, deliver, timeout)
    if interconnect_id is not None:
        target = Target(interconnect_id=validation.positive_id(interconnect_id, "INTERCONNECT_ID"))
    else:
        if qualifier is None or isa_id is None:
            raise UsageError("--qualifier and --id go together")
        target = Target(
            qualifier=validation.qualifier(qualifier),
            isa_id=validation.isa_id(isa_id),
            from_id=resolve_from(app_ctx, from_id),
        )
    from ecgrid_cli.output.progress import spinner

    backend = app_ctx.backend()
    with spinner(app_ctx.io, app_ctx.options, "waiting for the test parcel", wanted=deliver) as bar:
        health = _run(backend, target, deliver, timeout, bar.update)
    document = health_document(health)
    title = f"Interconnect {health.interconnect.interconnect_id}: " + (
        "healthy" if health.healthy else "unhealthy"
    )
    rows = [
        {"check": c.name, "result": "pass" if c.passed else "FAIL", "reason": c.reason}
        for c in health.checks
    ]
    return Result(
        document,
        Table(CHECK_TABLE.columns, title=title, paged=False),
        display=rows,
        exit_code=0 if health.healthy else int(ExitCode.NOT_AS_WANTED),
    )


class Target:
    def __init__(
        self,
        *,
        interconnect_id: int | None = None,
        qualifier: str | None = None,
        isa_id: str | None = None,
        from_id: int | None = None,
    ) -> None:
        self.interconnect_id = interconnect_id
        self.qualifier = qualifier
        self.isa_id = isa_id
        self.from_id = from_id


def _run(backend: Any, target: Target, deliver: bool, timeout: float, on_poll: Any = None):
    from ecgrid_cli.domain.health import check_interconnect
    from ecgrid_cli.domain.queries import PartnerRef, choose_partner, live_interconnect_between
    from ecgrid_cli.statuses import is_live

    if target.interconnect_id is not None:
        interconnect = backend.get_interconnect(target.interconnect_id)
    else:
        assert target.from_id is not None and target.qualifier and target.isa_id
        ref = PartnerRef(target.qualifier, target.isa_id)
        # The check is for partners in any state: the ID holding the QID, Active or not.
        live = [m for m in backend.find_ids(target.qualifier, target.isa_id) if is_live(m.status)]
        by_id = "the interconnect's ID (ecgrid interconnect check INTERCONNECT_ID)"
        partner = live[0] if len(live) == 1 else choose_partner(live, ref.qid, by_id)
        interconnect = live_interconnect_between(backend, target.from_id, partner.ecgrid_id)
        if interconnect is None:
            raise NotFoundError(
                f"no interconnect joins {target.from_id} and {partner.ecgrid_id} "
                f"({target.qualifier}/{target.isa_id})",
                code="InterconnectNotFound",
            )
    return check_interconnect(
        backend, interconnect, deliver=deliver, timeout=timeout, on_poll=on_poll
    )


def health_document(health: Any) -> dict[str, Any]:
    return {
        "healthy": health.healthy,
        "interconnect": interconnect_document(health.interconnect),
        "tp1": id_document(health.tp1),
        "tp2": id_document(health.tp2),
        "checks": [{"name": c.name, "passed": c.passed, "reason": c.reason} for c in health.checks],
        "issues": health.issues,
        "delivery": delivery_document(health.delivery),
    }


def _check_file(
    app_ctx: context.AppContext, path: str, from_id: str | None, deliver: bool, timeout: float
) -> Result:
    from ecgrid_cli.domain.rows_file import RowsFile
    from ecgrid_cli.domain.workers import stream_map

    default_from = (
        resolve_from(app_ctx, from_id) if from_id is not None else app_ctx.own_ecgrid_id()
    )
    source = RowsFile(path, stdin=app_ctx.io.stdin)
    # Validate the whole file first (its columns too), then check.
    targets = [_target(raw, default_from) for raw in source.rows(columns=_check_columns())]
    source.close()
    if not targets:
        raise UsageError(f"--file {source.name} holds no rows")
    backend = app_ctx.backend(max_connections=CHECK_WORKERS)
    counts = {"total": 0, "healthy": 0, "unhealthy": 0, "failed": 0}
    errors: list[EcgridError] = []

    def one(numbered: tuple[int, Target]) -> dict[str, Any]:
        row, target = numbered
        try:
            document = health_document(_run(backend, target, deliver, timeout))
        except EcgridError as err:
            return {"row": row, "healthy": None, "error": error_document(err), "_error": err}
        return {"row": row, **document, "error": None}

    def rows() -> Iterator[dict[str, Any]]:
        for document in stream_map(enumerate(targets, start=1), one, CHECK_WORKERS):
            counts["total"] += 1
            error = document.pop("_error", None)
            if error is not None:
                counts["failed"] += 1
                errors.append(error)
            else:
                counts["healthy" if document["healthy"] else "unhealthy"] += 1
            yield document

    def finish() -> Finish:
        notes = [
            f"{counts['total']} interconnects: {counts['healthy']} healthy, "
            f"{counts['unhealthy']} unhealthy, {counts['failed']} could not be checked"
        ]
        if errors:
            kinds = {e.kind for e in errors}
            failure = EcgridError(
                f"{len(errors)} of {counts['total']} interconnects could not be checked: "
                + "; ".join(e.message for e in errors[:3])
            )
            failure.kind = kinds.pop() if len(kinds) == 1 else "error"
            return Finish(notes=notes, error=failure)
        return Finish(
            notes=notes, exit_code=int(ExitCode.NOT_AS_WANTED) if counts["unhealthy"] else 0
        )

    return Result(
        Stream(rows(), key="rows", footer=lambda: {"summary": dict(counts)}),
        Table(CHECKS_TABLE.columns, paged=False),
        display=_row_display,
        finish=finish,
    )


def _column(name: str) -> str:
    text = name.strip().lower().replace("-", "_")
    return (
        {"interconnectid": "interconnect_id", "interconnect": "interconnect_id"}.get(
            text.replace("_", ""), text
        )
        if text.replace("_", "") in ("interconnectid", "interconnect")
        else {
            "isaqualifier": "qualifier",
            "isaid": "id",
        }.get(text.replace("_", ""), text)
    )


def _check_columns() -> Any:
    from ecgrid_cli.domain.rows_file import Columns

    return Columns(
        normalise=_column,
        accepted=("interconnect_id", "qualifier", "id", "from"),
        names_row=(("interconnect_id",), ("qualifier", "id")),
        purpose="name an interconnect",
        spellings=("interconnect", "isa_qualifier", "isa_id"),
    )


def _target(raw: Any, default_from: int | None) -> Target:
    values = raw.values
    try:
        if str(values.get("interconnect_id") or "").strip():
            if any(str(values.get(key) or "").strip() for key in ("qualifier", "id")):
                raise UsageError("give interconnect_id, or qualifier and id, not both")
            return Target(
                interconnect_id=validation.positive_id(values["interconnect_id"], "interconnect_id")
            )
        from_id = default_from
        if str(values.get("from") or "").strip():
            from_id = validation.positive_id(values["from"], "from")
        if from_id is None:
            raise UsageError(
                "no from: give a 'from' column, --from, or set ecgrid-id in the profile"
            )
        return Target(
            qualifier=validation.qualifier(str(values.get("qualifier") or ""), "qualifier"),
            isa_id=validation.isa_id(str(values.get("id") or ""), "id"),
            from_id=from_id,
        )
    except UsageError as err:
        raise UsageError(f"line {raw.line} (row {raw.number}): {err.message}") from None


def _row_display(document: dict[str, Any]) -> dict[str, Any]:
    interconnect = document.get("interconnect") or {}
    delivery = document.get("delivery") or {}
    issues = "; ".join(document.get("issues") or [])
    if document.get("error"):
        issues = f"{document['error']['code']}: {document['error']['message']}"
    healthy = document.get("healthy")
    return {
        "row": document["row"],
        "interconnectId": interconnect.get("interconnectId"),
        "healthy": "error" if healthy is None else ("yes" if healthy else "no"),
        "delivery": delivery.get("verdict"),
        "issues": issues,
    }
