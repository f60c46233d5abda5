"""Edges of the command line that the end-to-end suite used to prove with a process each:
usage errors caught before anything is sent, no-ops, short flags, flags that other flags
override. Nothing here depends on the wire, so it runs in-process against the fake."""

from __future__ import annotations

import json

import pytest
from cli_support import assert_tsv

# -- ids ---------------------------------------------------------------------------------


def test_create_refuses_a_mailbox_that_is_not_a_number(cli, backend):
    result = cli("ids", "create", "-q", "ZZ", "-i", "OTHERCO", "-m", "abc")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: invalid --mailbox 'abc': expected a positive integer\n"
    assert backend.calls == []


def test_tp_move_with_json_and_no_terminal_refuses_with_a_json_error(cli, backend):
    result = cli("ids", "tp-move", "123456", "--mailbox", "1002", "--json")
    assert (result.code, result.out) == (2, "")
    error = json.loads(result.err.strip().splitlines()[-1])["error"]
    assert error["code"] == "UsageError"
    assert "--yes" in error["message"]
    assert backend.writes() == []


def test_tp_move_short_flags(cli, backend):
    result = cli("ids", "tp-move", "123456", "-m", "1002", "-y")
    assert result.code == 0, result.err
    assert "1002" in result.err  # the note says where it went
    assert dict(line.split("\t") for line in result.out_lines)["Mailbox"] == "1002"
    assert backend.ids[123456]["mailboxId"] == 1002


# -- partners --------------------------------------------------------------------------------


@pytest.fixture
def hub(backend):
    backend.add_interconnect(88001, 123456, 111111)
    backend.add_interconnect(88002, 123456, 334455, status="Terminated")
    return backend


def test_count_refuses_an_unknown_status_before_sending(cli, hub):
    result = cli("partners", "count", "123456", "--status", "Nope")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("error: invalid --status 'Nope': choose one of "), result.err
    assert hub.calls == []


def test_list_refuses_too_big_a_page_with_the_field_in_json(cli, hub):
    result = cli("partners", "list", "123456", "--all", "--per-page", "600", "--json")
    assert (result.code, result.out) == (2, "")
    error = result.err_json()["error"]
    assert (error["code"], error["httpStatus"]) == ("UsageError", None)
    assert error["details"] == {"field": "--per-page", "value": "600"}
    assert hub.calls == []


def test_list_asks_for_the_first_page_of_25_by_default(cli, hub):
    result = cli("partners", "list", "123456", "--json")
    assert result.code == 0, result.err
    assert hub.called("list_interconnects")[0].kwargs == {"status": None, "page": 1, "per_page": 25}


def test_delete_yes_json_of_an_ended_interconnect_is_a_no_op(cli, hub):
    result = cli("partners", "delete", "88002", "--yes", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json()["status"] == "Terminated"
    assert hub.writes() == []


def test_note_list_piped_with_a_header_keeps_a_two_line_note_on_one_row(cli, hub):
    hub.add_note_record(88001, "tested by ops\nsecond line")
    result = cli("partners", "note", "list", "88001", "--header")
    assert result.code == 0, result.err
    rows = assert_tsv(result.out, 3)
    assert rows[0] == ["WHEN", "BY", "NOTE"]
    assert [row[2] for row in rows[1:]] == ["tested by ops second line"]


# -- output modes ------------------------------------------------------------------------------


def test_jq_ignores_header(cli, backend):
    result = cli("ids", "get", "334455", "--jq", ".id", "--header")
    assert (result.code, result.out) == (0, "PARTNERCO\n")


def test_json_on_a_terminal_is_the_same_document(cli, backend):
    on_terminal = cli("ids", "get", "334455", "--json", tty=True)
    piped = cli("ids", "get", "334455", "--json")
    assert on_terminal.code == 0, on_terminal.err
    assert json.loads(on_terminal.out) == piped.json()
    assert piped.json()["ecGridId"] == 334455


# -- auth --------------------------------------------------------------------------------------


def test_login_refuses_an_empty_password_from_stdin(cli, backend, tmp_path):
    result = cli("auth", "login", "--login", "ops", "--password-stdin", stdin="\n")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: the login name and the password must not be empty\n"
    assert backend.calls == []
    assert not (tmp_path / "xdg-state" / "ecgrid" / "credentials.json").exists()


# -- bounded input ------------------------------------------------------------------------

LONG_LINE = "k" * (64 * 1024 + 10) + "\n"


def test_a_key_on_stdin_is_read_bounded(cli, config_path):
    """`config set api-key - < /dev/zero` is refused at once, not read until memory ends."""
    result = cli("config", "set", "api-key", "-", stdin=LONG_LINE)
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: a line on stdin is longer than 64 KiB\n"
    assert not config_path.exists()


def test_a_password_on_stdin_is_read_bounded(cli, backend):
    result = cli("auth", "login", "--login", "ops", "--password-stdin", stdin=LONG_LINE)
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: a line on stdin is longer than 64 KiB\n"
    assert backend.calls == []


def test_a_typed_field_from_a_file_is_read_bounded(cli, backend, tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(2 * 1024 * 1024)  # 2 MiB of NULs: a stand-in for /dev/zero
    result = cli("api", "POST", "/v2/partners/count", "-F", f"ecGridId=@{big}")
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: -F @{big} is larger than 1 MiB\n"
    assert backend.calls == []


@pytest.mark.parametrize("number", ["1e400", "-1e999"])
def test_a_typed_number_json_cannot_carry_is_a_usage_error(cli, backend, number):
    result = cli("api", "POST", "/v2/partners/count", "-F", f"ecGridId={number}")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: invalid -F 'ecGridId={number}': the number is out of range for JSON\n"
    )
    assert backend.calls == []


# -- statuses an interconnect cannot be created in -------------------------------------------

REST_REFUSAL = (
    "the REST API cannot create an interconnect in status Terminated: "
    "choose one of Development, Active, Preproduction, Suspended"
)


@pytest.mark.parametrize(
    "args",
    [
        ("partners", "create", "--from", "111111", "--to", "445566"),
        ("interconnect", "setup", "-q", "12", "-i", "5551234567", "--from", "111111"),
    ],
    ids=["create", "setup"],
)
def test_a_status_rest_cannot_create_is_refused_before_any_request(cli, backend, args):
    """Like SOAP (refused locally, exit 2), not sent for the server to refuse (exit 1)."""
    result = cli(*args, "--status", "Terminated")
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: {REST_REFUSAL}\n"
    assert backend.calls == []


def test_a_bulk_row_in_a_status_rest_cannot_create_is_refused_before_any_request(
    cli, backend, tmp_path
):
    rows = tmp_path / "rows.csv"
    rows.write_text("qualifier,id,status\n01,PARTNERCO,Active\n12,5551234567,terminated\n")
    result = cli("interconnect", "setup", "--file", str(rows), "--from", "111111")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: 1 invalid row(s) in --file {rows}, nothing was sent: "
        f"line 3 (row 2): status 'terminated': {REST_REFUSAL}\n"
    )
    assert backend.calls == []


def test_a_soap_only_status_is_refused_over_rest_before_any_request(cli, backend):
    """Problem is SOAP's word alone: over REST it was sent, and the server refused it."""
    result = cli("partners", "count", "111111", "--status", "problem")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: invalid --status 'problem': the REST API has no such status (it is a SOAP "
        "word with no REST counterpart); choose one of Development, Active, Preproduction, "
        "Suspended, Terminated\n"
    )
    assert backend.calls == []


def test_a_soap_only_status_is_sent_over_soap(cli, soap):
    result = cli("partners", "count", "111111", "--status", "problem", "--json")
    assert result.code == 0, result.err
    assert result.json()["status"] == "Problem"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"ecGridId": 1e400}', "the number 1e400 is out of range for JSON"),
        ('{"ecGridId": NaN}', "NaN is not JSON"),
    ],
)
def test_an_input_body_json_cannot_carry_is_a_usage_error(cli, backend, tmp_path, body, problem):
    path = tmp_path / "body.json"
    path.write_text(body)
    result = cli("api", "POST", "/v2/partners/count", "--input", str(path))
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: --input {path} is not valid JSON: {problem}\n"
    assert backend.calls == []
