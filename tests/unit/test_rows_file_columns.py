"""The columns a rows file may hold: the CSV header and JSON object keys checked against
bulk rows' accepted columns before any row is read, and use_type refused row by row when
the API cannot set one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecgrid_cli.domain.bulk_rows import COLUMN_ALIASES, COLUMNS, RowDefaults, request_for
from ecgrid_cli.domain.rows_file import Columns, RawRow, RowsFile
from ecgrid_cli.errors import UsageError


def write(tmp_path: Path, text: str, name: str = "rows.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def read(path: str, columns: Columns | None = COLUMNS) -> list[dict]:
    with RowsFile(path) as source:
        return [raw.values for raw in source.rows(columns=columns)]


def refused(path: str) -> str:
    with pytest.raises(UsageError) as info:
        read(path)
    return info.value.message


def test_the_header_is_refused_before_any_row_is_read(tmp_path):
    path = write(tmp_path, "qualifier,id,stauts\n01,A,Suspended\n")
    with RowsFile(path) as source:
        rows = source.rows(columns=COLUMNS)
        with pytest.raises(UsageError) as info:
            next(rows)
    assert info.value.message.startswith(f"--file {path} line 1: unknown column(s) 'stauts'")


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("stauts", " (did you mean 'status'?)"),
        ("Qualifer", " (did you mean 'qualifier'?)"),
        ("usetyp", " (did you mean 'use_type'?)"),
        ("partner_id", " (did you mean 'partner_ecgrid_id'?)"),
        ("isa_qual", " (did you mean 'qualifier'?)"),  # close to an alias: its column named
        ("company", ""),
    ],
)
def test_an_unknown_column_is_named_with_the_closest_accepted_one(tmp_path, name, suggestion):
    message = refused(write(tmp_path, f"qualifier,id,{name}\n01,A,x\n"))
    assert message == (
        f"--file {tmp_path / 'rows.csv'} line 1: unknown column(s) {name!r}{suggestion}; "
        "accepted columns: qualifier, id, partner_ecgrid_id, from, status, mailbox, "
        "description, use_type"
    )


def test_every_unknown_column_is_named_once(tmp_path):
    message = refused(write(tmp_path, "qualifier,id,notes,owner\n01,A,x,y\n"))
    assert "unknown column(s) 'notes', 'owner';" in message


@pytest.mark.parametrize(
    "header",
    [
        "qualifier,id",
        "partner_ecgrid_id",
        "ecgrid_id,from",
        "Qualifier,ID,From,Status,Mailbox,Description,Use_Type,Partner_ECGrid_ID",
        " qualifier , id , status ",
    ],
)
def test_accepted_headers(tmp_path, header):
    assert len(read(write(tmp_path, f"{header}\n{','.join('x' for _ in header.split(','))}\n")))


@pytest.mark.parametrize("alias", sorted(COLUMN_ALIASES))
def test_every_alias_is_still_accepted(tmp_path, alias):
    column = COLUMN_ALIASES[alias]
    others = {"qualifier": ["id"], "id": ["qualifier"]}.get(column, ["qualifier", "id"])
    header = [alias, *others]
    rows = read(write(tmp_path, f"{','.join(header)}\n{','.join('x' for _ in header)}\n"))
    assert rows == [{column: "x", **{other: "x" for other in others}}]


@pytest.mark.parametrize(
    ("header", "lacks"),
    [
        ("qualifier,from", "the column(s) 'id'"),
        ("id,status", "the column(s) 'qualifier'"),
        ("from,status", "the columns"),
    ],
)
def test_a_header_that_cannot_name_a_partner_is_one_error(tmp_path, header, lacks):
    path = write(tmp_path, f"{header}\n01,A\n01,B\n")
    assert refused(path) == (
        f"--file {path} line 1: the CSV header lacks {lacks} needed to name a partner "
        "(qualifier and id, or partner_ecgrid_id); accepted columns: qualifier, id, "
        "partner_ecgrid_id, from, status, mailbox, description, use_type"
    )


@pytest.mark.parametrize(("separator", "named"), [(";", "';'"), ("\t", "a tab")])
def test_a_header_not_separated_by_commas_says_so(tmp_path, separator, named):
    path = write(tmp_path, f"qualifier{separator}id\n01{separator}A\n")
    assert refused(path) == (
        f"--file {path} line 1: the CSV header lacks the columns needed to name a partner "
        f"(qualifier and id, or partner_ecgrid_id): its line {f'qualifier{separator}id'!r} "
        f"holds {named} but no comma, and the file must be comma-separated"
    )


def test_json_keys_are_checked_object_by_object(tmp_path):
    rows = [{"qualifier": "01", "id": "A"}, {"partner_ecgrid_id": 5}, {"id": "B", "Stat": 1}]
    path = write(tmp_path, "[\n" + ",\n".join(map(json.dumps, rows)) + "\n]\n", "rows.json")
    assert refused(path) == (
        f"--file {path} line 4: unknown key(s) 'Stat' (did you mean 'status'?); accepted "
        "keys: qualifier, id, partner_ecgrid_id, from, status, mailbox, description, use_type"
    )


def test_json_lines_with_aliased_keys_pass(tmp_path):
    path = write(tmp_path, '{"isaQualifier": "01", "isaId": "A", "ecGridIdFrom": 7}\n', "r.jsonl")
    assert read(path) == [{"qualifier": "01", "id": "A", "from": 7}]


def test_without_columns_the_reader_stays_permissive(tmp_path):
    path = write(tmp_path, "interconnect_id,anything\n1,2\n")
    assert read(path, columns=None) == [{"interconnect_id": "1", "anything": "2"}]


# -- use_type and the API's capability ---------------------------------------------------------


def defaults(**overrides) -> RowDefaults:
    return RowDefaults(from_id=1001, status=None, status_for=lambda word: word, **overrides)


def onboarding_row(use_type: str) -> RawRow:
    values = {"qualifier": "ZZ", "id": "NEW", "mailbox": "3001", "use_type": use_type}
    return RawRow(1, 2, values)


def test_use_type_is_refused_when_the_api_cannot_set_one():
    with pytest.raises(UsageError) as info:
        request_for(onboarding_row("Test"), defaults(id_use_type=False))
    assert info.value.message == (
        "use_type 'Test': the API in use cannot give an ID a use type (SOAP has none); "
        "leave the column empty"
    )


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_use_type_is_fine_without_the_capability(value):
    request = request_for(onboarding_row(value), defaults(id_use_type=False))
    assert request.onboard.use_type is None


def test_use_type_is_kept_when_the_api_can_set_one():
    assert request_for(onboarding_row("test"), defaults()).onboard.use_type == "Test"
