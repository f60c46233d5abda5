"""render: one JSON document (string-only redaction), --jq, TSV with --header, terminal
tables fitted to 80 columns, streams written as items arrive, and notes on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from ecgrid_cli.errors import EcgridError, UsageError
from ecgrid_cli.iostreams import IOStreams
from ecgrid_cli.output.errors import show_error
from ecgrid_cli.output.jq_filter import compile_jq
from ecgrid_cli.output.layouts import ID_TABLE, INTERCONNECT_TABLE
from ecgrid_cli.output.render import cell, render
from ecgrid_cli.output.terminal import fit_columns
from ecgrid_cli.output.views import (
    Column,
    Document,
    Field,
    Finish,
    OutputOptions,
    Record,
    Result,
    Stream,
    Table,
    Value,
)

SECRET = "sk-live-SECRET-0123"
JSON = OutputOptions(json=True)
HUMAN = OutputOptions()


def streams(*, tty: bool = False, width: int = 80, secret: str | None = SECRET) -> IOStreams:
    io = IOStreams.test(tty=tty, width=width)
    io.redactor.add(secret)
    return io


def out(io: IOStreams) -> str:
    return io.stdout.getvalue()


def err(io: IOStreams) -> str:
    return io.stderr.getvalue()


SMALL_TABLE = Table((Column("a", "A"), Column("b", "B")), empty_note="nothing here")


# -- JSON ----------------------------------------------------------------------------------


def test_json_is_one_indented_document():
    io = streams()
    render(Result(data={"b": [1, 2], "a": "é"}), io, JSON)
    assert out(io) == '{\n  "b": [\n    1,\n    2\n  ],\n  "a": "é"\n}\n'
    assert err(io) == ""


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.just(SECRET),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


@given(document=st.dictionaries(st.text(max_size=4), JSON_VALUES) | st.lists(JSON_VALUES))
@settings(max_examples=150, deadline=None)
def test_a_document_is_written_in_parts_exactly_as_one_dump(document):
    """Large documents are written member by member and item by item (never copied whole),
    and the bytes are those of one redacted ``json.dumps(..., indent=2)``."""
    io = streams()
    render(Result(data=document), io, JSON)
    expected = json.dumps(io.redactor.json(document), indent=2, ensure_ascii=False) + "\n"
    assert out(io) == expected
    assert SECRET not in out(io)


def test_no_write_of_a_document_holds_two_items_of_its_lists():
    io = streams()
    writes: list[str] = []
    write = io.out
    io.out = lambda text, **kwargs: (writes.append(text), write(text, **kwargs))[1]
    items = [{"n": n, "text": f"item-{n}"} for n in range(3)]
    render(Result(data={"format": "x", "items": items, "summary": {"n": 3}}), io, JSON)
    assert json.loads(out(io))["items"] == items
    assert all(sum(f"item-{n}" in text for n in range(3)) <= 1 for text in writes), writes


def test_json_redacts_string_values_only():
    io = streams(secret="1234567890123")
    document = {
        "1234567890123": 1234567890123,
        "text": "token 1234567890123 echoed",
        "list": [1234567890123, "1234567890123"],
    }
    render(Result(data=document), io, JSON)
    assert json.loads(out(io)) == {
        "1234567890123": 1234567890123,
        "text": "token [REDACTED] echoed",
        "list": [1234567890123, "[REDACTED]"],
    }


def test_a_secret_that_spells_a_key_cannot_corrupt_the_document():
    io = streams(secret="interconnectId")
    render(Result(data={"interconnectId": 5, "note": "interconnectId"}), io, JSON)
    assert json.loads(out(io)) == {"interconnectId": 5, "note": "[REDACTED]"}


@pytest.mark.parametrize("short", ["1", "12", "abc", "true", "null", "Active"])
def test_a_short_secret_is_never_used_to_rewrite_output(short):
    io = streams(secret=short)
    document = {"n": 12, "s": "Active", "b": True, "z": None, "t": "abc 1"}
    render(Result(data=document), io, JSON)
    assert json.loads(out(io)) == document


def test_json_notes_are_silent():
    io = streams()
    finish = Finish(notes=["done note"], exit_code=8)
    result = Result(data={"a": 1}, notes=["a note"], finish=lambda: finish)
    assert render(result, io, JSON) is finish
    assert err(io) == ""


def test_human_notes_go_to_stderr_redacted():
    io = streams()
    result = Result(
        data=[{"a": 1, "b": 2}],
        view=SMALL_TABLE,
        notes=[f"using {SECRET}"],
        finish=lambda: Finish(notes=["after"]),
    )
    render(result, io, HUMAN)
    assert err(io) == "using [REDACTED]\nafter\n"
    assert out(io) == "1\t2\n"


def test_exit_code_without_a_finish_function():
    assert render(Result(data={"a": 1}, exit_code=8), streams(), JSON).exit_code == 8


def test_a_result_without_data_or_view_writes_nothing():
    io = streams()
    render(Result(data=None, notes=["saved"]), io, HUMAN)
    assert (out(io), err(io)) == ("", "saved\n")


def test_a_document_view_is_json_for_people_too():
    io = streams()
    render(Result(data={"a": [1]}, view=Document(), notes=["n"]), io, HUMAN)
    assert json.loads(out(io)) == {"a": [1]}
    assert err(io) == "n\n"


def test_terminal_only_results_are_silent_when_piped_or_json():
    for io, options in ((streams(), HUMAN), (streams(tty=True), JSON)):
        render(Result(data=[{"a": 1}], view=SMALL_TABLE, terminal_only=True), io, options)
        assert out(io) == ""


# -- --jq ----------------------------------------------------------------------------------


def test_jq_strings_are_printed_raw_and_others_as_json():
    io = streams()
    document = {"items": [{"id": "A B", "n": 1}, {"id": "C", "n": 2}], "o": {"k": [1]}}
    render(Result(data=document), io, OutputOptions(jq=".items[].id, .items[0].n, .o"))
    assert out(io) == 'A B\nC\n1\n{\n  "k": [\n    1\n  ]\n}\n'


def test_jq_sees_the_redacted_document():
    io = streams()
    render(Result(data={"msg": SECRET}), io, OutputOptions(jq=".msg"))
    assert out(io) == "[REDACTED]\n"


def test_jq_that_fails_on_the_output_is_an_error():
    with pytest.raises(EcgridError) as info:
        render(Result(data={"a": 1}), streams(), OutputOptions(jq=".a.b"))
    assert info.value.code == "JqError"


def test_bad_jq_is_a_usage_error():
    with pytest.raises(UsageError) as info:
        compile_jq(".[")
    assert info.value.message.startswith("invalid --jq expression '.[': ")


def test_jq_implies_json():
    assert OutputOptions(jq=".").wants_json is True
    assert OutputOptions().wants_json is False


# -- piped: TSV ----------------------------------------------------------------------------


def test_tsv_rows_and_header():
    io = streams()
    rows = [{"a": 1, "b": "x"}, {"a": None, "b": True}, {"a": False}]
    render(Result(data=rows, view=SMALL_TABLE), io, OutputOptions(header=True))
    assert out(io) == "A\tB\n1\tx\n\ttrue\nfalse\t\n"


def test_tsv_cells_cannot_break_lines_or_columns():
    io = streams()
    rows = [{"a": "tab\there", "b": "new\nline\rcr\x1b[31mred\x00"}]
    render(Result(data=rows, view=SMALL_TABLE), io, HUMAN)
    # Tabs and newlines become spaces; other control characters (CR, ESC, NUL) go.
    assert out(io) == "tab here\tnew linecr[31mred\n"


def test_tsv_cells_are_redacted_but_numbers_are_not():
    io = streams(secret="12345678901")
    render(Result(data=[{"a": 12345678901, "b": "12345678901"}], view=SMALL_TABLE), io, HUMAN)
    assert out(io) == "12345678901\t[REDACTED]\n"


def test_display_rows_replace_data_for_people():
    io = streams()
    result = Result(data={"raw": True}, view=SMALL_TABLE, display=[{"a": "shown", "b": 1}])
    render(result, io, HUMAN)
    assert out(io) == "shown\t1\n"


def test_empty_table_says_so_on_stderr():
    io = streams()
    render(Result(data=[], view=SMALL_TABLE), io, HUMAN)
    assert (out(io), err(io)) == ("", "nothing here\n")


def test_terminal_only_columns_are_left_out_when_piped():
    table = Table((Column("sign", " ", terminal_only=True), Column("a", "A")))
    io = streams()
    render(Result(data=[{"sign": "+", "a": 1}], view=table), io, OutputOptions(header=True))
    assert out(io) == "A\n1\n"


def test_record_as_tsv():
    view = Record((Field("ECGrid ID", "ecGridId"), Field("Status", "status")), "ID")
    io = streams()
    render(Result(data={"ecGridId": 5, "status": None}, view=view), io, OutputOptions(header=True))
    assert out(io) == "FIELD\tVALUE\nECGrid ID\t5\nStatus\t\n"


def test_value_is_printed_plainly():
    io = streams()
    render(Result(data={"count": 14}, view=Value("count")), io, HUMAN)
    assert out(io) == "14\n"


@pytest.mark.parametrize(
    ("value", "text"), [(None, ""), (True, "true"), (False, "false"), (3, "3"), ("a\x07b", "ab")]
)
def test_cell(value, text):
    assert cell(value) == text


# -- a terminal: tables fitted to the width ------------------------------------------------


LONG_ID = {
    "ecGridId": 123456789,
    "mailboxId": 300123,
    "networkId": 20123,
    "qualifier": "ZZ",
    "id": "VERYLONGISAID15",
    "description": "An extremely long company description that will never fit in 80 columns",
    "status": "Active",
}
LONG_INTERCONNECT = {
    "interconnectId": 123456789,
    "ecGridIdFrom": 111111111,
    "ecGridIdTo": 222222222,
    "status": "AuthorizationRequired",
    "created": "2024-01-02T03:04:05.123456Z",
    "modified": "2024-01-02T03:04:06.123456Z",
}


def lines_of(io: IOStreams) -> list[str]:
    return out(io).rstrip("\n").split("\n")


def test_wide_id_table_fits_80_columns_with_an_ellipsis():
    io = streams(tty=True)
    render(Result(data=[LONG_ID], view=ID_TABLE), io, HUMAN)
    lines = lines_of(io)
    assert all(cell_len(line) <= 80 for line in lines)
    header = lines[0].split()
    assert header[:4] == ["ECGRID", "ID", "QUAL", "ISA"]
    assert "MAILBOX" not in header and "NETWORK" not in header  # dropped first
    row = lines[-1]
    for whole in ("123456789", "VERYLONGISAID15", "Active"):
        assert whole in row  # IDs and states are never cut
    assert "An extremely long" in row
    assert "…" in row


def test_timestamps_are_dropped_before_anything_else():
    io = streams(tty=True)
    render(Result(data=[LONG_INTERCONNECT], view=INTERCONNECT_TABLE), io, HUMAN)
    lines = lines_of(io)
    assert all(cell_len(line) <= 80 for line in lines)
    assert lines[0].split() == ["INTERCONNECT", "FROM", "TO", "STATUS"]
    assert lines[-1].split() == ["123456789", "111111111", "222222222", "AuthorizationRequired"]


def test_a_wide_terminal_shows_every_column():
    io = streams(tty=True, width=200)
    render(Result(data=[LONG_INTERCONNECT], view=INTERCONNECT_TABLE), io, HUMAN)
    assert lines_of(io)[0].split() == [
        "INTERCONNECT",
        "FROM",
        "TO",
        "STATUS",
        "CREATED",
        "MODIFIED",
    ]
    assert "2024-01-02T03:04:06.123456Z" in lines_of(io)[-1]


def test_fit_drops_by_rank_then_shrinks():
    columns = (
        Column("id", "ID"),
        Column("text", "TEXT", shrinkable=True),
        Column("when", "WHEN", drop_rank=2),
        Column("box", "BOX", drop_rank=1),
    )
    cells = [["1" * 10, "t" * 40, "w" * 20, "b" * 10]]
    # Natural: 10 + 40 + 20 + 10 + 3 gaps of 3 = 89.
    assert fit_columns(columns, cells, 89) == ([0, 1, 2, 3], {})
    assert fit_columns(columns, cells, 80) == ([0, 1, 3], {})  # WHEN (rank 2) first
    assert fit_columns(columns, cells, 60) == ([0, 1], {})
    assert fit_columns(columns, cells, 40) == ([0, 1], {1: 27})
    # Never below the header or 8 characters; when even that does not fit, the free
    # text goes entirely: IDs are never cut to fit.
    assert fit_columns(columns, cells, 21) == ([0, 1], {1: 8})
    assert fit_columns(columns, cells, 10) == ([0], {})


def test_table_cells_are_redacted_and_escaped_on_a_terminal():
    io = streams(tty=True)
    render(Result(data=[{"a": f"[bold]{SECRET}", "b": 1}], view=SMALL_TABLE), io, HUMAN)
    text = out(io)
    assert SECRET not in text
    assert "[bold][REDACTED]" in text


def test_record_panel_on_a_terminal():
    view = Record((Field("ECGrid ID", "ecGridId"), Field("Note", "note")), "Partner")
    io = streams(tty=True)
    render(Result(data={"ecGridId": 5, "note": SECRET}, view=view), io, HUMAN)
    text = out(io)
    assert "Partner" in text
    assert "ECGrid ID" in text and "5" in text
    assert SECRET not in text and "[REDACTED]" in text


def test_terminal_filter_shows_chosen_rows_on_a_terminal_only():
    rows = [{"a": "ok", "b": 1}, {"a": "failed", "b": 2}]
    failed_only = lambda row: row["a"] == "failed"  # noqa: E731
    io = streams(tty=True)
    render(Result(data=rows, view=SMALL_TABLE, terminal_filter=failed_only), io, HUMAN)
    assert "failed" in out(io) and "ok" not in out(io)
    io = streams(tty=True)
    shown_all = OutputOptions(show="all")
    render(Result(data=rows, view=SMALL_TABLE, terminal_filter=failed_only), io, shown_all)
    assert "ok" in out(io)
    io = streams()
    render(Result(data=rows, view=SMALL_TABLE, terminal_filter=failed_only), io, HUMAN)
    assert out(io) == "ok\t1\nfailed\t2\n"


# -- streams -------------------------------------------------------------------------------


class Watched:
    """Items that check what was written before each one is handed over."""

    def __init__(self, io: IOStreams, items: list[dict[str, Any]]) -> None:
        self.io = io
        self.items = items
        self.seen_before: list[str] = []

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for item in self.items:
            self.seen_before.append(out(self.io))
            yield item
        self.seen_before.append(out(self.io))


def test_json_array_stream_is_written_as_items_arrive():
    io = streams()
    watched = Watched(io, [{"n": 1}, {"n": 2, "s": SECRET}])
    render(Result(data=Stream(iter(watched))), io, JSON)
    assert watched.seen_before[0] == ""  # nothing before the first item
    assert watched.seen_before[1] == '[\n  {"n": 1}'
    assert '{"n": 1}' in watched.seen_before[1]
    assert json.loads(out(io)) == [{"n": 1}, {"n": 2, "s": "[REDACTED]"}]
    assert out(io) == '[\n  {"n": 1},\n  {"n": 2, "s": "[REDACTED]"}\n]\n'


def test_empty_json_array_stream():
    io = streams()
    render(Result(data=Stream(iter([]))), io, JSON)
    assert out(io) == "[]\n"


def test_json_object_stream_with_a_footer():
    io = streams()
    watched = Watched(io, [{"row": 1}, {"row": 2}])
    footer = lambda: {"summary": {"total": 2, "note": SECRET}}  # noqa: E731
    render(Result(data=Stream(iter(watched), key="rows", footer=footer)), io, JSON)
    assert watched.seen_before[0] == ""
    assert watched.seen_before[1].startswith('{\n  "rows": [\n    {"row": 1}')
    assert json.loads(out(io)) == {
        "rows": [{"row": 1}, {"row": 2}],
        "summary": {"total": 2, "note": "[REDACTED]"},
    }


def test_empty_json_object_stream_is_valid_json():
    io = streams()
    render(Result(data=Stream(iter([]), key="rows", footer=lambda: {"n": 0})), io, JSON)
    assert json.loads(out(io)) == {"rows": [], "n": 0}


def test_stream_with_jq_filters_the_whole_document():
    io = streams()
    stream = Stream(iter([{"n": 1}, {"n": 2}]), key="rows", footer=lambda: {"total": 2})
    render(Result(data=stream), io, OutputOptions(jq="([.rows[].n] | add), .total"))
    assert out(io) == "3\n2\n"


def test_tsv_stream_is_written_row_by_row():
    io = streams()
    watched = Watched(io, [{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    to_row = lambda item: {"a": item["a"] * 10, "b": item["b"]}  # noqa: E731
    render(Result(data=Stream(iter(watched)), view=SMALL_TABLE, display=to_row), io, HUMAN)
    assert watched.seen_before == ["", "10\t2\n", "10\t2\n30\t4\n"]


def test_stream_finish_runs_after_the_last_item():
    io = streams()
    order: list[str] = []

    def items():
        yield {"a": 1}
        order.append("last item taken")

    def finish() -> Finish:
        order.append("finish")
        return Finish(notes=["2 rows"], exit_code=6)

    result = Result(data=Stream(items()), view=SMALL_TABLE, finish=finish)
    assert render(result, io, HUMAN).exit_code == 6
    assert order == ["last item taken", "finish"]
    assert err(io) == "2 rows\n"


# -- errors --------------------------------------------------------------------------------


def test_error_as_json_on_stderr_redacted():
    io = streams()
    show_error(io, "InvalidAPIKey", f"bad {SECRET}", 401, json_mode=True, details={"k": SECRET})
    assert out(io) == ""
    assert json.loads(err(io)) == {
        "error": {
            "code": "InvalidAPIKey",
            "message": "bad [REDACTED]",
            "httpStatus": 401,
            "details": {"k": "[REDACTED]"},
        }
    }


def test_error_for_people_is_one_line():
    io = streams()
    show_error(io, "X", f"bad {SECRET}", None, json_mode=False)
    assert err(io) == "error: bad [REDACTED]\n"
