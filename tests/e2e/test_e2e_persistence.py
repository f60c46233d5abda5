"""The sandbox keeps its state in --db across restarts; --reset reseeds it."""

from __future__ import annotations

import pytest
from e2e_support import (
    HUB_ID,
    OWN_ID,
    OWN_SEED_INTERCONNECTS,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def test_state_survives_a_restart_and_reset_wipes_it(start_sandbox, runner_for) -> None:
    first = start_sandbox()
    run = runner_for(first.url)
    setup = run(
        "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111", "--json"
    )
    assert setup.code == 0, setup.describe()
    assert setup.json()["created"] is True
    ic = setup.json()["interconnect"]
    moved = run("ids", "tp-move", str(HUB_ID), "--mailbox", "1002", "--yes")
    assert moved.code == 0, moved.describe()

    first.stop()
    assert first.proc.returncode is not None
    gone = run("--retries", "0", "partners", "get", str(ic["interconnectId"]))
    assert gone.code == 7, gone.describe()  # nothing listens there any more

    second = start_sandbox(db=first.db)  # same database, no --reset
    run = runner_for(second.url)
    got, mailbox, again = run_parallel(
        run,
        ("partners", "get", str(ic["interconnectId"]), "--json"),
        ("ids", "get", str(HUB_ID), "--json"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111", "--json"),
    )
    assert got.code == 0, got.describe()
    assert got.json() == ic
    assert mailbox.json()["mailboxId"] == 1002
    assert again.code == 0, again.describe()
    assert (again.json()["created"], again.json()["outcome"]) == (False, "existing")
    assert again.json()["interconnect"]["interconnectId"] == ic["interconnectId"]

    second.stop()
    third = start_sandbox("--reset", db=first.db)
    run = runner_for(third.url)
    missing, count, mailbox = run_parallel(
        run,
        ("partners", "get", str(ic["interconnectId"]), "--json"),
        ("partners", "count", str(OWN_ID), "--json"),
        ("ids", "get", str(HUB_ID), "--json"),
    )
    assert missing.code == 4, missing.describe()
    assert count.json()["count"] == OWN_SEED_INTERCONNECTS
    assert mailbox.json()["mailboxId"] == 1001
