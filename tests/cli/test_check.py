"""`ecgrid interconnect check`: exit 0 healthy, 8 unhealthy, other codes when it could not."""

from __future__ import annotations

import pytest
from cli_support import assert_fits, assert_tsv


@pytest.fixture
def health(backend):
    """The sandbox's health cast, from 111111."""
    backend.add_id(700002, "ZZ", "QUIETCO", "Quiet Co")
    backend.add_id(700003, "ZZ", "HELDCO", "Held Co")
    backend.add_id(700004, "ZZ", "DORMANTCO", "Dormant Co", status="Suspended")
    backend.add_id(700005, "ZZ", "MOVINGCO", "Moving Co", owner_effective="2099-01-01T00:00:00Z")
    backend.add_interconnect(87001, 111111, 334455)
    backend.add_interconnect(87002, 111111, 700002, traffic=False)
    backend.add_interconnect(87003, 111111, 700003, status="Suspended")
    backend.add_interconnect(87004, 700004, 111111)
    backend.add_interconnect(87005, 111111, 700005)
    return backend


def test_healthy_piped_exit_0(cli, health):
    result = cli("interconnect", "check", "87001")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "status\tpass\tinterconnect is Active\n"
        "traffic\tpass\tlast traffic out 2026-05-07T11:00:00Z, in 2026-05-07T11:00:00Z\n"
        "ids\tpass\tECGrid IDs 111111 and 334455 are Active\n"
        "moves\tpass\tno move scheduled\n"
    )
    assert_tsv(result.out, 3)


def test_healthy_on_a_terminal(cli, health):
    result = cli("interconnect", "check", "87001", tty=True)
    assert result.code == 0
    assert result.screen == [
        "Interconnect 87001: healthy",
        "CHECK     RESULT   REASON",
        "─" * 80,
        "status    pass     interconnect is Active",
        "traffic   pass     last traffic out 2026-05-07T11:00:00Z, in 2026-05-07T11:00:0…",
        "ids       pass     ECGrid IDs 111111 and 334455 are Active",
        "moves     pass     no move scheduled",
    ]
    assert_fits(result.out, 80)


def test_healthy_json_shape(cli, health):
    result = cli("interconnect", "check", "87001", "--json")
    assert (result.code, result.err) == (0, "")
    document = result.json()
    assert list(document) == [
        "healthy",
        "interconnect",
        "tp1",
        "tp2",
        "checks",
        "issues",
        "delivery",
    ]
    assert (document["healthy"], document["issues"], document["delivery"]) == (True, [], None)
    assert [c["name"] for c in document["checks"]] == ["status", "traffic", "ids", "moves"]
    assert all(c["passed"] for c in document["checks"])
    assert (document["tp1"]["ecGridId"], document["tp2"]["ecGridId"]) == (111111, 334455)


@pytest.mark.parametrize(
    ("interconnect", "failing", "issue"),
    [
        ("87002", "traffic", "no traffic recorded 111111 → 700002 or 700002 → 111111"),
        ("87003", "status", "interconnect is Suspended, not routing"),
        ("87004", "ids", "ECGrid ID 700004 is Suspended"),
        (
            "87005",
            "moves",
            "a move is scheduled: ECGrid ID 700005 moves on 2099-01-01T00:00:00Z",
        ),
    ],
)
def test_unhealthy_exit_8_names_the_issue(cli, health, interconnect, failing, issue):
    result = cli("interconnect", "check", interconnect, "--json")
    assert (result.code, result.err) == (8, "")
    document = result.json()
    assert document["healthy"] is False
    assert document["issues"] == [issue]
    assert [c["name"] for c in document["checks"] if not c["passed"]] == [failing]


def test_unhealthy_piped_shows_fail_rows(cli, health):
    result = cli("interconnect", "check", "87003")
    assert result.code == 8
    assert result.out_lines[0] == "status\tFAIL\tinterconnect is Suspended, not routing"


def test_unhealthy_on_a_terminal_says_so_in_the_title(cli, health):
    result = cli("interconnect", "check", "87003", tty=True)
    assert result.code == 8
    assert result.screen[0] == "Interconnect 87003: unhealthy"
    assert result.screen[3] == "status    FAIL     interconnect is Suspended, not routing"


def test_check_by_qid_finds_the_interconnect_either_way_round(cli, health):
    health.add_interconnect(87009, 445566, 111111)
    result = cli("interconnect", "check", "-q", "12", "-i", "5551234567", "--from", "111111")
    assert result.code == 0, result.err
    assert result.out_lines[2] == "ids\tpass\tECGrid IDs 445566 and 111111 are Active"


def test_check_by_qid_of_a_partner_whose_id_is_suspended_reports_it(cli, health):
    result = cli("interconnect", "check", "-q", "zz", "-i", "DORMANTCO", "--from", "111111")
    assert result.code == 8
    assert "ids\tFAIL\tECGrid ID 700004 is Suspended\n" in result.out


def test_check_by_qid_without_an_interconnect_exits_4(cli, health):
    result = cli("interconnect", "check", "-q", "12", "-i", "5551234567", "--from", "111111")
    assert (result.code, result.out) == (4, "")
    assert result.err == "error: no interconnect joins 111111 and 445566 (12/5551234567)\n"


def test_check_by_an_ambiguous_qid_exits_5(cli, health):
    result = cli("interconnect", "check", "-q", "ZZ", "-i", "TWINCO", "--from", "111111", "--json")
    assert result.code == 5
    assert result.err_json()["error"]["details"] == {
        "qid": "ZZ/TWINCO",
        "candidates": [600001, 600002],
    }


def test_check_of_an_unknown_interconnect_exits_4(cli, health):
    result = cli("interconnect", "check", "99999")
    assert (result.code, result.err) == (4, "error: interconnect 99999 not found\n")


def test_deliver_adds_a_passing_delivery_check(cli, health):
    result = cli("interconnect", "check", "87001", "--deliver", "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert document["checks"][-1] == {
        "name": "delivery",
        "passed": True,
        "reason": "test parcel 900001 delivered",
    }
    assert document["delivery"] == {
        "verdict": "delivered",
        "parcelId": 900001,
        "status": "InBoxReady",
        "detail": "test parcel 900001: InBoxReady",
    }


def test_deliver_that_bounces_is_unhealthy(cli, health):
    health.parcel_statuses = ["outboxFailed"]
    result = cli("interconnect", "check", "87001", "--deliver")
    assert result.code == 8
    assert result.out_lines[-1] == (
        "delivery\tFAIL\tdelivery failed: test parcel 900001: outboxFailed"
    )


def test_deliver_over_a_suspended_interconnect_sends_nothing(cli, health):
    result = cli("interconnect", "check", "87003", "--deliver", "--json")
    assert result.code == 8
    assert result.json()["delivery"]["verdict"] == "not_tested"
    assert "send_test_file" not in health.methods


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["87001", "-q", "01", "-i", "PARTNERCO"],
        ["87001", "--file", "x.csv"],
    ],
)
def test_check_needs_exactly_one_target(cli, health, args):
    result = cli("interconnect", "check", *args)
    assert result.code == 2
    assert result.err == (
        "error: name the interconnect: INTERCONNECT_ID, or --qualifier Q --id ID, or --file PATH\n"
    )
    assert health.calls == []


def test_check_qualifier_without_id(cli, health):
    result = cli("interconnect", "check", "-q", "01", "--from", "111111")
    assert (result.code, result.err) == (2, "error: --qualifier and --id go together\n")


# -- many ------------------------------------------------------------------------------------


def test_check_file_piped_json_and_exit_code(cli, health, tmp_path):
    path = tmp_path / "ics.csv"
    path.write_text("interconnect_id\n87001\n87003\n")
    piped = cli("interconnect", "check", "--file", str(path))
    assert piped.code == 8
    assert sorted(piped.out_lines) == [
        "1\t87001\tyes\t\t",
        "2\t87003\tno\t\tinterconnect is Suspended, not routing",
    ]
    assert piped.err == "2 interconnects: 1 healthy, 1 unhealthy, 0 could not be checked\n"
    document = cli("interconnect", "check", "--file", str(path), "--json").json()
    assert document["summary"] == {"total": 2, "healthy": 1, "unhealthy": 1, "failed": 0}
    assert sorted(row["row"] for row in document["rows"]) == [1, 2]


def test_check_file_all_healthy_exit_0(cli, health, tmp_path):
    path = tmp_path / "ics.csv"
    path.write_text("qualifier,id\n01,PARTNERCO\n")
    result = cli("interconnect", "check", "--file", str(path), "--from", "111111", "--json")
    assert result.code == 0, result.err
    assert result.json()["rows"][0]["interconnect"]["interconnectId"] == 87001


def test_check_file_with_a_row_that_could_not_be_checked(cli, health, tmp_path):
    path = tmp_path / "ics.csv"
    path.write_text("interconnect_id\n87001\n99999\n")
    result = cli("interconnect", "check", "--file", str(path), "--json")
    assert result.code == 4
    failed = next(row for row in result.json()["rows"] if row["healthy"] is None)
    assert failed["error"]["code"] == "ObjectNotFound"
    assert result.err_json()["error"]["message"] == (
        "1 of 2 interconnects could not be checked: interconnect 99999 not found"
    )


def test_check_file_on_a_terminal(cli, health, tmp_path):
    path = tmp_path / "ics.csv"
    path.write_text("interconnect_id\n87001\n")
    result = cli("interconnect", "check", "--file", str(path), tty=True)
    assert result.code == 0
    assert result.screen == [
        "ROW   INTERCONNECT   HEALTHY   DELIVERY   ISSUES",
        "─" * 48,
        "1     87001          yes",
    ]


def test_check_file_refuses_a_bad_row_before_checking_anything(cli, health, tmp_path):
    path = tmp_path / "ics.csv"
    path.write_text("interconnect_id\n87001\nabc\n")
    result = cli("interconnect", "check", "--file", str(path))
    assert result.code == 2
    assert result.err == (
        "error: line 3 (row 2): invalid interconnect_id 'abc': expected a positive integer\n"
    )
    assert health.calls == []


def test_check_file_refuses_unknown_columns_before_any_request(cli, backend, tmp_path):
    path = tmp_path / "ics.csv"
    path.write_text("interconnect_id,notes\n87001,x\n")
    result = cli("interconnect", "check", "--file", str(path))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: --file {path} line 1: unknown column(s) 'notes'; "
        "accepted columns: interconnect_id, qualifier, id, from\n"
    )
    assert backend.calls == []


def test_check_file_header_that_names_no_interconnect(cli, backend, tmp_path):
    path = tmp_path / "ics.csv"
    path.write_text("qualifier\nZZ\n")
    result = cli("interconnect", "check", "--file", str(path))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: --file {path} line 1: the CSV header lacks the column(s) 'id' needed to "
        "name an interconnect (interconnect_id, or qualifier and id); accepted columns: "
        "interconnect_id, qualifier, id, from\n"
    )
    assert backend.calls == []


def test_an_ambiguous_partner_says_how_check_can_name_the_interconnect(cli, backend):
    """check has no --partner-ecgrid-id: the hint is the interconnect's ID."""
    result = cli("interconnect", "check", "-q", "ZZ", "-i", "TWINCO", "--from", "111111")
    assert (result.code, result.out) == (5, "")
    assert result.err == (
        "error: 2 Active ECGrid IDs match ZZ/TWINCO: 600001 (Twin A), 600002 (Twin B); "
        "choose one with the interconnect's ID (ecgrid interconnect check INTERCONNECT_ID)\n"
    )


def test_check_file_row_with_an_interconnect_and_a_qid_is_refused(cli, backend, tmp_path):
    """The QID was ignored (a row naming 87001 and another partner's QID checked 87001)."""
    path = tmp_path / "ics.csv"
    path.write_text("interconnect_id,qualifier,id\n87001,ZZ,QUIETCO\n")
    result = cli("interconnect", "check", "--file", str(path))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: line 2 (row 1): give interconnect_id, or qualifier and id, not both\n"
    )
    assert backend.calls == []
