"""`ecgrid partners ...` (count, list, create, get, delete, notes) over both APIs.

Status words are the server's own: REST ``Active``, SOAP ``Completed`` and so on
(``ic_status``); ``--status`` takes either vocabulary.
"""

from __future__ import annotations

import pytest
from e2e_support import (
    ANSI_OR_BOX,
    HUB_ID,
    INTERCONNECT_KEYS,
    NOT_FOUND,
    OWN_ID,
    OWN_SEED_ACTIVE,
    OWN_SEED_INTERCONNECTS,
    WIDGET_ID,
    assert_json_error,
    ic_status,
    new_pairs,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def count_of(run, ecgrid_id: int, *status: str) -> int:
    args = ("--status", status[0]) if status else ()
    result = run("partners", "count", str(ecgrid_id), *args, "--json")
    assert result.code == 0, result.describe()
    return result.json()["count"]


def test_partners_count(cli, api) -> None:
    hub = str(HUB_ID)
    active, mixed_case, other_words, total, suspended, plain, own = run_parallel(
        cli,
        ("partners", "count", hub, "--status", "Active", "--json"),
        ("partners", "count", hub, "--status", "aCtIvE", "--json"),
        ("partners", "count", hub, "--status", "completed", "--json"),  # the SOAP word
        ("partners", "count", hub, "--json"),
        ("partners", "count", hub, "--status", "suspended", "--json"),
        ("partners", "count", hub, "--status", "Active"),
        ("partners", "count", str(OWN_ID), "--json"),
    )
    for result in (active, mixed_case, other_words, total, suspended, plain, own):
        assert result.code == 0, result.describe()
    word = ic_status(api, "Active")
    assert active.json() == {"ecGridId": HUB_ID, "status": word, "count": 14}
    assert mixed_case.json() == active.json()
    assert other_words.json() == active.json()
    assert total.json() == {"ecGridId": HUB_ID, "status": None, "count": 18}
    assert suspended.json() == {
        "ecGridId": HUB_ID,
        "status": ic_status(api, "Suspended"),
        "count": 2,
    }
    assert plain.out == "14\n"
    assert own.json()["count"] == OWN_SEED_INTERCONNECTS


def test_partners_list(cli, api) -> None:
    hub = str(HUB_ID)
    every, small_pages, active, page_two, default_page, tsv, header, both, missing = run_parallel(
        cli,
        ("partners", "list", hub, "--all", "--json"),
        ("partners", "list", hub, "--all", "--per-page", "5", "--json"),
        ("partners", "list", hub, "--all", "--status", "ACTIVE", "--json"),
        ("partners", "list", hub, "--page", "2", "--per-page", "5", "--json"),
        ("partners", "list", hub, "--json"),
        ("partners", "list", hub, "--all"),
        ("partners", "list", hub, "--page", "1", "--per-page", "2", "--header"),
        ("partners", "list", hub, "--all", "--page", "2"),
        ("partners", "list", "999", "--all", "--json"),
    )
    for result in (every, small_pages, active, page_two, default_page, tsv, header):
        assert result.code == 0, result.describe()
    docs = every.json()
    assert len(docs) == 18
    assert all(set(doc) == INTERCONNECT_KEYS for doc in docs)
    assert all(HUB_ID in (doc["ecGridIdFrom"], doc["ecGridIdTo"]) for doc in docs)
    assert [doc["interconnectId"] for doc in docs] == list(range(88001, 88019))
    # The partner-initiated one (200014 -> 123456) is listed too.
    assert any(doc["ecGridIdTo"] == HUB_ID for doc in docs)
    assert {doc["status"] for doc in docs} == {
        ic_status(api, word) for word in ("Active", "Suspended", "Development", "Terminated")
    }

    assert small_pages.json() == docs
    assert len(active.json()) == 14
    assert {doc["status"] for doc in active.json()} == {ic_status(api, "Active")}
    assert page_two.json() == docs[5:10]
    assert default_page.json() == docs  # 18 rows fit on the default page of 25

    rows = tsv.tsv()
    assert len(rows) == 18
    assert all(len(row) == 6 for row in rows)
    assert [int(row[0]) for row in rows] == [d["interconnectId"] for d in docs]
    assert not ANSI_OR_BOX.search(tsv.out)
    assert header.tsv() == [
        ["INTERCONNECT", "FROM", "TO", "STATUS", "CREATED", "MODIFIED"],
        *[[str(d[k]) for k in ("interconnectId", "ecGridIdFrom", "ecGridIdTo", "status",
                               "created", "modified")] for d in docs[:2]],
    ]  # fmt: skip

    assert both.code == 2, both.describe()
    assert missing.code == 4, missing.describe()
    assert_json_error(missing, *NOT_FOUND[api])  # nothing at all on stdout
    _partners_list_errors_keep_stdout_clean(cli)


def _partners_list_errors_keep_stdout_clean(cli) -> None:
    human, too_big = run_parallel(
        cli,
        ("partners", "list", "999", "--all"),
        ("partners", "list", str(HUB_ID), "--all", "--per-page", "600", "--json"),
    )
    assert human.code == 4, human.describe()
    assert human.out == ""
    assert human.err.startswith("error: ")
    assert too_big.code == 2, too_big.describe()  # checked before anything is sent
    error = assert_json_error(too_big, "UsageError", None)
    assert error["details"] == {"field": "--per-page", "value": "600"}


def test_partners_create_get_delete(cli, api) -> None:
    _partners_get_and_delete_missing_exit_4(cli, api)
    created = cli("partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID), "--json")
    assert created.code == 0, created.describe()
    doc = created.json()
    assert set(doc) == INTERCONNECT_KEYS
    active = ic_status(api, "Active")
    assert (doc["ecGridIdFrom"], doc["ecGridIdTo"], doc["status"]) == (OWN_ID, WIDGET_ID, active)
    ic = str(doc["interconnectId"])

    count, duplicate, refused, got = run_parallel(
        cli,
        ("partners", "count", str(OWN_ID), "--json"),
        ("partners", "create", "--from", str(WIDGET_ID), "--to", str(OWN_ID), "--json"),
        ("partners", "delete", ic),  # no --yes and no terminal: refused
        ("partners", "get", ic, "--json"),
    )
    assert count.json()["count"] == OWN_SEED_INTERCONNECTS + 1
    assert duplicate.code == 5, duplicate.describe()
    error = assert_json_error(duplicate, "DuplicateObject")
    assert error["details"] == {"interconnectId": doc["interconnectId"]}
    assert refused.code == 2, refused.describe()
    assert "--yes" in refused.err
    assert got.code == 0, got.describe()
    assert got.json() == doc  # still live after the refused delete

    deleted = cli("partners", "delete", ic, "--yes", "--json")
    assert deleted.code == 0, deleted.describe()
    ended = ic_status(api, "Terminated")
    assert deleted.json()["status"] == ended
    assert deleted.json()["interconnectId"] == doc["interconnectId"]

    got, again, again_no_yes, bad_status = run_parallel(
        cli,
        ("partners", "get", ic, "--json"),
        ("partners", "delete", ic, "--yes", "--json"),
        ("partners", "delete", ic),
        ("partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID), "--status", "dev"),
    )
    assert got.json()["status"] == ended
    assert again.code == 0, again.describe()
    assert again.json()["status"] == ended
    assert again_no_yes.code == 0, again_no_yes.describe()
    assert "already terminated" in again_no_yes.err
    assert bad_status.code == 2, bad_status.describe()  # 'dev' is not a status

    # An ended interconnect does not block a new one between the same pair.
    recreated = cli(
        "partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID),
        "--status", "development", "--json",
    )  # fmt: skip
    assert recreated.code == 0, recreated.describe()
    assert recreated.json()["status"] == ic_status(api, "Development")
    assert recreated.json()["interconnectId"] != doc["interconnectId"]
    listed = cli("partners", "list", str(OWN_ID), "--all", "--json")
    assert new_pairs(listed.json()) == {
        frozenset((OWN_ID, WIDGET_ID)): [recreated.json()["interconnectId"]]
    }
    assert count_of(cli, OWN_ID, "Active") == OWN_SEED_ACTIVE


def _partners_get_and_delete_missing_exit_4(cli, api) -> None:
    got, deleted, human = run_parallel(
        cli,
        ("partners", "get", "99999999", "--json"),
        ("partners", "delete", "99999999", "--yes", "--json"),
        ("partners", "get", "99999999"),
    )
    for result in (got, deleted, human):
        assert result.code == 4, result.describe()
    assert_json_error(got, *NOT_FOUND[api])
    assert_json_error(deleted, *NOT_FOUND[api])
    assert human.out == "" and human.err.startswith("error: ")


def test_partners_notes(cli, api) -> None:
    """`partners note add` (text and `-` from stdin) then `note list`, oldest first."""
    ic = "87001"
    first = cli("partners", "note", "add", ic, f"go-live agreed ({api})", "--json")
    assert first.code == 0, first.describe()
    assert first.json() == {
        "interconnectId": 87001,
        "added": True,
        "text": f"go-live agreed ({api})",
    }
    piped = cli("partners", "note", "add", ic, "-", input="tested by ops\nsecond line\n")
    assert piped.code == 0, piped.describe()
    assert piped.out == ""
    assert "87001" in piped.err

    listed, tsv, empty, missing, missing_add, empty_text = run_parallel(
        cli,
        ("partners", "note", "list", ic, "--json"),
        ("partners", "note", "list", ic, "--header"),
        ("partners", "note", "list", "87002", "--json"),
        ("partners", "note", "list", "99999999", "--json"),
        ("partners", "note", "add", "99999999", "lost note"),
        ("partners", "note", "add", ic, ""),
    )
    assert listed.code == 0, listed.describe()
    notes = listed.json()
    assert [note["text"] for note in notes] == [
        f"go-live agreed ({api})",
        "tested by ops\nsecond line",
    ]
    assert all(set(note) == {"text", "timestamp", "userId", "postedBy"} for note in notes)
    assert all(note["timestamp"] for note in notes)
    rows = tsv.tsv()
    assert rows[0] == ["WHEN", "BY", "NOTE"]
    assert [row[2] for row in rows[1:]] == [f"go-live agreed ({api})", "tested by ops second line"]
    assert (empty.code, empty.json()) == (0, []), empty.describe()
    assert missing.code == 4, missing.describe()
    assert_json_error(missing, *NOT_FOUND[api])
    assert missing_add.code == 4, missing_add.describe()
    assert empty_text.code == 2, empty_text.describe()
