"""``--jq EXPR``: filter the JSON document with jq (the ``jq`` package, loaded on use)."""

from __future__ import annotations

from typing import Any

from ecgrid_cli.errors import EcgridError, UsageError


def compile_jq(expression: str) -> Any:
    """Check an expression before anything is sent (a bad one is a usage error)."""
    try:
        import jq
    except ImportError:  # pragma: no cover - jq is a dependency
        raise UsageError("--jq needs the 'jq' Python package: pip install jq") from None
    try:
        return jq.compile(expression)
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise UsageError(f"invalid --jq expression {expression!r}: {first}") from None


def apply_jq(expression: str, document: Any) -> list[Any]:
    program = compile_jq(expression)
    try:
        return program.input_value(document).all()
    except ValueError as exc:
        raise EcgridError(
            f"--jq {expression!r} failed on the output: {exc}", code="JqError"
        ) from None
