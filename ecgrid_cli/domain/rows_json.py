"""JSON rows files (an array of objects, or JSON lines), read one object at a time.

Each object's keys must be distinct (exactly, and after case and aliases) and its values
plain: a string, a number or null. A list, an object, true/false, NaN or a number JSON
cannot carry is refused with its line, never turned into text and sent.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from typing import Any, BinaryIO

from ecgrid_cli.domain.rows_file import _CHUNK, MAX_LINE_BYTES, Columns, RawRow, RowsFile


class _Object(dict):
    """A decoded JSON object that remembers the keys it was given more than once."""

    duplicates: list[str]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _Object:
        made = cls()
        made.duplicates = []
        for key, value in pairs:
            if key in made:
                made.duplicates.append(key)
            made[key] = value
        return made


def json_rows(
    handle: BinaryIO,
    source: RowsFile,
    normalise: Any,
    accepted: Columns | None,
    *,
    lines: bool,
) -> Iterator[RawRow]:
    """Objects of a JSON array (``[{...}, ...]``) or JSON lines, one at a time."""
    decoder = json.JSONDecoder(object_pairs_hook=_Object.from_pairs)
    reader = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
    buffer = ""
    line = 1
    number = 0
    opened = lines  # JSON lines have no opening bracket
    closed = False
    while True:
        try:
            chunk = reader.read(_CHUNK)
        except UnicodeDecodeError:
            raise source.fail("is not UTF-8 text") from None
        buffer += chunk
        position = 0
        while True:
            position, line = _skip_space(buffer, position, line, allow_comma=opened)
            if position >= len(buffer):
                break
            if not opened:
                if buffer[position] != "[":
                    raise source.fail("JSON input must be an array of objects", line)
                opened, position = True, position + 1
                continue
            if not lines and buffer[position] == "]":
                closed, position = True, position + 1
                position, line = _skip_space(buffer, position, line, allow_comma=False)
                if position < len(buffer):
                    raise source.fail("holds data after the end of the JSON array", line)
                break
            try:
                item, end = decoder.raw_decode(buffer, position)
            except RecursionError:
                raise source.fail("holds a JSON value nested too deeply", line) from None
            except ValueError as exc:
                if not chunk:  # no more input: the document is broken, not unfinished
                    raise source.fail(f"is not valid JSON: {exc.msg}", line) from None
                if len(buffer) - position > MAX_LINE_BYTES:
                    raise source.fail(
                        f"holds a JSON object larger than {MAX_LINE_BYTES // 1024} KiB", line
                    ) from None
                break
            if not isinstance(item, dict):
                raise source.fail("JSON input must be an array of objects", line)
            if end - position > MAX_LINE_BYTES:
                raise source.fail(
                    f"holds a JSON object larger than {MAX_LINE_BYTES // 1024} KiB", line
                )
            number += 1
            values = {normalise(str(key).strip().lower()): value for key, value in item.items()}
            _check_keys(item, values, source, line)
            _check_values(item, source, line)
            if accepted is not None and (unknown := accepted.unknown(list(map(str, item)), "key")):
                raise source.fail(f"{unknown}; {accepted.accepted_list('key')}", line)
            yield RawRow(number, line, values)
            line += buffer.count("\n", position, end)
            position = end
        buffer = buffer[position:]
        if not chunk:
            break
    if not lines and not closed:
        raise source.fail("is not valid JSON: the array is not closed", line)
    if number == 0:
        raise source.fail("holds no rows")


def _skip_space(text: str, position: int, line: int, *, allow_comma: bool) -> tuple[int, int]:
    while position < len(text) and (
        text[position] in " \t\r\n" or (allow_comma and text[position] == ",")
    ):
        if text[position] == "\n":
            line += 1
        position += 1
    return position, line


def _check_keys(item: dict[str, Any], values: dict[str, Any], source: RowsFile, line: int) -> None:
    if len(values) != len(item):
        raise source.fail("an object names one field twice (case or alias)", line)


def _check_values(item: dict[str, Any], source: RowsFile, line: int) -> None:
    twice = getattr(item, "duplicates", [])
    if twice:
        raise source.fail(f"an object names the field {twice[0]!r} twice", line)
    for key, value in item.items():
        plain = value is None or isinstance(value, str)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and isinstance(value, float) and not math.isfinite(value):
            raise source.fail(f"field {key!r}: {value!r} is not a number JSON can carry", line)
        if not (plain or number):
            kind = "a list" if isinstance(value, list) else "an object"
            kind = "true/false" if isinstance(value, bool) else kind
            raise source.fail(f"field {key!r} must be a string, a number or null, not {kind}", line)
