"""Exit codes (DESIGN "Exit codes", a contract scripts rely on) and the error kinds
that map to them. ``app.run`` is the only place a kind becomes a code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # the API refused, a confirmation was declined, or any other error
    USAGE = 2  # bad flag or value, missing setting, invalid input file
    AUTH = 3  # 401/403, an expired login or session
    NOT_FOUND = 4
    CONFLICT = 5  # duplicate object, or several matches and no way to choose
    TRANSIENT = 6  # gave up after retrying transient failures
    UNREACHABLE = 7  # DNS, connect, TLS
    NOT_AS_WANTED = 8  # the command worked; the answer is "not as wanted"
    INTERRUPTED = 130


BY_KIND = {
    "error": ExitCode.ERROR,
    "api": ExitCode.ERROR,
    "declined": ExitCode.ERROR,
    "usage": ExitCode.USAGE,
    "auth": ExitCode.AUTH,
    "not_found": ExitCode.NOT_FOUND,
    "conflict": ExitCode.CONFLICT,
    "transient": ExitCode.TRANSIENT,
    "unreachable": ExitCode.UNREACHABLE,
    "not_as_wanted": ExitCode.NOT_AS_WANTED,
    "interrupted": ExitCode.INTERRUPTED,
}


def for_kind(kind: str) -> int:
    return int(BY_KIND.get(kind, ExitCode.ERROR))
