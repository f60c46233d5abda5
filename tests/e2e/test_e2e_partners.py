"""`ecgrid partners ...` (count, list, create, get, delete, notes) over both APIs.

Status words are the server's own: REST ``Active``, SOAP ``Completed`` and so on
(``ic_status``); ``--status`` takes either vocabulary. Usage errors, confirmations and
messages for people are proven in-process (``tests/cli/test_partners.py``).
"""

from __future__ import annotations

import pytest
from e2e_support import (
    ANSI_OR_BOX,
    HUB_ID,
    INTERCONNECT_KEYS,
    NOT_FOUND,
    OWN_ID,
    WIDGET_ID,
    assert_json_error,
    ic_status,
    new_pairs,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def test_partners_count_and_list(reader, api) -> None:
    hub = str(HUB_ID)
    active, total, every, small_pages, listed_active, page_two, tsv, missing = run_parallel(
        reader,
        ("-v", "partners", "count", hub, "--status", "Active", "--json"),
        ("partners", "count", hub, "--json"),
        ("-v", "partners", "list", hub, "--all", "--json"),
        ("partners", "list", hub, "--all", "--per-page", "5", "--json"),
        ("partners", "list", hub, "--all", "--status", "ACTIVE", "--json"),
        ("-v", "partners", "list", hub, "--page", "2", "--per-page", "5", "--json"),
        ("partners", "list", hub, "--all"),
        ("-v", "partners", "list", "999", "--all", "--json"),
    )
    for result in (active, total, every, small_pages, listed_active, page_two, tsv):
        assert result.code == 0, result.describe()
    assert active.json() == {"ecGridId": HUB_ID, "status": ic_status(api, "Active"), "count": 14}
    assert total.json() == {"ecGridId": HUB_ID, "status": None, "count": 18}

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

    assert small_pages.json() == docs  # --all walks every page, however small
    assert len(listed_active.json()) == 14
    assert {doc["status"] for doc in listed_active.json()} == {ic_status(api, "Active")}
    assert page_two.json() == docs[5:10]

    rows = tsv.tsv()
    assert len(rows) == 18
    assert all(len(row) == 6 for row in rows)
    assert [int(row[0]) for row in rows] == [d["interconnectId"] for d in docs]
    assert not ANSI_OR_BOX.search(tsv.out)

    assert missing.code == 4, missing.describe()
    assert_json_error(missing, *NOT_FOUND[api])  # nothing at all on stdout


def test_partners_create_get_delete_and_notes(cli, api) -> None:
    active, ended = ic_status(api, "Active"), ic_status(api, "Terminated")
    note = f"go-live agreed ({api})"
    got_missing, deleted_missing, created, noted = run_parallel(
        cli,
        ("-v", "partners", "get", "99999999", "--json"),
        ("-v", "partners", "delete", "99999999", "--yes", "--json"),
        ("-v", "partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID), "--json"),
        ("-v", "partners", "note", "add", "87001", note, "--json"),
    )
    for result in (got_missing, deleted_missing):
        assert result.code == 4, result.describe()
        assert_json_error(result, *NOT_FOUND[api])
    assert created.code == 0, created.describe()
    doc = created.json()
    assert set(doc) == INTERCONNECT_KEYS
    assert (doc["ecGridIdFrom"], doc["ecGridIdTo"], doc["status"]) == (OWN_ID, WIDGET_ID, active)
    ic = str(doc["interconnectId"])
    assert noted.code == 0, noted.describe()
    assert noted.json() == {"interconnectId": 87001, "added": True, "text": note}

    duplicate, no_notes, notes_missing = run_parallel(
        cli,
        ("-v", "partners", "create", "--from", str(WIDGET_ID), "--to", str(OWN_ID), "--json"),
        ("partners", "note", "list", "87002", "--json"),
        ("-v", "partners", "note", "list", "99999999", "--json"),
    )
    assert duplicate.code == 5, duplicate.describe()  # the same pair the other way round
    error = assert_json_error(duplicate, "DuplicateObject")
    assert error["details"] == {"interconnectId": doc["interconnectId"]}
    assert (no_notes.code, no_notes.json()) == (0, []), no_notes.describe()
    assert notes_missing.code == 4, notes_missing.describe()
    assert_json_error(notes_missing, *NOT_FOUND[api])

    # A second note, from stdin (two lines); notes come back oldest first.
    piped = cli("partners", "note", "add", "87001", "-", input="tested by ops\nsecond line\n")
    assert (piped.code, piped.out) == (0, ""), piped.describe()
    assert "87001" in piped.err
    deleted, notes = run_parallel(
        cli,
        ("-v", "partners", "delete", ic, "--yes", "--json"),
        ("-v", "partners", "note", "list", "87001", "--json"),
    )
    assert deleted.code == 0, deleted.describe()
    assert deleted.json()["status"] == ended
    assert deleted.json()["interconnectId"] == doc["interconnectId"]
    assert notes.code == 0, notes.describe()
    assert [n["text"] for n in notes.json()] == [note, "tested by ops\nsecond line"]
    assert all(set(n) == {"text", "timestamp", "userId", "postedBy"} for n in notes.json())
    assert all(n["timestamp"] for n in notes.json())

    # An ended interconnect does not block a new one between the same pair.
    got, recreated = run_parallel(
        cli,
        ("-v", "partners", "get", ic, "--json"),
        ("partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID),
         "--status", "development", "--json"),
    )  # fmt: skip
    assert got.code == 0, got.describe()
    assert got.json() == {**doc, "status": ended, "modified": got.json()["modified"]}
    assert recreated.code == 0, recreated.describe()
    assert recreated.json()["status"] == ic_status(api, "Development")
    assert recreated.json()["interconnectId"] != doc["interconnectId"]
    listed = cli("partners", "list", str(OWN_ID), "--all", "--json")
    assert new_pairs(listed.json()) == {
        frozenset((OWN_ID, WIDGET_ID)): [recreated.json()["interconnectId"]]
    }
