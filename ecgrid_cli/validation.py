"""Input checks that run before anything is sent; each failure is one clear line.

Every function returns the normalised value or raises ``UsageError`` (exit 2) naming
the offending option and value.
"""

from __future__ import annotations

from ecgrid_cli.errors import UsageError
from ecgrid_cli.statuses import STATUSES, canonical_status, is_known_status

ISA_ID_MAX = 15


def qualifier(value: str, option: str = "--qualifier") -> str:
    """An ISA qualifier: exactly two letters or digits (case is kept, ZZ is usual)."""
    text = value.strip()
    if len(text) != 2 or not text.isascii() or not text.isalnum():
        raise UsageError(f"invalid {option} {value!r}: an ISA qualifier is 2 letters or digits")
    return text.upper()


def isa_id(value: str, option: str = "--id") -> str:
    """An ISA ID: 1 to 15 printable ASCII characters; trailing padding is ignored."""
    text = value.rstrip(" ")
    if not text:
        raise UsageError(f"invalid {option} {value!r}: an ISA ID needs 1 to 15 characters")
    if len(text) > ISA_ID_MAX:
        raise UsageError(
            f"invalid {option} {value!r}: an ISA ID is at most {ISA_ID_MAX} characters"
        )
    if not all(" " <= ch <= "~" for ch in text):
        raise UsageError(
            f"invalid {option} {value!r}: an ISA ID holds printable ASCII characters only"
        )
    return text


def positive_id(value: object, option: str) -> int:
    """An ECGrid, mailbox or interconnect ID: a positive integer."""
    if isinstance(value, bool):
        raise UsageError(f"invalid {option} {value!r}: expected a positive integer")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            raise UsageError(f"invalid {option} {value!r}: expected a positive integer")
        number = int(text)
    if number < 1 or number > 2**63 - 1:
        raise UsageError(f"invalid {option} {value!r}: expected a positive integer")
    return number


def status(value: str | None, option: str = "--status") -> str | None:
    """A Status enum value in any case, returned canonically; None stays None."""
    if value is None:
        return None
    if not is_known_status(value):
        raise UsageError(f"invalid {option} {value!r}: choose one of {', '.join(STATUSES)}")
    return canonical_status(value)


def at_least_one(value: int, option: str) -> int:
    if value < 1:
        raise UsageError(f"invalid {option} {value}: must be at least 1")
    return value


def in_range(value: int, option: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise UsageError(f"invalid {option} {value}: must be from {low} to {high}")
    return value
