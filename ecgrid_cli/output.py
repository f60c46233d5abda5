"""All rendering: rich tables on a terminal, tab-separated rows when piped, JSON.

Nothing else in the tool writes to stdout. Every string that leaves the process goes
through :meth:`Output.clean`, which removes the API key (defence in depth) and
control characters a hostile server might send. rich is imported only when a
terminal actually needs a table.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from ecgrid_cli.redaction import is_redactable, redact


@dataclass(frozen=True)
class Column:
    key: str  # canonical JSON key
    header: str
    # On a narrow terminal only wrapping columns give way; IDs and states never do.
    wrap: bool = False


ID_COLUMNS = (
    Column("ecGridId", "ECGRID ID"),
    Column("qualifier", "QUAL"),
    Column("id", "ISA ID"),
    Column("description", "DESCRIPTION", wrap=True),
    Column("status", "STATUS"),
    Column("mailboxId", "MAILBOX"),
    Column("networkId", "NETWORK"),
)
INTERCONNECT_COLUMNS = (
    Column("interconnectId", "INTERCONNECT"),
    Column("ecGridIdFrom", "FROM"),
    Column("ecGridIdTo", "TO"),
    Column("status", "STATUS"),
    Column("created", "CREATED", wrap=True),
    Column("modified", "MODIFIED", wrap=True),
)

_CONTROL = {code: None for code in range(32) if code not in (9, 10)} | {127: None}
_TSV_UNSAFE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


class Output:
    def __init__(
        self,
        *,
        json_mode: bool = False,
        no_color: bool = False,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.json_mode = json_mode
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.no_color = no_color or bool(os.environ.get("NO_COLOR"))
        self._secrets: list[str] = []

    # -- safety ------------------------------------------------------------------------

    def add_secret(self, secret: str | None) -> None:
        if is_redactable(secret) and secret not in self._secrets:
            self._secrets.append(secret)

    def clean(self, text: str) -> str:
        return redact(text, self._secrets).translate(_CONTROL)

    @property
    def is_tty(self) -> bool:
        if os.environ.get("ECGRID_FORCE_TTY") == "1":
            return True
        try:
            return self.stdout.isatty()
        except (AttributeError, ValueError):
            return False

    # -- stdout ------------------------------------------------------------------------

    def json(self, document: Any) -> None:
        self._write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def json_array_stream(self, items: Iterable[dict[str, Any]]) -> int:
        """Write a JSON array item by item, so memory does not grow with its length.

        Nothing is written until the first item (or the end) has arrived, so a request
        that fails up front leaves stdout empty rather than holding a lone ``[``.
        """
        count = 0
        for item in items:
            self._write(("," if count else "[") + "\n  " + json.dumps(item, ensure_ascii=False))
            count += 1
        self._write("\n]\n" if count else "[]\n")
        return count

    def table(self, rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> None:
        if self.is_tty:
            self._rich_table(rows, columns, show_header=True)
        else:
            for row in rows:
                self._tsv(row, columns)

    def table_stream(
        self, rows: Iterable[dict[str, Any]], columns: Sequence[Column], chunk: int = 100
    ) -> int:
        """Rows as they arrive: TSV line by line, or one terminal table per chunk."""
        count = 0
        buffer: list[dict[str, Any]] = []
        for row in rows:
            count += 1
            if not self.is_tty:
                self._tsv(row, columns)
                continue
            buffer.append(row)
            if len(buffer) >= chunk:
                self._rich_table(buffer, columns, show_header=count == len(buffer))
                buffer = []
        if buffer:
            self._rich_table(buffer, columns, show_header=count == len(buffer))
        return count

    def record(self, pairs: Sequence[tuple[str, Any]], title: str | None = None) -> None:
        """One object: a key/value panel on a terminal, ``key<TAB>value`` lines when piped."""
        if not self.is_tty:
            for key, value in pairs:
                self._write(f"{key}\t{self._cell(value).translate(_TSV_UNSAFE)}\n")
            return
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        for key, value in pairs:
            grid.add_row(self._escape(self.clean(key)), self._escape(self._cell(value)))
        if title:
            from rich.panel import Panel

            self._console().print(Panel(grid, title=self.clean(title), expand=False))
        else:
            self._console().print(grid)

    def line(self, text: str) -> None:
        self._write(self.clean(text) + "\n")

    # -- stderr ------------------------------------------------------------------------

    def status(self, text: str) -> None:
        """A human note on stderr; silent in --json mode so scripts see only data."""
        if not self.json_mode:
            self.err_line(text)

    def warn(self, text: str) -> None:
        self.err_line(text)

    def log(self, text: str) -> None:
        self.err_line(text)

    def err_line(self, text: str) -> None:
        try:
            self.stderr.write(self.clean(text) + "\n")
            self.stderr.flush()
        except (OSError, ValueError):
            pass

    def error(self, code: str, message: str, http_status: int | None) -> None:
        """The one place errors are shown: a JSON object or one ``error:`` line."""
        if self.json_mode:
            document = {
                "error": {
                    "code": self.clean(code),
                    "message": self.clean(message),
                    "httpStatus": http_status,
                }
            }
            self.err_line(json.dumps(document, ensure_ascii=False))
        else:
            self.err_line(f"error: {message}")

    # -- helpers -----------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self.stdout.write(self.clean(text))

    def _cell(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return self.clean(str(value))

    def _tsv(self, row: dict[str, Any], columns: Sequence[Column]) -> None:
        cells = (self._cell(row.get(c.key)).translate(_TSV_UNSAFE) for c in columns)
        self._write("\t".join(cells) + "\n")

    def _console(self) -> Any:
        from rich.console import Console

        return Console(file=self.stdout, no_color=self.no_color, highlight=False)

    def _rich_table(
        self, rows: Sequence[dict[str, Any]], columns: Sequence[Column], show_header: bool
    ) -> None:
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD, show_header=show_header, show_edge=False, pad_edge=False)
        for column in columns:
            if column.wrap:
                table.add_column(column.header, overflow="fold")
            else:
                table.add_column(column.header, no_wrap=True, min_width=len(column.header))
        for row in rows:
            table.add_row(*(self._escape(self._cell(row.get(c.key))) for c in columns))
        self._console().print(table)

    @staticmethod
    def _escape(text: str) -> str:
        from rich.markup import escape

        return escape(text)
