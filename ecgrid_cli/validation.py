"""Input checks that run before anything is sent; each failure is one clear line.

Every function returns the normalised value or raises ``UsageError`` (exit 2) naming
the offending option and value.
"""

from __future__ import annotations

from ecgrid_cli.errors import UsageError
from ecgrid_cli.statuses import (
    SOAP_INTERCONNECT_STATUSES,
    STATUSES,
    canonical_status,
    is_known_status,
)

ISA_ID_MAX = 15


def _invalid(option: str, value: object, why: str) -> UsageError:
    """One clear line naming the option and the value; scripts get the field too."""
    shown = value if isinstance(value, int) and not isinstance(value, bool) else repr(value)
    return UsageError(
        f"invalid {option} {shown}: {why}",
        details={"field": option, "value": str(value)[:200]},
    )


def qualifier(value: str, option: str = "--qualifier") -> str:
    """An ISA qualifier: exactly two letters or digits (case is kept, ZZ is usual)."""
    text = value.strip()
    if len(text) != 2 or not text.isascii() or not text.isalnum():
        raise _invalid(option, value, "an ISA qualifier is 2 letters or digits")
    return text.upper()


def isa_id(value: str, option: str = "--id") -> str:
    """An ISA ID: 1 to 15 printable ASCII characters; trailing padding is ignored."""
    text = value.rstrip(" ")
    if not text:
        raise _invalid(option, value, "an ISA ID needs 1 to 15 characters")
    if len(text) > ISA_ID_MAX:
        raise _invalid(option, value, f"an ISA ID is at most {ISA_ID_MAX} characters")
    if not all(" " <= ch <= "~" for ch in text):
        raise _invalid(option, value, "an ISA ID holds printable ASCII characters only")
    return text


def positive_id(value: object, option: str) -> int:
    """An ECGrid, mailbox or interconnect ID: a positive integer."""
    if isinstance(value, bool):
        raise _invalid(option, value, "expected a positive integer")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            raise _invalid(option, value, "expected a positive integer")
        number = int(text)
    if number < 1 or number > 2**63 - 1:
        raise _invalid(option, value, "expected a positive integer")
    return number


def status(value: str | None, option: str = "--status") -> str | None:
    """A Status enum value in any case, returned canonically; None stays None."""
    if value is None:
        return None
    if not is_known_status(value):
        raise UsageError(
            f"invalid {option} {value!r}: choose one of {', '.join(STATUSES)} "
            f"(REST) or {', '.join(SOAP_INTERCONNECT_STATUSES)} (SOAP)",
            details={"field": option, "value": value},
        )
    return canonical_status(value)


def at_least_one(value: int, option: str) -> int:
    if value < 1:
        raise _invalid(option, value, "must be at least 1")
    return value


def in_range(value: int, option: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise _invalid(option, value, f"must be from {low} to {high}")
    return value


def free_text(value: str | None, option: str, max_length: int = 255) -> str | None:
    """Descriptions and notes: printable text, no control characters, bounded length."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise _invalid(option, value, "must not be empty")
    if len(text) > max_length:
        raise _invalid(option, value[:40] + "...", f"at most {max_length} characters")
    if any((ord(ch) < 32 and ch not in "\t\n") or ord(ch) == 127 for ch in text):
        raise _invalid(option, value, "holds control characters")
    return text


def choice(value: str | None, option: str, choices: tuple[str, ...]) -> str | None:
    """One of ``choices`` in any case, returned as spelled there; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):  # a number or a table where a word belongs (TOML, YAML)
        raise _invalid(option, value, f"choose one of {', '.join(choices)}")
    for known in choices:
        if known.lower() == value.strip().lower():
            return known
    raise _invalid(option, value, f"choose one of {', '.join(choices)}")
