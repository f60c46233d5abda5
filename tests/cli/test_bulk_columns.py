"""Bulk rows files: columns checked before any request (setup --file and plan -f), and
the use_type column refused before any request when the API cannot set a use type."""

from __future__ import annotations

import json

import pytest

ACCEPTED = (
    "accepted columns: qualifier, id, partner_ecgrid_id, from, status, mailbox, "
    "description, use_type"
)
NAMING = "needed to name a partner (qualifier and id, or partner_ecgrid_id)"
PINNED = ("--from", "111111", "--concurrency", "1")


def setup_file(cli, path, *extra):
    return cli("interconnect", "setup", "--file", path, *PINNED, *extra)


BAD_HEADERS = [
    (
        "qualifier,id,stauts\n01,PARTNERCO,Suspended\n",
        "line 1: unknown column(s) 'stauts' (did you mean 'status'?); " + ACCEPTED,
    ),
    (
        "qual,ident\n01,PARTNERCO\n",
        "line 1: unknown column(s) 'ident' (did you mean 'id'?); the CSV header lacks the "
        f"column(s) 'id' {NAMING}; {ACCEPTED}",
    ),
    (
        "qualifier,from\n01,111111\n",
        f"line 1: the CSV header lacks the column(s) 'id' {NAMING}; {ACCEPTED}",
    ),
    (
        "from,status\n111111,Active\n",
        f"line 1: the CSV header lacks the columns {NAMING}; {ACCEPTED}",
    ),
    (
        "qualifier;id\n01;PARTNERCO\n",
        f"line 1: the CSV header lacks the columns {NAMING}: its line 'qualifier;id' holds "
        "';' but no comma, and the file must be comma-separated",
    ),
    (
        "qualifier\tid\n01\tPARTNERCO\n",
        f"line 1: the CSV header lacks the columns {NAMING}: its line 'qualifier\\tid' holds "
        "a tab but no comma, and the file must be comma-separated",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_HEADERS)
def test_setup_file_refuses_a_bad_header_before_sending(cli, backend, rows_file, content, message):
    path = rows_file(content)
    result = setup_file(cli, path)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: --file {path} {message}\n"
    assert backend.calls == []


@pytest.mark.parametrize(("content", "message"), BAD_HEADERS)
def test_plan_refuses_a_bad_header_before_sending(cli, backend, rows_file, content, message):
    path = rows_file(content)
    result = cli("plan", "-f", path, "--json")
    assert (result.code, result.out) == (2, "")
    error = result.err_json()["error"]
    assert (error["code"], error["message"]) == ("UsageError", f"-f {path} {message}")
    assert backend.calls == []


def test_unknown_keys_of_a_json_object_are_refused_with_its_line(cli, backend, rows_file):
    rows = [{"qualifier": "01", "id": "PARTNERCO"}, {"qualifier": "12", "id": "X", "stauts": "A"}]
    path = rows_file("".join(json.dumps(row) + "\n" for row in rows), "rows.jsonl")
    result = setup_file(cli, path)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: --file {path} line 2: unknown key(s) 'stauts' (did you mean 'status'?); "
        "accepted keys: qualifier, id, partner_ecgrid_id, from, status, mailbox, "
        "description, use_type\n"
    )
    assert backend.calls == []


def test_unknown_keys_of_a_json_array_are_refused_by_plan(cli, backend, rows_file):
    path = rows_file(json.dumps([{"partner_ecgrid_id": 334455, "note": "x"}]), "rows.json")
    result = cli("plan", "-f", path)
    assert result.code == 2
    assert result.err == (
        f"error: -f {path} line 1: unknown key(s) 'note'; accepted keys: qualifier, id, "
        "partner_ecgrid_id, from, status, mailbox, description, use_type\n"
    )
    assert backend.calls == []


def test_every_accepted_spelling_still_works(cli, backend, rows_file):
    path = rows_file(
        "ISAQualifier,ISA_ID,EcGridIdFrom,Mailbox_ID,Use-Type,Description,Status\n"
        "01,PARTNERCO,111111,,,,Active\n"
    )
    result = setup_file(cli, path, "--json")
    assert result.code == 0, result.err
    assert result.json()["summary"]["created"] == 1


def test_plan_json_rows_with_aliased_keys(cli, backend, rows_file):
    rows = [{"isaQualifier": "01", "isaId": "PARTNERCO", "from": 111111, "status": "Active"}]
    path = rows_file(json.dumps(rows), "rows.json")
    result = cli("plan", "-f", path, "--json")
    assert result.code == 0, result.err
    items = result.json()["items"]
    assert [(i["partner"]["ecGridId"], i["expectedStatus"]) for i in items] == [(334455, "Active")]


# -- use_type over an API that cannot set one -----------------------------------------------

ONBOARD_ROWS = "qualifier,id,mailbox,use_type\nZZ,NEWA,3001,\nZZ,NEWB,3001,\nZZ,NEWC,3001,Test\n"


def test_soap_refuses_a_use_type_row_before_sending_any(cli, soap, rows_file):
    path = rows_file(ONBOARD_ROWS)
    result = setup_file(cli, path)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: 1 invalid row(s) in --file {path}, nothing was sent: line 4 (row 3): "
        "use_type 'Test': the API in use cannot give an ID a use type (SOAP has none); "
        "leave the column empty\n"
    )
    assert soap.calls == []


def test_soap_accepts_empty_use_type_cells(cli, soap, rows_file):
    path = rows_file(ONBOARD_ROWS.replace("Test", ""))
    result = setup_file(cli, path, "--json")
    assert result.code == 0, result.err
    assert result.json()["summary"]["partnersCreated"] == 3


def test_rest_sends_the_use_type(cli, backend, rows_file):
    result = setup_file(cli, rows_file(ONBOARD_ROWS), "--json")
    assert result.code == 0, result.err
    made = [call.args[0] for call in backend.writes("create_id")]
    assert sorted((new.isa_id, new.use_type) for new in made) == [
        ("NEWA", None),
        ("NEWB", None),
        ("NEWC", "Test"),
    ]
