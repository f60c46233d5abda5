"""Proof under chaos: 44 setups per API against a sandbox that fails and drops on purpose.

The sandbox answers 20 % of requests with 429/500/503 and commits 30 % of writes
without answering (the connection is dropped). Every setup must still exit 0, and
afterwards each pair must be joined by exactly ONE live interconnect, and no other was
made: read back from the database file once the sandbox has stopped.

24 setups are single ``ecgrid interconnect setup`` processes (4 at a time, two on
each pair back to back so they race); the other 20 are rows of two bulk files
(``--file``) running alongside them. The same run happens over REST and over SOAP.
"""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from e2e_support import OWN_ID, Run, ic_status, live_pairs

pytestmark = pytest.mark.e2e

CHAOS_FLAGS = ("--fault-rate", "0.2", "--drop-rate", "0.3", "--retry-after", "0", "--seed", "7")
RACERS = 2  # single setups per pair, started back to back
BULK_ROWS = 20
WORKERS = 4
COMMON = ("-v", "--retries", "10", "interconnect", "setup")
# (qualifier, ISA ID, ECGrid ID): none has an interconnect with 111111 in the seed data.
PARTNERS: tuple[tuple[str, str, int], ...] = (
    *(("ZZ", f"TP{n}", n) for n in range(200001, 200009)),
    ("01", "PARTNERCO", 334455),
    ("12", "5551234567", 445566),
    ("01", "PARTNER001", 123456),
    ("ZZ", "REUSEDCO", 500002),  # 500001 is Terminated: setup must pick 500002
)


def _bulk_files(tmp_path: Path) -> list[Path]:
    """A CSV with every partner by QID, and a JSON array naming 8 by ECGrid ID too."""
    csv_file = tmp_path / "partners.csv"
    csv_file.write_text(
        "qualifier,id\n" + "".join(f"{q},{i}\n" for q, i, _ in PARTNERS), encoding="utf-8"
    )
    json_file = tmp_path / "partners.json"
    rows = [{"qualifier": q, "id": i, "partner_ecgrid_id": n} for q, i, n in PARTNERS[-8:]]
    json_file.write_text(json.dumps(rows), encoding="utf-8")
    assert len(PARTNERS) + len(rows) == BULK_ROWS
    return [csv_file, json_file]


def _jobs(bulk_files: list[Path]) -> list[tuple[str, ...]]:
    """Bulk runs first (so they race the singles), then the singles in racing pairs."""
    jobs = [
        (*COMMON, "--file", str(path), "--from", str(OWN_ID), "--concurrency", "4", "--json")
        for path in bulk_files
    ]
    order = [p for p in PARTNERS for _ in range(RACERS)]
    for index, (qualifier, isa_id, ecgrid_id) in enumerate(order):
        partner = (
            ("--partner-ecgrid-id", str(ecgrid_id))
            if index % 2 == 1
            else ("-q", qualifier, "-i", isa_id)
        )
        jobs.append((*COMMON, *partner, "--from", str(OWN_ID), "--json"))
    return jobs


def _partner_of(args: tuple[str, ...]) -> int:
    if "--partner-ecgrid-id" in args:
        return int(args[args.index("--partner-ecgrid-id") + 1])
    qid = (args[args.index("-q") + 1], args[args.index("-i") + 1])
    return next(n for q, i, n in PARTNERS if (q, i) == qid)


def _made_in_db(db) -> list[dict]:
    """Every interconnect of OWN_ID made after the seed, live or not (from the file)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT interconnect_id, ecgrid_id_from, ecgrid_id_to, status FROM interconnects "
            "WHERE ? IN (ecgrid_id_from, ecgrid_id_to) AND interconnect_id >= 88001",
            (OWN_ID,),
        ).fetchall()
    return [
        {"interconnectId": i, "ecGridIdFrom": f, "ecGridIdTo": t, "status": s}
        for i, f, t, s in rows
    ]


def test_setups_under_faults_and_drops(start_sandbox, runner_for, tmp_path, api) -> None:
    assert len({p[2] for p in PARTNERS}) == len(PARTNERS)
    chaos = start_sandbox(*CHAOS_FLAGS)
    run = runner_for(chaos.url, api)
    jobs = _jobs(_bulk_files(tmp_path))

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results: list[Run] = list(pool.map(lambda args: run(*args, timeout=90), jobs))

    failed = [(args, r) for args, r in zip(jobs, results, strict=True) if r.code != 0]
    assert not failed, f"{len(failed)} of {len(jobs)} runs failed; first:\n" + "\n".join(
        f"{' '.join(args)}\n{r.describe()}" for args, r in failed[:3]
    )

    # The chaos really happened: retries and maybe-applied writes were reconciled.
    stderr = "".join(r.err for r in results)
    assert stderr.count("retrying ") >= 10, "expected injected faults to cause retries"
    assert "may have been applied" in stderr, "expected dropped writes to be reconciled"

    # (partner, setup document) for every setup: 20 bulk rows, 24 single runs.
    outcomes: list[tuple[int, dict]] = []
    for args, result in zip(jobs, results, strict=True):
        doc = result.json()
        if "--file" in args:
            assert doc["summary"]["failed"] == 0, doc["summary"]
            assert len(doc["rows"]) == doc["summary"]["total"]
            for row in doc["rows"]:
                assert row["error"] is None, row
                assert row["outcome"] in ("created", "existing", "unconfirmed"), row
                outcomes.append((row["partner"]["ecGridId"], row))
        else:
            outcomes.append((_partner_of(args), doc))
    assert len(outcomes) == RACERS * len(PARTNERS) + BULK_ROWS

    reported: dict[int, set[int]] = {}
    made: dict[int, list[str]] = {p[2]: [] for p in PARTNERS}
    for partner, doc in outcomes:
        ic = doc["interconnect"]
        assert {ic["ecGridIdFrom"], ic["ecGridIdTo"]} == {OWN_ID, partner}, doc
        assert ic["status"] == ic_status(api, "Active"), doc
        assert doc["partner"]["ecGridId"] == partner, doc
        assert doc["created"] is (doc["outcome"] == "created"), doc
        reported.setdefault(partner, set()).add(ic["interconnectId"])
        if doc["outcome"] != "existing":
            made[partner].append(doc["outcome"])
    # Every setup of a pair reports the same interconnect. At most one run claims to
    # have created it, and some run made it: claimed, or (REST, whose creates carry no
    # provenance) unconfirmed when the create's answer was lost. SOAP's InterconnectAdd
    # carries a Reference, so exactly one run proves it created the pair.
    assert all(len(ids) == 1 for ids in reported.values()), reported
    assert set(reported) == {p[2] for p in PARTNERS}
    for partner, words in made.items():
        assert words.count("created") <= 1 and words, (partner, words)
        if api == "soap":
            assert words.count("created") == 1, (partner, words)

    expected = {frozenset((OWN_ID, p)): sorted(ids) for p, ids in reported.items()}
    chaos.stop()
    made_here = _made_in_db(chaos.db)
    assert live_pairs(made_here) == expected
    assert len(made_here) == len(PARTNERS)  # and nothing was created then terminated
