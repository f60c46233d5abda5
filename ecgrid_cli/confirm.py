"""Confirmation before commands that move or terminate (DESIGN: must)."""

from __future__ import annotations

from ecgrid_cli.errors import EcgridError, UsageError
from ecgrid_cli.iostreams import IOStreams


class Declined(EcgridError):
    kind = "declined"
    default_code = "Declined"


def confirm(io: IOStreams, question: str, *, yes: bool, flag_hint: str = "--yes") -> None:
    """Return when the user agreed (or passed --yes); raise otherwise.

    Without a terminal there is nobody to ask, so the command refuses unless --yes
    was given: an unattended job must say what it wants.
    """
    if yes:
        return
    if not io.can_prompt():
        raise UsageError(
            f"refusing to continue without confirmation: no terminal; pass {flag_hint}"
        )
    if not io.confirm(question):
        raise Declined("cancelled: nothing was changed")
