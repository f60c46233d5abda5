"""`ecgrid interconnect setup`: single, onboarding, dry run and bulk, over both APIs."""

from __future__ import annotations

import json

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
    ic_status,
    new_pairs,
    run_parallel,
)

pytestmark = pytest.mark.e2e

FROM = ("--from", str(OWN_ID))


def setup(run, *args: str):
    return run("interconnect", "setup", *args, "--json")


def own_count(run) -> int:
    result = run("partners", "count", str(OWN_ID), "--json")
    assert result.code == 0, result.describe()
    return result.json()["count"]


def own_new_pairs(run) -> dict[frozenset[int], list[int]]:
    listed = run("partners", "list", str(OWN_ID), "--all", "--json")
    assert listed.code == 0, listed.describe()
    return new_pairs(listed.json())


# -- single ------------------------------------------------------------------------------


def test_setup_creates_then_is_idempotent(cli, api) -> None:
    first = setup(cli, "-q", "01", "-i", "PARTNERCO", *FROM)
    assert first.code == 0, first.describe()
    assert first.err == ""
    doc = first.json()
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

    second, by_id, human, count = run_parallel(
        cli,
        ("interconnect", "setup", "--qualifier", "01", "--id", "partnerco", *FROM, "--json"),
        ("interconnect", "setup", "--partner-ecgrid-id", str(PARTNERCO_ID), *FROM, "--json"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", *FROM),
        ("partners", "count", str(OWN_ID), "--json"),
    )
    for again in (second, by_id):
        assert again.code == 0, again.describe()
        assert set(again.json()) == SETUP_KEYS
        assert (again.json()["created"], again.json()["outcome"]) == (False, "existing")
        assert again.json()["interconnect"] == ic

    assert human.code == 0, human.describe()
    assert "already exists" in human.err
    record = human.record()
    assert record["Created"] == "false"
    assert record["Interconnect"] == str(ic["interconnectId"])
    assert "already exists" in record["Outcome"]
    assert record["Partner QID"] == "01/PARTNERCO"

    assert count.json()["count"] == OWN_SEED_INTERCONNECTS + 1
    assert own_new_pairs(cli) == {frozenset((OWN_ID, PARTNERCO_ID)): [ic["interconnectId"]]}


def test_setup_partner_resolution(cli) -> None:
    """Ambiguous (5), single live ID among several (0), unknown (4), mismatched (5), an
    interconnect the partner made (the reverse orientation) counts as existing."""
    reverse = cli("partners", "create", "--from", str(WIDGET_ID), "--to", str(OWN_ID), "--json")
    assert reverse.code == 0, reverse.describe()
    twins, twins_human, reused, unknown, mismatch, same, both_ids, reversed_ = run_parallel(
        cli,
        ("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", *FROM, "--json"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", *FROM),
        ("interconnect", "setup", "-q", "ZZ", "-i", "REUSEDCO", *FROM, "--json"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "NOSUCHPARTNER", *FROM, "--json"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--partner-ecgrid-id",
         str(WIDGET_ID), *FROM, "--json"),
        ("interconnect", "setup", "--partner-ecgrid-id", str(OWN_ID), *FROM, "--json"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--partner-ecgrid-id", "600002",
         *FROM, "--json"),
        ("interconnect", "setup", "-q", "12", "-i", "5551234567", *FROM, "--json"),
    )  # fmt: skip
    assert twins.code == 5, twins.describe()
    error = assert_json_error(twins, "AmbiguousMatch", None)
    assert "600001" in error["message"] and "600002" in error["message"]
    assert error["details"] == {"qid": "ZZ/TWINCO", "candidates": [600001, 600002]}
    assert twins_human.code == 5, twins_human.describe()
    assert twins_human.out == "" and twins_human.err.startswith("error: ")

    # 500001 (ZZ/REUSEDCO) is Terminated: setup must pick the live 500002.
    assert reused.code == 0, reused.describe()
    assert reused.json()["partner"]["ecGridId"] == 500002
    assert reused.json()["interconnect"]["ecGridIdTo"] == 500002

    assert unknown.code == 4, unknown.describe()
    error = assert_json_error(unknown, "PartnerNotFound", None)
    assert "ZZ/NOSUCHPARTNER" in error["message"]
    assert error["details"] == {"qid": "ZZ/NOSUCHPARTNER"}

    assert mismatch.code == 5, mismatch.describe()
    assert_json_error(mismatch, "PartnerMismatch")
    assert same.code == 2, same.describe()
    assert_json_error(same, "UsageError")

    assert both_ids.code == 0, both_ids.describe()
    assert both_ids.json()["partner"]["ecGridId"] == 600002

    # The partner's own interconnect to us (From 445566, To 111111) is the one.
    assert reversed_.code == 0, reversed_.describe()
    assert (reversed_.json()["created"], reversed_.json()["outcome"]) == (False, "existing")
    assert reversed_.json()["interconnect"] == reverse.json()

    assert own_new_pairs(cli) == {
        frozenset((OWN_ID, 500002)): [reused.json()["interconnect"]["interconnectId"]],
        frozenset((OWN_ID, 600002)): [both_ids.json()["interconnect"]["interconnectId"]],
        frozenset((OWN_ID, WIDGET_ID)): [reverse.json()["interconnectId"]],
    }


def test_setup_dry_run_creates_nothing(cli, api) -> None:
    result, human, no_from = run_parallel(
        cli,
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", *FROM, "--dry-run", "--json"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", *FROM, "--dry-run"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--json"),
    )
    assert result.code == 0, result.describe()
    doc = result.json()
    assert set(doc) == SETUP_KEYS | {"dryRun", "wouldCreate"}
    assert (doc["dryRun"], doc["wouldCreate"], doc["outcome"]) == (True, True, "would-create")
    assert doc["created"] is False and doc["interconnect"] is None
    assert doc["partner"] == PARTNERCO_DOCS[api]
    assert human.code == 0, human.describe()
    assert "dry run" in human.err
    assert human.record()["Created"] == "false"
    assert "would create" in human.record()["Outcome"]
    # Without --from and without ecgrid-id in the profile: a usage error, nothing sent.
    assert no_from.code == 2, no_from.describe()
    error = assert_json_error(no_from, "UsageError")
    assert "--from" in error["message"]
    assert own_count(cli) == OWN_SEED_INTERCONNECTS

    # Once it exists (--from taken from ECGRID_ECGRID_ID), a dry run reports it and
    # would create nothing.
    made = cli(
        "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--json",
        env_extra={"ECGRID_ECGRID_ID": str(OWN_ID)},
    )  # fmt: skip
    assert made.code == 0, made.describe()
    assert made.json()["interconnect"]["ecGridIdFrom"] == OWN_ID
    existing = setup(cli, "-q", "01", "-i", "PARTNERCO", *FROM, "--dry-run")
    assert existing.code == 0, existing.describe()
    doc = existing.json()
    assert (doc["wouldCreate"], doc["outcome"]) == (False, "existing")
    assert doc["interconnect"] == made.json()["interconnect"]
    assert own_count(cli) == OWN_SEED_INTERCONNECTS + 1


def test_setup_onboard_creates_the_id_only_when_missing(cli, api) -> None:
    onboard = ("-q", "ZZ", "-i", "NEWPARTNER", *FROM, "--onboard", "--mailbox", "1002")
    planned, no_mailbox, stray_mailbox = run_parallel(
        cli,
        ("interconnect", "setup", *onboard, "--dry-run", "--json"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "NEWPARTNER", *FROM, "--onboard"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "NEWPARTNER", *FROM, "--mailbox", "1002"),
    )
    assert planned.code == 0, planned.describe()
    doc = planned.json()
    assert (doc["outcome"], doc["dryRun"], doc["wouldCreate"]) == ("would-create", True, True)
    # A dry run changes nothing, so it never claims partnerCreated; it says wouldOnboard.
    assert (doc["partnerCreated"], doc["wouldOnboard"]) == (False, True)
    assert doc["interconnect"] is None
    assert doc["partner"]["ecGridId"] is None
    assert (doc["partner"]["qualifier"], doc["partner"]["id"]) == ("ZZ", "NEWPARTNER")
    assert no_mailbox.code == 2 and "--mailbox" in no_mailbox.err, no_mailbox.describe()
    assert stray_mailbox.code == 2 and "--onboard" in stray_mailbox.err, stray_mailbox.describe()
    assert cli("ids", "find", "-q", "ZZ", "-i", "NEWPARTNER", "--json").json() == []

    first = setup(cli, *onboard, "--description", "New Partner Ltd")
    assert first.code == 0, first.describe()
    doc = first.json()
    assert set(doc) == SETUP_KEYS | {"partnerCreated"}
    assert (doc["created"], doc["outcome"], doc["partnerCreated"]) == (True, "created", True)
    partner = doc["partner"]
    assert (partner["qualifier"], partner["id"], partner["mailboxId"]) == ("ZZ", "NEWPARTNER", 1002)
    assert partner["description"] == "New Partner Ltd"
    assert doc["interconnect"]["ecGridIdTo"] == partner["ecGridId"]
    assert doc["interconnect"]["status"] == ic_status(api, "Active")
    rerun = cli("interconnect", "setup", *onboard)  # for people: nothing onboarded now
    assert rerun.code == 0, rerun.describe()
    assert "already exists" in rerun.record()["Outcome"]
    assert "onboarded" not in rerun.err

    again, existing_qid = run_parallel(
        cli,
        ("interconnect", "setup", *onboard, "--json"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", *FROM, "--onboard",
         "--mailbox", "1002", "--json"),
    )  # fmt: skip
    assert again.code == 0, again.describe()
    assert (again.json()["outcome"], again.json()["partnerCreated"]) == ("existing", False)
    assert again.json()["partner"] == partner
    assert again.json()["interconnect"] == doc["interconnect"]
    # A QID that already has an ID: nothing is onboarded, the interconnect is made.
    assert existing_qid.code == 0, existing_qid.describe()
    assert existing_qid.json()["partnerCreated"] is False
    assert existing_qid.json()["partner"] == PARTNERCO_DOCS[api]

    found, partnerco = run_parallel(
        cli,
        ("ids", "find", "-q", "ZZ", "-i", "NEWPARTNER", "--json"),
        ("ids", "find", "-q", "01", "-i", "PARTNERCO", "--json"),
    )
    assert found.json() == [partner]  # exactly one ID was created
    assert len(partnerco.json()) == 1


# -- bulk -----------------------------------------------------------------------------


def test_bulk_setup_from_file(cli, api, tmp_path) -> None:
    invalid = tmp_path / "invalid.csv"
    invalid.write_text("qualifier,id\n01,PARTNERCO\n1,BAD\n", encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("qualifier,id\n01,PARTNERCO\nZZ,TWINCO\n12,5551234567\n", encoding="utf-8")

    refused = cli("interconnect", "setup", "--file", str(invalid), *FROM)
    assert refused.code == 2, refused.describe()
    assert "row 2" in refused.err  # data rows count from 1
    assert own_count(cli) == OWN_SEED_INTERCONNECTS  # validated before anything was sent

    first = cli("interconnect", "setup", "--file", str(mixed), *FROM, "--json")
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

    again, human = run_parallel(
        lambda *args, **kw: cli(*args, input=mixed.read_text(encoding="utf-8"), **kw),
        ("interconnect", "setup", "--file", "-", *FROM, "--json"),
        ("interconnect", "setup", "--file", "-", *FROM),
    )
    assert again.code == 5, again.describe()
    counts = again.json()["summary"]
    assert (counts["created"], counts["existing"], counts["failed"]) == (0, 2, 1)
    assert {r["row"]: r["interconnect"] for r in again.json()["rows"] if r["row"] != 2} == {
        n: rows[n]["interconnect"] for n in (1, 3)
    }
    # Piped without --json: every row as TSV on stdout, errors on stderr.
    assert human.code == 5, human.describe()
    assert sorted(int(r[0]) for r in human.tsv()) == [1, 2, 3]
    assert "row 2: AmbiguousMatch" in human.err
    assert human.err.rstrip().splitlines()[-1].startswith("error: 1 of 3 rows failed")
    assert own_count(cli) == OWN_SEED_INTERCONNECTS + 2


def test_bulk_dry_run_and_duplicates(cli, tmp_path) -> None:
    rows = tmp_path / "rows.json"
    rows.write_text(
        json.dumps(
            [
                {"qualifier": "01", "id": "PARTNERCO"},
                {"partner_ecgrid_id": PARTNERCO_ID},  # the same pair by ECGrid ID
                {"qualifier": "12", "id": "5551234567"},
                {"qualifier": "ZZ", "id": "HEALTHYCO"},  # 87001 exists already
            ]
        ),
        encoding="utf-8",
    )
    planned = cli("interconnect", "setup", "--file", str(rows), *FROM, "--dry-run", "--json")
    assert planned.code == 0, planned.describe()
    summary = planned.json()["summary"]
    assert (summary["dryRun"], summary["wouldCreate"]) == (True, 2)
    assert (summary["created"], summary["existing"], summary["duplicates"]) == (0, 1, 1)
    by_row = {row["row"]: row for row in planned.json()["rows"]}
    assert_one_ran(by_row, 1, 2, "would-create")
    assert (by_row[3]["outcome"], by_row[4]["outcome"]) == ("would-create", "existing")
    assert own_count(cli) == OWN_SEED_INTERCONNECTS

    done = cli("interconnect", "setup", "--file", str(rows), *FROM, "--json")
    assert done.code == 0, done.describe()
    by_row = {row["row"]: row for row in done.json()["rows"]}
    ran = assert_one_ran(by_row, 1, 2, "created")
    assert ran["interconnect"]["ecGridIdTo"] == PARTNERCO_ID
    assert (by_row[3]["outcome"], by_row[4]["outcome"]) == ("created", "existing")
    assert by_row[4]["interconnect"]["interconnectId"] == 87001
    assert own_count(cli) == OWN_SEED_INTERCONNECTS + 2


def assert_one_ran(by_row: dict[int, dict], a: int, b: int, outcome: str) -> dict:
    """Rows ``a`` and ``b`` name one pair: one ran (``outcome``), the other is its duplicate."""
    ran, dup = (by_row[a], by_row[b])
    if ran["outcome"] == "duplicate":
        ran, dup = dup, ran
    assert (ran["outcome"], dup["outcome"]) == (outcome, "duplicate"), (ran, dup)
    assert dup["duplicateOf"] == ran["row"] and dup["error"] is None, dup
    assert dup["interconnect"] is None and dup["created"] is False, dup
    return ran


def test_bulk_the_later_row_is_the_duplicate(run_ecgrid, tmp_path) -> None:
    partners = range(200001, 200017)
    rows = tmp_path / "rows.json"
    rows.write_text(
        json.dumps(
            [
                row
                for n in partners
                for row in ({"qualifier": "ZZ", "id": f"TP{n}"}, {"partner_ecgrid_id": n})
            ]
        ),
        encoding="utf-8",
    )
    planned = run_ecgrid("interconnect", "setup", "--file", str(rows), *FROM, "--dry-run", "--json")
    assert planned.code == 0, planned.describe()
    duplicates = sorted(
        (row["row"], row["duplicateOf"])
        for row in planned.json()["rows"]
        if row["outcome"] == "duplicate"
    )
    assert duplicates == [(2 * k + 2, 2 * k + 1) for k in range(len(partners))]


def test_bulk_duplicate_rows_say_what_they_held(run_ecgrid, tmp_path) -> None:
    rows = tmp_path / "dup.csv"
    rows.write_text("qualifier,id\n01,PARTNERCO\n01,PARTNERCO\n", encoding="utf-8")
    done = run_ecgrid("interconnect", "setup", "--file", str(rows), *FROM, "--json")
    assert done.code == 0, done.describe()
    duplicate = next(row for row in done.json()["rows"] if row["row"] == 2)
    assert duplicate["duplicateOf"] == 1
    assert duplicate["input"] is not None
    assert (duplicate["input"]["qualifier"], duplicate["input"]["id"]) == ("01", "PARTNERCO")
