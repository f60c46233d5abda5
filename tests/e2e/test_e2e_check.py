"""`interconnect check` (health) and delivery proof (`setup --verify`, `check --deliver`)
over both APIs, on the seed's health-check demo (interconnects 87001-87006 from 111111).

How verdicts are shown to people, and the checks' usage errors, are proven in-process
(``tests/cli/test_check.py``, ``tests/cli/test_setup.py``).

Test parcels take ``PARCEL_SECONDS`` on these sandboxes, so a verdict comes within
about a second; ``--verify-timeout`` shorter than that leaves the parcel pending.
"""

from __future__ import annotations

from functools import partial

import pytest
from e2e_support import (
    BOUNCE_IC,
    CHECK_KEYS,
    CHECK_NAMES,
    HEALTHY_IC,
    OWN_ID,
    SETUP_KEYS,
    UNHEALTHY,
    assert_json_error,
    ic_status,
    in_parallel,
    run_parallel,
)

pytestmark = pytest.mark.e2e

PARCEL_SECONDS = "0.4"
DELIVERY_KEYS = {"verdict", "parcelId", "status", "detail"}


@pytest.fixture
def quick_parcels(start_sandbox, runner_for, api):
    """``ecgrid --api API`` against a sandbox whose test parcels arrive quickly."""
    return runner_for(start_sandbox("--parcel-seconds", PARCEL_SECONDS).url, api)


def failing(doc: dict) -> list[str]:
    return [check["name"] for check in doc["checks"] if not check["passed"]]


def test_health_check(reader, api, tmp_path) -> None:
    own = str(OWN_ID)
    healthy, held, moving, quiet, dormant, missing, no_pair = run_parallel(
        reader,
        ("-v", "interconnect", "check", str(HEALTHY_IC), "--json"),
        ("interconnect", "check", str(UNHEALTHY["HELDCO"][0]), "--json"),
        ("-v", "interconnect", "check", str(UNHEALTHY["MOVINGCO"][0]), "--json"),
        ("-v", "interconnect", "check", "-q", "ZZ", "-i", "QUIETCO", "--from", own, "--json"),
        # By QID even when the partner's ID is not Active: that is what the check reports.
        ("interconnect", "check", "-q", "ZZ", "-i", "DORMANTCO", "--from", own, "--json"),
        ("-v", "interconnect", "check", "99999999", "--json"),
        ("interconnect", "check", "-q", "01", "-i", "PARTNERCO", "--from", own, "--json"),
    )
    assert healthy.code == 0, healthy.describe()
    doc = healthy.json()
    assert set(doc) == CHECK_KEYS
    assert doc["healthy"] is True and doc["issues"] == [] and doc["delivery"] is None
    assert [c["name"] for c in doc["checks"]] == CHECK_NAMES
    assert all(c["passed"] and c["reason"] for c in doc["checks"])
    assert doc["interconnect"]["interconnectId"] == HEALTHY_IC
    assert doc["interconnect"]["status"] == ic_status(api, "Active")
    assert (doc["tp1"]["ecGridId"], doc["tp2"]["ecGridId"]) == (OWN_ID, 700001)

    # Each unhealthy demo interconnect fails exactly its own check (exit 8), found by
    # interconnect ID or by the partner's QID.
    for name, result in (("HELDCO", held), ("MOVINGCO", moving), ("QUIETCO", quiet),
                         ("DORMANTCO", dormant)):  # fmt: skip
        ic, partner, check = UNHEALTHY[name]
        assert result.code == 8, f"{name}\n{result.describe()}"
        doc = result.json()
        assert set(doc) == CHECK_KEYS
        assert doc["healthy"] is False, name
        assert failing(doc) == [check], (name, doc["checks"])
        assert doc["issues"] == [c["reason"] for c in doc["checks"] if not c["passed"]]
        assert doc["interconnect"]["interconnectId"] == ic
        assert doc["tp2"]["ecGridId"] == partner
    assert ic_status(api, "Suspended") in held.json()["issues"][0]

    assert missing.code == 4, missing.describe()
    assert_json_error(missing)
    assert no_pair.code == 4, no_pair.describe()  # no interconnect joins the pair
    assert_json_error(no_pair, "InterconnectNotFound")

    rows = tmp_path / "check.csv"
    rows.write_text(
        "interconnect_id,qualifier,id\n87001,,\n,ZZ,QUIETCO\n99999999,,\n", encoding="utf-8"
    )
    result = reader("interconnect", "check", "--file", str(rows), "--from", own, "--json")
    assert result.code == 4, result.describe()  # a row could not be checked: not found
    report = result.json()
    assert report["summary"] == {"total": 3, "healthy": 1, "unhealthy": 1, "failed": 1}
    by_row = {row["row"]: row for row in report["rows"]}
    assert (by_row[1]["healthy"], by_row[2]["healthy"], by_row[3]["healthy"]) == (
        True,
        False,
        None,
    )
    assert by_row[3]["error"]["code"] in ("ObjectNotFound", "NotFound")


def test_delivery_proof(quick_parcels, start_sandbox, runner_for, api, tmp_path) -> None:
    """delivered -> 0; BOUNCECO -> failed (8); too short a wait -> pending (8); an
    interconnect that does not route -> not_tested (8); in bulk, rows listed as they
    finish, and exit 8 when a delivery fails."""
    # Pending: a sandbox (own database) whose parcels take a minute, so the wait is
    # shorter than the parcel however busy the machine is.
    slow_db = tmp_path / "slow-parcels.db"
    slow = runner_for(start_sandbox("--parcel-seconds", "60", db=slow_db).url, api)
    failing_rows = tmp_path / "failing.csv"
    failing_rows.write_text("qualifier,id\nZZ,HEALTHYCO\nZZ,BOUNCECO\n", encoding="utf-8")
    held_rows = tmp_path / "held.csv"
    held_rows.write_text("qualifier,id\nZZ,HEALTHYCO\nZZ,HELDCO\n", encoding="utf-8")
    own = str(OWN_ID)
    results = in_parallel(
        partial(quick_parcels, "-v", "interconnect", "setup", "-q", "12", "-i", "5551234567",
                "--from", own, "--verify", "--json"),
        partial(quick_parcels, "-v", "interconnect", "check", str(HEALTHY_IC), "--deliver",
                "--json"),
        partial(quick_parcels, "interconnect", "check", str(BOUNCE_IC), "--deliver", "--json"),
        partial(slow, "interconnect", "check", str(HEALTHY_IC), "--deliver",
                "--verify-timeout", "0.5", "--json"),
        partial(quick_parcels, "interconnect", "check", "87003", "--deliver", "--json"),
        partial(quick_parcels, "interconnect", "setup", "--file", str(failing_rows),
                "--from", own, "--verify", "--json"),
        partial(quick_parcels, "interconnect", "setup", "--file", str(held_rows),
                "--from", own, "--verify", "--json"),
        workers=7,
    )  # fmt: skip
    new_setup, checked, bounce, short, held, bulk_failing, bulk_held = results

    assert new_setup.code == 0, new_setup.describe()
    doc = new_setup.json()
    assert set(doc) == SETUP_KEYS | {"delivery"}
    assert (doc["outcome"], doc["delivery"]["verdict"]) == ("created", "delivered")
    assert set(doc["delivery"]) == DELIVERY_KEYS
    assert isinstance(doc["testParcelId"], int) and not isinstance(doc["testParcelId"], bool)
    assert doc["testParcelId"] == doc["delivery"]["parcelId"]

    assert checked.code == 0, checked.describe()
    assert checked.json()["healthy"] is True
    assert [c["name"] for c in checked.json()["checks"]] == [*CHECK_NAMES, "delivery"]
    assert checked.json()["delivery"]["verdict"] == "delivered"

    assert bounce.code == 8, bounce.describe()
    assert failing(bounce.json()) == ["delivery"]
    assert bounce.json()["delivery"]["verdict"] == "failed"

    assert short.code == 8, short.describe()
    delivery = short.json()["delivery"]
    assert delivery["verdict"] == "pending", delivery
    assert isinstance(delivery["parcelId"], int)
    assert failing(short.json()) == ["delivery"]

    assert held.code == 8, held.describe()
    assert failing(held.json()) == ["status", "delivery"]
    assert (held.json()["delivery"]["verdict"], held.json()["delivery"]["parcelId"]) == (
        "not_tested",
        None,
    )

    report = bulk_failing.json()
    verdicts = {row["row"]: row["delivery"]["verdict"] for row in report["rows"]}
    assert verdicts == {1: "delivered", 2: "failed"}
    assert [row["outcome"] for row in report["rows"]] == ["existing", "existing"]
    assert report["summary"]["deliveries"] == {"delivered": 1, "failed": 1}
    assert bulk_failing.code == 8, bulk_failing.describe()

    # A row whose interconnect does not route is done at once; a delivered one waits for
    # its parcel: the report lists rows as they finish, each with its number.
    assert bulk_held.code in (0, 8), bulk_held.describe()
    report = bulk_held.json()
    assert [row["row"] for row in report["rows"]] == [2, 1]
    assert [row["delivery"]["verdict"] for row in report["rows"]] == ["not_tested", "delivered"]
    assert [row["line"] for row in report["rows"]] == [3, 2]
    assert report["summary"]["deliveries"] == {"not_tested": 1, "delivered": 1}
    assert bulk_held.json()["rows"][0]["testParcelId"] is None
