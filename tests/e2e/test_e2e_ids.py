"""`ecgrid ids ...` (find, get, create, tp-move) over both APIs, against a sandbox.

Each test starts from fresh seed data and reads server-side state back through the
CLI itself.
"""

from __future__ import annotations

import pytest
from e2e_support import (
    ANSI_OR_BOX,
    ECGRID_ID_KEYS,
    HUB_ID,
    NOT_FOUND,
    PARTNERCO_DOCS,
    PARTNERCO_ID,
    assert_json_error,
    find_request_lines,
    request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def mailbox_of(run, ecgrid_id: int) -> int:
    result = run("ids", "get", str(ecgrid_id), "--json")
    assert result.code == 0, result.describe()
    return result.json()["mailboxId"]


def test_ids_find_and_get(cli, api) -> None:
    as_json, long_flags, piped, nothing, nothing_piped, twins = run_parallel(
        cli,
        ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--json"),
        ("ids", "find", "--qualifier", "01", "--id", "partnerco", "--json"),
        ("ids", "find", "-q", "01", "-i", "PARTNERCO"),
        ("ids", "find", "-q", "ZZ", "-i", "NOBODYHERE", "--json"),
        ("ids", "find", "-q", "ZZ", "-i", "NOBODYHERE"),
        ("ids", "find", "-q", "zz", "-i", "TWINCO", "--json"),
    )
    assert as_json.code == 0, as_json.describe()
    assert as_json.json() == [PARTNERCO_DOCS[api]]
    assert as_json.err == ""

    assert long_flags.code == 0, long_flags.describe()
    assert [doc["ecGridId"] for doc in long_flags.json()] == [PARTNERCO_ID]

    assert piped.code == 0, piped.describe()
    assert not ANSI_OR_BOX.search(piped.out), piped.out
    assert piped.tsv() == [
        ["334455", "01", "PARTNERCO", "Partner Company Inc.", "Active", "3001", "9"]
    ]
    # Padding never shows: the sandbox sends ISA IDs padded to 15 characters.
    assert "PARTNERCO " not in piped.out and "PARTNERCO " not in as_json.out

    assert (nothing.code, nothing.json()) == (0, []), nothing.describe()
    assert (nothing_piped.code, nothing_piped.out) == (0, ""), nothing_piped.describe()
    assert "NOBODYHERE" in nothing_piped.err  # the empty note, on stderr only

    assert twins.code == 0, twins.describe()
    assert sorted(doc["ecGridId"] for doc in twins.json()) == [600001, 600002]

    _ids_get(cli, api)


def _ids_get(cli, api) -> None:
    result, piped, missing, human_missing, bad = run_parallel(
        cli,
        ("ids", "get", str(HUB_ID), "--json"),
        ("ids", "get", str(PARTNERCO_ID)),
        ("ids", "get", "999", "--json"),
        ("ids", "get", "999"),
        ("ids", "get", "abc", "--json"),
    )
    assert result.code == 0, result.describe()
    doc = result.json()
    assert set(doc) == ECGRID_ID_KEYS
    assert doc["ecGridId"] == HUB_ID
    assert (doc["qualifier"], doc["id"]) == ("01", "PARTNER001")
    assert doc["description"] == "Acme Corp Production"
    assert (doc["mailboxId"], doc["networkId"], doc["status"]) == (1001, 42, "Active")

    assert piped.code == 0, piped.describe()
    record = piped.record()
    assert record["ECGrid ID"] == "334455"
    assert record["ISA ID"] == "PARTNERCO"
    assert record["Mailbox"] == "3001"
    assert not ANSI_OR_BOX.search(piped.out)

    assert missing.code == 4, missing.describe()
    assert_json_error(missing, *NOT_FOUND[api])
    assert human_missing.code == 4, human_missing.describe()
    assert human_missing.out == ""
    assert human_missing.err.startswith("error: ") and "999" in human_missing.err

    assert bad.code == 2, bad.describe()
    error = assert_json_error(bad, "UsageError", None)
    assert error["details"] == {"field": "ECGRID_ID", "value": "abc"}


def _tp_move_with_yes_moves_the_id(cli) -> None:
    result = cli("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--yes", "--json")
    assert result.code == 0, result.describe()
    assert result.json()["mailboxId"] == 1002
    assert mailbox_of(cli, HUB_ID) == 1002

    # Moving to where it already is: nothing to do, still success (no --yes needed).
    again = cli("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--json")
    assert again.code == 0, again.describe()
    assert again.json()["mailboxId"] == 1002

    back = cli("ids", "tp-move", str(HUB_ID), "-m", "1001", "-y")
    assert back.code == 0, back.describe()
    assert "1001" in back.err  # the human note says where it went
    assert back.record()["Mailbox"] == "1001"
    assert mailbox_of(cli, HUB_ID) == 1001


def test_tp_move(cli, api) -> None:
    _tp_move_refusals_change_nothing(cli, api)
    _tp_move_with_yes_moves_the_id(cli)


def _tp_move_refusals_change_nothing(cli, api) -> None:
    other_network, no_yes, no_yes_json, dry_json, dry_human = run_parallel(
        cli,
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "2001", "--yes", "--json"),
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002"),
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--json"),
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--dry-run", "--json"),
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--dry-run", "--yes"),
    )
    # Another network: the API refuses (exit 1), in its own words.
    assert other_network.code == 1, other_network.describe()
    error = assert_json_error(other_network)
    assert "network" in error["message"]
    assert error["httpStatus"] == (400 if api == "rest" else 500)

    # No terminal and no --yes: refused before anything is sent.
    assert no_yes.code == 2, no_yes.describe()
    assert "--yes" in no_yes.err
    assert no_yes.out == ""
    assert no_yes_json.code == 2, no_yes_json.describe()
    assert_json_error(no_yes_json, "UsageError")

    assert dry_json.code == 0, dry_json.describe()
    assert dry_json.json() == {
        "dryRun": True,
        "plan": {
            "ecGridId": HUB_ID,
            "qualifier": "01",
            "id": "PARTNER001",
            "fromMailboxId": 1001,
            "toMailboxId": 1002,
        },
    }
    assert dry_human.code == 0, dry_human.describe()
    assert "dry run" in dry_human.err
    assert dry_human.record()["To mailbox"] == "1002"
    assert mailbox_of(cli, HUB_ID) == 1001


def test_ids_create(cli, api) -> None:
    """Onboarding a partner's ID: created once; the same QID again is a conflict (5)."""
    made = cli(
        "ids", "create", "-q", "ZZ", "-i", "FRESHCO", "--mailbox", "1001",
        "--description", "Fresh Co", "--json",
    )  # fmt: skip
    assert made.code == 0, made.describe()
    doc = made.json()
    assert set(doc) == ECGRID_ID_KEYS
    assert (doc["qualifier"], doc["id"], doc["description"]) == ("ZZ", "FRESHCO", "Fresh Co")
    assert (doc["mailboxId"], doc["networkId"], doc["status"]) == (1001, 42, "Active")
    new_id = doc["ecGridId"]
    assert isinstance(new_id, int) and new_id > 0

    found, got, again, human, use_type, bad_mailbox = run_parallel(
        cli,
        ("ids", "find", "-q", "ZZ", "-i", "FRESHCO", "--json"),
        ("ids", "get", str(new_id), "--json"),
        ("ids", "create", "-q", "ZZ", "-i", "FRESHCO", "--mailbox", "1001", "--json"),
        ("ids", "create", "-q", "ZZ", "-i", "FRESHCO", "-m", "1001"),
        ("ids", "create", "-q", "ZZ", "-i", "OTHERCO", "-m", "1001", "--use-type", "Test"),
        ("ids", "create", "-q", "ZZ", "-i", "OTHERCO", "-m", "abc"),
    )
    assert [d["ecGridId"] for d in found.json()] == [new_id]
    assert got.json() == doc
    assert again.code == 5, again.describe()
    assert_json_error(again)
    assert human.code == 5 and human.err.startswith("error: "), human.describe()
    assert "FRESHCO" in human.err
    if api == "rest":
        assert use_type.code == 0, use_type.describe()
        assert use_type.record()["ISA ID"] == "OTHERCO"
    else:  # ECGridOS TPAddEx has no use type: refused before anything is sent
        assert use_type.code == 2, use_type.describe()
        assert "--use-type" in use_type.err
    assert bad_mailbox.code == 2, bad_mailbox.describe()
    others = cli("ids", "find", "-q", "ZZ", "-i", "OTHERCO", "--json")
    assert len(others.json()) == (1 if api == "rest" else 0)


@pytest.mark.parametrize("style", ["reference", "guide"])
def test_ids_create_body_styles(start_sandbox, runner_for, tmp_path, style) -> None:
    """REST `POST /v2/ids` in whichever documented body the server takes; remembered."""
    server = start_sandbox("--id-create-style", style)
    run = runner_for(server.url)
    first = run("-v", "ids", "create", "-q", "ZZ", "-i", "STYLECO1", "-m", "1001", "--json")
    assert first.code == 0, first.describe()
    assert (first.json()["qualifier"], first.json()["id"]) == ("ZZ", "STYLECO1")
    posts = [
        line for line in request_lines(first.err) if line.startswith("> POST") and "/v2/ids" in line
    ]
    assert 1 <= len(posts) <= 2, first.err  # at most one refused probe

    second = run("-v", "ids", "create", "-q", "ZZ", "-i", "STYLECO2", "-m", "1002", "--json")
    assert second.code == 0, second.describe()
    assert second.json()["mailboxId"] == 1002
    posts = [line for line in request_lines(second.err) if line.startswith("> POST")]
    assert len(posts) == 1, second.err  # the form that worked, straight away
    assert not find_request_lines(second.err)

    found = run("ids", "find", "-q", "ZZ", "-i", "STYLECO2", "--json")
    assert [d["ecGridId"] for d in found.json()] == [second.json()["ecGridId"]]
