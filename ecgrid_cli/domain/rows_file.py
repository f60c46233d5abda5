"""Rows from a CSV, a JSON array or JSON lines file, read as a stream with bounded memory.

Used by bulk setup, bulk checks and desired-state files. Nothing is held but the row
being read: a million-row file costs no more memory than ten rows, a single line (or
JSON object) is capped, and ``--file /dev/zero`` ends in one clear line. CSV headers
that repeat a column, or name two columns differing only in case, are refused. Given
the :class:`Columns` a kind of file accepts, the CSV header (before any row) and each
JSON object's keys are checked: an unknown column is refused, naming the accepted ones,
and so is a header that lacks the columns naming a row.
``-`` (stdin) is copied to a private temporary file first, so the file can be read
twice: once to validate every row, once to run them.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from ecgrid_cli.errors import UsageError

MAX_LINE_BYTES = 64 * 1024  # one CSV line, or one JSON object / JSON line
# Input that cannot be read twice (stdin, a pipe) is copied to a private temporary file
# first; this much at most, so an endless stream cannot fill the disk.
MAX_SPOOLED_BYTES = 256 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RawRow:
    number: int  # 1-based data row
    line: int  # line of the file where the row starts
    values: dict[str, Any]  # column -> value, column names normalised


@dataclass(frozen=True)
class Columns:
    """The columns a kind of rows file accepts.

    ``accepted``: the names after ``normalise`` (which also maps the other accepted
    spellings, listed in ``spellings`` for suggestions); ``names_row``: a CSV header
    must hold every column of one of these groups, else it cannot ``purpose``.
    """

    normalise: Callable[[str], str]
    accepted: tuple[str, ...]
    names_row: tuple[tuple[str, ...], ...] = ()
    purpose: str = "name a row"
    spellings: tuple[str, ...] = ()

    def unknown(self, given: list[str], what: str) -> str | None:
        """Which of ``given`` (as written) are not accepted, with a close name each."""
        wrong = [name for name in given if self.normalise(name) not in self.accepted]
        if not wrong:
            return None
        candidates = [*self.accepted, *self.spellings]
        named = []
        for name in wrong:
            close = difflib.get_close_matches(name.strip().lower(), candidates, n=1, cutoff=0.5)
            hint = f" (did you mean {self.normalise(close[0])!r}?)" if close else ""
            named.append(f"{name.strip()!r}{hint}")
        return f"unknown {what}(s) {', '.join(named)}"

    def missing(self, columns: list[str]) -> str | None:
        """What a header lacks to name a row, or None when one group is complete."""
        if not self.names_row or any(set(group) <= set(columns) for group in self.names_row):
            return None
        groups = ", or ".join(" and ".join(group) for group in self.names_row)
        closest = max(self.names_row, key=lambda group: len(set(group) & set(columns)))
        lacking = [name for name in closest if name not in columns]
        what = (
            f"the column(s) {', '.join(map(repr, lacking))}"
            if len(lacking) < len(closest)
            else "the columns"
        )
        return f"the CSV header lacks {what} needed to {self.purpose} ({groups})"

    def accepted_list(self, what: str) -> str:
        return f"accepted {what}s: {', '.join(self.accepted)}"


class RowsFile:
    """A path (or stdin) to read rows from, as many times as needed."""

    def __init__(self, path: str, *, stdin: Any = None, option: str = "--file") -> None:
        self.option = option
        self.name = "stdin" if path == "-" else path
        self._spooled: str | None = None
        if path == "-":
            self.path = self._spool(getattr(stdin, "buffer", stdin))
        elif _is_stream(path):
            try:
                with open(path, "rb") as stream:
                    self.path = self._spool(stream)
            except OSError as exc:
                raise UsageError(f"cannot read {option} {path}: {exc.strerror or exc}") from None
        else:
            self.path = path

    def _spool(self, source: Any) -> str:
        """Copy a stream that can be read once into a private file that can be read twice."""
        handle, name = tempfile.mkstemp(prefix="ecgrid-input-", suffix=".rows")
        self._spooled = name
        size = 0
        line_start = 0  # offset of the current line, to refuse an endless first line early
        single_json = None  # a JSON document may sit on one long line; CSV may not
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := source.read(_CHUNK):
                    if isinstance(chunk, str):
                        chunk = chunk.encode("utf-8")
                    if single_json is None and chunk.strip():
                        single_json = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")
                    newline = chunk.rfind(b"\n")
                    if newline >= 0:
                        line_start = size + newline + 1
                    size += len(chunk)
                    if not single_json and size - line_start > MAX_LINE_BYTES:
                        raise self.fail(f"is longer than {MAX_LINE_BYTES // 1024} KiB", 1)
                    if size > MAX_SPOOLED_BYTES:
                        limit = MAX_SPOOLED_BYTES // 2**20
                        raise self.fail(f"is larger than {limit} MiB (the most read from a pipe)")
                    out.write(chunk)
        except BaseException:
            self.close()
            raise
        return name

    def close(self) -> None:
        if self._spooled is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._spooled)
            self._spooled = None

    def __enter__(self) -> RowsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(
        self, normalise: Any = lambda key: key, *, columns: Columns | None = None
    ) -> Iterator[RawRow]:
        """Every non-empty row, in order; a problem with the file itself is a UsageError.

        With ``columns``, names are normalised by it and checked against it."""
        if columns is not None:
            normalise = columns.normalise
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise UsageError(
                f"cannot read {self.option} {self.name}: {exc.strerror or exc}"
            ) from None
        try:
            first = _first_significant_byte(handle)
            if first in (b"[", b"{"):
                from ecgrid_cli.domain.rows_json import json_rows

                yield from json_rows(handle, self, normalise, columns, lines=first == b"{")
            else:
                yield from _csv_rows(handle, self, normalise, columns)
        finally:
            handle.close()

    def fail(self, message: str, line: int | None = None) -> UsageError:
        where = f" line {line}" if line else ""
        return UsageError(f"{self.option} {self.name}{where}: {message}")


def _is_stream(path: str) -> bool:
    """A pipe, a FIFO or a terminal: something that can only be read once."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return (
        stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or (stat.S_ISCHR(mode) and not _seekable(path))
    )


def _seekable(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.seekable()
    except OSError:
        return False


def _first_significant_byte(handle: BinaryIO) -> bytes:
    start = handle.read(3)
    offset = 3 if start == b"\xef\xbb\xbf" else 0
    handle.seek(offset)
    while True:
        byte = handle.read(1)
        if byte not in (b" ", b"\t", b"\r", b"\n"):
            handle.seek(offset)
            return byte
        if handle.tell() - offset > MAX_LINE_BYTES:
            handle.seek(offset)
            return b""


def _lines(handle: BinaryIO, source: RowsFile) -> Iterator[str]:
    """Decoded lines, each at most MAX_LINE_BYTES (else a clear error)."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise source.fail(f"is longer than {MAX_LINE_BYTES // 1024} KiB", number)
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise source.fail("is not UTF-8 text", number) from None


def _csv_rows(
    handle: BinaryIO, source: RowsFile, normalise: Any, accepted: Columns | None
) -> Iterator[RawRow]:
    lines = _lines(handle, source)
    counter = _LineCounter(lines)
    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(counter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise source.fail(f"is not valid CSV: {exc}", counter.line) from None
    if not header:
        raise source.fail("holds no rows")
    columns = [normalise(name.strip().lower()) for name in header]
    _check_header(header, columns, source)
    if accepted is not None:
        _check_columns(header, columns, accepted, source)
    number = 0
    while True:
        start = counter.line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise source.fail(f"is not valid CSV: {exc}", counter.line) from None
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            raise source.fail(f"has {len(cells)} fields but the header names {len(columns)}", start)
        number += 1
        values = {column: cells[i].strip() for i, column in enumerate(columns) if i < len(cells)}
        yield RawRow(number, start, values)


def _check_header(header: list[str], columns: list[str], source: RowsFile) -> None:
    seen: dict[str, str] = {}
    for given, column in zip(header, columns, strict=True):
        if not column:
            raise source.fail("the CSV header has an empty column name", 1)
        if column in seen:
            other = seen[column]
            why = "repeats" if other.strip() == given.strip() else "names twice (case or alias)"
            raise source.fail(
                f"the CSV header {why} the column {given.strip()!r} ({other.strip()!r})", 1
            )
        seen[column] = given


def _check_columns(
    header: list[str], columns: list[str], accepted: Columns, source: RowsFile
) -> None:
    """Unknown columns, or none to name a row: one error for the file, before any row."""
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "';'" if ";" in header[0] else "a tab"
        missing = accepted.missing([]) or "the CSV header names one column"
        raise source.fail(
            f"{missing}: its line {header[0].strip()!r} holds {separator} but no comma, "
            "and the file must be comma-separated",
            1,
        )
    problems = [
        problem
        for problem in (accepted.unknown(header, "column"), accepted.missing(columns))
        if problem
    ]
    if problems:
        raise source.fail("; ".join([*problems, accepted.accepted_list("column")]), 1)


class _LineCounter:
    """Feeds csv.reader line by line while counting physical lines."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.line = 0

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        text = next(self._lines)
        self.line += 1
        return text.lstrip("\ufeff") if self.line == 1 else text
