"""Every command of the installed ``ecgrid`` against a sandbox subprocess.

Each test starts from fresh seed data and reads server-side state back through the
CLI itself (``ids get``, ``partners get/count/list``).
"""

from __future__ import annotations

import re
import socket
from functools import partial

import pytest
from e2e_support import (
    ANSI_OR_BOX,
    API_KEY,
    ECGRID_ID_KEYS,
    HUB_ID,
    INTERCONNECT_KEYS,
    OWN_ID,
    PARTNERCO_DOC,
    PARTNERCO_ID,
    SETUP_KEYS,
    WIDGET_ID,
    WRONG_KEY,
    in_parallel,
    live_pairs,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def _count(run_ecgrid, ecgrid_id: int, *status: str) -> int:
    args = ("--status", status[0]) if status else ()
    result = run_ecgrid("partners", "count", str(ecgrid_id), *args, "--json")
    assert result.code == 0, result.describe()
    return result.json()["count"]


def _mailbox(run_ecgrid, ecgrid_id: int) -> int:
    result = run_ecgrid("ids", "get", str(ecgrid_id), "--json")
    assert result.code == 0, result.describe()
    return result.json()["mailboxId"]


def _assert_json_error(result, code: str | None = None, http_status: object = ...) -> dict:
    """stdout empty, stderr ends with {"error": {"code", "message", "httpStatus"}}."""
    assert result.out == "", result.describe()
    error = result.err_json()["error"]
    assert set(error) == {"code", "message", "httpStatus"}, error
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    if http_status is not ...:
        assert error["httpStatus"] == http_status, error
    return error


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- global options ------------------------------------------------------------------


def test_version(run_ecgrid) -> None:
    result = run_ecgrid("--version")
    assert result.code == 0, result.describe()
    assert re.fullmatch(r"ecgrid \d+\.\d+\.\d+\S*\n", result.out), result.out
    assert result.err == ""


def test_usage_error_exits_2_with_json_error(run_ecgrid) -> None:
    missing_id, bad_number, bad_status = run_parallel(
        run_ecgrid,
        ("ids", "find", "-q", "01", "--json"),
        ("ids", "get", "abc", "--json"),
        ("partners", "count", str(HUB_ID), "--status", "Nope"),
    )
    assert missing_id.code == 2, missing_id.describe()
    _assert_json_error(missing_id, "UsageError", None)
    assert bad_number.code == 2, bad_number.describe()
    _assert_json_error(bad_number, "UsageError", None)
    assert bad_status.code == 2, bad_status.describe()
    assert bad_status.out == ""
    assert bad_status.err.startswith("error: ")


# -- ids -------------------------------------------------------------------------------


def test_ids_find_json_and_tsv(run_ecgrid) -> None:
    as_json, long_flags, piped = run_parallel(
        run_ecgrid,
        ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--json"),
        ("ids", "find", "--qualifier", "01", "--id", "partnerco", "--json"),
        ("ids", "find", "-q", "01", "-i", "PARTNERCO"),
    )
    assert as_json.code == 0, as_json.describe()
    assert as_json.json() == [PARTNERCO_DOC]
    assert as_json.err == ""

    assert long_flags.code == 0, long_flags.describe()
    assert [doc["ecGridId"] for doc in long_flags.json()] == [PARTNERCO_ID]

    assert piped.code == 0, piped.describe()
    assert not ANSI_OR_BOX.search(piped.out), piped.out
    rows = [line.split("\t") for line in piped.out.splitlines()]
    assert rows == [["334455", "01", "PARTNERCO", "Partner Company Inc.", "Active", "3001", "9"]]

    # Padding never shows: the sandbox sends ISA IDs padded to 15 characters.
    assert "PARTNERCO " not in piped.out and "PARTNERCO " not in as_json.out


def test_ids_find_nothing_is_an_empty_array(run_ecgrid) -> None:
    result, piped = run_parallel(
        run_ecgrid,
        ("ids", "find", "-q", "ZZ", "-i", "NOBODYHERE", "--json"),
        ("ids", "find", "-q", "ZZ", "-i", "NOBODYHERE"),
    )
    assert result.code == 0, result.describe()
    assert result.json() == []
    assert piped.code == 0, piped.describe()
    assert piped.out == ""


def test_ids_find_twinco_lists_both(run_ecgrid) -> None:
    result = run_ecgrid("ids", "find", "-q", "zz", "-i", "TWINCO", "--json")
    assert result.code == 0, result.describe()
    assert sorted(doc["ecGridId"] for doc in result.json()) == [600001, 600002]


def test_ids_get(run_ecgrid) -> None:
    result, piped, missing = run_parallel(
        run_ecgrid,
        ("ids", "get", str(HUB_ID), "--json"),
        ("ids", "get", str(PARTNERCO_ID)),
        ("ids", "get", "999", "--json"),
    )
    assert result.code == 0, result.describe()
    doc = result.json()
    assert set(doc) == ECGRID_ID_KEYS
    assert doc["ecGridId"] == HUB_ID
    assert (doc["qualifier"], doc["id"]) == ("01", "PARTNER001")
    assert doc["description"] == "Acme Corp Production"
    assert (doc["mailboxId"], doc["networkId"], doc["status"]) == (1001, 42, "Active")

    assert piped.code == 0, piped.describe()
    record = dict(line.split("\t", 1) for line in piped.out.splitlines())
    assert record["ECGrid ID"] == "334455"
    assert record["ISA ID"] == "PARTNERCO"
    assert not ANSI_OR_BOX.search(piped.out)

    assert missing.code == 4, missing.describe()
    _assert_json_error(missing, "ObjectNotFound", 404)


def test_tp_move_with_yes_moves_the_id(run_ecgrid) -> None:
    result = run_ecgrid("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--yes", "--json")
    assert result.code == 0, result.describe()
    assert result.json()["mailboxId"] == 1002
    assert _mailbox(run_ecgrid, HUB_ID) == 1002

    # Moving to where it already is: nothing to do, still success.
    again = run_ecgrid("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--json")
    assert again.code == 0, again.describe()
    assert again.json()["mailboxId"] == 1002

    back = run_ecgrid("ids", "tp-move", str(HUB_ID), "-m", "1001", "-y")
    assert back.code == 0, back.describe()
    assert "1001" in back.err  # the human note says where it went
    assert _mailbox(run_ecgrid, HUB_ID) == 1001


def test_tp_move_to_another_network_exits_1(run_ecgrid) -> None:
    result = run_ecgrid("ids", "tp-move", str(HUB_ID), "--mailbox", "2001", "--yes", "--json")
    assert result.code == 1, result.describe()
    error = _assert_json_error(result, "InvalidParameter", 400)
    assert "network" in error["message"]
    assert _mailbox(run_ecgrid, HUB_ID) == 1001


def test_tp_move_without_yes_and_terminal_exits_2(run_ecgrid) -> None:
    result, as_json = run_parallel(
        run_ecgrid,
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002"),
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--json"),
    )
    assert result.code == 2, result.describe()
    assert "--yes" in result.err
    assert result.out == ""
    assert as_json.code == 2, as_json.describe()
    _assert_json_error(as_json, "UsageError")
    assert _mailbox(run_ecgrid, HUB_ID) == 1001


def test_tp_move_dry_run_changes_nothing(run_ecgrid) -> None:
    result, human = run_parallel(
        run_ecgrid,
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--dry-run", "--json"),
        ("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--dry-run", "--yes"),
    )
    assert result.code == 0, result.describe()
    assert result.json() == {
        "dryRun": True,
        "plan": {
            "ecGridId": HUB_ID,
            "qualifier": "01",
            "id": "PARTNER001",
            "fromMailboxId": 1001,
            "toMailboxId": 1002,
        },
    }
    assert human.code == 0, human.describe()
    assert "dry run" in human.err
    assert _mailbox(run_ecgrid, HUB_ID) == 1001


# -- partners ------------------------------------------------------------------------------


def test_partners_count(run_ecgrid) -> None:
    hub = str(HUB_ID)
    active, mixed_case, total, suspended, plain = run_parallel(
        run_ecgrid,
        ("partners", "count", hub, "--status", "Active", "--json"),
        ("partners", "count", hub, "--status", "aCtIvE", "--json"),
        ("partners", "count", hub, "--json"),
        ("partners", "count", hub, "--status", "suspended", "--json"),
        ("partners", "count", hub, "--status", "Active"),
    )
    for result in (active, mixed_case, total, suspended, plain):
        assert result.code == 0, result.describe()
    assert active.json() == {"ecGridId": HUB_ID, "status": "Active", "count": 14}
    assert mixed_case.json() == active.json()
    assert total.json() == {"ecGridId": HUB_ID, "status": None, "count": 18}
    assert suspended.json()["count"] == 2
    assert plain.out == "14\n"


def test_partners_list(run_ecgrid) -> None:
    hub = str(HUB_ID)
    every, small_pages, active, page_two, default_page, tsv, both = run_parallel(
        run_ecgrid,
        ("partners", "list", hub, "--all", "--json"),
        ("partners", "list", hub, "--all", "--per-page", "5", "--json"),
        ("partners", "list", hub, "--all", "--status", "ACTIVE", "--json"),
        ("partners", "list", hub, "--page", "2", "--per-page", "5", "--json"),
        ("partners", "list", hub, "--json"),
        ("partners", "list", hub, "--all"),
        ("partners", "list", hub, "--all", "--page", "2"),
    )
    for result in (every, small_pages, active, page_two, default_page, tsv):
        assert result.code == 0, result.describe()
    docs = every.json()
    assert len(docs) == 18
    assert all(set(doc) == INTERCONNECT_KEYS for doc in docs)
    assert all(HUB_ID in (doc["ecGridIdFrom"], doc["ecGridIdTo"]) for doc in docs)
    assert len({doc["interconnectId"] for doc in docs}) == 18
    # The partner-initiated one (200014 -> 123456) is listed too.
    assert any(doc["ecGridIdTo"] == HUB_ID for doc in docs)

    assert small_pages.json() == docs
    assert len(active.json()) == 14
    assert {doc["status"] for doc in active.json()} == {"Active"}
    assert page_two.json() == docs[5:10]
    assert default_page.json() == docs  # 18 rows fit on the default page of 25

    lines = tsv.out.splitlines()
    assert len(lines) == 18
    assert all(len(line.split("\t")) == 6 for line in lines)
    assert [int(line.split("\t")[0]) for line in lines] == [d["interconnectId"] for d in docs]
    assert not ANSI_OR_BOX.search(tsv.out)

    assert both.code == 2, both.describe()


def test_partners_list_all_error_keeps_stdout_clean_without_json(run_ecgrid) -> None:
    result = run_ecgrid("partners", "list", "999", "--all")
    assert result.code == 4, result.describe()
    assert result.out == ""
    assert result.err.startswith("error: ")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("partners", "list", "999", "--all", "--json"), 4),
        (("partners", "list", str(HUB_ID), "--all", "--per-page", "600", "--json"), 1),
    ],
)
def test_partners_list_all_json_error_prints_nothing_on_stdout(run_ecgrid, args, code) -> None:
    result = run_ecgrid(*args)
    assert result.code == code, result.describe()
    assert result.err_json()["error"]["httpStatus"] in (400, 404)
    assert result.out == "", result.describe()


def test_partners_create_get_delete(run_ecgrid) -> None:
    before = _count(run_ecgrid, OWN_ID)
    created = run_ecgrid(
        "partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID), "--json"
    )
    assert created.code == 0, created.describe()
    doc = created.json()
    assert set(doc) == INTERCONNECT_KEYS
    assert (doc["ecGridIdFrom"], doc["ecGridIdTo"], doc["status"]) == (OWN_ID, WIDGET_ID, "Active")
    ic = str(doc["interconnectId"])

    count, duplicate, refused = run_parallel(
        run_ecgrid,
        ("partners", "count", str(OWN_ID), "--json"),
        ("partners", "create", "--from", str(WIDGET_ID), "--to", str(OWN_ID), "--json"),
        ("partners", "delete", ic),  # no --yes and no terminal: refused
    )
    assert count.json()["count"] == before + 1
    assert duplicate.code == 5, duplicate.describe()
    _assert_json_error(duplicate, "DuplicateObject")
    assert refused.code == 2, refused.describe()
    assert "--yes" in refused.err

    got = run_ecgrid("partners", "get", ic, "--json")
    assert got.code == 0, got.describe()
    assert got.json() == doc  # still Active after the refused delete

    deleted = run_ecgrid("partners", "delete", ic, "--yes", "--json")
    assert deleted.code == 0, deleted.describe()
    assert deleted.json()["status"] == "Terminated"
    assert deleted.json()["interconnectId"] == doc["interconnectId"]

    got, again, again_no_yes, bad_status = run_parallel(
        run_ecgrid,
        ("partners", "get", ic, "--json"),
        ("partners", "delete", ic, "--yes", "--json"),
        ("partners", "delete", ic),
        ("partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID), "--status", "dev"),
    )
    assert got.json()["status"] == "Terminated"
    assert again.code == 0, again.describe()
    assert again.json()["status"] == "Terminated"
    assert again_no_yes.code == 0, again_no_yes.describe()
    assert "already terminated" in again_no_yes.err
    assert bad_status.code == 2, bad_status.describe()  # 'dev' is not a status

    # A terminated interconnect does not block a new one between the same pair.
    recreated = run_ecgrid(
        "partners",
        "create",
        "--from",
        str(OWN_ID),
        "--to",
        str(WIDGET_ID),
        "--status",
        "development",
        "--json",
    )
    assert recreated.code == 0, recreated.describe()
    assert recreated.json()["status"] == "Development"
    assert recreated.json()["interconnectId"] != doc["interconnectId"]


def test_partners_get_missing_exits_4(run_ecgrid) -> None:
    result = run_ecgrid("partners", "get", "99999999", "--json")
    assert result.code == 4, result.describe()
    _assert_json_error(result, "ObjectNotFound", 404)
    delete = run_ecgrid("partners", "delete", "99999999", "--yes")
    assert delete.code == 4, delete.describe()


# -- interconnect setup ----------------------------------------------------------------


def _setup(run_ecgrid, *args: str):
    return run_ecgrid("interconnect", "setup", *args, "--json")


def test_setup_creates_then_is_idempotent(run_ecgrid) -> None:
    before = _count(run_ecgrid, OWN_ID)
    first = _setup(run_ecgrid, "-q", "01", "-i", "PARTNERCO", "--from", str(OWN_ID))
    assert first.code == 0, first.describe()
    doc = first.json()
    assert set(doc) == SETUP_KEYS
    assert doc["created"] is True
    assert doc["testParcelId"] is None
    assert doc["partner"] == PARTNERCO_DOC
    ic = doc["interconnect"]
    assert set(ic) == INTERCONNECT_KEYS
    assert (ic["ecGridIdFrom"], ic["ecGridIdTo"], ic["status"]) == (OWN_ID, PARTNERCO_ID, "Active")
    assert _count(run_ecgrid, OWN_ID) == before + 1

    second = _setup(run_ecgrid, "--qualifier", "01", "--id", "PARTNERCO", "--from", str(OWN_ID))
    assert second.code == 0, second.describe()
    assert second.json()["created"] is False
    assert second.json()["interconnect"]["interconnectId"] == ic["interconnectId"]
    assert _count(run_ecgrid, OWN_ID) == before + 1

    by_id = _setup(run_ecgrid, "--partner-ecgrid-id", str(PARTNERCO_ID), "--from", str(OWN_ID))
    assert by_id.code == 0, by_id.describe()
    assert by_id.json()["created"] is False
    assert by_id.json()["interconnect"]["interconnectId"] == ic["interconnectId"]

    human = run_ecgrid("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111")
    assert human.code == 0, human.describe()
    assert "already exists" in human.err
    record = dict(line.split("\t", 1) for line in human.out.splitlines())
    assert record["Created"] == "false"
    assert record["Interconnect"] == str(ic["interconnectId"])

    pairs = live_pairs(run_ecgrid("partners", "list", str(OWN_ID), "--all", "--json").json())
    assert pairs == {frozenset((OWN_ID, PARTNERCO_ID)): [ic["interconnectId"]]}


def test_setup_finds_reverse_orientation(run_ecgrid) -> None:
    reverse = run_ecgrid(
        "partners", "create", "--from", str(PARTNERCO_ID), "--to", str(OWN_ID), "--json"
    )
    assert reverse.code == 0, reverse.describe()
    existing = reverse.json()["interconnectId"]
    before = _count(run_ecgrid, OWN_ID)

    result = _setup(run_ecgrid, "-q", "01", "-i", "PARTNERCO", "--from", str(OWN_ID))
    assert result.code == 0, result.describe()
    doc = result.json()
    assert doc["created"] is False
    assert doc["interconnect"]["interconnectId"] == existing
    assert (doc["interconnect"]["ecGridIdFrom"], doc["interconnect"]["ecGridIdTo"]) == (
        PARTNERCO_ID,
        OWN_ID,
    )
    assert _count(run_ecgrid, OWN_ID) == before


def test_setup_verify_reports_a_test_parcel(run_ecgrid) -> None:
    result = _setup(run_ecgrid, "-q", "12", "-i", "5551234567", "--from", str(OWN_ID), "--verify")
    assert result.code == 0, result.describe()
    doc = result.json()
    assert doc["created"] is True
    assert isinstance(doc["testParcelId"], int) and not isinstance(doc["testParcelId"], bool)
    again = _setup(run_ecgrid, "-q", "12", "-i", "5551234567", "--from", str(OWN_ID), "--verify")
    assert again.code == 0, again.describe()
    assert again.json()["created"] is False
    assert isinstance(again.json()["testParcelId"], int)
    assert again.json()["testParcelId"] != doc["testParcelId"]


def test_setup_ambiguous_twinco_exits_5(run_ecgrid) -> None:
    before = _count(run_ecgrid, OWN_ID)
    result = _setup(run_ecgrid, "-q", "ZZ", "-i", "TWINCO", "--from", str(OWN_ID))
    assert result.code == 5, result.describe()
    error = _assert_json_error(result)
    assert "600001" in error["message"] and "600002" in error["message"]
    human = run_ecgrid("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--from", "111111")
    assert human.code == 5, human.describe()
    assert human.out == ""
    assert human.err.startswith("error: ")
    assert _count(run_ecgrid, OWN_ID) == before

    chosen = _setup(
        run_ecgrid, "-q", "ZZ", "-i", "TWINCO", "--partner-ecgrid-id", "600002", "--from", "111111"
    )
    assert chosen.code == 0, chosen.describe()
    assert chosen.json()["partner"]["ecGridId"] == 600002


def test_setup_picks_the_single_active_id(run_ecgrid) -> None:
    result = _setup(run_ecgrid, "-q", "ZZ", "-i", "REUSEDCO", "--from", str(OWN_ID))
    assert result.code == 0, result.describe()
    assert result.json()["partner"]["ecGridId"] == 500002
    assert result.json()["interconnect"]["ecGridIdTo"] == 500002


def test_setup_unknown_qid_exits_4(run_ecgrid) -> None:
    before = _count(run_ecgrid, OWN_ID)
    result = _setup(run_ecgrid, "-q", "ZZ", "-i", "NOSUCHPARTNER", "--from", str(OWN_ID))
    assert result.code == 4, result.describe()
    error = _assert_json_error(result)
    assert "ZZ/NOSUCHPARTNER" in error["message"]
    assert _count(run_ecgrid, OWN_ID) == before


def test_setup_dry_run_creates_nothing(run_ecgrid) -> None:
    before = _count(run_ecgrid, OWN_ID)
    result = _setup(run_ecgrid, "-q", "01", "-i", "PARTNERCO", "--from", str(OWN_ID), "--dry-run")
    assert result.code == 0, result.describe()
    doc = result.json()
    assert doc["dryRun"] is True and doc["wouldCreate"] is True
    assert doc["created"] is False and doc["interconnect"] is None
    assert doc["partner"]["ecGridId"] == PARTNERCO_ID
    human = run_ecgrid(
        "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111", "--dry-run"
    )
    assert human.code == 0, human.describe()
    assert "dry run" in human.err
    assert _count(run_ecgrid, OWN_ID) == before

    # Once it exists, a dry run reports it and would create nothing.
    assert _setup(run_ecgrid, "-q", "01", "-i", "PARTNERCO", "--from", "111111").code == 0
    existing = _setup(run_ecgrid, "-q", "01", "-i", "PARTNERCO", "--from", "111111", "--dry-run")
    assert existing.code == 0, existing.describe()
    assert existing.json()["wouldCreate"] is False
    assert existing.json()["interconnect"]["ecGridIdTo"] == PARTNERCO_ID
    assert _count(run_ecgrid, OWN_ID) == before + 1


def test_setup_from_defaults_to_the_profile_ecgrid_id(run_ecgrid) -> None:
    no_from = _setup(run_ecgrid, "-q", "01", "-i", "PARTNERCO")
    assert no_from.code == 2, no_from.describe()
    _assert_json_error(no_from, "UsageError")
    via_env = run_ecgrid(
        "interconnect",
        "setup",
        "-q",
        "01",
        "-i",
        "PARTNERCO",
        "--json",
        env_extra={"ECGRID_ECGRID_ID": str(OWN_ID)},
    )
    assert via_env.code == 0, via_env.describe()
    assert via_env.json()["interconnect"]["ecGridIdFrom"] == OWN_ID


# -- auth and config -------------------------------------------------------------------


def test_auth_status_json(run_ecgrid, sandbox) -> None:
    result = run_ecgrid("auth", "status", "--json")
    assert result.code == 0, result.describe()
    doc = result.json()
    assert doc["baseUrl"] == sandbox.url
    assert doc["apiKey"]["source"] == "env"
    assert doc["apiKey"]["masked"].startswith("****")
    assert doc["user"]["login"] == "sandbox"
    assert isinstance(doc["apiVersion"], str) and doc["apiVersion"]
    piped = run_ecgrid("auth", "status")
    assert piped.code == 0, piped.describe()
    assert "sandbox" in piped.out


def test_config_profile_flow(run_ecgrid, sandbox) -> None:
    no_env = {"ECGRID_API_KEY": None, "ECGRID_BASE_URL": None}

    def profile(*args: str, **kwargs):
        return run_ecgrid("--profile", "e2e", *args, **kwargs)

    # Without a key anywhere: a usage error, not a request. A key as an argument: refused.
    missing, as_argument = in_parallel(
        partial(run_ecgrid, "ids", "get", str(PARTNERCO_ID), env_extra=no_env),
        partial(profile, "config", "set", "api-key", API_KEY),
    )
    assert missing.code == 2, missing.describe()
    assert "API key" in missing.err
    assert as_argument.code == 2, as_argument.describe()

    # Writes one after the other (they rewrite the same file).
    stored = profile("config", "set", "api-key", "-", input=API_KEY + "\n")
    assert stored.code == 0, stored.describe()
    for key, value in (("base-url", sandbox.url), ("ecgrid-id", str(OWN_ID)), ("retries", "2")):
        result = profile("config", "set", key, value)
        assert result.code == 0, result.describe()
    used = run_ecgrid("config", "use", "e2e")
    assert used.code == 0, used.describe()

    ecgrid_id, base_url, masked, unset, bad, unknown = run_parallel(
        profile,
        ("config", "get", "ecgrid-id"),
        ("config", "get", "base-url"),
        ("config", "get", "api-key"),
        ("config", "get", "timeout"),
        ("config", "set", "retries", "many"),
        ("config", "use", "nope"),
    )
    assert ecgrid_id.out == f"{OWN_ID}\n"
    assert base_url.out == f"{sandbox.url}\n"
    assert masked.code == 0 and masked.out.startswith("****"), masked.describe()
    assert unset.code == 1, unset.describe()
    assert bad.code == 2, bad.describe()
    assert unknown.code == 2, unknown.describe()

    def without_env(*args: str):
        return run_ecgrid(*args, env_extra=no_env)

    # Now the profile alone is enough: no ECGRID_API_KEY, no ECGRID_BASE_URL, no --from.
    listed, plain, status, setup, env_wins = in_parallel(
        partial(without_env, "config", "list", "--json"),
        partial(without_env, "config", "list"),
        partial(without_env, "auth", "status", "--json"),
        partial(without_env, "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--json"),
        # The environment beats the profile: a wrong key in the environment is used.
        partial(
            run_ecgrid,
            "ids",
            "get",
            str(PARTNERCO_ID),
            env_extra={**no_env, "ECGRID_API_KEY": WRONG_KEY},
        ),
    )
    doc = listed.json()
    assert doc["defaultProfile"] == "e2e" and doc["currentProfile"] == "e2e"
    assert doc["profiles"]["e2e"]["ecgrid-id"] == OWN_ID
    assert doc["profiles"]["e2e"]["api-key"].startswith("****")
    assert plain.code == 0 and "e2e" in plain.out, plain.describe()
    assert status.code == 0, status.describe()
    assert status.json()["apiKey"]["source"] == "profile"
    assert status.json()["profile"] == "e2e"
    assert status.json()["baseUrl"] == sandbox.url
    assert status.json()["ecGridId"] == OWN_ID
    assert setup.code == 0, setup.describe()
    assert setup.json()["interconnect"]["ecGridIdFrom"] == OWN_ID
    assert without_env("partners", "count", str(OWN_ID)).out == "1\n"
    assert env_wins.code == 3, env_wins.describe()


def test_wrong_key_exits_3(run_ecgrid) -> None:
    wrong = {"ECGRID_API_KEY": WRONG_KEY}

    def run_wrong(*args: str):
        return run_ecgrid(*args, env_extra=wrong)

    results = run_parallel(
        run_wrong,
        ("ids", "get", str(PARTNERCO_ID), "--json"),
        ("-v", "ids", "find", "-q", "01", "-i", "PARTNERCO"),
        ("-v", "partners", "count", str(HUB_ID)),
        ("-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111"),
        ("-v", "auth", "status"),
    )
    for result in results:
        assert result.code == 3, result.describe()
        assert result.out == ""
    _assert_json_error(results[0], "InvalidAPIKey", 401)


def test_unreachable_server_exits_7(run_ecgrid) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    fast = run_ecgrid("--retries", "0", "--base-url", url, "ids", "get", "334455", "--json")
    assert fast.code == 7, fast.describe()
    _assert_json_error(fast, "Unreachable", None)
    retried = run_ecgrid(
        "--retries",
        "2",
        "--timeout",
        "3",
        "ids",
        "find",
        "-q",
        "01",
        "-i",
        "PARTNERCO",
        env_extra={"ECGRID_BASE_URL": url},
    )
    assert retried.code == 7, retried.describe()
    assert retried.err.startswith("error: ")


def test_bulk_setup_from_file(run_ecgrid, tmp_path) -> None:
    invalid = tmp_path / "invalid.csv"
    invalid.write_text("qualifier,id\n01,PARTNERCO\n1,BAD\n", encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("qualifier,id\n01,PARTNERCO\nZZ,TWINCO\n12,5551234567\n", encoding="utf-8")

    refused = run_ecgrid("interconnect", "setup", "--file", str(invalid), "--from", "111111")
    assert refused.code == 2, refused.describe()
    assert "row 2" in refused.err  # data rows count from 1
    assert _count(run_ecgrid, OWN_ID) == 0  # validated before anything was sent

    first = run_ecgrid("interconnect", "setup", "--file", str(mixed), "--from", "111111", "--json")
    assert first.code == 5, first.describe()  # the one failure is an ambiguity
    report = first.json()
    assert report["summary"] == {"total": 3, "created": 2, "existing": 0, "failed": 1}
    errors = [row["error"] and row["error"]["code"] for row in report["rows"]]
    assert errors == [None, "AmbiguousMatch", None]

    again = run_ecgrid(
        "interconnect",
        "setup",
        "--file",
        "-",
        "--from",
        "111111",
        "--json",
        input=mixed.read_text(encoding="utf-8"),
    )
    assert again.code == 5, again.describe()
    assert again.json()["summary"] == {"total": 3, "created": 0, "existing": 2, "failed": 1}
    assert _count(run_ecgrid, OWN_ID) == 2
