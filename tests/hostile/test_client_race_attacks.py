"""Wrong claims under races ("Hardening, round two", 3), against this checkout's sandbox.

a. ``--drop-rate 1.0``: every write commits and its answer is dropped. A run may only
   claim a creation it can show: over REST (no field for a caller's reference) setup
   says ``created: false, outcome: "unconfirmed"`` and ``partners create`` exits 5
   (code Unconfirmed); over SOAP the create carries a provenance token, so the
   interconnect found afterwards is provably the run's own, and saying so is honest.
b. One bulk file naming the same partner on 8 rows (the same QID; QID and ECGrid ID
   mixed): exactly one row creates, the others are duplicates of it.
c. Two bulk runs over one 300-row file at the same moment: together they claim at most
   300 creations, and the server holds exactly one live interconnect per pair.
"""

from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from client_attack_support import (
    ATTACK_API_KEY,
    OWN_ID,
    PARTNERCO_ID,
    WIDGET_ID,
    Run,
    SandboxAdmin,
    ecgrid_command,
    isolated_env,
)

APIS = ("rest", "soap")
TOKEN_PREFIX = "ecgrid-cli/"


def api_flags(api: str) -> list[str]:
    return ["--api", "soap"] if api == "soap" else []


def key_env() -> dict[str, str]:
    return {"ECGRID_API_KEY": ATTACK_API_KEY}


# -- a. every answer to a write is lost -----------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_a_write_never_claims_a_creation_it_cannot_show(api, attack_cli, attack_sandbox):
    """``interconnect setup`` (to PartnerCo) and ``partners create`` (to Widget), at once."""
    sandbox = attack_sandbox("--drop-rate", "1.0")
    admin = SandboxAdmin(sandbox.url, ATTACK_API_KEY)
    base = [*api_flags(api), "--base-url", sandbox.url]
    with ThreadPoolExecutor(max_workers=2) as pool:
        setup_run, create_run = pool.map(
            lambda args: attack_cli(*base, *args, "--json", env_extra=key_env()),
            [
                ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", str(OWN_ID)),
                ("partners", "create", "--from", str(OWN_ID), "--to", str(WIDGET_ID)),
            ],
        )
    _setup_claims(api, setup_run, admin)
    _create_claims(api, create_run, admin)


def _setup_claims(api: str, run: Run, admin: SandboxAdmin) -> None:
    assert run.code == 0, run.describe()
    document = run.json()
    live = admin.live_between(OWN_ID, PARTNERCO_ID)
    assert len(live) == 1, live  # created once, never re-sent
    assert document["interconnect"]["interconnectId"] == live[0]["interconnectId"]
    reference = admin.interconnect(live[0]["interconnectId"]).get("reference")
    if api == "rest":
        # REST cannot carry a token: the interconnect may be another writer's.
        assert reference is None
        assert (document["created"], document.get("outcome")) == (False, "unconfirmed"), document
    else:
        # SOAP's InterconnectAdd carried this run's token, found again on the server.
        assert reference is not None and reference.startswith(TOKEN_PREFIX), reference
        assert (document["created"], document.get("outcome")) == (True, "created"), document


def _create_claims(api: str, run: Run, admin: SandboxAdmin) -> None:
    live = admin.live_between(OWN_ID, WIDGET_ID)
    assert len(live) == 1, live
    reference = admin.interconnect(live[0]["interconnectId"]).get("reference")
    if api == "rest":
        assert run.code == 5, run.describe()
        assert run.out == ""
        error = json.loads(run.error_lines()[-1])["error"]
        assert error["code"] == "Unconfirmed", error
        assert error["details"]["interconnectId"] == live[0]["interconnectId"]
    else:
        assert reference is not None and reference.startswith(TOKEN_PREFIX), reference
        assert run.code == 0, run.describe()
        assert run.json()["interconnectId"] == live[0]["interconnectId"]


# -- b. one partner named on 8 rows ------------------------------------------------------------

SAME_QID = "qualifier,id\n" + "01,PARTNERCO\n" * 8
MIXED = "qualifier,id,partner_ecgrid_id\n" + f"01,PARTNERCO,\n,,{PARTNERCO_ID}\n" * 4


def run_rows(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["row"]: row for row in report["rows"]}


def bulk_over(content: str, api: str, attack_cli, sandbox, tmp_path: Path) -> dict[str, Any]:
    rows_file = tmp_path / "rows.csv"
    rows_file.write_text(content)
    run = attack_cli(
        *api_flags(api),
        "--base-url",
        sandbox.url,
        "interconnect",
        "setup",
        "--from",
        str(OWN_ID),
        "--file",
        str(rows_file),
        "--json",
        env_extra=key_env(),
    )
    assert run.code == 0, run.describe()
    report = run.json()
    assert sorted(row["row"] for row in report["rows"]) == list(range(1, 9))
    return report


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("content", [SAME_QID, MIXED], ids=["same-qid", "qid-and-ecgrid-id"])
def test_one_partner_on_eight_rows_is_created_once(
    api, content, attack_cli, attack_sandbox, tmp_path
):
    """One row creates the interconnect; every other row names that row, never another
    duplicate. With one spelling that is the first row; when some rows name the partner
    by QID and others by ECGrid ID, whichever spelling claims the pair first does it."""
    sandbox = attack_sandbox()
    report = bulk_over(content, api, attack_cli, sandbox, tmp_path)
    assert len(SandboxAdmin(sandbox.url, ATTACK_API_KEY).live_between(OWN_ID, PARTNERCO_ID)) == 1
    rows = run_rows(report)
    assert sum(row["created"] for row in rows.values()) == 1, rows
    assert report["summary"]["created"] == 1
    assert report["summary"].get("duplicates") == 7
    creators = [n for n, row in rows.items() if row.get("outcome") == "created"]
    assert len(creators) == 1, rows
    creator = creators[0]
    assert rows[creator]["created"] is True
    if content == SAME_QID:
        assert creator == 1
    for number in set(range(1, 9)) - {creator}:
        assert rows[number].get("outcome") == "duplicate", rows[number]
        assert rows[number].get("duplicateOf") == creator, rows[number]


# -- c. two bulk runs over one 300-row file at once -------------------------------------------

FRESH_PARTNERS = 300


def fresh_partners(admin: SandboxAdmin) -> dict[str, int]:
    """300 new ECGrid IDs (no interconnect yet): ISA ID -> ECGrid ID."""
    names = [f"RACE{index:04d}" for index in range(FRESH_PARTNERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda name: admin.create_id("ZZ", name), names))
    return dict(zip(names, ids, strict=True))


def start_bulk(api: str, url: str, rows_file: Path, home: Path, cwd: Path) -> subprocess.Popen:
    command = [*ecgrid_command(), *api_flags(api), "--base-url", url, "interconnect", "setup"]
    command += ["--from", str(OWN_ID), "--file", str(rows_file), "--json"]
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=isolated_env(home, key_env()),
        cwd=cwd,
    )


def finish(proc: subprocess.Popen, timeout: float) -> Run:
    started = time.monotonic()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return Run(proc.returncode, out, err, time.monotonic() - started)


@pytest.mark.parametrize("apis", [("rest", "rest"), ("soap", "soap"), ("rest", "soap")])
def test_two_bulk_runs_at_once_create_each_pair_once(apis, attack_sandbox, attack_home, tmp_path):
    sandbox = attack_sandbox()
    admin = SandboxAdmin(sandbox.url, ATTACK_API_KEY)
    partners = fresh_partners(admin)
    rows_file = tmp_path / "partners.csv"
    rows_file.write_text("qualifier,id\n" + "".join(f"ZZ,{name}\n" for name in partners))
    procs = [start_bulk(api, sandbox.url, rows_file, attack_home, tmp_path) for api in apis]
    try:
        runs = [finish(proc, timeout=180) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    reports = []
    for run in runs:
        assert "Traceback" not in run.err, run.describe()
        assert run.code == 0, run.describe()
        reports.append(run.json())
    created = [report["summary"]["created"] for report in reports]
    assert sum(created) <= FRESH_PARTNERS, created  # never a creation claimed twice
    live: dict[int, int] = {}
    for ic in admin.interconnects_of(OWN_ID):
        other = ic["ecGridIdTo"] if ic["ecGridIdFrom"] == OWN_ID else ic["ecGridIdFrom"]
        if other in partners.values() and ic["status"] != "Terminated":
            live[other] = live.get(other, 0) + 1
    assert sorted(live) == sorted(partners.values())  # every pair exists ...
    assert set(live.values()) == {1}  # ... exactly once
    # Every creation is claimed by exactly one of the runs (none twice, none lost).
    assert sum(created) == FRESH_PARTNERS, created
    for report in reports:
        rows = report["rows"]
        assert len(rows) == FRESH_PARTNERS
        assert sum(row["created"] for row in rows) == report["summary"]["created"]
        outcomes = {row.get("outcome") for row in rows}
        assert outcomes <= {"created", "existing"}, report["summary"]
