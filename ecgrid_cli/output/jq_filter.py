"""``--jq EXPR``: filter the JSON document with jq (the ``jq`` package, loaded on use)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from ecgrid_cli.errors import EcgridError, UsageError

# jq sees the process environment ($ENV, env). Secrets hide under any name (MYSQL_PWD,
# GITHUB_PAT, a DATABASE_URL with a password), so jq sees only variables known to hold
# none: the locale, the user and the paths, and the tool's own non-secret settings.
_SHOWN = re.compile(
    r"(HOME|USER|LOGNAME|SHELL|PATH|PWD|LANG|LANGUAGE|LC_[A-Z]+|TERM|TZ|TMPDIR|HOSTNAME"
    r"|ECGRID_(PROFILE|API|ECGRID_ID|TIMEOUT|RETRIES|PAGER|CONFIG))"
)


@contextlib.contextmanager
def _environment_narrowed() -> Iterator[None]:
    hidden = {name: value for name, value in os.environ.items() if not _SHOWN.fullmatch(name)}
    for name in hidden:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.update(hidden)


def compile_jq(expression: str) -> Any:
    """Check an expression before anything is sent (a bad one is a usage error)."""
    try:
        import jq
    except ImportError:  # pragma: no cover - jq is a dependency
        raise UsageError("--jq needs the 'jq' Python package: pip install jq") from None
    try:
        with _environment_narrowed():
            return jq.compile(expression)
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        first = first.removeprefix("jq: error: ").rstrip(":")
        raise UsageError(f"invalid --jq expression {expression!r}: {first}") from None


def apply_jq(expression: str, document: Any) -> list[Any]:
    program = compile_jq(expression)
    try:
        with _environment_narrowed():
            return program.input_value(document).all()
    except ValueError as exc:
        raise EcgridError(
            f"--jq {expression!r} failed on the output: {exc}", code="JqError"
        ) from None
