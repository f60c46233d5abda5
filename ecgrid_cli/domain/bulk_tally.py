"""What a bulk run did, counted as rows finish, and the advice it ends with.

Failed rows fall in two groups: those a re-run of the same file can finish
(transient failures: rate limits, 5xx, timeouts, the server unreachable) and those
it never will (partner not found, ambiguous, invalid for the server, refused). The
exit code says which: 6 when every failure is transient, else the code of the
permanent failures' kind (4 not found, 5 ambiguous/conflict, 3 auth, 2 invalid), or 1
when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecgrid_cli.domain.bulk import RowOutcome
from ecgrid_cli.domain.setup import CREATED, EXISTING, UNCONFIRMED, WOULD_CREATE
from ecgrid_cli.errors import EcgridError

_KIND_WORDS = {
    "not_found": "not found",
    "conflict": "ambiguous or conflicting",
    "usage": "invalid",
    "auth": "refused (authentication)",
    "api": "refused by the API",
    "error": "failed",
}
_LISTED_ROWS = 10


class BulkIncomplete(EcgridError):
    """Some rows failed; ``kind`` decides the exit code (see the module docstring)."""

    default_code = "BulkIncomplete"

    def __init__(self, message: str, kind: str, details: dict[str, object]) -> None:
        super().__init__(message, details=details)
        self.kind = kind


@dataclass
class Tally:
    dry_run: bool = False
    total: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    partners_created: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)
    retryable_rows: list[int] = field(default_factory=list)
    retryable_count: int = 0
    permanent: dict[str, list[int]] = field(default_factory=dict)  # kind -> first rows
    permanent_count: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: RowOutcome) -> None:
        self.total += 1
        word = outcome_word(outcome)
        self.outcomes[word] = self.outcomes.get(word, 0) + 1
        result = outcome.result
        if result is not None:
            if result.partner_created:
                self.partners_created += 1
            if result.delivery is not None:
                verdict = result.delivery.verdict
                self.deliveries[verdict] = self.deliveries.get(verdict, 0) + 1
        if outcome.error is None:
            return
        if outcome.retryable:
            self.retryable_count += 1
            if len(self.retryable_rows) < _LISTED_ROWS:
                self.retryable_rows.append(outcome.row)
            return
        kind = outcome.error.kind
        self.permanent_count[kind] = self.permanent_count.get(kind, 0) + 1
        rows = self.permanent.setdefault(kind, [])
        if len(rows) < _LISTED_ROWS:
            rows.append(outcome.row)

    @property
    def failed(self) -> int:
        return self.retryable_count + sum(self.permanent_count.values())

    def summary(self, concurrency: dict[str, Any]) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "total": self.total,
            "created": self.outcomes.get(CREATED, 0),
            "existing": self.outcomes.get(EXISTING, 0),
            "unconfirmed": self.outcomes.get(UNCONFIRMED, 0),
            "duplicates": self.outcomes.get("duplicate", 0),
            "failed": self.failed,
            "retryable": self.retryable_count,
            "partnersCreated": self.partners_created,
            "concurrency": concurrency,
        }
        if self.deliveries:
            summary["deliveries"] = dict(self.deliveries)
        if self.dry_run:
            summary["dryRun"] = True
            summary["wouldCreate"] = self.outcomes.get(WOULD_CREATE, 0)
        return summary

    def summary_line(self) -> str:
        parts = [
            f"{self.outcomes.get(CREATED, 0)} created",
            f"{self.outcomes.get(EXISTING, 0)} already existed",
        ]
        if self.dry_run:
            parts.append(f"{self.outcomes.get(WOULD_CREATE, 0)} would be created (dry run)")
        for word, label in ((UNCONFIRMED, "unconfirmed"), ("duplicate", "duplicates")):
            if self.outcomes.get(word):
                parts.append(f"{self.outcomes[word]} {label}")
        parts.append(f"{self.failed} failed")
        return f"{self.total} rows: " + ", ".join(parts)

    def _delivery_verdict(self) -> EcgridError | None:
        missing = _not_delivered(self.deliveries)
        if not missing:
            return None
        counts = ", ".join(
            f"{n} {verdict}"
            for verdict, n in sorted(self.deliveries.items())
            if verdict != "delivered"
        )
        return DeliveryNotProven(
            f"{missing} of {sum(self.deliveries.values())} test parcels were not delivered "
            f"({counts}); the interconnects are set up",
            details={"deliveries": dict(self.deliveries)},
        )

    def verdict(self) -> EcgridError | None:
        if not self.failed:
            return self._delivery_verdict()
        advice: list[str] = []
        if self.retryable_count:
            advice.append(
                f"{self.retryable_count} can be finished by re-running the same file "
                f"(transient failures: rows {_rows(self.retryable_rows, self.retryable_count)})"
            )
        for kind, rows in self.permanent.items():
            count = self.permanent_count[kind]
            advice.append(
                f"{count} never will until fixed ({_KIND_WORDS.get(kind, kind)}: "
                f"rows {_rows(rows, count)})"
            )
        kinds = set(self.permanent)
        if not kinds:
            kind = "transient"
        elif len(kinds) == 1:
            kind = kinds.pop()
        else:
            kind = "error"
        return BulkIncomplete(
            f"{self.failed} of {self.total} rows failed: " + "; ".join(advice),
            kind,
            {"failed": self.failed, "retryable": self.retryable_count},
        )


class DeliveryNotProven(EcgridError):
    """Every row was set up, but some test parcels were not delivered (exit 8)."""

    kind = "not_as_wanted"
    default_code = "DeliveryNotProven"


def _not_delivered(deliveries: dict[str, int]) -> int:
    return sum(n for verdict, n in deliveries.items() if verdict != "delivered")


def outcome_word(outcome: RowOutcome) -> str:
    if outcome.duplicate_of is not None:
        return "duplicate"
    if outcome.error is not None:
        return "failed"
    assert outcome.result is not None
    return outcome.result.outcome


def _rows(rows: list[int], count: int) -> str:
    shown = ", ".join(str(row) for row in sorted(rows))
    return shown + (", ..." if count > len(rows) else "")
