"""Bulk `interconnect setup --file`: many rows, concurrently, each exactly once.

Rows come from a CSV (with a header) or a JSON array. Every row is validated before
anything is sent; then rows run on a thread pool sharing one connection pool, each
through the same ``setup_flow.run_setup`` as a single setup, so the retry and
exactly-once rules hold per row. One failing row does not stop the others, and a
re-run of the same file completes only what is missing.
"""

from __future__ import annotations

import csv
import io
import json
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ecgrid_cli import validation
from ecgrid_cli.api.client import EcgridClient
from ecgrid_cli.api.models import Interconnect
from ecgrid_cli.context import AppContext
from ecgrid_cli.errors import EcgridError, UsageError
from ecgrid_cli.output import Column
from ecgrid_cli.setup_flow import SetupRequest, SetupResult, run_setup

REQUIRED_COLUMNS = ("qualifier", "id")
OPTIONAL_COLUMNS = ("from", "partner_ecgrid_id", "status")
_COLUMN_ALIASES = {
    "isaqualifier": "qualifier",
    "isaid": "id",
    "ecgrididfrom": "from",
    "from_id": "from",
    "partnerecgridid": "partner_ecgrid_id",
    "partner-ecgrid-id": "partner_ecgrid_id",
}
# Prefetch a sender's interconnects only when that is cheaper than per-row lookups.
PREFETCH_LIMIT_PER_ROW = 20
RESULT_COLUMNS = (
    Column("row", "ROW"),
    Column("qid", "PARTNER QID"),
    Column("partnerId", "PARTNER"),
    Column("outcome", "OUTCOME"),
    Column("interconnectId", "INTERCONNECT"),
    Column("detail", "DETAIL", wrap=True),
)


class BulkIncomplete(EcgridError):
    """Some rows failed; ``kind`` is theirs when they all failed alike."""

    default_code = "BulkIncomplete"

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class RowOutcome:
    row: int
    given: dict[str, Any]
    result: SetupResult | None = None
    error: EcgridError | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"row": self.row, "input": self.given}
        if self.result is not None:
            document.update(self.result.to_json())
            document["error"] = None
        else:
            document.update(created=False, interconnect=None, partner=None, testParcelId=None)
            document["error"] = _error_json(self.error)
        if self.result is not None and self.result.verify_error is not None:
            document["error"] = _error_json(self.result.verify_error)
        return document

    @property
    def failed(self) -> bool:
        return self.error is not None or (
            self.result is not None and self.result.verify_error is not None
        )


def _error_json(error: EcgridError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"code": error.code, "message": error.message, "httpStatus": error.http_status}


# -- reading the file -------------------------------------------------------------------


def read_rows(path: str) -> list[dict[str, Any]]:
    """Raw rows from a CSV or JSON file (or '-' for stdin), keys normalised."""
    if path == "-":
        text = sys.stdin.read()
        name = "stdin"
    else:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
        except OSError as exc:
            raise UsageError(f"cannot read --file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"--file {path} is not UTF-8 text") from None
        name = path
    stripped = text.lstrip("\ufeff \t\r\n")
    rows = _json_rows(stripped, name) if stripped.startswith(("[", "{")) else _csv_rows(text, name)
    if not rows:
        raise UsageError(f"--file {name} holds no rows")
    return rows


def _normal_key(key: Any) -> str:
    text = str(key).strip().lower()
    return _COLUMN_ALIASES.get(text.replace("_", ""), _COLUMN_ALIASES.get(text, text))


def _json_rows(text: str, name: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--file {name} is not valid JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UsageError(f"--file {name}: JSON input must be an array of objects")
    return [{_normal_key(k): v for k, v in item.items()} for item in data]


def _csv_rows(text: str, name: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [_normal_key(field) for field in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise UsageError(
            f"--file {name}: the CSV header must name the columns qualifier,id "
            f"(missing: {', '.join(missing)})"
        )
    rows = []
    for raw in reader:
        row = {_normal_key(k): (v or "").strip() for k, v in raw.items() if k is not None}
        if any(row.values()):
            rows.append(row)
    return rows


def build_requests(
    rows: list[dict[str, Any]],
    *,
    default_from: int | None,
    default_status: str | None,
    verify: bool,
    dry_run: bool,
) -> list[SetupRequest]:
    """Validate every row up front: one bad row stops the run before any request."""
    requests: list[SetupRequest] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        try:
            requests.append(_request_for(row, default_from, default_status, verify, dry_run))
        except UsageError as err:
            problems.append(f"row {number}: {err.message}")
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise UsageError(f"{len(problems)} invalid row(s), nothing was sent: {shown}{more}")
    return requests


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _request_for(
    row: dict[str, Any],
    default_from: int | None,
    default_status: str | None,
    verify: bool,
    dry_run: bool,
) -> SetupRequest:
    partner = None
    if not _blank(row.get("partner_ecgrid_id")):
        partner = validation.positive_id(row["partner_ecgrid_id"], "partner_ecgrid_id")
    qualifier = isa_id = None
    if not (_blank(row.get("qualifier")) and _blank(row.get("id")) and partner is not None):
        qualifier = validation.qualifier(str(row.get("qualifier") or ""), "qualifier")
        isa_id = validation.isa_id(str(row.get("id") or ""), "id")
    if _blank(row.get("from")):
        if default_from is None:
            raise UsageError(
                "no from: give a 'from' column, --from, or set ecgrid-id in the profile"
            )
        from_id = default_from
    else:
        from_id = validation.positive_id(row["from"], "from")
    status = default_status
    if not _blank(row.get("status")):
        status = validation.status(str(row["status"]), "status")
    return SetupRequest(
        from_id=from_id,
        qualifier=qualifier,
        isa_id=isa_id,
        partner_ecgrid_id=partner,
        status=status,
        verify=verify,
        dry_run=dry_run,
    )


# -- knowing what exists ----------------------------------------------------------------


class ExistingIndex:
    """Live interconnects per sender, fetched once and shared by every row.

    A sender with many more interconnects than the file has rows is not prefetched;
    its rows fall back to the per-pair lookup of a single setup.
    """

    def __init__(self, client: EcgridClient, rows_per_sender: dict[int, int]) -> None:
        self._client = client
        self._rows_per_sender = rows_per_sender
        self._by_sender: dict[int, dict[int, Interconnect] | None] = {}
        self._locks: dict[int, threading.Lock] = {s: threading.Lock() for s in rows_per_sender}
        self._guard = threading.Lock()

    def _partners_of(self, sender: int) -> dict[int, Interconnect] | None:
        # An error (say, an unknown sender) is not cached: each of its rows reports it.
        with self._locks[sender]:
            if sender not in self._by_sender:
                limit = max(1000, PREFETCH_LIMIT_PER_ROW * self._rows_per_sender[sender])
                if self._client.count_interconnects(sender) > limit:
                    self._by_sender[sender] = None
                else:
                    index: dict[int, Interconnect] = {}
                    for ic in self._client.iter_interconnects(sender):
                        if ic.status != "Terminated":
                            other = (
                                ic.ecgrid_id_to
                                if ic.ecgrid_id_from == sender
                                else ic.ecgrid_id_from
                            )
                            index.setdefault(other, ic)
                    self._by_sender[sender] = index
            return self._by_sender[sender]

    def lookup(self, sender: int, partner: int) -> Interconnect | None:
        partners = self._partners_of(sender)
        if partners is None:
            return self._client.find_interconnect_between(sender, partner)
        with self._guard:
            return partners.get(partner)

    def remember(self, sender: int, partner: int, interconnect: Interconnect) -> None:
        partners = self._by_sender.get(sender)
        if partners is not None:
            with self._guard:
                partners.setdefault(partner, interconnect)


# -- running -----------------------------------------------------------------------------


def run_bulk(
    client: EcgridClient,
    requests: list[SetupRequest],
    *,
    concurrency: int,
    on_done: Callable[[RowOutcome], None] = lambda outcome: None,
) -> list[RowOutcome]:
    senders: dict[int, int] = {}
    for request in requests:
        senders[request.from_id] = senders.get(request.from_id, 0) + 1
    index = ExistingIndex(client, senders)

    def one(number: int, request: SetupRequest) -> RowOutcome:
        given = _given(request)
        try:
            result = run_setup(client, request, existing=index.lookup)
        except EcgridError as err:
            return RowOutcome(number, given, error=err)
        if result.interconnect is not None:
            index.remember(request.from_id, result.partner.ecgrid_id, result.interconnect)
        return RowOutcome(number, given, result=result)

    outcomes: list[RowOutcome] = []
    for outcome in run_concurrently(list(enumerate(requests, start=1)), one, concurrency):
        outcomes.append(outcome)
        on_done(outcome)
    outcomes.sort(key=lambda outcome: outcome.row)
    return outcomes


def run_concurrently(
    items: list[tuple[int, SetupRequest]],
    work: Callable[[int, SetupRequest], RowOutcome],
    concurrency: int,
) -> Iterator[RowOutcome]:
    """Run ``work`` over the items on at most ``concurrency`` threads, yielding as done.

    The workers are daemon threads: on Ctrl+C the generator stops handing out rows,
    and the process can exit at once instead of waiting for (or being interrupted
    again while waiting for) requests already on the wire. Those requests are safe to
    abandon: a re-run reconciles them like any other uncertain write.
    """
    pending: queue.SimpleQueue[tuple[int, SetupRequest]] = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    done: queue.SimpleQueue[RowOutcome | BaseException] = queue.SimpleQueue()
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                number, request = pending.get_nowait()
            except queue.Empty:
                return
            try:
                done.put(work(number, request))
            except BaseException as exc:  # a bug, not a row failure: re-raised below
                done.put(exc)

    for n in range(min(concurrency, len(items))):
        threading.Thread(target=worker, name=f"setup-{n + 1}", daemon=True).start()
    try:
        for _ in items:
            result = done.get()
            if isinstance(result, BaseException):
                raise result
            yield result
    finally:
        stop.set()


def _given(request: SetupRequest) -> dict[str, Any]:
    return {
        "qualifier": request.qualifier,
        "id": request.isa_id,
        "from": request.from_id,
        "partnerEcGridId": request.partner_ecgrid_id,
        "status": request.status,
    }


def summarise(outcomes: list[RowOutcome], dry_run: bool) -> dict[str, Any]:
    done = [o for o in outcomes if o.result is not None]
    summary = {
        "total": len(outcomes),
        "created": sum(1 for o in done if o.result.created),
        "existing": sum(1 for o in done if not o.result.created and o.result.interconnect),
        "failed": sum(1 for o in outcomes if o.failed),
    }
    if dry_run:
        summary["wouldCreate"] = sum(1 for o in done if o.result.interconnect is None)
        summary["dryRun"] = True
    return summary


# -- the command -------------------------------------------------------------------------


def run_bulk_command(
    app_ctx: AppContext,
    *,
    path: str,
    default_from: str | None,
    default_status: str | None,
    concurrency: int,
    verify: bool,
    dry_run: bool,
) -> None:
    out = app_ctx.output
    from_id = (
        validation.positive_id(default_from, "--from")
        if default_from is not None
        else app_ctx.own_ecgrid_id()
    )
    requests = build_requests(
        read_rows(path),
        default_from=from_id,
        default_status=validation.status(default_status),
        verify=verify,
        dry_run=dry_run,
    )
    client = app_ctx.client(max_connections=max(concurrency, 1))
    on_terminal = _stderr_is_tty()
    show_progress = not out.json_mode and on_terminal

    def report_failure(outcome: RowOutcome) -> None:
        error = outcome.error or (outcome.result.verify_error if outcome.result else None)
        if error is not None and not out.json_mode:  # with --json the report holds it
            out.err_line(f"row {outcome.row}: {error.code}: {error.message}")

    if show_progress:
        outcomes = _with_progress(client, requests, concurrency, report_failure, out.no_color)
    else:
        outcomes = run_bulk(client, requests, concurrency=concurrency, on_done=report_failure)
    summary = summarise(outcomes, dry_run)
    if out.json_mode:
        out.json({"rows": [o.to_json() for o in outcomes], "summary": summary})
    else:
        out.table([_table_row(o, dry_run) for o in outcomes], RESULT_COLUMNS)
        parts = [f"{summary['created']} created", f"{summary['existing']} already existed"]
        if dry_run:
            parts.append(f"{summary['wouldCreate']} would be created (dry run)")
        parts.append(f"{summary['failed']} failed")
        if on_terminal:  # otherwise stderr carries nothing but errors
            out.status(f"{summary['total']} rows: " + ", ".join(parts))
    failed = [o for o in outcomes if o.failed]
    if failed:
        errors = [o.error or o.result.verify_error for o in failed]
        kinds = {e.kind for e in errors}
        raise BulkIncomplete(
            f"{len(failed)} of {len(outcomes)} rows failed; re-run the same file to finish them",
            kinds.pop() if len(kinds) == 1 else "error",
        )


def _table_row(outcome: RowOutcome, dry_run: bool) -> dict[str, Any]:
    given = outcome.given
    qid = f"{given['qualifier']}/{given['id']}" if given["qualifier"] else ""
    result = outcome.result
    row: dict[str, Any] = {"row": outcome.row, "qid": qid}
    if result is None:
        row.update(outcome="failed", detail=f"{outcome.error.code}: {outcome.error.message}")
        return row
    row["partnerId"] = result.partner.ecgrid_id
    ic = result.interconnect
    row["interconnectId"] = ic.interconnect_id if ic else None
    if dry_run:
        row["outcome"] = "would create" if ic is None else "exists"
    else:
        row["outcome"] = "created" if result.created else "exists"
    if result.verify_error is not None:
        row["outcome"] += ", verify failed"
        row["detail"] = result.verify_error.message
    elif result.test_parcel_id is not None:
        row["detail"] = f"test parcel {result.test_parcel_id}"
    return row


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _with_progress(
    client: EcgridClient,
    requests: list[SetupRequest],
    concurrency: int,
    report_failure: Callable[[RowOutcome], None],
    no_color: bool,
) -> list[RowOutcome]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True, no_color=no_color)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("setting up interconnects", total=len(requests))

        def advance(outcome: RowOutcome) -> None:
            report_failure(outcome)
            progress.advance(task)

        return run_bulk(client, requests, concurrency=concurrency, on_done=advance)
