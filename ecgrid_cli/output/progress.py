"""Live feedback on stderr while work runs: a progress bar, or a spinner.

Shown only when stderr is a terminal and the output is not JSON; otherwise the
reporters do nothing. Everything they write goes through the redacting stderr.
Commands say what is going on; whether and how it is shown is decided here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ecgrid_cli.iostreams import IOStreams
from ecgrid_cli.output.views import OutputOptions


class Progress:
    """``advance()`` once per finished item; a no-op when nothing is shown."""

    def __init__(self, bar: Any = None, task: Any = None) -> None:
        self._bar = bar
        self._task = task

    def advance(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def update(self, text: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=text)


def _console(io: IOStreams) -> Any:
    from rich.console import Console

    return Console(
        file=io.err_stream(),
        width=io.width,
        no_color=not io.color,
        force_terminal=True,
        highlight=False,
    )


def _shown(io: IOStreams, options: OutputOptions, wanted: bool) -> bool:
    return wanted and io.stderr_tty and not options.wants_json


def problem(io: IOStreams, options: OutputOptions, text: str) -> None:
    """A failed item, as it happens, when piped (a terminal lists them at the end)."""
    if not options.wants_json and not io.stderr_tty:
        io.err(text)


@contextmanager
def progress_bar(
    io: IOStreams, options: OutputOptions, total: int | None, label: str
) -> Iterator[Progress]:
    if not _shown(io, options, True):
        yield Progress()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    columns: list[Any] = ["[progress.description]{task.description}", BarColumn()]
    columns += [MofNCompleteColumn(), TimeElapsedColumn()]
    with RichProgress(*columns, console=_console(io), transient=True) as bar:
        yield Progress(bar, bar.add_task(label, total=total))


@contextmanager
def spinner(
    io: IOStreams, options: OutputOptions, label: str, *, wanted: bool = True
) -> Iterator[Progress]:
    if not _shown(io, options, wanted):
        yield Progress()
        return
    from rich.progress import Progress as RichProgress
    from rich.progress import SpinnerColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), "{task.description}", TimeElapsedColumn()]
    with RichProgress(*columns, console=_console(io), transient=True) as bar:
        yield Progress(bar, bar.add_task(label, total=None))
