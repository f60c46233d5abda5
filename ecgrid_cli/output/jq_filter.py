"""``--jq EXPR``: filter the JSON document with jq (the ``jq`` package, loaded on use)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from ecgrid_cli.errors import EcgridError, UsageError

# jq sees the process environment ($ENV, env): variables whose names say they hold a
# secret (the API key, a CI token, a password) are hidden from it.
_SECRET_NAME = re.compile(r"KEY|TOKEN|PASSW|SECRET|SESSION|CREDENTIAL|AUTH", re.IGNORECASE)


@contextlib.contextmanager
def _secrets_hidden() -> Iterator[None]:
    hidden = {name: value for name, value in os.environ.items() if _SECRET_NAME.search(name)}
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
        with _secrets_hidden():
            return jq.compile(expression)
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        first = first.removeprefix("jq: error: ").rstrip(":")
        raise UsageError(f"invalid --jq expression {expression!r}: {first}") from None


def apply_jq(expression: str, document: Any) -> list[Any]:
    program = compile_jq(expression)
    try:
        with _secrets_hidden():
            return program.input_value(document).all()
    except ValueError as exc:
        raise EcgridError(
            f"--jq {expression!r} failed on the output: {exc}", code="JqError"
        ) from None
