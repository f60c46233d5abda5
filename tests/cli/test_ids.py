"""`ecgrid ids find|get|create|tp-move` against the fake backend, on a terminal and piped."""

from __future__ import annotations

import pytest
from cli_support import assert_fits, assert_plain, assert_tsv, assert_whole

from ecgrid_cli.errors import NotFoundError

PARTNER_DOC = {
    "ecGridId": 334455,
    "mailboxId": 3001,
    "networkId": 42,
    "qualifier": "01",
    "id": "PARTNERCO",
    "description": "Partner Company Inc.",
    "status": "Active",
    "routingGroup": "ProductionA",
    "ediStandard": "X12",
}
FIND = ("ids", "find", "--qualifier", "01", "--id", "PARTNERCO")


# -- find ------------------------------------------------------------------------------------


def test_find_json_is_an_array_of_canonical_ids_without_isa_padding(cli, backend):
    result = cli(*FIND, "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == [PARTNER_DOC]
    assert backend.called("find_ids")[0].args == ("01", "PARTNERCO")


def test_find_piped_is_one_tab_separated_row_per_id(cli, backend):
    result = cli("ids", "find", "-q", "zz", "-i", "twinco")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "600001\tZZ\tTWINCO\tTwin A\tActive\t1001\t42\n"
        "600002\tZZ\tTWINCO\tTwin B\tActive\t1001\t42\n"
    )
    assert_tsv(result.out, 7)


def test_find_piped_with_header(cli, backend):
    result = cli(*FIND, "--header")
    assert result.out == (
        "ECGRID ID\tQUAL\tISA ID\tDESCRIPTION\tSTATUS\tMAILBOX\tNETWORK\n"
        "334455\t01\tPARTNERCO\tPartner Company Inc.\tActive\t3001\t42\n"
    )


def test_global_header_flag_works_too(cli, backend):
    assert cli("--header", *FIND).out == cli(*FIND, "--header").out


def test_find_on_a_terminal_is_a_table_at_80_columns(cli, backend):
    result = cli(*FIND, tty=True)
    assert (result.code, result.err) == (0, "")
    assert result.screen == [
        "ECGRID ID   QUAL   ISA ID      DESCRIPTION            STATUS   MAILBOX   NETWORK",
        "─" * 80,
        "334455      01     PARTNERCO   Partner Company Inc.   Active   3001      42",
    ]
    assert "\t" not in result.out


def test_find_on_a_narrow_terminal_drops_network_then_mailbox(cli, backend):
    result = cli(*FIND, tty=True, width=62)
    assert result.screen == [
        "ECGRID ID   QUAL   ISA ID      DESCRIPTION            STATUS",
        "─" * 60,
        "334455      01     PARTNERCO   Partner Company Inc.   Active",
    ]
    assert_fits(result.out, 62)


def test_find_on_a_narrow_terminal_shortens_the_description_not_the_ids(cli, backend):
    result = cli(*FIND, tty=True, width=52)
    assert_fits(result.out, 52)
    assert_whole(result.out, "334455", "PARTNERCO", "Active")
    assert "Partner Com…" in result.out


@pytest.mark.parametrize("width", [40, 50])
def test_find_on_a_narrow_terminal_never_breaks_an_id_or_a_status(cli, backend, width):
    # Dropping or shortening the description fits both widths (ID, QUAL, ISA ID, STATUS
    # need 37 columns); today "PARTNE…" and "Activ" are shown instead.
    result = cli(*FIND, tty=True, width=width)
    assert_fits(result.out, width)
    assert_whole(result.out, "334455", "PARTNERCO", "Active")


def test_find_nothing_is_an_empty_array_and_exit_0(cli, backend):
    result = cli("ids", "find", "-q", "ZZ", "-i", "NOBODY", "--json")
    assert (result.code, result.out, result.err) == (0, "[]\n", "")


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_find_nothing_says_so_on_stderr_only(cli, backend, tty):
    result = cli("ids", "find", "-q", "ZZ", "-i", "NOBODY", tty=tty)
    assert (result.code, result.out) == (0, "")
    assert result.err == "no ECGrid ID is registered for ZZ/NOBODY\n"


def test_find_jq_prints_strings_raw(cli, backend):
    result = cli("ids", "find", "-q", "ZZ", "-i", "TWINCO", "--jq", ".[].description")
    assert (result.code, result.out, result.err) == (0, "Twin A\nTwin B\n", "")


def test_find_jq_prints_other_values_as_json(cli, backend):
    result = cli(*FIND, "--jq", "[.[].ecGridId]")
    assert result.out == "[\n  334455\n]\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-q", "0", "-i", "X"],
            "invalid --qualifier '0': an ISA qualifier is 2 letters or digits",
        ),
        (
            ["-q", "0!", "-i", "X"],
            "invalid --qualifier '0!': an ISA qualifier is 2 letters or digits",
        ),
        (
            ["-q", "01", "-i", "X" * 16],
            f"invalid --id '{'X' * 16}': an ISA ID is at most 15 characters",
        ),
        (
            ["-q", "01", "-i", "BAD\x07ID"],
            "invalid --id 'BAD\\x07ID': an ISA ID holds printable ASCII characters only",
        ),
        (["-q", "01", "-i", "   "], "invalid --id '   ': an ISA ID needs 1 to 15 characters"),
    ],
)
def test_find_refuses_bad_input_before_asking_the_backend(cli, backend, args, message):
    result = cli("ids", "find", *args)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: {message}\n"
    assert backend.calls == []


def test_find_bad_input_with_json_names_the_field(cli, backend):
    result = cli("ids", "find", "-q", "0", "-i", "X", "--json")
    assert result.code == 2
    assert result.err_json() == {
        "error": {
            "code": "UsageError",
            "message": "invalid --qualifier '0': an ISA qualifier is 2 letters or digits",
            "httpStatus": None,
            "details": {"field": "--qualifier", "value": "0"},
        }
    }


# -- get -------------------------------------------------------------------------------------


def test_get_json(cli, backend):
    result = cli("ids", "get", "334455", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == PARTNER_DOC


def test_global_json_flag_before_the_command(cli, backend):
    result = cli("--json", "ids", "get", "334455")
    assert (result.code, result.err) == (0, "")
    assert result.json() == PARTNER_DOC


def test_get_piped_is_label_tab_value(cli, backend):
    result = cli("ids", "get", "334455")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "ECGrid ID\t334455\n"
        "Qualifier\t01\n"
        "ISA ID\tPARTNERCO\n"
        "Description\tPartner Company Inc.\n"
        "Status\tActive\n"
        "Mailbox\t3001\n"
        "Network\t42\n"
        "Routing group\tProductionA\n"
        "EDI standard\tX12\n"
    )
    assert_tsv(result.out, 2)


def test_get_piped_with_header(cli, backend):
    assert cli("ids", "get", "334455", "--header").out_lines[0] == "FIELD\tVALUE"


def test_get_on_a_terminal_is_a_panel(cli, backend):
    result = cli("ids", "get", "334455", tty=True)
    assert (result.code, result.err) == (0, "")
    assert result.screen == [
        "╭───────── ECGrid ID 334455 ──────────╮",
        "│ ECGrid ID      334455               │",
        "│ Qualifier      01                   │",
        "│ ISA ID         PARTNERCO            │",
        "│ Description    Partner Company Inc. │",
        "│ Status         Active               │",
        "│ Mailbox        3001                 │",
        "│ Network        42                   │",
        "│ Routing group  ProductionA          │",
        "│ EDI standard   X12                  │",
        "╰─────────────────────────────────────╯",
    ]


def test_get_missing_id_exits_4_with_one_line(cli, backend):
    result = cli("ids", "get", "999")
    assert (result.code, result.out, result.err) == (4, "", "error: ECGrid ID 999 not found\n")


def test_get_missing_id_with_json_is_an_error_object_on_stderr(cli, backend):
    result = cli("ids", "get", "999", "--json")
    assert (result.code, result.out) == (4, "")
    assert result.err_json() == {
        "error": {
            "code": "ObjectNotFound",
            "message": "ECGrid ID 999 not found",
            "httpStatus": 404,
            "details": None,
        }
    }


@pytest.mark.parametrize("value", ["0", "abc", "1.5", "99999999999999999999"])
def test_get_refuses_what_is_not_a_positive_id(cli, backend, value):
    result = cli("ids", "get", value)
    assert result.code == 2
    assert result.err == f"error: invalid ECGRID_ID '{value}': expected a positive integer\n"
    assert backend.calls == []


def test_get_negative_number_reads_as_an_unknown_option(cli, backend):
    result = cli("ids", "get", "-5")
    assert result.code == 2
    assert result.err == "error: No such option: -5 (see 'ecgrid ids get --help')\n"


# -- create ----------------------------------------------------------------------------------


CREATE = ("ids", "create", "-q", "zz", "-i", "NEWCO", "--mailbox", "3001")


def test_create_registers_the_id_and_says_so(cli, backend):
    result = cli(*CREATE, "--description", "New Co", "--use-type", "test")
    assert result.code == 0, result.err
    assert result.err == "created ECGrid ID 900100 for ZZ/NEWCO in mailbox 3001\n"
    assert result.out_lines[:4] == [
        "ECGrid ID\t900100",
        "Qualifier\tZZ",
        "ISA ID\tNEWCO",
        "Description\tNew Co",
    ]
    (call,) = backend.writes("create_id")
    new = call.args[0]
    assert (new.mailbox_id, new.qualifier, new.isa_id) == (3001, "ZZ", "NEWCO")
    assert (new.description, new.use_type) == ("New Co", "Test")


def test_create_json_has_no_notes(cli, backend):
    result = cli(*CREATE, "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {
        "ecGridId": 900100,
        "mailboxId": 3001,
        "networkId": 42,
        "qualifier": "ZZ",
        "id": "NEWCO",
        "description": None,
        "status": "Active",
        "routingGroup": "ProductionA",
        "ediStandard": "X12",
    }


def test_create_of_a_registered_qid_exits_5(cli, backend):
    result = cli("ids", "create", "-q", "01", "-i", "PARTNERCO", "--mailbox", "3001", "--json")
    assert (result.code, result.out) == (5, "")
    assert result.err_json()["error"] == {
        "code": "DuplicateObject",
        "message": "01/PARTNERCO is already registered as ECGrid ID 334455",
        "httpStatus": 409,
        "details": None,
    }


def test_create_whose_answer_was_lost_is_found_not_sent_twice(cli, backend):
    backend.lose_answer("create_id")
    result = cli(*CREATE)
    assert result.code == 0
    assert result.err == (
        "ECGrid ID 900100 holds ZZ/NEWCO now; the create's answer was lost, "
        "so this run cannot show it made it\n"
    )
    assert len(backend.writes("create_id")) == 1
    assert backend.methods == ["create_id", "find_ids"]


def test_create_rejects_an_unknown_use_type_before_sending(cli, backend):
    result = cli(*CREATE, "--use-type", "Staging")
    assert result.code == 2
    assert result.err == (
        "error: invalid --use-type 'Staging': choose one of Test, Production, TestAndProduction\n"
    )
    assert backend.calls == []


def test_create_use_type_is_refused_on_soap(cli, soap):
    result = cli(*CREATE, "--use-type", "Test")
    assert result.code == 2
    assert result.err == "error: --use-type: the SOAP API (TPAddEx) has no use type; leave it out\n"
    assert soap.writes() == []


def test_create_on_soap_without_use_type(cli, soap):
    result = cli(*CREATE, "--json")
    assert result.code == 0, result.err
    assert result.json()["ecGridId"] == 900100


# -- tp-move ---------------------------------------------------------------------------------


MOVE = ("ids", "tp-move", "123456", "--mailbox", "1002")


def test_tp_move_piped_refuses_without_yes_exit_2(cli, backend):
    result = cli(*MOVE)
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        "ECGrid ID 123456 (01/PARTNER001): mailbox 1001 -> 1002",
        "error: refusing to continue without confirmation: no terminal; pass --yes",
    ]
    assert backend.writes() == []


def test_tp_move_on_a_terminal_asks_and_moves_on_yes(cli, backend):
    result = cli(*MOVE, tty=True, stdin="y\n")
    assert result.code == 0, result.err
    assert result.err == (
        "ECGrid ID 123456 (01/PARTNER001): mailbox 1001 -> 1002\n"
        "Move ECGrid ID 123456 (01/PARTNER001) to mailbox 1002? [y/N]: "
        "moved ECGrid ID 123456 (01/PARTNER001) to mailbox 1002\n"
    )
    assert "│ Mailbox        1002        │" in result.screen
    assert backend.ids[123456]["mailboxId"] == 1002


@pytest.mark.parametrize("answer", ["n\n", "\n", "", "nope\n"])
def test_tp_move_declined_exits_1_cancelled(cli, backend, answer):
    result = cli(*MOVE, tty=True, stdin=answer)
    assert (result.code, result.out) == (1, "")
    assert result.err.endswith("[y/N]: error: cancelled: nothing was changed\n")
    assert backend.writes() == []
    assert backend.ids[123456]["mailboxId"] == 1001


def test_tp_move_declined_with_json(cli, backend):
    result = cli(*MOVE, "--json", tty=True, stdin="n\n")
    assert (result.code, result.out) == (1, "")
    prompt = "Move ECGrid ID 123456 (01/PARTNER001) to mailbox 1002? [y/N]: "
    assert result.err.startswith(prompt)
    assert result.err[len(prompt) :] == (
        '{"error": {"code": "Declined", "message": "cancelled: nothing was changed", '
        '"httpStatus": null, "details": null}}\n'
    )


def test_tp_move_without_a_terminal_on_stdin_does_not_prompt(cli, backend):
    result = cli(*MOVE, tty=True, stdin_tty=False, stdin="y\n")
    assert result.code == 2
    assert "[y/N]" not in result.err
    assert backend.writes() == []


def test_tp_move_yes_moves_without_asking(cli, backend):
    result = cli(*MOVE, "--yes", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json()["mailboxId"] == 1002
    assert backend.writes("tp_move")[0].args == (123456, 1002)


def test_tp_move_dry_run_piped_prints_the_plan(cli, backend):
    result = cli(*MOVE, "--dry-run")
    assert result.code == 0
    assert result.out == (
        "ECGrid ID\t123456\n"
        "Qualifier\t01\n"
        "ISA ID\tPARTNER001\n"
        "Action\twould move 123456 (01/PARTNER001) to mailbox 1002\n"
        "From mailbox\t1001\n"
        "To mailbox\t1002\n"
    )
    assert result.err == "dry run: nothing changed\n"
    assert backend.writes() == []


def test_tp_move_dry_run_on_a_terminal(cli, backend):
    result = cli(*MOVE, "--dry-run", tty=True)
    assert result.code == 0
    assert result.screen == [
        "╭────────────────────── Move plan (dry run) ──────────────────────╮",
        "│ ECGrid ID     123456                                            │",
        "│ Qualifier     01                                                │",
        "│ ISA ID        PARTNER001                                        │",
        "│ Action        would move 123456 (01/PARTNER001) to mailbox 1002 │",
        "│ From mailbox  1001                                              │",
        "│ To mailbox    1002                                              │",
        "╰─────────────────────────────────────────────────────────────────╯",
    ]
    assert backend.writes() == []


def test_tp_move_dry_run_json(cli, backend):
    result = cli(*MOVE, "--dry-run", "--json")
    assert (result.code, result.err) == (0, "")
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
    assert backend.writes() == []


def test_tp_move_to_the_current_mailbox_is_a_no_op(cli, backend):
    result = cli("ids", "tp-move", "123456", "--mailbox", "1001")
    assert result.code == 0
    assert result.err == (
        "ECGrid ID 123456 (01/PARTNER001) is already in mailbox 1001; nothing to do\n"
    )
    assert backend.writes() == []


def test_tp_move_to_another_network_is_refused_by_the_api_exit_1(cli, backend):
    result = cli("ids", "tp-move", "123456", "--mailbox", "2001", "--yes")
    assert result.code == 1
    assert result.err_lines[-1] == "error: mailbox 2001 is in another network"


def test_tp_move_whose_answer_was_lost_is_checked_not_resent(cli, backend):
    backend.lose_answer("tp_move")
    result = cli(*MOVE, "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json()["mailboxId"] == 1002
    assert len(backend.writes("tp_move")) == 1
    assert backend.methods == ["get_id", "tp_move", "get_id"]


def test_tp_move_of_an_unknown_id_exits_4_before_asking(cli, backend):
    backend.fail("get_id", NotFoundError("ECGrid ID 123456 not found", http_status=404))
    result = cli(*MOVE, tty=True, stdin="y\n")
    assert (result.code, result.err) == (4, "error: ECGrid ID 123456 not found\n")


def test_piped_output_is_plain(cli, backend):
    for args in (FIND, ("ids", "get", "334455"), (*MOVE, "--dry-run")):
        assert_plain(cli(*args).out)
