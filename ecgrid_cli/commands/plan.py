"""`ecgrid plan` and `ecgrid apply`: partner sets as code.

``plan -f FILE`` shows the difference between a desired-state file and the server;
``--detailed-exitcode`` exits 0 when there is nothing to do and 8 when changes are
pending or the server drifted (Terraform uses 2, but 2 already means a usage error
here, and a CI job must tell a bad file from pending changes). ``apply`` carries a
plan out exactly once (``-f FILE``, or a plan saved with ``plan --out``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import typer

from ecgrid_cli import context
from ecgrid_cli.commands.bulk_setup import make_gate
from ecgrid_cli.commands.framework import command, emit, single
from ecgrid_cli.commands.interconnect import Concurrency, MaxConcurrency
from ecgrid_cli.commands.options import FromOption, YesFlag, resolve_from
from ecgrid_cli.commands.setup_results import error_document
from ecgrid_cli.confirm import confirm
from ecgrid_cli.errors import ConflictError, EcgridError, UsageError
from ecgrid_cli.exit_codes import ExitCode
from ecgrid_cli.output.layouts import PLAN_TABLE
from ecgrid_cli.output.views import Column, Finish, Result, Stream, Table

SIGNS = {
    "create": "+",
    "onboard": "+",
    "drift": "~",
    "unmanaged": "!",
    "terminate": "-",
    "unchanged": "=",
    "error": "x",
}
FileOption = Annotated[
    str | None,
    typer.Option("--file", "-f", metavar="FILE", help="Desired state: TOML, YAML, CSV or JSON."),
]


plan_app = single()
apply_app = single()


def register() -> None:
    command(
        plan_app,
        "plan",
        examples=[
            "ecgrid plan -f partners.toml",
            "ecgrid plan -f partners.toml --detailed-exitcode",
            "ecgrid plan -f partners.toml --out plan.json",
            "ecgrid plan -f partners.yaml --json | jq .summary",
        ],
    )(plan)
    command(
        apply_app,
        "apply",
        examples=[
            "ecgrid apply -f partners.toml",
            "ecgrid apply -f partners.toml --yes",
            "ecgrid apply plan.json --yes",
            "ecgrid apply -f partners.toml --prune --yes",
        ],
    )(apply)


def plan(
    ctx: typer.Context,
    file: FileOption = None,
    from_id: FromOption = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode", help="Exit 8 when changes are pending or the server drifted."
        ),
    ] = False,
    out: Annotated[
        str | None, typer.Option("--out", metavar="PLAN.json", help="Save the plan for apply.")
    ] = None,
    concurrency: Concurrency = None,
    max_concurrency: MaxConcurrency = None,
) -> Result:
    """Show what apply would change: creations, onboardings, drift, unmanaged interconnects."""
    app_ctx = context.get(ctx)
    if file is None:
        raise UsageError("give the desired state with -f FILE")
    the_plan = _make_plan(app_ctx, file, from_id, concurrency, max_concurrency)
    if out is not None:
        from ecgrid_cli.domain.plan_file import save

        save(the_plan, out)
    return _plan_result(the_plan, detailed=detailed_exitcode, saved_to=out)


def _make_plan(
    app_ctx: context.AppContext,
    file: str,
    from_id: str | None,
    concurrency: int | None,
    max_concurrency: int | None,
):
    from ecgrid_cli.domain.desired_state import load
    from ecgrid_cli.domain.plan import make_plan
    from ecgrid_cli.output.progress import progress_bar

    default = resolve_from(app_ctx, from_id) if from_id is not None else app_ctx.own_ecgrid_id()
    desired = load(file, default_sender=default, stdin=app_ctx.io.stdin)
    gate = make_gate(concurrency, max_concurrency)
    backend = app_ctx.backend(max_connections=gate.cap, throttle=gate)
    _refuse_use_types(backend, desired)
    total = len(desired.partners)
    with progress_bar(app_ctx.io, app_ctx.options, total, "reading the server") as bar:
        return make_plan(backend, desired, gate=gate, on_progress=bar.advance)


def _refuse_use_types(backend: Any, desired: Any) -> None:
    """Before any request: onboarding with a use type the API cannot set is a file error."""
    if backend.capabilities.id_use_type:
        return
    where = [p.where for p in desired.partners if p.onboard and p.onboard.use_type]
    if where:
        listed = ", ".join(where[:5]) + (f" and {len(where) - 5} more" if len(where) > 5 else "")
        raise UsageError(
            f"{len(where)} problem(s) in -f {desired.source}, nothing was sent: {listed}: "
            f"the {backend.api.upper()} API has no use type for a new ECGrid ID; leave use_type out"
        )


def _plan_result(the_plan: Any, *, detailed: bool, saved_to: str | None) -> Result:
    from ecgrid_cli.domain.plan import summary
    from ecgrid_cli.domain.plan_file import plan_document

    counts = summary(the_plan)
    notes = [_summary_line(counts)]
    if saved_to:
        notes.append(f"saved the plan to {saved_to}; run 'ecgrid apply {saved_to}' to carry it out")
    error = None
    if the_plan.errors:
        # One kind of failure keeps its code (4 not found, 5 ambiguous); mixed kinds are
        # exit 1, as in bulk setup.
        failures = [item.error for item in the_plan.errors if item.error is not None]
        kinds = {failure.kind for failure in failures}
        codes = {failure.code for failure in failures}
        error = EcgridError(
            f"{len(the_plan.errors)} partner(s) of the file cannot be resolved: "
            + "; ".join(f"{i.where}: {i.error.message}" for i in the_plan.errors[:3]),
            code=codes.pop() if len(codes) == 1 else "PlanError",
        )
        error.kind = kinds.pop() if len(kinds) == 1 else "error"
    pending = counts["changes"] + counts["drift"] + counts["unmanaged"]
    code = int(ExitCode.NOT_AS_WANTED) if detailed and pending else 0
    return Result(
        plan_document(the_plan),
        PLAN_TABLE,
        # Built row by row as the table or TSV is written (never for --json).
        display=(plan_row(item) for item in the_plan.items),
        terminal_filter=lambda row: row["action"] != "unchanged",
        finish=lambda: Finish(notes=notes, error=error, exit_code=code),
    )


def _summary_line(counts: dict[str, int]) -> str:
    if not (counts["changes"] or counts["drift"] or counts["unmanaged"] or counts["errors"]):
        return f"No changes: the server matches the file ({counts['unchanged']} unchanged)."
    return (
        f"Plan: {counts['create'] + counts['onboard']} to create "
        f"({counts['onboard']} with onboarding), {counts['drift']} drifted, "
        f"{counts['unmanaged']} unmanaged, {counts['unchanged']} unchanged, "
        f"{counts['errors']} unresolved."
    )


def plan_row(item: Any, action: str | None = None) -> dict[str, Any]:
    action = action or item.action
    partner = (f"{item.qualifier}/{item.isa_id}" if item.qualifier else "") + (
        f" ({item.partner_id})"
        if item.partner_id and item.qualifier
        else str(item.partner_id or "")
    )
    mailbox = item.onboard.mailbox_id if item.onboard else "?"
    details = {
        "create": "would create the interconnect",
        "onboard": f"would onboard into mailbox {mailbox}, then create the interconnect",
        "drift": f"expected {item.expected_status}, is {item.status} "
        "(reported; the API cannot change it)",
        "unmanaged": "not in the file; 'apply --prune' terminates it",
        "terminate": "would terminate (irreversible)",
        "unchanged": "",
        "error": f"{item.error.code}: {item.error.message}" if item.error else "",
    }
    return {
        "sign": SIGNS.get(action, " "),
        "action": action,
        "from": item.sender,
        "partner": partner.strip(),
        "interconnectId": item.interconnect_id,
        "status": item.status,
        "detail": details.get(action, ""),
    }


def apply(
    ctx: typer.Context,
    saved_plan: Annotated[
        str | None,
        typer.Argument(
            metavar="PLAN.json", help="A plan saved by 'plan --out'.", show_default=False
        ),
    ] = None,
    file: FileOption = None,
    from_id: FromOption = None,
    prune: Annotated[
        bool, typer.Option("--prune", help="Also terminate unmanaged interconnects (irreversible).")
    ] = False,
    yes: YesFlag = False,
    concurrency: Concurrency = None,
    max_concurrency: MaxConcurrency = None,
) -> Result:
    """Carry out a plan exactly once: from -f FILE, or a plan saved with 'plan --out'."""
    app_ctx = context.get(ctx)
    if (saved_plan is None) == (file is None):
        raise UsageError("give either -f FILE or a saved PLAN.json (not both)")
    if saved_plan is not None:
        the_plan = _saved(app_ctx, saved_plan, prune, concurrency, max_concurrency)
    else:
        the_plan = _make_plan(app_ctx, file, from_id, concurrency, max_concurrency)
    if the_plan.errors:
        result = _plan_result(the_plan, detailed=False, saved_to=None)
        result.terminal_only = True
        emit(app_ctx, result)  # shows the plan to people, then raises its error
        raise result.finish().error  # type: ignore[misc]
    from ecgrid_cli.domain.apply import work_items

    todo = work_items(the_plan, prune=prune)
    preview = _plan_result(the_plan, detailed=False, saved_to=None)
    preview.display = [
        plan_row(item, "terminate" if prune and item.action == "unmanaged" else None)
        for item in the_plan.items
    ]
    preview.terminal_only = True  # piped or JSON, stdout carries only what was applied
    emit(app_ctx, preview)
    if not todo:
        return Result(
            {"applied": [], "summary": _apply_summary([])}, None, notes=["Nothing to apply."]
        )
    creates = [i for i in todo if i.action != "unmanaged"]
    ends = [i for i in todo if i.action == "unmanaged"]
    if creates:
        confirm(app_ctx.io, f"Apply {len(creates)} change(s)?", yes=yes)
    if ends:
        listed = ", ".join(str(i.interconnect_id) for i in ends[:20]) + (
            " ..." if len(ends) > 20 else ""
        )
        confirm(
            app_ctx.io,
            f"Terminate {len(ends)} unmanaged interconnect(s) ({listed})? This cannot be undone.",
            yes=yes,
            flag_hint="--prune --yes",
        )
    return _execute(app_ctx, the_plan, prune, len(todo), concurrency, max_concurrency)


def _saved(app_ctx: context.AppContext, path: str, prune: bool, concurrency, max_concurrency):
    from ecgrid_cli.api.factory import endpoint
    from ecgrid_cli.domain.plan import moved_since
    from ecgrid_cli.domain.plan_file import load

    api, url = endpoint(app_ctx.settings())
    the_plan = load(path, api=api, base_url=url)
    gate = make_gate(concurrency, max_concurrency)
    backend = app_ctx.backend(max_connections=gate.cap, throttle=gate)
    moved = moved_since(backend, the_plan, prune=prune, workers=gate.limit)
    if moved:
        shown = "; ".join(moved[:10]) + (f"; and {len(moved) - 10} more" if len(moved) > 10 else "")
        raise ConflictError(
            f"the server moved since {path} was made, so it was not applied: {shown}; "
            "make a new plan",
            code="PlanStale",
            details={"moved": moved[:50]},
        )
    return the_plan


def _execute(app_ctx, the_plan, prune, total, concurrency, max_concurrency) -> Result:
    from ecgrid_cli.domain.apply import apply_plan
    from ecgrid_cli.output.progress import progress_bar

    gate = make_gate(concurrency, max_concurrency)
    backend = app_ctx.backend(max_connections=gate.cap, throttle=gate)
    outcomes: list[str] = []
    failures: list[EcgridError] = []

    def rows() -> Iterator[dict[str, Any]]:
        with progress_bar(app_ctx.io, app_ctx.options, total, "applying") as bar:
            for applied in apply_plan(backend, the_plan, prune=prune, gate=gate):
                bar.advance()
                outcomes.append(applied.outcome)
                if applied.error is not None:
                    failures.append(applied.error)
                yield _applied_document(applied)

    def finish() -> Finish:
        counts = _apply_summary(outcomes)
        note = "Applied: " + ", ".join(f"{n} {word}" for word, n in counts.items() if n) + "."
        error = None
        if failures:
            kinds = {f.kind for f in failures}
            error = EcgridError(
                f"{len(failures)} of {len(outcomes)} changes failed; run apply again to finish "
                "what a re-run can: " + "; ".join(f.message for f in failures[:3]),
                code="ApplyIncomplete",
            )
            error.kind = kinds.pop() if len(kinds) == 1 else "error"
        return Finish(notes=[note], error=error)

    view = Table(
        (
            Column("action", "ACTION"),
            Column("from", "FROM"),
            Column("partner", "PARTNER"),
            Column("outcome", "OUTCOME"),
            Column("interconnectId", "INTERCONNECT"),
            Column("detail", "DETAIL", shrinkable=True),
        ),
        paged=False,
    )
    return Result(
        Stream(rows(), key="applied", footer=lambda: {"summary": _apply_summary(outcomes)}),
        view,
        display=_applied_row,
        finish=finish,
    )


def _apply_summary(outcomes: list[str]) -> dict[str, int]:
    words = ("created", "existing", "unconfirmed", "terminated", "already-ended", "failed")
    return {word: outcomes.count(word) for word in words}


def _applied_document(applied: Any) -> dict[str, Any]:
    item = applied.item
    ic = applied.interconnect
    return {
        "action": "terminate" if item.action == "unmanaged" else item.action,
        "from": item.sender,
        "partner": {
            "ecGridId": applied.partner_id or item.partner_id,
            "qualifier": item.qualifier,
            "id": item.isa_id,
        },
        "outcome": applied.outcome,
        "partnerCreated": applied.partner_created,
        "interconnectId": ic.interconnect_id if ic else None,
        "status": ic.status if ic else None,
        "where": item.where,
        "error": error_document(applied.error),
    }


def _applied_row(document: dict[str, Any]) -> dict[str, Any]:
    partner = document["partner"]
    qid = f"{partner['qualifier']}/{partner['id']}" if partner.get("qualifier") else ""
    error = document.get("error")
    return {
        "action": document["action"],
        "from": document["from"],
        "partner": (
            qid + f" ({partner['ecGridId']})" if qid else str(partner["ecGridId"] or "")
        ).strip(),
        "outcome": document["outcome"],
        "interconnectId": document["interconnectId"],
        "detail": f"{error['code']}: {error['message']}" if error else "",
    }


register()
