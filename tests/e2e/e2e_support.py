"""Shared pieces of the end-to-end suite: constants, the result type, small parsers.

The fixtures that start processes live in ``conftest.py``; this module holds only
plain values and functions so that test modules can import them directly.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

# A key that cannot appear in any output by accident: every run is scanned for it.
API_KEY = "e2e-Secret-Key-7f3a9c"
# Sent in the wrong-key tests; it must not be echoed either.
WRONG_KEY = "e2e-Wrong-Key-0b1d2e"
SECRETS = (API_KEY, WRONG_KEY)

RUN_TIMEOUT_SECONDS = 60.0
SANDBOX_START_TIMEOUT_SECONDS = 15.0
SANDBOX_STOP_TIMEOUT_SECONDS = 5.0
LISTENING = re.compile(r"^ECGrid sandbox listening on (http://127\.0\.0\.1:\d+)\s*$")

# Seed data (ecgrid_cli/sandbox/seed.py).
OWN_ID = 111111
HUB_ID = 123456
PARTNERCO_ID = 334455
WIDGET_ID = 445566
ECGRID_ID_KEYS = {
    "ecGridId",
    "mailboxId",
    "networkId",
    "qualifier",
    "id",
    "description",
    "status",
    "routingGroup",
    "ediStandard",
}
INTERCONNECT_KEYS = {
    "interconnectId",
    "ecGridIdFrom",
    "ecGridIdTo",
    "status",
    "created",
    "modified",
}
SETUP_KEYS = {"created", "interconnect", "partner", "testParcelId"}
PARTNERCO_DOC = {
    "ecGridId": 334455,
    "mailboxId": 3001,
    "networkId": 9,
    "qualifier": "01",
    "id": "PARTNERCO",
    "description": "Partner Company Inc.",
    "status": "Active",
    "routingGroup": "ProductionA",
    "ediStandard": "X12",
}
# What ``ecgrid ids find`` may print at most besides data: no colour, no box drawing.
ANSI_OR_BOX = re.compile(r"\x1b|[\u2500-\u257f]")


class Run(NamedTuple):
    """One finished ``ecgrid`` (or shell) process: ``code, out, err = run``."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout as exactly one JSON document."""
        return json.loads(self.out)

    def err_json(self) -> Any:
        """The JSON error object: the last non-empty line of stderr."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert lines, f"expected a JSON error on stderr, got nothing (stdout: {self.out!r})"
        return json.loads(lines[-1])

    def describe(self) -> str:
        return f"exit {self.code}\n--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"


@dataclass
class Sandbox:
    """A sandbox server running as a subprocess (``ecgrid sandbox serve``)."""

    url: str
    db: Path
    flags: tuple[str, ...]
    proc: subprocess.Popen[str]
    stderr_path: Path

    def stop(self) -> None:
        """Terminate, wait, kill: always leaves no process behind."""
        proc = self.proc
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=SANDBOX_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=SANDBOX_STOP_TIMEOUT_SECONDS)
        if proc.stdout is not None:
            proc.stdout.close()


def find_request_lines(stderr: str) -> list[str]:
    """The ``-v`` request lines (``> METHOD URL``) that went to the find endpoint."""
    return [
        line
        for line in stderr.splitlines()
        if line.startswith("> ") and "/v2/ids/find" in line.split("?", 1)[0]
    ]


def request_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("> ")]


def assert_no_secret(run: Run, *, where: str) -> None:
    for secret in SECRETS:
        assert secret not in run.out, f"API key leaked on stdout of {where}\n{run.describe()}"
        assert secret not in run.err, f"API key leaked on stderr of {where}\n{run.describe()}"


def live_pairs(interconnects: list[dict[str, Any]]) -> dict[frozenset[int], list[int]]:
    """Non-terminated interconnect IDs grouped by the (unordered) pair they join."""
    pairs: dict[frozenset[int], list[int]] = {}
    for ic in interconnects:
        if ic["status"] != "Terminated":
            pair = frozenset((ic["ecGridIdFrom"], ic["ecGridIdTo"]))
            pairs.setdefault(pair, []).append(ic["interconnectId"])
    return pairs


def run_parallel(run: Callable[..., Run], *commands: Sequence[str], workers: int = 4) -> list[Run]:
    """Run independent ``ecgrid`` commands at once (results in the order given).

    Only for commands that do not depend on each other's effects: it keeps the suite
    fast on small machines, where each run is mostly interpreter start-up.
    """
    return in_parallel(*(partial(run, *args) for args in commands), workers=workers)


def in_parallel(*calls: Callable[[], Run], workers: int = 4) -> list[Run]:
    """Call independent zero-argument functions at once (results in the order given)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), calls))
