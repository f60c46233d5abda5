"""What a command returns: a :class:`Result` (the JSON document plus how people see it).

Commands never write to stdout and never ask whether ``--json`` was given: they build
a Result, and :func:`ecgrid_cli.output.render.render` turns it into a table, a
key/value panel, tab-separated text or JSON (filtered by ``--jq``). Adding an output
format is a change to the render module alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecgrid_cli.errors import EcgridError


@dataclass(frozen=True)
class Column:
    key: str  # key in the display row
    header: str
    # When a terminal is too narrow, the highest drop_rank goes first; 0 never goes.
    drop_rank: int = 0
    # May be shortened with an ellipsis (free text); IDs and states never are.
    shrinkable: bool = False
    # Decoration for people (a plan's +/~/- marks): left out of piped output.
    terminal_only: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    title: str | None = None
    empty_note: str | None = None  # said on stderr when there is no row
    paged: bool = True  # long listings go through the pager on a terminal
    # A terminal colours each row by the value of this key (e.g. a plan's +, ~, -).
    style_key: str | None = None
    styles: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Field:
    label: str
    key: str


@dataclass(frozen=True)
class Record:
    """One object: a key/value panel on a terminal, ``label<TAB>value`` when piped."""

    fields: tuple[Field, ...]
    title: str | None = None


@dataclass(frozen=True)
class Value:
    """A single value (a count): printed as it is on a terminal and when piped."""

    key: str


@dataclass(frozen=True)
class Document:
    """The JSON document is what people see too (``ecgrid api``, like ``gh api``)."""


View = Table | Record | Value | Document


@dataclass
class Finish:
    """What is only known once a stream has been written: notes, an error, the code."""

    notes: Sequence[str] = ()
    error: EcgridError | None = None
    exit_code: int = 0


@dataclass
class Stream:
    """Items produced while the command runs, written as they come (flat memory).

    JSON: a top-level array, or with ``key`` an object ``{key: [...], **footer()}``.
    """

    items: Iterator[dict[str, Any]]
    key: str | None = None
    footer: Callable[[], dict[str, Any]] | None = None


@dataclass
class Result:
    data: Any  # the JSON document, or a Stream
    view: View | None = None
    # Display rows/record for people, when they differ from ``data``: a list of rows
    # (tables), a dict (records), or a function from one stream item to its row.
    display: Any = None
    # Which display rows a terminal shows (e.g. failed rows only); piped shows all.
    terminal_filter: Callable[[dict[str, Any]], bool] | None = None
    notes: Sequence[str] = ()  # human notes on stderr before the output; silent with --json
    exit_code: int = 0
    finish: Callable[[], Finish] | None = None  # for streams: called after the last item
    # For people only (a preview before a confirmation): nothing when piped or JSON.
    terminal_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def rows(self) -> Iterable[dict[str, Any]]:
        if self.display is not None and not callable(self.display):
            return self.display
        return self.data if isinstance(self.data, list) else [self.data]


@dataclass(frozen=True)
class OutputOptions:
    json: bool = False
    jq: str | None = None
    header: bool = False
    pager: bool = True
    show: str = "failed"  # bulk on a terminal: "failed" rows only, or "all"

    @property
    def wants_json(self) -> bool:
        return self.json or self.jq is not None
