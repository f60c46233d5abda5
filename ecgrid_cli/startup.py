"""Start-up without the cycle collector.

Starting a command imports a few hundred modules: about a million objects, nearly all
of them alive until the process ends, and hardly any garbage cycles. The cycle
collector would scan each of them at least once while they are created, for nothing
(about 3 % of an API command's start-up). So the console script pauses it, and the
run resumes it once start-up is over (the backend is built, or a server is about to
serve), after moving everything alive so far out of its sight with ``gc.freeze()``.
Short commands end before that point and never pay for a scan.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Called first thing by the console script; does nothing if already off."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Start-up is over: collect cycles again (only if :func:`pause_collector` paused it)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()  # what start-up made stays alive: never scan it
        gc.enable()
