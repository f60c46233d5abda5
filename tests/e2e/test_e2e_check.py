"""`interconnect check` (health) and delivery proof (`setup --verify`, `check --deliver`)
over both APIs, on the seed's health-check demo (interconnects 87001-87006 from 111111).

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


def test_health_check(cli, api, tmp_path) -> None:
    healthy, by_qid, human, *unhealthy = run_parallel(
        cli,
        ("interconnect", "check", str(HEALTHY_IC), "--json"),
        ("interconnect", "check", "-q", "ZZ", "-i", "HEALTHYCO", "--from", str(OWN_ID), "--json"),
        ("interconnect", "check", str(HEALTHY_IC)),
        *[("interconnect", "check", str(ic), "--json") for ic, _, _ in UNHEALTHY.values()],
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
    assert by_qid.code == 0 and by_qid.json() == doc, by_qid.describe()

    assert human.code == 0, human.describe()
    rows = human.tsv()
    assert [row[:2] for row in rows] == [[name, "pass"] for name in CHECK_NAMES]

    for name, result in zip(UNHEALTHY, unhealthy, strict=True):
        ic, partner, check = UNHEALTHY[name]
        assert result.code == 8, f"{name}\n{result.describe()}"
        doc = result.json()
        assert set(doc) == CHECK_KEYS
        assert doc["healthy"] is False, name
        assert failing(doc) == [check], (name, doc["checks"])
        assert doc["issues"] == [c["reason"] for c in doc["checks"] if not c["passed"]]
        assert doc["interconnect"]["interconnectId"] == ic
        assert doc["tp2"]["ecGridId"] == partner
    held = unhealthy[list(UNHEALTHY).index("HELDCO")].json()
    assert ic_status(api, "Suspended") in held["issues"][0]

    _health_check_by_partner_and_errors(cli)
    _check_file(cli, tmp_path)


def _health_check_by_partner_and_errors(cli) -> None:
    by_qid, human, dormant, missing, no_pair, none_named, two_named = run_parallel(
        cli,
        ("interconnect", "check", "-q", "ZZ", "-i", "QUIETCO", "--from", str(OWN_ID), "--json"),
        ("interconnect", "check", "-q", "ZZ", "-i", "MOVINGCO", "--from", str(OWN_ID)),
        # By QID even when the partner's ID is not Active: that is what the check reports.
        ("interconnect", "check", "-q", "ZZ", "-i", "DORMANTCO", "--from", str(OWN_ID), "--json"),
        ("interconnect", "check", "99999999", "--json"),
        ("interconnect", "check", "-q", "01", "-i", "PARTNERCO", "--from", str(OWN_ID), "--json"),
        ("interconnect", "check", "--json"),
        ("interconnect", "check", str(HEALTHY_IC), "-q", "ZZ", "-i", "QUIETCO"),
    )
    assert by_qid.code == 8, by_qid.describe()
    assert failing(by_qid.json()) == ["traffic"]
    assert human.code == 8, human.describe()
    assert ["moves", "FAIL"] in [row[:2] for row in human.tsv()]
    assert dormant.code == 8, dormant.describe()
    assert failing(dormant.json()) == ["ids"]
    assert dormant.json()["interconnect"]["interconnectId"] == UNHEALTHY["DORMANTCO"][0]
    assert missing.code == 4, missing.describe()
    assert_json_error(missing)
    assert no_pair.code == 4, no_pair.describe()  # no interconnect joins the pair
    assert_json_error(no_pair, "InterconnectNotFound")
    assert none_named.code == 2 and two_named.code == 2


def _check_file(cli, tmp_path) -> None:
    rows = tmp_path / "check.csv"
    rows.write_text(
        "interconnect_id,qualifier,id\n87001,,\n,ZZ,QUIETCO\n99999999,,\n", encoding="utf-8"
    )
    result = cli("interconnect", "check", "--file", str(rows), "--from", str(OWN_ID), "--json")
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
    """delivered -> 0; BOUNCECO -> failed (8); too short a wait -> pending (8);
    an interconnect that does not route -> not_tested (8)."""
    # Pending: a sandbox (own database) whose parcels take a minute, so the wait is
    # shorter than the parcel however busy the machine is.
    slow_db = tmp_path / "slow-parcels.db"
    slow = runner_for(start_sandbox("--parcel-seconds", "60", db=slow_db).url, api)
    own = str(OWN_ID)
    results = in_parallel(
        partial(quick_parcels, "interconnect", "setup", "-q", "12", "-i", "5551234567",
                "--from", own, "--verify", "--json"),
        partial(quick_parcels, "interconnect", "check", str(HEALTHY_IC), "--deliver", "--json"),
        partial(quick_parcels, "interconnect", "setup", "-q", "ZZ", "-i", "BOUNCECO",
                "--from", own, "--verify", "--json"),
        partial(quick_parcels, "interconnect", "check", str(BOUNCE_IC), "--deliver", "--json"),
        partial(slow, "interconnect", "check", str(HEALTHY_IC), "--deliver",
                "--verify-timeout", "0.5", "--json"),
        partial(slow, "interconnect", "setup", "-q", "ZZ", "-i", "HEALTHYCO", "--from", own,
                "--verify", "--verify-timeout", "0.5", "--json"),
        partial(quick_parcels, "interconnect", "setup", "-q", "ZZ", "-i", "HELDCO",
                "--from", own, "--verify", "--json"),
        partial(quick_parcels, "interconnect", "check", "87003", "--deliver", "--json"),
        workers=8,
    )  # fmt: skip
    new_setup, checked, bounce_setup, bounce_check, short_check, short_setup, held_setup, held = (
        results
    )

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

    assert bounce_setup.code == 8, bounce_setup.describe()
    assert bounce_setup.json()["outcome"] == "existing"
    assert bounce_setup.json()["delivery"]["verdict"] == "failed"
    assert bounce_check.code == 8, bounce_check.describe()
    assert failing(bounce_check.json()) == ["delivery"]
    assert bounce_check.json()["delivery"]["verdict"] == "failed"

    for short in (short_check, short_setup):
        assert short.code == 8, short.describe()
        delivery = short.json()["delivery"]
        assert delivery["verdict"] == "pending", delivery
        assert isinstance(delivery["parcelId"], int)
    assert failing(short_check.json()) == ["delivery"]

    assert held_setup.code == 8, held_setup.describe()
    delivery = held_setup.json()["delivery"]
    assert (delivery["verdict"], delivery["parcelId"]) == ("not_tested", None)
    assert held_setup.json()["testParcelId"] is None
    assert held.code == 8, held.describe()
    assert failing(held.json()) == ["status", "delivery"]
    assert held.json()["delivery"]["verdict"] == "not_tested"

    _delivery_proof_for_people(quick_parcels)


def _delivery_proof_for_people(quick_parcels) -> None:
    human, bounce = run_parallel(
        quick_parcels,
        ("interconnect", "setup", "-q", "ZZ", "-i", "HEALTHYCO", "--from", str(OWN_ID),
         "--verify"),
        ("interconnect", "check", str(BOUNCE_IC), "--deliver"),
    )  # fmt: skip
    assert human.code == 0, human.describe()
    record = human.record()
    assert record["Delivery"].startswith("delivered")
    assert record["Test parcel"].isdigit()
    assert "delivery delivered" in human.err
    assert bounce.code == 8, bounce.describe()
    assert ["delivery", "FAIL"] in [row[:2] for row in bounce.tsv()]


def test_bulk_verify_exits_8_when_a_delivery_fails(quick_parcels, tmp_path) -> None:
    rows = tmp_path / "verify.csv"
    rows.write_text("qualifier,id\nZZ,HEALTHYCO\nZZ,BOUNCECO\n", encoding="utf-8")
    result = quick_parcels(
        "interconnect", "setup", "--file", str(rows), "--from", str(OWN_ID), "--verify", "--json"
    )
    verdicts = {row["row"]: row["delivery"]["verdict"] for row in result.json()["rows"]}
    assert verdicts == {1: "delivered", 2: "failed"}
    assert result.json()["summary"]["deliveries"] == {"delivered": 1, "failed": 1}
    assert result.code == 8, result.describe()


def test_bulk_verify_rows_in_completion_order(quick_parcels, tmp_path) -> None:
    """A row whose interconnect does not route is done at once; a delivered one waits
    for its parcel: the report lists rows as they finish, each with its number."""
    rows = tmp_path / "verify.csv"
    rows.write_text("qualifier,id\nZZ,HEALTHYCO\nZZ,HELDCO\n", encoding="utf-8")
    result = quick_parcels(
        "interconnect", "setup", "--file", str(rows), "--from", str(OWN_ID), "--verify", "--json"
    )
    assert result.code in (0, 8), result.describe()
    report = result.json()
    assert [row["row"] for row in report["rows"]] == [2, 1]
    assert [row["delivery"]["verdict"] for row in report["rows"]] == ["not_tested", "delivered"]
    assert [row["line"] for row in report["rows"]] == [3, 2]
    assert report["summary"]["deliveries"] == {"not_tested": 1, "delivered": 1}
