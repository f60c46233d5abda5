"""`ecgrid interconnect setup`: single, onboarding, dry run and bulk, over both APIs.

Messages for people, usage errors and the bulk report's rendering are proven in-process
(``tests/cli/test_setup.py``, ``tests/cli/test_bulk.py``); here every setup goes over
the wire and the interconnects it made are read back from the server.
"""

from __future__ import annotations

import json
from functools import partial

import pytest
from e2e_support import (
    BULK_ROW_KEYS,
    BULK_SUMMARY_KEYS,
    INTERCONNECT_KEYS,
    OWN_ID,
    OWN_SEED_INTERCONNECTS,
    PARTNERCO_DOCS,
    PARTNERCO_ID,
    SETUP_KEYS,
    WIDGET_ID,
    assert_json_error,
    database_rows,
    ic_status,
    in_parallel,
    new_pairs,
    run_parallel,
)

pytestmark = pytest.mark.e2e

FROM = ("--from", str(OWN_ID))
HUB_QID = ("-q", "01", "-i", "PARTNER001")  # 123456: no interconnect with 111111 in the seed


def own_count(run) -> int:
    result = run("partners", "count", str(OWN_ID), "--json")
    assert result.code == 0, result.describe()
    return result.json()["count"]


def own_new_pairs(run) -> dict[frozenset[int], list[int]]:
    listed = run("partners", "list", str(OWN_ID), "--all", "--json")
    assert listed.code == 0, listed.describe()
    return new_pairs(listed.json())


def setup_doc(result) -> dict:
    assert result.code == 0, result.describe()
    doc = result.json()
    assert set(doc) >= SETUP_KEYS, doc
    return doc


# -- single ------------------------------------------------------------------------------


def test_setup_single(cli, api) -> None:
    """Created once then existing (by QID in any case, by ECGrid ID); partner resolution:
    ambiguous (5), single live ID among several (0), unknown (4), mismatched (5), an
    interconnect the partner made (the reverse orientation) counts as existing; and
    onboarding: the partner's ID is created only when missing."""
    onboard = ("-q", "ZZ", "-i", "NEWPARTNER", *FROM, "--onboard", "--mailbox", "1002")
    first, reverse, onboarded = run_parallel(
        cli,
        ("-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", *FROM, "--json"),
        ("-v", "partners", "create", "--from", str(WIDGET_ID), "--to", str(OWN_ID), "--json"),
        ("-v", "interconnect", "setup", *onboard, "--description", "New Partner Ltd", "--json"),
    )
    doc = setup_doc(first)
    assert set(doc) == SETUP_KEYS
    assert (doc["created"], doc["outcome"], doc["testParcelId"]) == (True, "created", None)
    assert doc["partner"] == PARTNERCO_DOCS[api]
    ic = doc["interconnect"]
    assert set(ic) == INTERCONNECT_KEYS
    assert (ic["ecGridIdFrom"], ic["ecGridIdTo"], ic["status"]) == (
        OWN_ID,
        PARTNERCO_ID,
        ic_status(api, "Active"),
    )
    assert reverse.code == 0, reverse.describe()
    partner = _onboarded(onboarded, api)

    results = run_parallel(
        cli,
        ("interconnect", "setup", "--qualifier", "01", "--id", "partnerco", *FROM, "--json"),
        ("-v", "interconnect", "setup", "--partner-ecgrid-id", str(PARTNERCO_ID), *FROM, "--json"),
        ("-v", "interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", *FROM, "--json"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "REUSEDCO", *FROM, "--json"),
        ("-v", "interconnect", "setup", "-q", "ZZ", "-i", "NOSUCHPARTNER", *FROM, "--json"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--partner-ecgrid-id",
         str(WIDGET_ID), *FROM, "--json"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--partner-ecgrid-id", "600002",
         *FROM, "--json"),
        ("interconnect", "setup", "-q", "12", "-i", "5551234567", *FROM, "--json"),
        ("-v", "interconnect", "setup", *onboard, "--json"),
        ("interconnect", "setup", *HUB_QID, *FROM, "--onboard", "--mailbox", "1002", "--json"),
        ("ids", "find", "-q", "ZZ", "-i", "NEWPARTNER", "--json"),
        workers=6,
    )  # fmt: skip
    second, by_id, twins, reused, unknown, mismatch, both_ids, reversed_, *onboarding = results
    for again in (second, by_id):
        assert (setup_doc(again)["created"], again.json()["outcome"]) == (False, "existing")
        assert again.json()["interconnect"] == ic

    assert twins.code == 5, twins.describe()
    error = assert_json_error(twins, "AmbiguousMatch", None)
    assert "600001" in error["message"] and "600002" in error["message"]
    assert error["details"] == {"qid": "ZZ/TWINCO", "candidates": [600001, 600002]}

    # 500001 (ZZ/REUSEDCO) is Terminated: setup must pick the live 500002.
    assert setup_doc(reused)["partner"]["ecGridId"] == 500002
    assert reused.json()["interconnect"]["ecGridIdTo"] == 500002

    assert unknown.code == 4, unknown.describe()
    error = assert_json_error(unknown, "PartnerNotFound", None)
    assert "ZZ/NOSUCHPARTNER" in error["message"]
    assert error["details"] == {"qid": "ZZ/NOSUCHPARTNER"}

    assert mismatch.code == 5, mismatch.describe()
    assert_json_error(mismatch, "PartnerMismatch")

    # A QID with two live IDs is settled by naming the ECGrid ID too.
    assert setup_doc(both_ids)["partner"]["ecGridId"] == 600002

    # The partner's own interconnect to us (From 445566, To 111111) is the one.
    assert (setup_doc(reversed_)["created"], reversed_.json()["outcome"]) == (False, "existing")
    assert reversed_.json()["interconnect"] == reverse.json()

    hub_ic = _onboarded_again(*onboarding, partner, api)
    assert own_new_pairs(cli) == {
        frozenset((OWN_ID, PARTNERCO_ID)): [ic["interconnectId"]],
        frozenset((OWN_ID, 500002)): [reused.json()["interconnect"]["interconnectId"]],
        frozenset((OWN_ID, 600002)): [both_ids.json()["interconnect"]["interconnectId"]],
        frozenset((OWN_ID, WIDGET_ID)): [reverse.json()["interconnectId"]],
        frozenset((OWN_ID, partner["ecGridId"])): [
            onboarded.json()["interconnect"]["interconnectId"]
        ],
        frozenset((OWN_ID, 123456)): [hub_ic],
    }


def _onboarded(result, api: str) -> dict:
    doc = setup_doc(result)
    assert set(doc) == SETUP_KEYS | {"partnerCreated"}
    assert (doc["created"], doc["outcome"], doc["partnerCreated"]) == (True, "created", True)
    partner = doc["partner"]
    assert (partner["qualifier"], partner["id"], partner["mailboxId"]) == ("ZZ", "NEWPARTNER", 1002)
    assert partner["description"] == "New Partner Ltd"
    assert doc["interconnect"]["ecGridIdTo"] == partner["ecGridId"]
    assert doc["interconnect"]["status"] == ic_status(api, "Active")
    return partner


def _onboarded_again(again, existing_qid, found, partner: dict, api: str) -> int:
    """The same onboarding again: nothing new. A QID that already has an ID: nothing is
    onboarded, the interconnect is made. Exactly one ID exists for the new partner."""
    assert (setup_doc(again)["outcome"], again.json()["partnerCreated"]) == ("existing", False)
    assert again.json()["partner"] == partner
    doc = setup_doc(existing_qid)
    assert (doc["outcome"], doc["partnerCreated"]) == ("created", False)
    assert doc["partner"]["ecGridId"] == 123456
    assert found.json() == [partner]
    return doc["interconnect"]["interconnectId"]


# -- dry runs --------------------------------------------------------------------------------


def test_setup_dry_runs_change_nothing(reader, read_only_sandbox, api, tmp_path) -> None:
    rows = tmp_path / "rows.json"
    tp_rows = [
        row
        for n in range(200001, 200017)
        for row in ({"qualifier": "ZZ", "id": f"TP{n}"}, {"partner_ecgrid_id": n})
    ]
    rows.write_text(
        json.dumps(
            [
                {"qualifier": "01", "id": "PARTNERCO"},
                {"partner_ecgrid_id": PARTNERCO_ID},  # the same pair by ECGrid ID
                {"qualifier": "12", "id": "5551234567"},
                {"qualifier": "ZZ", "id": "HEALTHYCO"},  # 87001 exists already
                *tp_rows,  # 16 pairs, each by QID then by ECGrid ID
            ]
        ),
        encoding="utf-8",
    )
    single, existing, onboarding, bulk = run_parallel(
        reader,
        ("-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", *FROM, "--dry-run",
         "--json"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "HEALTHYCO", *FROM, "--dry-run", "--json"),
        ("-v", "interconnect", "setup", "-q", "ZZ", "-i", "NEWPARTNER", *FROM, "--onboard",
         "--mailbox", "1002", "--dry-run", "--json"),
        ("-v", "interconnect", "setup", "--file", str(rows), *FROM, "--dry-run", "--json"),
    )  # fmt: skip
    doc = setup_doc(single)
    assert set(doc) == SETUP_KEYS | {"dryRun", "wouldCreate"}
    assert (doc["dryRun"], doc["wouldCreate"], doc["outcome"]) == (True, True, "would-create")
    assert doc["created"] is False and doc["interconnect"] is None
    assert doc["partner"] == PARTNERCO_DOCS[api]

    doc = setup_doc(existing)
    assert (doc["wouldCreate"], doc["outcome"]) == (False, "existing")
    assert doc["interconnect"]["interconnectId"] == 87001

    doc = setup_doc(onboarding)
    assert (doc["outcome"], doc["dryRun"], doc["wouldCreate"]) == ("would-create", True, True)
    # A dry run changes nothing, so it never claims partnerCreated; it says wouldOnboard.
    assert (doc["partnerCreated"], doc["wouldOnboard"]) == (False, True)
    assert doc["interconnect"] is None
    assert doc["partner"]["ecGridId"] is None
    assert (doc["partner"]["qualifier"], doc["partner"]["id"]) == ("ZZ", "NEWPARTNER")

    assert bulk.code == 0, bulk.describe()
    summary = bulk.json()["summary"]
    assert (summary["dryRun"], summary["wouldCreate"]) == (True, 2 + 16)
    assert (summary["created"], summary["existing"], summary["duplicates"]) == (0, 1, 1 + 16)
    by_row = {row["row"]: row for row in bulk.json()["rows"]}
    assert_one_ran(by_row, 1, 2, "would-create")
    assert (by_row[3]["outcome"], by_row[4]["outcome"]) == ("would-create", "existing")
    # Rows naming one pair in different ways claim it in file order: the later row is
    # the duplicate, and says what it held.
    duplicates = sorted(
        (row["row"], row["duplicateOf"])
        for row in bulk.json()["rows"]
        if row["outcome"] == "duplicate" and row["row"] > 4
    )
    assert duplicates == [(2 * k + 6, 2 * k + 5) for k in range(16)]
    assert by_row[6]["input"]["partnerEcGridId"] == 200001

    # Nothing was written: the server's data is still the seed data.
    assert database_rows(read_only_sandbox.db) == read_only_sandbox.seed_rows


def assert_one_ran(by_row: dict[int, dict], a: int, b: int, outcome: str) -> dict:
    """Rows ``a`` and ``b`` name one pair: one ran (``outcome``), the other is its duplicate."""
    ran, dup = (by_row[a], by_row[b])
    if ran["outcome"] == "duplicate":
        ran, dup = dup, ran
    assert (ran["outcome"], dup["outcome"]) == (outcome, "duplicate"), (ran, dup)
    assert dup["duplicateOf"] == ran["row"] and dup["error"] is None, dup
    assert dup["interconnect"] is None and dup["created"] is False, dup
    assert dup["input"] is not None, dup  # a duplicate row still says what it held
    return ran


# -- bulk -----------------------------------------------------------------------------


def test_bulk_setup(cli, api, tmp_path) -> None:
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("qualifier,id\n01,PARTNERCO\nZZ,TWINCO\n12,5551234567\n", encoding="utf-8")
    first = cli("-v", "interconnect", "setup", "--file", str(mixed), *FROM, "--json")
    assert first.code == 5, first.describe()  # the one failure is an ambiguity
    report = first.json()
    assert set(report) == {"rows", "summary"}
    summary = report["summary"]
    assert set(summary) == BULK_SUMMARY_KEYS
    assert {k: summary[k] for k in BULK_SUMMARY_KEYS - {"concurrency"}} == {
        "total": 3,
        "created": 2,
        "existing": 0,
        "unconfirmed": 0,
        "duplicates": 0,
        "failed": 1,
        "retryable": 0,
        "partnersCreated": 0,
    }
    assert {"mode", "start", "cap", "peak", "final", "halvings"} <= set(summary["concurrency"])
    rows = {row["row"]: row for row in report["rows"]}  # completion order: keyed by row
    assert sorted(rows) == [1, 2, 3] and len(report["rows"]) == 3
    assert all(set(row) >= BULK_ROW_KEYS for row in report["rows"])
    assert {n: rows[n]["line"] for n in rows} == {1: 2, 2: 3, 3: 4}
    assert {n: rows[n]["outcome"] for n in rows} == {1: "created", 2: "failed", 3: "created"}
    assert rows[2]["error"]["code"] == "AmbiguousMatch"
    assert rows[2]["error"]["details"]["candidates"] == [600001, 600002]
    assert rows[2]["interconnect"] is None and rows[2]["created"] is False
    assert rows[1]["input"] == {
        "qualifier": "01",
        "id": "PARTNERCO",
        "from": OWN_ID,
        "partnerEcGridId": None,
        "status": None,
        "mailbox": None,
    }
    assert rows[1]["partner"] == PARTNERCO_DOCS[api]
    assert rows[3]["interconnect"]["ecGridIdTo"] == WIDGET_ID
    assert rows[1]["interconnect"]["status"] == ic_status(api, "Active")
    assert rows[1]["error"] is None and rows[1]["duplicateOf"] is None

    # Other pairs, one named twice: one row creates it, the other is its duplicate.
    pairs = tmp_path / "pairs.json"
    pairs.write_text(
        json.dumps(
            [
                {"qualifier": "ZZ", "id": "TP200001"},
                {"partner_ecgrid_id": 200001},
                {"qualifier": "ZZ", "id": "TP200002"},
                {"qualifier": "ZZ", "id": "HEALTHYCO"},  # 87001 exists already
            ]
        ),
        encoding="utf-8",
    )
    again, done = in_parallel(
        partial(  # the same rows again, from stdin
            cli, "interconnect", "setup", "--file", "-", *FROM, "--json", input=mixed.read_text()
        ),
        partial(cli, "interconnect", "setup", "--file", str(pairs), *FROM, "--json"),
    )
    assert again.code == 5, again.describe()
    counts = again.json()["summary"]
    assert (counts["created"], counts["existing"], counts["failed"]) == (0, 2, 1)
    assert {r["row"]: r["interconnect"] for r in again.json()["rows"] if r["row"] != 2} == {
        n: rows[n]["interconnect"] for n in (1, 3)
    }

    assert done.code == 0, done.describe()
    by_row = {row["row"]: row for row in done.json()["rows"]}
    ran = assert_one_ran(by_row, 1, 2, "created")
    assert ran["interconnect"]["ecGridIdTo"] == 200001
    assert (by_row[3]["outcome"], by_row[4]["outcome"]) == ("created", "existing")
    assert by_row[4]["interconnect"]["interconnectId"] == 87001
    assert own_count(cli) == OWN_SEED_INTERCONNECTS + 4
