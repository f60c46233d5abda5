"""`ecgrid ids ...` (find, get, create, tp-move) over both APIs, against a sandbox.

What a run proves about the CLI alone (usage errors, messages for people, plans and
prompts) is proven in-process in ``tests/cli/test_ids.py``; here each command goes over
the wire, with ``-v`` where its output allows, and server-side state is read back
through the CLI itself.
"""

from __future__ import annotations

import pytest
from e2e_support import (
    ANSI_OR_BOX,
    ECGRID_ID_KEYS,
    HUB_ID,
    NOT_FOUND,
    PARTNERCO_DOCS,
    assert_json_error,
    find_request_lines,
    request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def test_ids_find_and_get(reader, api) -> None:
    as_json, long_flags, piped, nothing, missing, got = run_parallel(
        reader,
        ("-v", "ids", "find", "-q", "01", "-i", "PARTNERCO", "--json"),
        # Long flags, letter case as typed, two IDs under one QID.
        ("ids", "find", "--qualifier", "zz", "--id", "twinco", "--json"),
        ("ids", "find", "-q", "01", "-i", "PARTNERCO"),
        ("-v", "ids", "find", "-q", "ZZ", "-i", "NOBODYHERE", "--json"),
        ("-v", "ids", "get", "999", "--json"),
        ("-v", "ids", "get", str(HUB_ID), "--json"),
    )
    assert as_json.code == 0, as_json.describe()
    assert as_json.json() == [PARTNERCO_DOCS[api]]
    assert request_lines(as_json.err), as_json.err  # -v shows the requests on stderr

    assert long_flags.code == 0, long_flags.describe()
    assert sorted(doc["ecGridId"] for doc in long_flags.json()) == [600001, 600002]

    assert piped.code == 0, piped.describe()
    assert not ANSI_OR_BOX.search(piped.out), piped.out
    assert piped.tsv() == [
        ["334455", "01", "PARTNERCO", "Partner Company Inc.", "Active", "3001", "9"]
    ]
    # Padding never shows: the sandbox sends ISA IDs padded to 15 characters.
    assert "PARTNERCO " not in piped.out and "PARTNERCO " not in as_json.out

    assert (nothing.code, nothing.json()) == (0, []), nothing.describe()

    assert missing.code == 4, missing.describe()
    assert_json_error(missing, *NOT_FOUND[api])

    assert got.code == 0, got.describe()
    doc = got.json()
    assert set(doc) == ECGRID_ID_KEYS
    assert doc["ecGridId"] == HUB_ID
    assert (doc["qualifier"], doc["id"]) == ("01", "PARTNER001")
    assert doc["description"] == "Acme Corp Production"
    assert (doc["mailboxId"], doc["networkId"], doc["status"]) == (1001, 42, "Active")


def test_ids_create_and_tp_move(cli, api) -> None:
    """Onboarding a partner's ID: created once; the same QID again is a conflict (5).
    Moving an ID: a dry run reads the plan from the server, another network is refused
    by the API (1), ``--yes`` moves it."""
    made = cli(
        "-v", "ids", "create", "-q", "ZZ", "-i", "FRESHCO", "--mailbox", "1001",
        "--description", "Fresh Co", "--json",
    )  # fmt: skip
    assert made.code == 0, made.describe()
    doc = made.json()
    assert set(doc) == ECGRID_ID_KEYS
    assert (doc["qualifier"], doc["id"], doc["description"]) == ("ZZ", "FRESHCO", "Fresh Co")
    assert (doc["mailboxId"], doc["networkId"], doc["status"]) == (1001, 42, "Active")
    assert isinstance(doc["ecGridId"], int) and doc["ecGridId"] > 0

    hub = str(HUB_ID)
    commands = [
        ("-v", "ids", "create", "-q", "zz", "-i", "freshco", "--mailbox", "1001", "--json"),
        ("-v", "ids", "tp-move", hub, "--mailbox", "2001", "--yes", "--json"),
        ("-v", "ids", "tp-move", hub, "--mailbox", "1002", "--dry-run", "--json"),
    ]
    if api == "rest":  # ECGridOS TPAddEx has no use type (refused in tests/cli/test_ids.py)
        commands.append(("ids", "create", "-q", "ZZ", "-i", "OTHERCO", "-m", "1001",
                         "--use-type", "Test", "--json"))  # fmt: skip
    again, other_network, dry_run, *use_type = run_parallel(cli, *commands)
    assert again.code == 5, again.describe()
    assert_json_error(again)

    # Another network: the API refuses (exit 1), in its own words.
    assert other_network.code == 1, other_network.describe()
    error = assert_json_error(other_network)
    assert "network" in error["message"]
    assert error["httpStatus"] == (400 if api == "rest" else 500)

    assert dry_run.code == 0, dry_run.describe()
    assert dry_run.json() == {
        "dryRun": True,
        "plan": {
            "ecGridId": HUB_ID,
            "qualifier": "01",
            "id": "PARTNER001",
            "fromMailboxId": 1001,
            "toMailboxId": 1002,
        },
    }
    for result in use_type:
        assert result.code == 0, result.describe()
        assert (result.json()["id"], result.json()["mailboxId"]) == ("OTHERCO", 1001)

    moved = cli("-v", "ids", "tp-move", hub, "--mailbox", "1002", "--yes", "--json")
    assert moved.code == 0, moved.describe()
    assert moved.json()["mailboxId"] == 1002
    got = cli("ids", "get", hub, "--json")
    assert got.json()["mailboxId"] == 1002  # neither the refusal nor the dry run moved it


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
    assert (second.json()["id"], second.json()["mailboxId"]) == ("STYLECO2", 1002)
    posts = [line for line in request_lines(second.err) if line.startswith("> POST")]
    assert len(posts) == 1, second.err  # the form that worked, straight away
    assert not find_request_lines(second.err)
