"""`ecgrid ids find|get|tp-move` against mocked HTTP."""

from __future__ import annotations

import json

import pytest
from cli_support import PARTNER, fail, ok, refuse_get_find


def test_find_json_is_array_of_canonical_ids_without_padding(cli, api):
    route = api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    result = cli("ids", "find", "--qualifier", "01", "--id", "PARTNERCO", "--json")
    assert result.code == 0, result.err
    assert result.json() == [{**PARTNER, "id": "PARTNERCO"}]
    assert json.loads(route.calls.last.request.content) == {"qualifier": "01", "id": "PARTNERCO"}
    assert result.err == ""


def test_find_piped_prints_tab_separated_rows(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    result = cli("ids", "find", "-q", "01", "-i", "PARTNERCO")
    assert result.code == 0
    assert result.out.splitlines() == [
        "334455\t01\tPARTNERCO\tPartner Company Inc.\tActive\t3001\t9"
    ]


def test_find_on_a_terminal_prints_a_table(cli, api, monkeypatch):
    monkeypatch.setenv("ECGRID_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", "120")
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    result = cli("--no-color", "ids", "find", "-q", "01", "-i", "PARTNERCO")
    assert result.code == 0
    assert "ECGRID ID" in result.out and "Partner Company Inc." in result.out
    assert "\t" not in result.out


def test_find_nothing_is_empty_array_exit_0(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([]))
    refuse_get_find(api)
    result = cli("ids", "find", "-q", "ZZ", "-i", "NOBODY", "--json")
    assert result.code == 0
    assert result.json() == []


def test_find_falls_back_to_the_seed_get_form_and_remembers_it(cli, api):
    post = api.post("/v2/ids/find").mock(return_value=fail(405, "MethodNotAllowed"))
    seed_item = {
        "ecGridId": 334455,
        "isaQualifier": "01",
        "isaId": "PARTNERCO      ",
        "companyName": "Partner Company Inc.",
        "status": "Active",
    }
    get = api.get("/v2/ids/find", params={"isaQualifier": "01", "isaId": "PARTNERCO"}).mock(
        return_value=ok([seed_item])
    )
    first = cli("ids", "find", "-q", "01", "-i", "PARTNERCO", "--json")
    assert first.code == 0
    assert first.json()[0]["description"] == "Partner Company Inc."
    assert first.json()[0]["id"] == "PARTNERCO"
    second = cli("ids", "find", "-q", "01", "-i", "PARTNERCO", "--json")
    assert second.code == 0
    assert post.call_count == 1  # the second run went straight to the remembered form
    assert get.call_count == 2


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-q", "0", "-i", "X"], "--qualifier"),
        (["-q", "0!", "-i", "X"], "--qualifier"),
        (["-q", "01", "-i", "X" * 16], "--id"),
        (["-q", "01", "-i", "BAD\x07ID"], "--id"),
        (["-q", "01", "-i", "   "], "--id"),
    ],
)
def test_find_rejects_bad_input_before_sending(cli, api, args, fragment):
    route = api.post("/v2/ids/find").mock(return_value=ok([]))
    result = cli("ids", "find", *args)
    assert result.code == 2
    assert fragment in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert route.call_count == 0


def test_get_shows_key_value_lines_when_piped(cli, api):
    api.get("/v2/ids/334455").mock(return_value=ok(PARTNER))
    result = cli("ids", "get", "334455")
    assert result.code == 0
    assert "ISA ID\tPARTNERCO\n" in result.out
    assert "Description\tPartner Company Inc.\n" in result.out


def test_get_missing_id_exits_4_with_json_error_on_stderr(cli, api):
    api.get("/v2/ids/999").mock(return_value=fail(404, "ObjectNotFound", "ECGrid ID 999 not found"))
    result = cli("ids", "get", "999", "--json")
    assert result.code == 4
    assert result.out == ""
    assert result.err_json() == {
        "error": {"code": "ObjectNotFound", "message": "ECGrid ID 999 not found", "httpStatus": 404}
    }


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5"])
def test_get_rejects_non_positive_ids(cli, api, value):
    result = cli("ids", "get", value)
    assert result.code == 2
    # "-5" reads as an unknown option; either way one line names the problem.
    assert "positive integer" in result.err or "No such option: -5" in result.err
    assert len(result.err.strip().splitlines()) == 1


MOVABLE = {**PARTNER, "ecGridId": 123456, "mailboxId": 1001, "networkId": 42, "id": "PARTNER001"}


def test_tp_move_without_terminal_refuses_unless_yes(cli, api):
    api.get("/v2/ids/123456").mock(return_value=ok(MOVABLE))
    move = api.post("/v2/ids/tp-move").mock(return_value=ok({**MOVABLE, "mailboxId": 1002}))
    result = cli("ids", "tp-move", "123456", "--mailbox", "1002")
    assert result.code == 2
    assert "--yes" in result.err
    assert move.call_count == 0


def test_tp_move_yes_moves_and_prints_the_new_mailbox(cli, api):
    api.get("/v2/ids/123456").mock(return_value=ok(MOVABLE))
    move = api.post("/v2/ids/tp-move").mock(return_value=ok({**MOVABLE, "mailboxId": 1002}))
    result = cli("ids", "tp-move", "123456", "--mailbox", "1002", "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json()["mailboxId"] == 1002
    assert json.loads(move.calls.last.request.content) == {"ecGridId": 123456, "newMailboxId": 1002}


def test_tp_move_dry_run_prints_the_plan_on_stdout_when_piped(cli, api):
    api.get("/v2/ids/123456").mock(return_value=ok(MOVABLE))
    move = api.post("/v2/ids/tp-move").mock(return_value=ok(MOVABLE))
    result = cli("ids", "tp-move", "123456", "--mailbox", "1002", "--dry-run")
    assert result.code == 0, result.err
    lines = dict(line.split("\t") for line in result.out.splitlines())
    assert lines["From mailbox"] == "1001"
    assert lines["To mailbox"] == "1002"
    assert "dry run" in result.err
    assert move.call_count == 0


def test_tp_move_dry_run_changes_nothing(cli, api):
    api.get("/v2/ids/123456").mock(return_value=ok(MOVABLE))
    move = api.post("/v2/ids/tp-move").mock(return_value=ok(MOVABLE))
    result = cli("ids", "tp-move", "123456", "--mailbox", "1002", "--dry-run", "--json")
    assert result.code == 0
    assert result.json() == {
        "dryRun": True,
        "plan": {
            "ecGridId": 123456,
            "qualifier": "01",
            "id": "PARTNER001",
            "fromMailboxId": 1001,
            "toMailboxId": 1002,
        },
    }
    assert move.call_count == 0


def test_tp_move_to_current_mailbox_is_a_no_op(cli, api):
    api.get("/v2/ids/123456").mock(return_value=ok(MOVABLE))
    move = api.post("/v2/ids/tp-move").mock(return_value=ok(MOVABLE))
    result = cli("ids", "tp-move", "123456", "--mailbox", "1001")
    assert result.code == 0
    assert "already in mailbox 1001" in result.err
    assert move.call_count == 0


def test_tp_move_other_network_is_refused_by_api_exit_1(cli, api):
    api.get("/v2/ids/123456").mock(return_value=ok(MOVABLE))
    api.post("/v2/ids/tp-move").mock(
        return_value=fail(400, "InvalidParameter", "mailbox 2001 is in another network")
    )
    result = cli("ids", "tp-move", "123456", "--mailbox", "2001", "--yes")
    assert result.code == 1
    assert result.err.strip().splitlines()[-1] == "error: mailbox 2001 is in another network"
