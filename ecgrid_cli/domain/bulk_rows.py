"""Bulk rows: columns, validation of every row before anything is sent, duplicates.

A row names a partner by QID (``qualifier,id``) or ECGrid ID (``partner_ecgrid_id``),
optionally its own ``from``, ``status``, and onboarding details (``mailbox``,
``description``, ``use_type``); any other column is refused before a row is read. The
first pass validates the whole file (reporting every problem with its line), counts
rows per sender and finds rows that repeat an earlier row; it keeps only small integers,
so memory stays flat.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ecgrid_cli import validation
from ecgrid_cli.domain.compact_map import CompactMap
from ecgrid_cli.domain.queries import BY_COLUMN, PartnerRef
from ecgrid_cli.domain.rows_file import Columns, RawRow, RowsFile
from ecgrid_cli.domain.setup import Onboarding, SetupRequest
from ecgrid_cli.errors import UsageError
from ecgrid_cli.statuses import creation_refusal

COLUMN_ALIASES = {
    "isaqualifier": "qualifier",
    "qual": "qualifier",
    "isaid": "id",
    "isa_id": "id",
    "ecgrididfrom": "from",
    "from_id": "from",
    "partnerecgridid": "partner_ecgrid_id",
    "partner-ecgrid-id": "partner_ecgrid_id",
    "ecgridid": "partner_ecgrid_id",
    "mailboxid": "mailbox",
    "mailbox_id": "mailbox",
    "usetype": "use_type",
    "use-type": "use_type",
}
MAX_PROBLEMS_SHOWN = 10
USE_TYPES = ("Test", "Production", "TestAndProduction")


def normal_column(name: str) -> str:
    text = name.strip().lower()
    return COLUMN_ALIASES.get(text, COLUMN_ALIASES.get(text.replace("_", ""), text))


# The columns of bulk rows (and of desired-state CSV/JSON rows), as normal_column names them.
COLUMNS = Columns(
    normalise=normal_column,
    accepted=(
        "qualifier",
        "id",
        "partner_ecgrid_id",
        "from",
        "status",
        "mailbox",
        "description",
        "use_type",
    ),
    names_row=(("qualifier", "id"), ("partner_ecgrid_id",)),
    purpose="name a partner",
    spellings=tuple(COLUMN_ALIASES),
)


@dataclass(frozen=True)
class RowDefaults:
    from_id: int | None
    status: str | None  # already in the API's words
    status_for: Callable[[str], str]  # a row's own status -> the API's word
    onboard_mailbox: int | None = None  # --onboard --mailbox N
    verify: bool = False
    verify_timeout: float = 60.0
    dry_run: bool = False
    id_use_type: bool = True  # the API can give a new ID a use type (Capabilities.id_use_type)
    initial_statuses: tuple[str, ...] | None = None  # what a create may ask for (None: any)
    api: str = "rest"  # for messages: the API whose limits these are


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def request_for(raw: RawRow, defaults: RowDefaults) -> SetupRequest:
    """The row as a setup request, or a UsageError naming the column."""
    values = raw.values
    partner = None
    if not _blank(values.get("partner_ecgrid_id")):
        partner = validation.positive_id(values["partner_ecgrid_id"], "partner_ecgrid_id")
    qualifier = isa_id = None
    if not (_blank(values.get("qualifier")) and _blank(values.get("id")) and partner is not None):
        qualifier = validation.qualifier(str(values.get("qualifier") or ""), "qualifier")
        isa_id = validation.isa_id(str(values.get("id") or ""), "id")
    if _blank(values.get("from")):
        if defaults.from_id is None:
            raise UsageError(
                "no from: give a 'from' column, --from, or set ecgrid-id in the profile"
            )
        from_id = defaults.from_id
    else:
        from_id = validation.positive_id(values["from"], "from")
    if not (_blank(values.get("use_type")) or defaults.id_use_type):
        raise UsageError(
            f"use_type {values['use_type']!r}: the API in use cannot give an ID a use type "
            "(SOAP has none); leave the column empty"
        )
    status = defaults.status
    if not _blank(values.get("status")):
        checked = validation.status(str(values["status"]), "status")
        status = defaults.status_for(checked) if checked else status
        if defaults.initial_statuses is not None:
            refusal = creation_refusal(defaults.api, status, defaults.initial_statuses)
            if refusal:
                raise UsageError(f"status {values['status']!r}: {refusal}")
    return SetupRequest(
        from_id=from_id,
        partner=PartnerRef(qualifier, isa_id, partner, choose_with=BY_COLUMN),
        status=status,
        onboard=_onboarding(values, defaults),
        verify=defaults.verify,
        verify_timeout=defaults.verify_timeout,
        dry_run=defaults.dry_run,
    )


def _onboarding(values: dict[str, Any], defaults: RowDefaults) -> Onboarding | None:
    mailbox = defaults.onboard_mailbox
    if not _blank(values.get("mailbox")):
        mailbox = validation.positive_id(values["mailbox"], "mailbox")
    if mailbox is None:
        return None
    description = values.get("description")
    use_type = values.get("use_type")
    return Onboarding(
        mailbox_id=mailbox,
        description=None
        if _blank(description)
        else validation.free_text(str(description), "description"),
        use_type=None
        if _blank(use_type)
        else validation.choice(str(use_type), "use_type", USE_TYPES),
    )


def pair_key(request: SetupRequest) -> int:
    """A compact key for "the same partner from the same sender" (8 bytes, not the text)."""
    ref = request.partner
    text = (
        f"{request.from_id}|q|{ref.qualifier.upper()}|{ref.isa_id.upper()}"
        if ref.qualifier and ref.isa_id and ref.ecgrid_id is None
        else f"{request.from_id}|e|{ref.ecgrid_id}"
    )
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@dataclass
class Validated:
    total: int = 0
    rows_per_sender: dict[int, int] = field(default_factory=dict)
    duplicate_of: dict[int, int] = field(default_factory=dict)  # row -> earlier row


def validate(source: RowsFile, defaults: RowDefaults) -> Validated:
    """Check every row; report every problem (with its line) before anything is sent."""
    checked = Validated()
    first_row = CompactMap()
    problems: list[str] = []
    problem_count = 0
    for raw in source.rows(columns=COLUMNS):
        checked.total += 1
        try:
            request = request_for(raw, defaults)
        except UsageError as err:
            problem_count += 1
            if len(problems) < MAX_PROBLEMS_SHOWN:
                problems.append(f"line {raw.line} (row {raw.number}): {err.message}")
            continue
        sender = request.from_id
        checked.rows_per_sender[sender] = checked.rows_per_sender.get(sender, 0) + 1
        key = pair_key(request)
        earlier = first_row.setdefault(key, raw.number)
        if earlier != raw.number:
            checked.duplicate_of[raw.number] = earlier
    if problem_count:
        more = problem_count - len(problems)
        listed = "; ".join(problems) + (f"; and {more} more" if more else "")
        raise UsageError(
            f"{problem_count} invalid row(s) in {source.option} {source.name}, nothing was "
            f"sent: {listed}",
            details={"invalidRows": problem_count},
        )
    if checked.total == 0:
        raise UsageError(f"{source.option} {source.name} holds no rows")
    return checked
