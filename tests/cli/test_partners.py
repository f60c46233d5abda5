"""`ecgrid partners create|get|list|count|delete|note` against the fake backend."""

from __future__ import annotations

import json

import pytest
from cli_support import assert_fits, assert_tsv, assert_whole

from ecgrid_cli.errors import ConflictError
from ecgrid_cli.iostreams import IOStreams


def ic_doc(interconnect_id, a, b, status="Active", created="2026-05-07T11:00:00Z", modified=None):
    return {
        "interconnectId": interconnect_id,
        "ecGridIdFrom": a,
        "ecGridIdTo": b,
        "status": status,
        "created": created,
        "modified": modified or created,
    }


NEW = "2026-06-01T09:00:00Z"


@pytest.fixture
def own_id(monkeypatch):
    monkeypatch.setenv("ECGRID_ECGRID_ID", "111111")


# -- create ----------------------------------------------------------------------------------


def test_create_from_the_profile_id_piped(cli, backend, own_id):
    result = cli("partners", "create", "--to", "334455")
    assert result.code == 0, result.err
    assert result.err == "created interconnect 88200: 111111 -> 334455\n"
    assert result.out == (
        "Interconnect\t88200\n"
        "From\t111111\n"
        "To\t334455\n"
        "Status\tActive\n"
        f"Created\t{NEW}\n"
        f"Modified\t{NEW}\n"
    )
    (call,) = backend.writes("create_interconnect")
    assert call.args == (111111, 334455)
    assert call.kwargs["status"] is None
    assert call.kwargs["token"].startswith("ecgrid-cli/")


def test_create_on_a_terminal(cli, backend, own_id):
    result = cli("partners", "create", "--to", "334455", tty=True)
    assert result.code == 0
    assert result.screen == [
        "╭──────── Interconnect 88200 ────────╮",
        "│ Interconnect  88200                │",
        "│ From          111111               │",
        "│ To            334455               │",
        "│ Status        Active               │",
        "│ Created       2026-06-01T09:00:00Z │",
        "│ Modified      2026-06-01T09:00:00Z │",
        "╰────────────────────────────────────╯",
    ]


def test_create_json_is_the_interconnect_and_nothing_on_stderr(cli, backend):
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == ic_doc(88200, 111111, 334455, created=NEW)


def test_create_without_from_or_profile_id_is_a_usage_error(cli, backend):
    result = cli("partners", "create", "--to", "334455")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: no --from given and the profile has no ecgrid_id: pass --from ECGRID_ID "
        "or run 'ecgrid config set ecgrid-id N'\n"
    )
    assert backend.calls == []


def test_create_to_itself_is_a_usage_error(cli, backend, own_id):
    result = cli("partners", "create", "--to", "111111")
    assert (result.code, result.err) == (2, "error: --from and --to are the same ECGrid ID\n")
    assert backend.calls == []


@pytest.mark.parametrize(("a", "b"), [(111111, 334455), (334455, 111111)], ids=["same", "reverse"])
def test_create_of_an_existing_pair_exits_5_with_its_id_and_writes_nothing(cli, backend, a, b):
    backend.add_interconnect(88001, a, b)
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert (result.code, result.out) == (5, "")
    assert result.err_json() == {
        "error": {
            "code": "DuplicateObject",
            "message": "interconnect 88001 already joins 111111 and 334455 (Active)",
            "httpStatus": None,
            "details": {"interconnectId": 88001},
        }
    }
    assert backend.writes() == []


def test_create_of_an_existing_pair_piped_is_one_line(cli, backend):
    backend.add_interconnect(88001, 334455, 111111, status="Suspended")
    result = cli("partners", "create", "--from", "111111", "--to", "334455")
    assert (result.code, result.out) == (5, "")
    assert result.err == "error: interconnect 88001 already joins 111111 and 334455 (Suspended)\n"


def test_create_over_a_terminated_pair_creates_a_new_one(cli, backend):
    backend.add_interconnect(88001, 111111, 334455, status="Terminated")
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 0, result.err
    assert result.json()["interconnectId"] == 88200
    assert len(backend.writes("create_interconnect")) == 1


def test_create_raced_by_another_writer_exits_5_with_the_winner(cli, backend):
    def another_writer_wins(a, b, **kwargs):
        backend.add_interconnect(88999, b, a)
        return True

    backend.fail(
        "create_interconnect",
        ConflictError("already exists", http_status=409),
        when=another_writer_wins,
    )
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 5
    error = result.err_json()["error"]
    assert error["details"] == {"interconnectId": 88999}
    assert error["message"] == "interconnect 88999 already joins 111111 and 334455 (Active)"


def test_create_whose_answer_was_lost_exits_5_unconfirmed_and_is_not_sent_twice(cli, backend):
    backend.lose_answer("create_interconnect")
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert (result.code, result.out) == (5, "")
    assert result.err_json() == {
        "error": {
            "code": "Unconfirmed",
            "message": "interconnect 88200 joins 111111 and 334455 now, but the create's answer "
            "was lost, so this run cannot show it made it (another writer may have); it exists "
            "either way",
            "httpStatus": None,
            "details": {"interconnectId": 88200},
        }
    }
    assert len(backend.writes("create_interconnect")) == 1
    assert backend.methods == [
        "interconnects_between",
        "create_interconnect",
        "interconnects_between",
    ]


def test_create_lost_before_it_arrived_is_sent_again_once(cli, backend):
    backend.lose_answer("create_interconnect", applied=False)
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 0, result.err
    assert result.json()["interconnectId"] == 88200
    assert len(backend.writes("create_interconnect")) == 1
    assert len(backend.called("interconnects_between")) == 2  # the check, then reconcile


@pytest.mark.parametrize(
    ("given", "sent"),
    [("development", "Development"), ("Pending", "Development"), ("ACTIVE", "Active")],
)
def test_create_status_in_either_vocabulary_is_sent_in_rest_words(cli, backend, given, sent):
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--status", given)
    assert result.code == 0, result.err
    assert backend.writes("create_interconnect")[0].kwargs["status"] == sent
    assert f"Status\t{sent}\n" in result.out


def test_create_rejects_an_unknown_status_before_sending(cli, backend):
    result = cli("partners", "create", "--from", "1", "--to", "2", "--status", "Live", "--json")
    assert result.code == 2
    assert result.err_json()["error"]["details"] == {"field": "--status", "value": "Live"}
    assert backend.calls == []


# -- get -------------------------------------------------------------------------------------


def test_get_piped(cli, backend):
    backend.add_interconnect(88001, 111111, 334455)
    result = cli("partners", "get", "88001")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "Interconnect\t88001\n"
        "From\t111111\n"
        "To\t334455\n"
        "Status\tActive\n"
        "Created\t2026-05-07T11:00:00Z\n"
        "Modified\t2026-05-07T11:00:00Z\n"
    )


def test_get_json(cli, backend):
    backend.add_interconnect(88001, 111111, 334455)
    assert cli("partners", "get", "88001", "--json").json() == ic_doc(88001, 111111, 334455)


def test_get_unknown_exits_4(cli, backend):
    result = cli("partners", "get", "88001")
    assert (result.code, result.err) == (4, "error: interconnect 88001 not found\n")


# -- list ------------------------------------------------------------------------------------


@pytest.fixture
def hub(backend):
    backend.add_interconnect(88001, 123456, 111111)
    backend.add_interconnect(88002, 123456, 334455, status="Suspended")
    backend.add_interconnect(88003, 445566, 123456, status="Development")
    backend.add_interconnect(88004, 123456, 500001, status="Terminated")
    return backend


def test_list_piped(cli, hub):
    result = cli("partners", "list", "123456")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "88001\t123456\t111111\tActive\t2026-05-07T11:00:00Z\t2026-05-07T11:00:00Z\n"
        "88002\t123456\t334455\tSuspended\t2026-05-07T11:00:00Z\t2026-05-07T11:00:00Z\n"
        "88003\t445566\t123456\tDevelopment\t2026-05-07T11:00:00Z\t2026-05-07T11:00:00Z\n"
        "88004\t123456\t500001\tTerminated\t2026-05-07T11:00:00Z\t2026-05-07T11:00:00Z\n"
    )
    assert_tsv(result.out, 6)
    assert hub.called("list_interconnects")[0].kwargs == {
        "status": None,
        "page": 1,
        "per_page": 25,
    }


def test_list_piped_with_header(cli, hub):
    result = cli("partners", "list", "123456", "--header")
    assert result.out_lines[0] == "INTERCONNECT\tFROM\tTO\tSTATUS\tCREATED\tMODIFIED"
    assert len(result.out_lines) == 5


def test_list_on_a_terminal_at_80_columns_drops_modified(cli, hub):
    result = cli("partners", "list", "123456", tty=True)
    assert result.screen == [
        "INTERCONNECT   FROM     TO       STATUS        CREATED",
        "─" * 67,
        "88001          123456   111111   Active        2026-05-07T11:00:00Z",
        "88002          123456   334455   Suspended     2026-05-07T11:00:00Z",
        "88003          445566   123456   Development   2026-05-07T11:00:00Z",
        "88004          123456   500001   Terminated    2026-05-07T11:00:00Z",
    ]
    assert_fits(result.out, 80)


def test_list_on_a_wide_terminal_shows_every_column(cli, hub):
    result = cli("partners", "list", "123456", tty=True, width=120)
    assert result.screen[0] == "INTERCONNECT   FROM     TO       STATUS        CREATED   " + (
        "             MODIFIED"
    )


def test_list_on_a_narrow_terminal_keeps_ids_and_statuses_whole(cli, hub):
    result = cli("partners", "list", "123456", tty=True, width=45)
    assert result.screen == [
        "INTERCONNECT   FROM     TO       STATUS",
        "─" * 44,
        "88001          123456   111111   Active",
        "88002          123456   334455   Suspended",
        "88003          445566   123456   Development",
        "88004          123456   500001   Terminated",
    ]
    assert_fits(result.out, 45)
    assert_whole(result.out, "88001", "123456", "500001", "Development", "Terminated")


def test_list_json(cli, hub):
    result = cli("partners", "list", "123456", "--json")
    assert [ic["interconnectId"] for ic in result.json()] == [88001, 88002, 88003, 88004]
    assert result.json()[1] == ic_doc(88002, 123456, 334455, "Suspended")


def test_list_page_and_per_page_reach_the_backend(cli, hub):
    result = cli("partners", "list", "123456", "--page", "2", "--per-page", "3")
    assert result.code == 0
    assert hub.called("list_interconnects")[0].kwargs == {"status": None, "page": 2, "per_page": 3}
    assert result.out.startswith("88004\t")


@pytest.mark.parametrize("given", ["suspended", "Delayed", "DELAYED"])
def test_list_status_in_either_vocabulary(cli, hub, given):
    result = cli("partners", "list", "123456", "--status", given)
    assert result.code == 0, result.err
    assert hub.called("list_interconnects")[0].kwargs["status"] == "Suspended"
    assert result.out_lines == [
        "88002\t123456\t334455\tSuspended\t2026-05-07T11:00:00Z\t2026-05-07T11:00:00Z"
    ]


def test_list_empty_page_says_so_on_stderr(cli, hub):
    result = cli("partners", "list", "123456", "--page", "9")
    assert (result.code, result.out, result.err) == (0, "", "no interconnects on page 9\n")


def test_list_empty_json_is_an_empty_array(cli, hub):
    result = cli("partners", "list", "334455", "--status", "Development", "--json")
    assert (result.code, result.out, result.err) == (0, "[]\n", "")


def test_list_all_json_walks_everything(cli, hub):
    result = cli("partners", "list", "123456", "--all", "--json")
    assert result.code == 0
    assert [ic["interconnectId"] for ic in result.json()] == [88001, 88002, 88003, 88004]
    assert hub.methods == ["iter_interconnects"]


def test_list_all_jq_raw(cli, hub):
    expression = '.[] | select(.status != "Active") | .status'
    result = cli("partners", "list", "123456", "--all", "--jq", expression)
    assert (result.code, result.out) == (0, "Suspended\nDevelopment\nTerminated\n")


def test_list_all_empty(cli, backend):
    assert cli("partners", "list", "334455", "--all", "--json").out == "[]\n"
    result = cli("partners", "list", "334455", "--all")
    assert (result.out, result.err) == ("", "ECGrid ID 334455 has no interconnects\n")


def test_list_all_streams_rows_as_they_come(cli, hub, monkeypatch):
    io = IOStreams.test()
    written_before: list[str] = []
    every = list(hub.iter_interconnects(123456))

    def slowly(ecgrid_id, *, status=None):
        for ic in every:
            written_before.append(io.stdout.getvalue())
            yield ic

    monkeypatch.setattr(hub, "iter_interconnects", slowly)
    result = cli("partners", "list", "123456", "--all", "--json", io=io)
    assert result.code == 0
    assert written_before[0] == ""  # nothing before the first item
    assert '"interconnectId": 88001' in written_before[1]
    assert '"interconnectId": 88003' in written_before[3]
    assert [ic["interconnectId"] for ic in json.loads(result.out)] == [88001, 88002, 88003, 88004]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "--page", "2"], "--all and --page cannot be used together"),
        (["--page", "0"], "invalid --page 0: must be at least 1"),
        (["--per-page", "0"], "invalid --per-page 0: must be from 1 to 500"),
        (["--per-page", "501"], "invalid --per-page 501: must be from 1 to 500"),
    ],
)
def test_list_refuses_bad_paging(cli, backend, args, message):
    result = cli("partners", "list", "123456", *args)
    assert (result.code, result.err) == (2, f"error: {message}\n")
    assert backend.calls == []


# -- count -----------------------------------------------------------------------------------


def test_count_json_shape_with_status(cli, hub):
    result = cli("partners", "count", "123456", "--status", "active", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {"ecGridId": 123456, "status": "Active", "count": 1}


def test_count_status_in_soap_words_is_sent_in_rest_words(cli, hub):
    result = cli("partners", "count", "123456", "--status", "canceled", "--json")
    assert result.json() == {"ecGridId": 123456, "status": "Terminated", "count": 1}


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_count_prints_the_number_alone(cli, hub, tty):
    result = cli("partners", "count", "123456", tty=tty)
    assert (result.code, result.out, result.err) == (0, "4\n", "")


def test_count_without_id_uses_the_profile_id(cli, hub, own_id):
    result = cli("partners", "count", "--json")
    assert result.json() == {"ecGridId": 111111, "status": None, "count": 1}


def test_count_without_id_or_profile_id_is_a_usage_error_on_rest(cli, hub):
    result = cli("partners", "count")
    assert result.code == 2
    assert "pass --from ECGRID_ID or run 'ecgrid config set ecgrid-id N'" in result.err


def test_count_jq(cli, hub):
    assert cli("partners", "count", "123456", "--jq", ".count").out == "4\n"


# -- delete ----------------------------------------------------------------------------------


@pytest.fixture
def live(backend):
    backend.add_interconnect(88001, 111111, 334455)
    return backend


def test_delete_piped_refuses_without_yes_exit_2(cli, live):
    result = cli("partners", "delete", "88001")
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        "interconnect 88001: 111111 <-> 334455 (Active)",
        "error: refusing to continue without confirmation: no terminal; pass --yes",
    ]
    assert live.writes() == []


def test_delete_on_a_terminal_asks_and_terminates_on_yes(cli, live):
    result = cli("partners", "delete", "88001", tty=True, stdin="yes\n")
    assert result.code == 0, result.err
    assert result.err == (
        "interconnect 88001: 111111 <-> 334455 (Active)\n"
        "Terminate interconnect 88001? This cannot be undone. [y/N]: "
        "terminated interconnect 88001\n"
    )
    assert "│ Status        Terminated           │" in result.screen
    assert live.interconnects[88001]["status"] == "Terminated"


@pytest.mark.parametrize("answer", ["n\n", "\n", ""])
def test_delete_declined_exits_1_cancelled(cli, live, answer):
    result = cli("partners", "delete", "88001", tty=True, stdin=answer)
    assert (result.code, result.out) == (1, "")
    assert result.err_lines[-1].endswith("[y/N]: error: cancelled: nothing was changed")
    assert live.writes() == []


def test_delete_yes_json(cli, live):
    result = cli("partners", "delete", "88001", "--yes", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == ic_doc(88001, 111111, 334455, "Terminated", modified=NEW)


def test_delete_already_terminated_is_a_no_op(cli, live):
    live.interconnects[88001]["status"] = "Terminated"
    result = cli("partners", "delete", "88001")
    assert result.code == 0
    assert result.err == "interconnect 88001 is already terminated; nothing to do\n"
    assert live.writes() == []


def test_delete_whose_answer_was_lost_is_checked_not_resent(cli, live):
    live.lose_answer("cancel_interconnect")
    result = cli("partners", "delete", "88001", "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json()["status"] == "Terminated"
    assert len(live.writes("cancel_interconnect")) == 1
    assert live.methods == [
        "get_interconnect",
        "cancel_interconnect",
        "get_interconnect",
        "get_interconnect",
    ]


def test_delete_unknown_exits_4(cli, backend):
    result = cli("partners", "delete", "88001", "--yes")
    assert (result.code, result.err) == (4, "error: interconnect 88001 not found\n")


# -- notes -----------------------------------------------------------------------------------


def test_note_add_from_an_argument(cli, live):
    result = cli("partners", "note", "add", "88001", "Partner confirmed go-live")
    assert (result.code, result.out) == (0, "")
    assert result.err == "added a note to interconnect 88001\n"
    assert live.called("add_note")[0].args == (88001, "Partner confirmed go-live")


def test_note_add_from_stdin(cli, live):
    result = cli("partners", "note", "add", "88001", "-", "--json", stdin="from a pipe\n")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {"interconnectId": 88001, "added": True, "text": "from a pipe"}
    assert live.notes[88001][0]["text"] == "from a pipe"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["-"], "", "invalid TEXT '': must not be empty"),
        (["  "], "", "invalid TEXT '  ': must not be empty"),
        (["-"], "x" * 4001, "invalid TEXT '" + "x" * 40 + "...': at most 4000 characters"),
        (["bell\x07"], "", "invalid TEXT 'bell\\x07': holds control characters"),
    ],
)
def test_note_add_refuses_bad_text(cli, live, args, stdin, message):
    result = cli("partners", "note", "add", "88001", *args, stdin=stdin)
    assert (result.code, result.err) == (2, f"error: {message}\n")
    assert live.calls == []


def test_note_list_piped_terminal_and_json(cli, live):
    live.add_note_record(88001, "first")
    live.add_note_record(88001, "second\tline", when="2026-05-08T10:00:00Z")
    piped = cli("partners", "note", "list", "88001")
    assert piped.out == (
        "2026-05-07T11:00:00Z\tops\tfirst\n2026-05-08T10:00:00Z\tops\tsecond line\n"
    )
    assert_tsv(piped.out, 3)
    assert cli("partners", "note", "list", "88001", "--json").json() == [
        {"text": "first", "timestamp": "2026-05-07T11:00:00Z", "userId": 7, "postedBy": "ops"},
        {
            "text": "second\tline",
            "timestamp": "2026-05-08T10:00:00Z",
            "userId": 7,
            "postedBy": "ops",
        },
    ]


def test_note_list_on_a_terminal(cli, live):
    live.add_note_record(88001, "first")
    live.add_note_record(88001, "Partner confirmed go-live", when="2026-05-08T10:00:00Z")
    terminal = cli("partners", "note", "list", "88001", tty=True)
    assert terminal.screen == [
        "WHEN                   BY    NOTE",
        "─" * 54,
        "2026-05-07T11:00:00Z   ops   first",
        "2026-05-08T10:00:00Z   ops   Partner confirmed go-live",
    ]


def test_note_text_cannot_inject_terminal_escapes(cli, live):
    live.add_note_record(88001, "red \x1b[31malert\x07")
    for tty in (False, True):
        result = cli("partners", "note", "list", "88001", tty=tty)
        assert "\x1b" not in result.out and "\x07" not in result.out
        assert "red [31malert" in result.out


def test_note_with_a_tab_is_shown_whole_on_a_terminal(cli, live):
    live.add_note_record(88001, "first")
    live.add_note_record(88001, "second\tline")
    result = cli("partners", "note", "list", "88001", tty=True)
    assert "…" not in result.out
    assert "line" in result.screen[-1]


def test_note_list_empty(cli, live):
    result = cli("partners", "note", "list", "88001")
    assert (result.code, result.out, result.err) == (0, "", "interconnect 88001 has no notes\n")


def test_note_on_an_unknown_interconnect_exits_4(cli, backend):
    result = cli("partners", "note", "add", "88001", "hello")
    assert (result.code, result.err) == (4, "error: interconnect 88001 not found\n")
