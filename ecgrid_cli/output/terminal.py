"""Terminal views with rich (imported only when a terminal needs them).

Tables fit the terminal's width: when the natural width is too wide, the least
important columns are dropped first (timestamps, then mailbox/network), then free
text is shortened with an ellipsis; IDs, states and outcomes are never cut or broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from ecgrid_cli.iostreams import IOStreams
from ecgrid_cli.output.render import shown
from ecgrid_cli.output.views import Column, Table

_GAP = 3  # between two columns: padding on both sides and the separator


def console(io: IOStreams, *, stderr: bool = False) -> Console:
    return Console(
        file=io.stderr if stderr else io.stdout,
        width=io.width,
        no_color=not io.color,
        color_system="auto" if io.color else None,
        highlight=False,
        force_terminal=io.stderr_tty if stderr else io.stdout_tty,
    )


def fit_columns(
    columns: Sequence[Column], cells: list[list[str]], width: int
) -> tuple[list[int], dict[int, int]]:
    """Which columns to show (indexes) and the width each shrinkable one may take."""
    natural = [
        max([cell_len(column.header), *(cell_len(row[i]) for row in cells)])
        for i, column in enumerate(columns)
    ]
    shown = list(range(len(columns)))

    def total(indexes: list[int]) -> int:
        return sum(natural[i] for i in indexes) + _GAP * (len(indexes) - 1)

    # Empty columns go first (they say nothing), then by rank, least important first.
    droppable = sorted(
        (i for i, c in enumerate(columns) if c.drop_rank > 0),
        key=lambda i: (any(row[i] for row in cells), -columns[i].drop_rank),
    )
    for index in droppable:
        if total(shown) <= width:
            break
        shown.remove(index)
    limits: dict[int, int] = {}
    shrinkable = sorted((i for i in shown if columns[i].shrinkable), key=lambda i: -natural[i])
    excess = total(shown) - width
    for index in shrinkable:
        if excess <= 0:
            break
        floor = max(cell_len(columns[index].header), 8)
        cut = min(excess, natural[index] - floor)
        if cut > 0:
            limits[index] = natural[index] - cut
            excess -= cut
    # Still too wide: free text goes entirely rather than squeezing an ID or a state.
    for index in shrinkable:
        if excess <= 0:
            break
        shown.remove(index)
        excess -= limits.pop(index, natural[index]) + _GAP
    return shown, limits


def print_table(io: IOStreams, table: Table, rows: list[dict[str, Any]]) -> None:
    cells = [[shown(io, row.get(c.key)) for c in table.columns] for row in rows]
    visible, limits = fit_columns(table.columns, cells, io.width)
    rich_table = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for index in visible:
        column = table.columns[index]
        if index in limits:
            rich_table.add_column(
                column.header, no_wrap=True, overflow="ellipsis", max_width=limits[index]
            )
        else:
            rich_table.add_column(column.header, no_wrap=True, min_width=cell_len(column.header))
    styles = dict(table.styles)
    for source, row in zip(rows, cells, strict=True):
        style = styles.get(str(source.get(table.style_key))) if table.style_key else None
        rich_table.add_row(*(escape(row[index]) for index in visible), style=style)
    out = console(io)
    if table.title:  # on its own line, as wide as the terminal (not the table)
        out.print(escape(table.title))
    out.print(rich_table)


def print_record(io: IOStreams, pairs: list[tuple[str, Any]], title: str | None) -> None:
    from rich.panel import Panel

    grid = RichTable.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in pairs:
        grid.add_row(escape(label), escape(shown(io, value)))
    renderable = Panel(grid, title=escape(title), expand=False) if title else grid
    console(io).print(renderable)
