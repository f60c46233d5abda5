"""Confirmation before commands that move or terminate (DESIGN: must)."""

from __future__ import annotations

import sys

from ecgrid_cli.errors import EcgridError, UsageError


class Declined(EcgridError):
    kind = "error"
    default_code = "Declined"


def confirm(question: str, *, yes: bool, flag_hint: str = "--yes") -> None:
    """Return when the user agreed (or passed --yes); raise otherwise.

    Without a terminal on stdin there is nobody to ask, so the command refuses
    unless --yes was given: an unattended job must say what it wants.
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            f"refusing to continue without confirmation: no terminal; pass {flag_hint}"
        )
    import typer

    try:
        agreed = typer.confirm(question, default=False, err=True)
    except EOFError:
        agreed = False
    if not agreed:
        raise Declined("cancelled: nothing was changed")
