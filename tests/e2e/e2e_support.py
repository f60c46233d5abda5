"""Shared pieces of the end-to-end suite: constants, the result type, small parsers,
secret scanning and a pseudo-terminal runner.

The fixtures that start processes live in ``conftest.py``; this module holds only
plain values and functions so that test modules can import them directly.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import sandbox_process

# A key that cannot appear in any output by accident: every run is scanned for it.
API_KEY = "e2e-Secret-Key-7f3a9c"
# Sent in the wrong-key tests; it must not be echoed either.
WRONG_KEY = "e2e-Wrong-Key-0b1d2e"
# The sandbox's one user (ecgrid_cli/sandbox/auth.py): `auth login` tests use it.
LOGIN = "sandbox"
PASSWORD = "sandbox-password"
# Secrets every run is scanned for; login tokens and session IDs are added per test
# as they appear in the credentials file.
SECRETS = (API_KEY, WRONG_KEY, PASSWORD)

APIS = ("rest", "soap")
SOAP_PATH = "/v4.1/prod/ECGridOS.asmx"

RUN_TIMEOUT_SECONDS = 60.0
SANDBOX_START_TIMEOUT_SECONDS = 15.0

# Seed data (ecgrid_cli/sandbox/seed.py).
OWN_ID = 111111
HUB_ID = 123456
PARTNERCO_ID = 334455
WIDGET_ID = 445566
# Interconnects of OWN_ID in the seed: the health-check demo 87001-87006.
OWN_SEED_INTERCONNECTS = 6
OWN_SEED_ACTIVE = 5  # 87003 is Suspended
HEALTHY_IC = 87001
# name -> (interconnect, partner ECGrid ID, the check that fails)
UNHEALTHY = {
    "QUIETCO": (87002, 700002, "traffic"),
    "HELDCO": (87003, 700003, "status"),
    "DORMANTCO": (87004, 700004, "ids"),
    "MOVINGCO": (87005, 700005, "moves"),
}
BOUNCE_IC = 87006

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
SETUP_KEYS = {"created", "outcome", "interconnect", "partner", "testParcelId"}
ERROR_KEYS = {"code", "message", "httpStatus", "details"}
BULK_ROW_KEYS = {
    "row",
    "line",
    "input",
    "outcome",
    "created",
    "interconnect",
    "partner",
    "testParcelId",
    "duplicateOf",
    "error",
}
BULK_SUMMARY_KEYS = {
    "total",
    "created",
    "existing",
    "unconfirmed",
    "duplicates",
    "failed",
    "retryable",
    "partnersCreated",
    "concurrency",
}
CHECK_KEYS = {"healthy", "interconnect", "tp1", "tp2", "checks", "issues", "delivery"}
CHECK_NAMES = ["status", "traffic", "ids", "moves"]
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
# ECGridOS TPInfo/TPSearch carry no EDI standard: SOAP documents say null.
PARTNERCO_DOCS = {"rest": PARTNERCO_DOC, "soap": {**PARTNERCO_DOC, "ediStandard": None}}

# README "Status words": the REST interconnect word and its SOAP counterpart.
IC_STATUS_WORDS = {
    "Active": "Completed",
    "Development": "Pending",
    "Preproduction": "AuthorizationRequired",
    "Suspended": "Delayed",
    "Terminated": "Canceled",
}
ENDED = {"Terminated", "Canceled"}


def ic_status(api: str, rest_word: str) -> str:
    """The interconnect status word the server shows over ``api``."""
    return IC_STATUS_WORDS[rest_word] if api == "soap" else rest_word


def api_args(api: str | None) -> tuple[str, ...]:
    return ("--api", api) if api else ()


# What ``ecgrid ids find`` may print at most besides data: no colour, no box drawing.
ANSI_OR_BOX = re.compile(r"\x1b|[\u2500-\u257f]")
BOX = re.compile(r"[\u2500-\u257f]")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


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

    def tsv(self) -> list[list[str]]:
        return [line.split("\t") for line in self.out.splitlines()]

    def record(self) -> dict[str, str]:
        """A piped key/value record (``Label<TAB>value`` lines) as a dict."""
        return dict(line.split("\t", 1) for line in self.out.splitlines())

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
    seed_rows: dict[str, list[tuple[Any, ...]]] | None = None  # the read-only sandbox's

    def stop(self) -> None:
        """Terminate, wait, kill: always leaves no process behind."""
        sandbox_process.stop(self.proc)


# The server's word for "no such object" over each API (exit 4 either way).
NOT_FOUND = {"rest": ("ObjectNotFound", 404), "soap": ("NotFound", 500)}


def assert_json_error(result, code: str | None = None, http_status: object = ...) -> dict:
    """stdout empty, stderr ends with {"error": {"code", "message", "httpStatus", "details"}}."""
    assert result.out == "", result.describe()
    error = result.err_json()["error"]
    assert set(error) == ERROR_KEYS, error
    assert isinstance(error["message"], str) and error["message"]
    assert error["details"] is None or isinstance(error["details"], dict), error
    if code is not None:
        assert error["code"] == code, error
    if http_status is not ...:
        assert error["httpStatus"] == http_status, error
    return error


def find_request_lines(stderr: str) -> list[str]:
    """The ``-v`` request lines (``> METHOD URL``) that went to the find endpoint."""
    return [
        line
        for line in stderr.splitlines()
        if line.startswith("> ") and "/v2/ids/find" in line.split("?", 1)[0]
    ]


def request_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("> ")]


# -- secrets --------------------------------------------------------------------------


def secret_forms(secret: str) -> set[str]:
    """Spellings of a secret that would still give it away."""
    forms = {secret, quote(secret, safe="")}
    forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))
    return forms


def leaked(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets (in any letter case or a plain encoding) that ``text`` shows."""
    folded = text.casefold()
    found = []
    for secret in secrets:
        if any(form.casefold() in folded for form in secret_forms(secret)):
            found.append(secret)
    return found


def assert_no_secret(run: Run, *, where: str, secrets: Iterable[str] = SECRETS) -> None:
    secrets = tuple(secrets)
    for name, text in (("stdout", run.out), ("stderr", run.err)):
        found = leaked(text, secrets)
        assert not found, f"secret {_hint(found[0])} leaked on {name} of {where}\n{run.describe()}"


def _hint(secret: str) -> str:
    return f"{secret[:3]}…({len(secret)} chars)"


def stored_secrets(home: Path) -> set[str]:
    """Login tokens and session IDs in the credentials file(s) under ``home``."""
    found: set[str] = set()
    for path in home.rglob("credentials.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entries = data.get("credentials") if isinstance(data, dict) else None
        for entry in (entries or {}).values():
            if isinstance(entry, dict):
                for key in ("secret", "refresh_secret"):
                    value = entry.get(key)
                    if isinstance(value, str) and len(value) >= 8:
                        found.add(value)
    return found


# -- server state -----------------------------------------------------------------------

DATA_TABLES = ("networks", "mailboxes", "ecgrid_ids", "interconnects", "notes", "parcels")


def database_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the sandbox's data tables (read-only; the server may be running)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in DATA_TABLES
        }


def live_pairs(interconnects: list[dict[str, Any]]) -> dict[frozenset[int], list[int]]:
    """Live (not ended) interconnect IDs grouped by the (unordered) pair they join."""
    pairs: dict[frozenset[int], list[int]] = {}
    for ic in interconnects:
        if ic["status"] not in ENDED:
            pair = frozenset((ic["ecGridIdFrom"], ic["ecGridIdTo"]))
            pairs.setdefault(pair, []).append(ic["interconnectId"])
    return pairs


def new_pairs(interconnects: list[dict[str, Any]]) -> dict[frozenset[int], list[int]]:
    """Like :func:`live_pairs`, without the seed's health-check demo interconnects."""
    return live_pairs([ic for ic in interconnects if ic["interconnectId"] >= 88001])


# -- running many at once -------------------------------------------------------------


def run_parallel(run: Callable[..., Run], *commands: Sequence[str], workers: int = 4) -> list[Run]:
    """Run independent ``ecgrid`` commands at once (results in the order given).

    Only for commands that do not depend on each other's effects: it keeps the suite
    fast on small machines, where each run is mostly interpreter start-up.
    """
    return in_parallel(*(partial(run, *args) for args in commands), workers=workers)


def in_parallel(*calls: Callable[[], Any], workers: int = 4) -> list[Any]:
    """Call independent zero-argument functions at once (results in the order given)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), calls))


# -- a real pseudo-terminal -------------------------------------------------------------


class Reply(NamedTuple):
    """Type ``text`` into the terminal once ``after`` has appeared on it."""

    after: str
    text: str


def run_in_terminal(
    command: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    replies: Sequence[Reply] = (),
    timeout: float = RUN_TIMEOUT_SECONDS,
    columns: int = 100,
    rows: int = 40,
) -> Run:
    """Run ``command`` with stdin, stdout and stderr on a new pseudo-terminal.

    The terminal is the process's controlling terminal in a session of its own (via
    ``setsid -c`` when available), so ``/dev/tty`` prompts and terminal checks see a
    real terminal and nothing reaches the terminal pytest runs in. Everything it
    writes comes back as ``out`` (stdout and stderr share the terminal; CRLF -> LF);
    reads are bounded by ``timeout`` and the process is always reaped.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    setsid = shutil.which("setsid")
    argv = [setsid, "-c", *command] if setsid else list(command)
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    env.setdefault("TERM", "xterm-256color")
    try:
        proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=setsid is None,
            close_fds=True,
        )
    finally:
        os.close(slave)
    output = bytearray()
    pending = list(replies)
    answered_up_to = 0  # replies look for their prompt after the previous one
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{' '.join(command)} did not finish within {timeout:g}s on a terminal; "
                    f"output so far: {output.decode(errors='replace')!r}"
                )
            ready, _, _ = select.select([master], [], [], min(left, 0.5))
            if not ready:
                if proc.poll() is not None and not _readable(master):
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every process holding the terminal has gone
                break
            if not chunk:
                break
            output += chunk
            while pending:
                seen = _plain(output)
                at = seen.find(pending[0].after, answered_up_to)
                if at < 0:
                    break
                answered_up_to = at + len(pending[0].after)
                os.write(master, pending.pop(0).text.encode())
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        os.close(master)
    text = output.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return Run(code, text, "")


def _readable(fd: int) -> bool:
    ready, _, _ = select.select([fd], [], [], 0)
    return bool(ready)


def _plain(output: bytearray) -> str:
    return ANSI.sub("", output.decode("utf-8", errors="replace"))


def plain(text: str) -> str:
    """Terminal output without colour and cursor sequences."""
    return ANSI.sub("", text)
