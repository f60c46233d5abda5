"""The ECGrid Status enum, accepted in any case and printed canonically."""

from __future__ import annotations

STATUSES = ("Development", "Active", "Preproduction", "Suspended", "Terminated")
_BY_LOWER = {name.lower(): name for name in STATUSES}


def canonical_status(value: str) -> str:
    """Canonical spelling of a known status; unknown values pass through unchanged."""
    return _BY_LOWER.get(value.strip().lower(), value)


def is_known_status(value: str) -> bool:
    return value.strip().lower() in _BY_LOWER
