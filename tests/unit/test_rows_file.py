"""rows_file: CSV, JSON arrays and JSON lines read as a stream with bounded memory; every
problem with the file itself is one UsageError naming the line."""

from __future__ import annotations

import io
import json
import os
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from ecgrid_cli.domain.bulk_rows import normal_column
from ecgrid_cli.domain.rows_file import MAX_LINE_BYTES, RawRow, RowsFile
from ecgrid_cli.errors import UsageError


def write(tmp_path: Path, content: bytes | str, name: str = "rows") -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def read(path: str, **kwargs) -> list[tuple[int, int, dict]]:
    with RowsFile(path, **kwargs) as source:
        return [(r.number, r.line, r.values) for r in source.rows(normal_column)]


def refused(path: str, **kwargs) -> str:
    with pytest.raises(UsageError) as info:
        read(path, **kwargs)
    return info.value.message


# -- the three formats ---------------------------------------------------------------------


def test_csv(tmp_path):
    path = write(tmp_path, "qualifier,id,from\n01,A,1001\n\n ZZ , B ,\n")
    assert read(path) == [
        (1, 2, {"qualifier": "01", "id": "A", "from": "1001"}),
        (2, 4, {"qualifier": "ZZ", "id": "B", "from": ""}),
    ]


def test_csv_header_is_case_insensitive_and_aliased(tmp_path):
    path = write(tmp_path, "ISAQualifier,ISA_ID,EcGridIdFrom\n01,A,7\n")
    assert read(path) == [(1, 2, {"qualifier": "01", "id": "A", "from": "7"})]


def test_csv_with_bom_and_crlf(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfqualifier,id\r\n01,A\r\n")
    assert read(path) == [(1, 2, {"qualifier": "01", "id": "A"})]


def test_csv_row_line_is_where_a_multiline_row_starts(tmp_path):
    path = write(tmp_path, 'qualifier,id,description\n01,A,"two\nlines"\n01,B,x\n')
    rows = read(path)
    assert [(n, line) for n, line, _ in rows] == [(1, 2), (2, 4)]
    assert rows[0][2]["description"] == "two\nlines"


def test_csv_short_rows_leave_columns_out(tmp_path):
    assert read(write(tmp_path, "qualifier,id,from\n01,A\n")) == [
        (1, 2, {"qualifier": "01", "id": "A"})
    ]


def test_json_array(tmp_path):
    path = write(
        tmp_path, ' \n[{"Qualifier": "01", "isaId": "A"},\n {"qualifier": "ZZ", "id": "B"}]\n'
    )
    assert read(path) == [
        (1, 2, {"qualifier": "01", "id": "A"}),
        (2, 3, {"qualifier": "ZZ", "id": "B"}),
    ]


def test_json_lines(tmp_path):
    path = write(tmp_path, '{"qualifier": "01", "id": "A", "from": 7}\n\n{"qualifier": "ZZ"}\n')
    assert read(path) == [
        (1, 1, {"qualifier": "01", "id": "A", "from": 7}),
        (2, 3, {"qualifier": "ZZ"}),
    ]


def test_json_values_keep_their_types(tmp_path):
    rows = read(write(tmp_path, '[{"from": 7, "x": null, "y": 1.5, "z": "s"}]'))
    assert rows[0][2] == {"from": 7, "x": None, "y": 1.5, "z": "s"}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('["a", {"b": 2}]', "field 'id' must be a string, a number or null, not a list"),
        ('{"a": 1}', "field 'id' must be a string, a number or null, not an object"),
        ("true", "field 'id' must be a string, a number or null, not true/false"),
        ("NaN", "field 'id': nan is not a number JSON can carry"),
        ("1e400", "field 'id': inf is not a number JSON can carry"),
    ],
)
def test_json_values_that_are_not_plain_are_refused_with_their_line(tmp_path, value, problem):
    """They used to become Python text (``['a', {'b': 2}]``) and be sent to the server."""
    path = write(tmp_path, '[\n{"qualifier": "ZZ", "id": ' + value + "}\n]")
    with pytest.raises(UsageError) as info:
        read(path)
    assert info.value.message == f"--file {path} line 2: {problem}"


def test_a_json_key_given_twice_is_refused(tmp_path):
    path = write(tmp_path, '{"qualifier": "01", "id": "PARTNERCO", "id": "WIDGET"}\n')
    with pytest.raises(UsageError) as info:
        read(path)
    assert info.value.message == f"--file {path} line 1: an object names the field 'id' twice"


def test_a_file_can_be_read_twice(tmp_path):
    path = write(tmp_path, "qualifier,id\n01,A\n01,B\n")
    with RowsFile(path) as source:
        first = [r.values for r in source.rows()]
        second = [r.values for r in source.rows()]
    assert first == second == [{"qualifier": "01", "id": "A"}, {"qualifier": "01", "id": "B"}]


def test_stdin_is_spooled_read_twice_and_removed(tmp_path):
    stdin = io.StringIO('{"qualifier": "01", "id": "A"}\n')
    source = RowsFile("-", stdin=stdin)
    assert source.name == "stdin"
    spooled = source.path
    assert [r.values for r in source.rows()] == [r.values for r in source.rows()]
    assert os.path.exists(spooled)
    source.close()
    assert not os.path.exists(spooled)
    source.close()  # twice is harmless


def test_stdin_bytes_buffer_is_spooled(tmp_path):
    class Stdin:
        buffer = io.BytesIO(b"qualifier,id\n01,\xc3\x89A\n")

    with RowsFile("-", stdin=Stdin()) as source:
        assert [r.values for r in source.rows()] == [{"qualifier": "01", "id": "ÉA"}]


def test_raw_row_fields():
    row = RawRow(number=1, line=2, values={"a": 1})
    assert (row.number, row.line, row.values) == (1, 2, {"a": 1})


# -- problems with the file ----------------------------------------------------------------


def test_missing_file(tmp_path):
    message = refused(str(tmp_path / "nope.csv"))
    assert message == f"cannot read --file {tmp_path / 'nope.csv'}: No such file or directory"


def test_the_option_name_is_used(tmp_path):
    message = refused(write(tmp_path, ""), option="--desired")
    assert message.startswith("--desired ")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "holds no rows"),
        (b"[]", "holds no rows"),
        (b"[1, 2]", "line 1: JSON input must be an array of objects"),
        (b'[{"a": 1}', "line 1: is not valid JSON: the array is not closed"),
        (b'[{"a": 1}]\n{"b": 2}', "line 2: holds data after the end of the JSON array"),
        (b'{"a": 1}\n{"a": 2,}\n', "line 2: is not valid JSON: "),
        (b'{"a": 1}\n[1]\n', "line 2: JSON input must be an array of objects"),
        (b"qualifier,id\n01,A,extra\n", "line 2: has 3 fields but the header names 2"),
        (b"qualifier,id\n01,\xff\n", "line 2: is not UTF-8 text"),
        (b'[{"a": "\xff"}]', "is not UTF-8 text"),
    ],
)
def test_malformed_files_are_one_usage_error(tmp_path, content, expected):
    assert expected in refused(write(tmp_path, content))


def test_line_over_64_kib_is_refused(tmp_path):
    path = write(tmp_path, "qualifier,id\n01," + "A" * MAX_LINE_BYTES + "\n")
    assert refused(path).endswith("line 2: is longer than 64 KiB")


def test_line_of_exactly_64_kib_is_read(tmp_path):
    cell = "A" * (MAX_LINE_BYTES - len("01,\n"))
    path = write(tmp_path, "qualifier,id\n01," + cell + "\n")
    assert read(path)[0][2]["id"] == cell


def test_whitespace_only_file_is_refused(tmp_path):
    refused(write(tmp_path, "  \n\n"))


@pytest.mark.parametrize("lines", [False, True], ids=["array", "json-lines"])
def test_json_object_far_over_64_kib_is_refused(tmp_path, lines):
    big = json.dumps({"id": "A" * (3 * MAX_LINE_BYTES)})
    message = refused(write(tmp_path, big + "\n" if lines else "[" + big + "]"))
    assert "holds a JSON object larger than 64 KiB" in message


@pytest.mark.parametrize("lines", [False, True], ids=["array", "json-lines"])
def test_json_object_just_over_64_kib_is_refused(tmp_path, lines):
    big = json.dumps({"id": "A" * (MAX_LINE_BYTES + 10)})
    message = refused(write(tmp_path, big + "\n" if lines else "[" + big + "]"))
    assert "larger than 64 KiB" in message


def test_zero_bytes_are_refused_at_once(tmp_path):
    """Like ``--file /dev/zero``: no line ends, so the line cap stops the read."""
    path = write(tmp_path, b"\0" * (4 * MAX_LINE_BYTES))
    assert refused(path).endswith("line 1: is longer than 64 KiB")


def test_whitespace_only_prefix_is_bounded(tmp_path):
    path = write(tmp_path, b" " * (2 * MAX_LINE_BYTES) + b'[{"a": 1}]')
    with pytest.raises(UsageError):
        read(path)


@contextmanager
def endless_zeros_fifo(path: Path) -> Iterator[str]:
    """A named pipe fed zeros until its reader goes away: /dev/zero without /dev."""
    os.mkfifo(path)
    stop = threading.Event()

    def feed() -> None:
        try:
            fd = os.open(path, os.O_WRONLY)  # waits for the reader
        except OSError:
            return
        try:
            chunk = b"\0" * 65536
            while not stop.is_set():
                os.write(fd, chunk)
        except OSError:  # the reader closed its end
            pass
        finally:
            os.close(fd)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield str(path)
    finally:
        stop.set()
        with suppress(OSError):  # release a feeder still waiting in open()
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        thread.join(timeout=5)
        assert not thread.is_alive()


def test_a_pipe_is_read_like_stdin_or_refused_cleanly(tmp_path):
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as out:
            out.write(b"qualifier,id\n01,A\n")

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        try:
            with RowsFile(str(fifo)) as source:
                first = [r.values for r in source.rows()]
                second = [r.values for r in source.rows()]
        except UsageError:
            return  # a clear refusal is acceptable
        assert first == second == [{"qualifier": "01", "id": "A"}]
    finally:
        with suppress(OSError):
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        thread.join(timeout=5)


def test_endless_zero_pipe_is_one_usage_error(tmp_path):
    with endless_zeros_fifo(tmp_path / "zero.fifo") as path:
        assert refused(path).endswith("is longer than 64 KiB")


class _EndlessZeros(io.RawIOBase):
    """stdin from /dev/zero, bounded so a failing test cannot fill the disk."""

    LIMIT = 16 * 1024 * 1024

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.served >= self.LIMIT:
            raise AssertionError("read 16 MiB of zeros from stdin without stopping")
        size = len(buffer)
        buffer[:size] = b"\0" * size
        self.served += size
        return size


def test_endless_stdin_is_refused_without_filling_the_disk():
    class Stdin:
        buffer = _EndlessZeros()

    with pytest.raises(UsageError), RowsFile("-", stdin=Stdin()) as source:
        list(source.rows())
    assert Stdin.buffer.served <= Stdin.buffer.LIMIT


# -- headers and keys ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("qualifier,id,id", "repeats the column 'id' ('id')"),
        ("qualifier,ID,id", "names twice (case or alias) the column 'id' ('ID')"),
        ("qualifier,isa_id,id", "names twice (case or alias) the column 'id' ('isa_id')"),
        ("qualifier,id, id ", "repeats the column 'id' ('id')"),
    ],
)
def test_repeated_or_twin_csv_columns_are_refused(tmp_path, header, why):
    message = refused(write(tmp_path, f"{header}\n01,A,B\n"))
    assert message.endswith(f"line 1: the CSV header {why}")


def test_empty_csv_column_name_is_refused(tmp_path):
    assert refused(write(tmp_path, "qualifier,,id\n01,x,A\n")).endswith(
        "line 1: the CSV header has an empty column name"
    )


@pytest.mark.parametrize("item", ['{"ID": 1, "id": 2}', '{"isaId": "A", "id": "A"}'])
def test_json_twin_keys_are_refused(tmp_path, item):
    message = refused(write(tmp_path, f"[{item}]"))
    assert message.endswith("line 1: an object names one field twice (case or alias)")


@pytest.mark.parametrize("lines", [False, True], ids=["array", "json-lines"])
def test_deeply_nested_json_is_a_usage_error_not_a_recursion_error(tmp_path, lines):
    deep = "[" * 5000 + "]" * 5000
    item = '{"a": ' + deep + "}"
    content = item + "\n" if lines else "[" + item + "]"
    assert refused(write(tmp_path, content)).endswith("holds a JSON value nested too deeply")


# -- bounded memory ------------------------------------------------------------------------


def _csv(path: Path, count: int) -> None:
    with path.open("w") as out:
        out.write("qualifier,id,from\n")
        out.writelines(f"ZZ,P{n:09d},1001\n" for n in range(count))


def _json_lines(path: Path, count: int) -> None:
    with path.open("w") as out:
        out.writelines(f'{{"qualifier": "ZZ", "id": "P{n:09d}"}}\n' for n in range(count))


def _json_array(path: Path, count: int) -> None:
    with path.open("w") as out:
        out.write("[")
        out.write(",".join(f'{{"qualifier": "ZZ", "id": "P{n:09d}"}}' for n in range(count)))
        out.write("]")  # one single line: the cap is per object, not per line


def _peak_while_reading(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        with RowsFile(str(path)) as source:
            count = sum(1 for _ in source.rows(normal_column))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("generate", [_csv, _json_lines, _json_array])
def test_memory_does_not_grow_with_rows(tmp_path, generate):
    """A million-row file costs what a small one does: the peak while reading 20x the
    rows stays flat (measured at 2,000 and 40,000 rows to keep the test fast)."""
    small, large = tmp_path / "small", tmp_path / "large"
    generate(small, 2_000)
    generate(large, 40_000)
    small_count, small_peak = _peak_while_reading(small)
    large_count, large_peak = _peak_while_reading(large)
    assert (small_count, large_count) == (2_000, 40_000)
    assert large_peak < small_peak * 1.5 + 64 * 1024
    assert large_peak < 2 * 1024 * 1024


def test_rows_are_yielded_before_the_file_is_read_to_the_end(tmp_path):
    path = tmp_path / "rows"
    _csv(path, 50_000)
    with RowsFile(str(path)) as source:
        rows = source.rows(normal_column)
        first = next(rows)
        assert first.values["id"] == "P000000000"
        rows.close()
