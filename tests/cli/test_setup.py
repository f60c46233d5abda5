"""`ecgrid interconnect setup` for one partner: find (or onboard), create, prove."""

from __future__ import annotations

import pytest
from cli_support import assert_plain, assert_tsv

from ecgrid_cli.errors import ConflictError

SETUP = ("interconnect", "setup", "--qualifier", "01", "--id", "PARTNERCO", "--from", "111111")
NEW = "2026-06-01T09:00:00Z"
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


def ic_doc(interconnect_id, a, b, status="Active", stamp="2026-05-07T11:00:00Z"):
    return {
        "interconnectId": interconnect_id,
        "ecGridIdFrom": a,
        "ecGridIdTo": b,
        "status": status,
        "created": stamp,
        "modified": stamp,
    }


# -- created / existing ----------------------------------------------------------------------


def test_setup_creates_when_no_interconnect_exists_json(cli, backend):
    result = cli(*SETUP, "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {
        "created": True,
        "outcome": "created",
        "interconnect": ic_doc(88200, 111111, 334455, stamp=NEW),
        "partner": PARTNER_DOC,
        "testParcelId": None,
    }
    (call,) = backend.writes("create_interconnect")
    assert call.args == (111111, 334455)


def test_setup_creates_piped(cli, backend):
    result = cli(*SETUP)
    assert result.code == 0
    assert result.err == "created interconnect 88200: 111111 → 334455 (01/PARTNERCO)\n"
    assert result.out == (
        "Outcome\tcreated interconnect 88200: 111111 → 334455 (01/PARTNERCO)\n"
        "Created\ttrue\n"
        "Interconnect\t88200\n"
        "From\t111111\n"
        "To\t334455\n"
        "Status\tActive\n"
        "Partner ECGrid ID\t334455\n"
        "Partner QID\t01/PARTNERCO\n"
        "Partner\tPartner Company Inc.\n"
    )
    assert_tsv(result.out, 2)


def test_setup_creates_on_a_terminal(cli, backend):
    result = cli(*SETUP, tty=True)
    assert result.code == 0
    assert result.screen == [
        "╭───────────────────────────── Interconnect setup ─────────────────────────────╮",
        "│ Outcome            created interconnect 88200: 111111 → 334455               │",
        "│                    (01/PARTNERCO)                                            │",
        "│ Created            true                                                      │",
        "│ Interconnect       88200                                                     │",
        "│ From               111111                                                    │",
        "│ To                 334455                                                    │",
        "│ Status             Active                                                    │",
        "│ Partner ECGrid ID  334455                                                    │",
        "│ Partner QID        01/PARTNERCO                                              │",
        "│ Partner            Partner Company Inc.                                      │",
        "╰──────────────────────────────────────────────────────────────────────────────╯",
    ]


def test_setup_finds_an_existing_reverse_interconnect_and_writes_nothing(cli, backend):
    backend.add_interconnect(88001, 334455, 111111)
    result = cli(*SETUP, "--json")
    assert result.code == 0
    document = result.json()
    assert (document["created"], document["outcome"]) == (False, "existing")
    assert document["interconnect"] == ic_doc(88001, 334455, 111111)
    assert backend.writes() == []


def test_setup_existing_piped_says_not_created(cli, backend):
    backend.add_interconnect(88001, 111111, 334455, status="Suspended")
    result = cli(*SETUP)
    assert result.code == 0
    assert result.err == "interconnect 88001 already exists (Suspended); not created\n"
    assert result.out_lines[:3] == [
        "Outcome\tinterconnect 88001 already exists (Suspended); not created",
        "Created\tfalse",
        "Interconnect\t88001",
    ]


def test_setup_ignores_terminated_interconnects(cli, backend):
    backend.add_interconnect(88001, 111111, 334455, status="Terminated")
    result = cli(*SETUP, "--json")
    assert result.json()["outcome"] == "created"
    assert len(backend.writes("create_interconnect")) == 1


def test_setup_twice_creates_once(cli, backend):
    assert cli(*SETUP, "--json").json()["created"] is True
    second = cli(*SETUP, "--json")
    assert (second.code, second.json()["outcome"]) == (0, "existing")
    assert len(backend.writes("create_interconnect")) == 1


def test_setup_adopts_the_interconnect_another_writer_just_made(cli, backend):
    def another_writer_wins(a, b, **kwargs):
        backend.add_interconnect(88999, b, a)
        return True

    backend.fail("create_interconnect", ConflictError("exists"), when=another_writer_wins)
    result = cli(*SETUP, "--json")
    assert result.code == 0, result.err
    assert (result.json()["outcome"], result.json()["interconnect"]["interconnectId"]) == (
        "existing",
        88999,
    )


def test_setup_whose_create_answer_was_lost_is_unconfirmed_not_sent_twice(cli, backend):
    backend.lose_answer("create_interconnect")
    result = cli(*SETUP, "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert (document["created"], document["outcome"]) == (False, "unconfirmed")
    assert document["interconnect"]["interconnectId"] == 88200
    assert len(backend.writes("create_interconnect")) == 1
    piped = cli(*SETUP)
    assert piped.err == "interconnect 88200 already exists (Active); not created\n"


def test_setup_lost_answer_note(cli, backend):
    backend.lose_answer("create_interconnect")
    result = cli(*SETUP)
    assert result.err == (
        "interconnect 88200 joins the pair now; the create's answer was lost, "
        "so this run cannot show it made it\n"
    )


def test_setup_status_in_either_vocabulary(cli, backend):
    result = cli(*SETUP, "--status", "pending", "--json")
    assert result.code == 0, result.err
    assert backend.writes("create_interconnect")[0].kwargs["status"] == "Development"
    assert result.json()["interconnect"]["status"] == "Development"


def test_setup_from_defaults_to_the_profile_id(cli, backend, monkeypatch):
    monkeypatch.setenv("ECGRID_ECGRID_ID", "111111")
    result = cli("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--json")
    assert result.code == 0, result.err
    assert backend.writes("create_interconnect")[0].args == (111111, 334455)


# -- dry run ---------------------------------------------------------------------------------


def test_setup_dry_run_piped_says_what_it_would_create(cli, backend):
    result = cli(*SETUP, "--dry-run")
    assert result.code == 0
    assert result.out == (
        "Outcome\twould create interconnect 111111 → 334455 (01/PARTNERCO)\n"
        "Created\tfalse\n"
        "Interconnect\t\n"
        "From\t111111\n"
        "To\t334455\n"
        "Status\t\n"
        "Partner ECGrid ID\t334455\n"
        "Partner QID\t01/PARTNERCO\n"
        "Partner\tPartner Company Inc.\n"
    )
    assert result.err == (
        "would create interconnect 111111 → 334455 (01/PARTNERCO)\ndry run: nothing changed\n"
    )
    assert backend.writes() == []


def test_setup_dry_run_on_a_terminal(cli, backend):
    result = cli(*SETUP, "--dry-run", tty=True)
    assert result.code == 0
    assert result.screen == [
        "╭─────────────────────── Interconnect setup (dry run) ────────────────────────╮",
        "│ Outcome            would create interconnect 111111 → 334455 (01/PARTNERCO) │",
        "│ Created            false                                                    │",
        "│ Interconnect                                                                │",
        "│ From               111111                                                   │",
        "│ To                 334455                                                   │",
        "│ Status                                                                      │",
        "│ Partner ECGrid ID  334455                                                   │",
        "│ Partner QID        01/PARTNERCO                                             │",
        "│ Partner            Partner Company Inc.                                     │",
        "╰─────────────────────────────────────────────────────────────────────────────╯",
    ]
    assert backend.writes() == []


def test_setup_dry_run_json(cli, backend):
    result = cli(*SETUP, "--dry-run", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {
        "created": False,
        "outcome": "would-create",
        "interconnect": None,
        "partner": PARTNER_DOC,
        "testParcelId": None,
        "dryRun": True,
        "wouldCreate": True,
    }


def test_setup_dry_run_of_an_existing_pair(cli, backend):
    backend.add_interconnect(88001, 334455, 111111)
    result = cli(*SETUP, "--dry-run", "--json")
    assert result.json()["outcome"] == "existing"
    assert result.json()["wouldCreate"] is False
    piped = cli(*SETUP, "--dry-run")
    assert piped.err_lines[0] == "interconnect 88001 already joins the pair (Active); nothing to do"


# -- finding the partner ---------------------------------------------------------------------


def test_setup_several_active_matches_exit_5_with_candidates(cli, backend):
    result = cli("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--from", "111111", "--json")
    assert (result.code, result.out) == (5, "")
    assert result.err_json() == {
        "error": {
            "code": "AmbiguousMatch",
            "message": "2 Active ECGrid IDs match ZZ/TWINCO: 600001 (Twin A), 600002 (Twin B); "
            "choose one with --partner-ecgrid-id N",
            "httpStatus": None,
            "details": {"qid": "ZZ/TWINCO", "candidates": [600001, 600002]},
        }
    }
    assert backend.writes() == []


def test_setup_ambiguous_piped_is_one_line(cli, backend):
    result = cli("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--from", "111111")
    assert result.code == 5
    assert result.err == (
        "error: 2 Active ECGrid IDs match ZZ/TWINCO: 600001 (Twin A), 600002 (Twin B); "
        "choose one with --partner-ecgrid-id N\n"
    )


def test_setup_partner_ecgrid_id_settles_an_ambiguity(cli, backend):
    result = cli(
        "interconnect", "setup", "--partner-ecgrid-id", "600002", "--from", "111111", "--json"
    )
    assert result.code == 0, result.err
    assert backend.writes("create_interconnect")[0].args == (111111, 600002)
    assert "find_ids" not in backend.methods


def test_setup_partner_ecgrid_id_and_a_different_qid_exit_5(cli, backend):
    result = cli(
        "interconnect",
        "setup",
        "--partner-ecgrid-id",
        "334455",
        "-q",
        "01",
        "-i",
        "OTHER",
        "--from",
        "111111",
        "--json",
    )
    assert result.code == 5
    assert result.err_json()["error"] == {
        "code": "PartnerMismatch",
        "message": "ECGrid ID 334455 is 01/PARTNERCO, not 01/OTHER",
        "httpStatus": None,
        "details": {"ecGridId": 334455},
    }


def test_setup_picks_the_single_active_match(cli, backend):
    result = cli(
        "interconnect", "setup", "-q", "ZZ", "-i", "REUSEDCO", "--from", "111111", "--json"
    )
    assert result.code == 0, result.err
    assert result.json()["partner"]["ecGridId"] == 500002


def test_setup_partner_not_found_exits_4(cli, backend):
    result = cli("interconnect", "setup", "-q", "ZZ", "-i", "NOBODY", "--from", "111111", "--json")
    assert (result.code, result.out) == (4, "")
    assert result.err_json()["error"] == {
        "code": "PartnerNotFound",
        "message": "no ECGrid ID is registered for ZZ/NOBODY; onboard the partner first "
        "(ecgrid ids create, or setup --onboard --mailbox N)",
        "httpStatus": None,
        "details": {"qid": "ZZ/NOBODY"},
    }


def test_setup_only_inactive_matches_exit_4(cli, backend):
    backend.add_id(700004, "ZZ", "DORMANTCO", "Dormant", status="Suspended")
    result = cli(
        "interconnect", "setup", "-q", "ZZ", "-i", "DORMANTCO", "--from", "111111", "--json"
    )
    assert result.code == 4
    assert result.err_json()["error"]["details"] == {"qid": "ZZ/DORMANTCO", "found": [700004]}


def test_setup_with_itself_as_partner_is_a_usage_error(cli, backend):
    result = cli("interconnect", "setup", "-q", "ZZ", "-i", "MYCOMPANY", "--from", "111111")
    assert result.code == 2
    assert result.err == (
        "error: the partner's ECGrid ID 111111 is the same as --from; "
        "an interconnect joins two different IDs\n"
    )
    assert backend.writes() == []


# -- onboarding ------------------------------------------------------------------------------

ONBOARD = (
    "interconnect",
    "setup",
    "-q",
    "ZZ",
    "-i",
    "NEWPARTNER",
    "--from",
    "111111",
    "--onboard",
    "--mailbox",
    "3001",
)


def test_onboarding_creates_the_partner_id_then_the_interconnect(cli, backend):
    result = cli(*ONBOARD, "--description", "New Partner", "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert (document["outcome"], document["partnerCreated"]) == ("created", True)
    assert document["partner"]["ecGridId"] == 900100
    assert document["partner"]["description"] == "New Partner"
    assert document["interconnect"]["ecGridIdTo"] == 900100
    assert [call.method for call in backend.writes()] == ["create_id", "create_interconnect"]


def test_onboarding_an_already_registered_partner_creates_no_id(cli, backend):
    result = cli(
        "interconnect",
        "setup",
        "-q",
        "01",
        "-i",
        "PARTNERCO",
        "--from",
        "111111",
        "--onboard",
        "--mailbox",
        "3001",
        "--json",
    )
    assert result.code == 0, result.err
    assert result.json()["partnerCreated"] is False
    assert [call.method for call in backend.writes()] == ["create_interconnect"]


def test_onboarding_dry_run_says_both_steps_and_changes_nothing(cli, backend):
    result = cli(*ONBOARD, "--dry-run")
    assert result.code == 0
    sentence = (
        "would onboard ZZ/NEWPARTNER into mailbox 3001, then would create interconnect "
        "111111 → a new ECGrid ID (ZZ/NEWPARTNER)"
    )
    assert result.out_lines[0] == f"Outcome\t{sentence}"
    assert result.err_lines == [sentence, "dry run: nothing changed"]
    assert backend.writes() == []
    document = cli(*ONBOARD, "--dry-run", "--json").json()
    assert document["partner"]["ecGridId"] is None
    assert document["partner"]["mailboxId"] == 3001
    # Nothing was created: the dry run says it would onboard, not that it did.
    assert (document["partnerCreated"], document["wouldCreate"]) == (False, True)
    assert document["wouldOnboard"] is True


def test_onboarding_tells_people_that_the_partner_id_was_registered(cli, backend):
    result = cli(*ONBOARD)
    assert result.code == 0
    assert "900100" in result.err_lines[0] and "onboard" in result.err_lines[0]


def test_onboarding_whose_id_create_answer_was_lost_is_not_sent_twice(cli, backend):
    backend.lose_answer("create_id")
    result = cli(*ONBOARD, "--json")
    assert result.code == 0, result.err
    assert len(backend.writes("create_id")) == 1
    assert result.json()["partnerCreated"] is False  # cannot show this run made it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--onboard"], "--onboard needs --mailbox N (the mailbox that will own the partner's ID)"),
        (["--mailbox", "3001"], "--mailbox goes with --onboard"),
    ],
)
def test_onboarding_flags_go_together(cli, backend, args, message):
    result = cli("interconnect", "setup", "-q", "ZZ", "-i", "X", "--from", "111111", *args)
    assert (result.code, result.err) == (2, f"error: {message}\n")
    assert backend.calls == []


# -- delivery proof --------------------------------------------------------------------------


def test_verify_delivered_exit_0_with_the_parcel(cli, backend):
    result = cli(*SETUP, "--verify", "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert document["testParcelId"] == 900001
    assert document["delivery"] == {
        "verdict": "delivered",
        "parcelId": 900001,
        "status": "InBoxReady",
        "detail": "test parcel 900001: InBoxReady",
    }
    assert backend.called("send_test_file")[0].args == (111111, 334455)


def test_verify_piped_shows_the_verdict(cli, backend):
    result = cli(*SETUP, "--verify")
    assert result.code == 0
    assert result.out_lines[-2:] == [
        "Delivery\tdelivered (test parcel 900001: InBoxReady)",
        "Test parcel\t900001",
    ]
    assert result.err_lines[-1] == "delivery delivered: test parcel 900001: InBoxReady"


def test_verify_failed_exits_8(cli, backend, delivery_clock):
    backend.parcel_statuses = ["outboxPending", "outboxSent", "outboxFailed"]
    result = cli(*SETUP, "--verify")
    assert result.code == 8
    assert result.err_lines[-1] == "delivery failed: test parcel 900001: outboxFailed"
    assert len(backend.called("get_parcel")) == 3
    assert delivery_clock == [0.25, 0.5]  # polls back off


def test_verify_still_pending_at_the_deadline_exits_8(cli, backend, delivery_clock):
    backend.parcel_statuses = ["outboxPending"]
    result = cli(*SETUP, "--verify", "--verify-timeout", "5", "--json")
    assert result.code == 8
    assert result.json()["delivery"]["verdict"] == "pending"
    assert result.json()["delivery"]["detail"] == (
        "test parcel 900001 still outboxPending after 5s"
    )
    assert sum(delivery_clock) == 5


def test_verify_on_a_non_routing_interconnect_is_not_tested_exit_8(cli, backend):
    backend.add_interconnect(88001, 111111, 334455, status="Suspended")
    result = cli(*SETUP, "--verify", "--json")
    assert result.code == 8
    assert result.json()["delivery"] == {
        "verdict": "not_tested",
        "parcelId": None,
        "status": None,
        "detail": "interconnect 88001 is Suspended, not routing: a test parcel would be rejected",
    }
    assert "send_test_file" not in backend.methods


def test_verify_timeout_must_be_positive(cli, backend):
    result = cli(*SETUP, "--verify", "--verify-timeout", "0")
    assert result.code == 2
    assert result.err == (
        "error: invalid --verify-timeout 0: expected seconds, more than 0 up to 3600\n"
    )


# -- usage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "111111"],
        ["-q", "ZZ", "--from", "111111"],
        ["-i", "X", "--from", "111111"],
    ],
)
def test_setup_needs_a_partner(cli, backend, args):
    result = cli("interconnect", "setup", *args)
    assert result.code == 2
    assert result.err == (
        "error: give the partner as --qualifier Q --id ID, or --partner-ecgrid-id N, "
        "or --file PATH\n"
    )


def test_setup_without_from_or_profile_id(cli, backend):
    result = cli("interconnect", "setup", "-q", "01", "-i", "PARTNERCO")
    assert result.code == 2
    assert "no --from given and the profile has no ecgrid_id" in result.err
    assert backend.calls == []


def test_setup_piped_output_is_plain(cli, backend):
    for extra in ((), ("--dry-run",), ("--verify",)):
        assert_plain(cli(*SETUP, *extra).out)


def test_verify_on_a_terminal_shows_a_spinner_then_the_verdict(cli, backend):
    backend.parcel_statuses = ["outboxPending", "InBoxReady"]
    result = cli(*SETUP, "--verify", tty=True)
    assert result.code == 0, result.err
    assert "waiting for the test parcel's verdict" in result.err  # the live spinner
    assert result.err_screen == [
        "created interconnect 88200: 111111 → 334455 (01/PARTNERCO)",
        "delivery delivered: test parcel 900001: InBoxReady",
    ]
    assert "│ Delivery           delivered (test parcel 900001: InBoxReady)" in result.out
    assert "│ Test parcel        900001" in result.out
