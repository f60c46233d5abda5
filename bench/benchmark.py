"""Benchmark ecgrid against the physical limit and against baselines, in one run, as ratios.

A benchmark, not a test: nothing here is asserted in the test suite. Machines are shared
and noisy, so every figure is a median of several repetitions taken after a warm-up,
the sides of each comparison are interleaved (A B A B ..., rotating the order each
round) so drift hits both, and targets are ratios between figures of the same run.

What it measures:

1. Start-up (medians of --runs, default 15): ``python -c pass``, the import floor of the
   declared dependencies (``python -c "import typer, httpx, rich.table,
   pydantic_settings"``), ``ecgrid --version``, ``ecgrid --help`` and one API command
   (``ecgrid partners count ID --json``) against the minimal server with no latency.
   Targets: --version <= 5x and --help <= 10x ``python -c pass``; the API command
   <= 0.9x the import floor. Ratios are the median of the per-round ratios.
2. Bulk setup of --rows rows (default 300) at --latency-ms (default 20) per request,
   ``ecgrid interconnect setup --file rows.csv --json`` with no concurrency flags,
   against: the physical limit (rows x 2 requests x latency / 16 connections), a
   sequential curl+jq loop, ``xargs -P 16`` of the same curl+jq row script, and a plain
   asyncio+httpx script with a semaphore of 16 (bench/baseline_asyncio.py). Every
   contender does the documented find-then-create per row. Each timed run gets a fresh
   server (a new minimal server; a fresh copy of a seeded sandbox database) and a cold
   ecgrid cache (its own HOME and XDG dirs), and afterwards the server is checked for
   exactly one interconnect per pair and its requests are counted by endpoint.
   Targets: <= 1.4x the limit; >= 15x faster than the curl loop; no more than
   2 requests per row + 1 per sender (the count that tells which pairs exist);
   exactly once on every run.
   Run against two servers, named in the table: bench/minimal_server.py (standard
   library, fixed latency, one sendall per answer) and the project's sandbox
   (``python -m ecgrid_cli sandbox serve``). The speed targets are judged on the
   minimal server only, so they do not depend on the sandbox being fast; on the
   sandbox they are shown as information. Request counts and exactly-once are judged
   on both.
3. Peak RSS (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` via bench/peak_rss.py) of a
   100,000-row bulk run against the minimal server at 0 ms latency (--rss-mode run,
   about 3 minutes on 2 busy cores; --quick uses --dry-run, which sends the finds but
   no creates and so does not exercise the create path's memory), and of validating a
   100,000-row file whose last row is invalid. Target: under 100 MB (10^8 bytes).

Prints a markdown table (comparison | server | ecgrid | baseline | ratio | target |
met?) and exits 1 if a target is missed. --update-readme writes the table, the machine,
the date and the load average between <!-- benchmark:start --> and
<!-- benchmark:end --> in README.md (even when a target is missed: the table says so).

Usage: python bench/benchmark.py [--rows 300] [--latency-ms 20] [--runs 15]
       [--bulk-runs 5] [--quick] [--skip-rss] [--servers minimal,sandbox] [--update-readme]
Needs bash, curl, jq and xargs on PATH, and the project installed (pip install -e .).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from minimal_server import MinimalServer  # noqa: E402

KEY = "bench-key-0000"
PY = sys.executable
IMPORT_FLOOR = "import typer, httpx, rich.table, pydantic_settings"
CONNECTIONS = 16  # the limit's concurrency, and the baselines'
RSS_LIMIT_BYTES = 100 * 1000 * 1000
README_START = "<!-- benchmark:start -->"
README_END = "<!-- benchmark:end -->"
STEP_TIMEOUT = 3600

MINIMAL = "minimal"
SANDBOX = "sandbox"
SERVER_LABELS = {
    MINIMAL: "minimal",
    SANDBOX: "sandbox",
}


class BenchError(Exception):
    """A step did not do its work (a command failed, a row was not created)."""


# -- running commands ------------------------------------------------------------------


def ecgrid_command() -> list[str]:
    """The installed console script itself, not a version manager's shim in front of it."""
    script = Path(sysconfig.get_path("scripts")) / "ecgrid"
    if script.is_file():
        return [str(script)]
    found = shutil.which("ecgrid")
    if found is None:
        raise SystemExit("install the project first: pip install -e .")
    return [found]


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECGRID_")}
    # The warm-ups must leave bytecode behind: without it every run recompiles.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"  # curl and httpx alike
    return env


def cli_env(home: Path, url: str, sender: int) -> dict[str, str]:
    """ecgrid's settings from the environment; HOME and XDG dirs of its own (a cold cache)."""
    home.mkdir(parents=True, exist_ok=True)
    env = base_env()
    env.update(
        ECGRID_API_KEY=KEY,
        ECGRID_BASE_URL=url,
        ECGRID_ECGRID_ID=str(sender),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
    )
    return env


def run(
    command: list[str],
    env: dict[str, str],
    *,
    stdout: object = subprocess.DEVNULL,
    expect: tuple[int, ...] = (0,),
) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of one whole command (start-up included); BenchError if it failed."""
    started = time.perf_counter()
    done = subprocess.run(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=STEP_TIMEOUT,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in expect:
        stderr = done.stderr.decode(errors="replace")[-2000:]
        raise BenchError(f"exit {done.returncode}: {' '.join(command)}\n{stderr}")
    return elapsed, done


def median(values: list[float]) -> float:
    return statistics.median(values)


# -- results -----------------------------------------------------------------------------


@dataclass
class Row:
    comparison: str
    server: str
    ecgrid: str
    baseline: str
    ratio: str
    target: str
    met: bool | None  # None: information, no target
    gating: bool = True

    def met_text(self) -> str:
        if self.met is None:
            return "—"
        word = "met" if self.met else "**missed**"
        return word if self.gating else f"{word.strip('*')} (info)"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def missed(self) -> list[Row]:
        return [row for row in self.rows if row.gating and row.met is False]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def speed_ratio(ecgrid: float, baseline: float) -> str:
    if baseline >= ecgrid:
        return f"{baseline / ecgrid:.1f}x faster"
    return f"{ecgrid / baseline:.2f}x slower"


# -- 1. start-up -------------------------------------------------------------------------


def startup(tmp: Path, runs: int, report: Report) -> None:
    ecgrid = ecgrid_command()
    with MinimalServer(partners=0, latency_ms=0, api_key=KEY) as server:
        env = cli_env(tmp / "startup-home", server.url, server.sender)
        commands = {
            "python": [PY, "-c", "pass"],
            "floor": [PY, "-c", IMPORT_FLOOR],
            "version": [*ecgrid, "--version"],
            "help": [*ecgrid, "--help"],
            "count": [*ecgrid, "partners", "count", str(server.sender), "--json"],
        }
        for command in commands.values():  # warm-up: page cache, bytecode, a first answer
            run(command, env)
        _, done = run(commands["count"], env, stdout=subprocess.PIPE)
        answer = json.loads(done.stdout)
        if answer.get("count") != 0:
            raise BenchError(f"partners count answered {answer!r}")
        server.reset_counts()
        times: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for round_number in range(runs):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(run(commands[name], env)[0])
        requests = sum(server.request_counts().values())

    def paired(a: str, b: str) -> float:
        return median([x / y for x, y in zip(times[a], times[b], strict=True)])

    med = {name: median(values) for name, values in times.items()}
    spread = {name: (min(v), max(v)) for name, v in times.items()}
    version, help_, count = (
        paired("version", "python"),
        paired("help", "python"),
        paired("count", "floor"),
    )
    report.add(
        Row("`ecgrid --version` vs `python -c pass`", "—", ms(med["version"]),
            ms(med["python"]), f"{version:.1f}x", "≤ 5x", version <= 5)
    )  # fmt: skip
    report.add(
        Row("`ecgrid --help` vs `python -c pass`", "—", ms(med["help"]),
            ms(med["python"]), f"{help_:.1f}x", "≤ 10x", help_ <= 10)
    )  # fmt: skip
    report.add(
        Row(f"`ecgrid partners count ID --json` vs `python -c \"{IMPORT_FLOOR}\"`",
            "minimal, 0 ms", ms(med["count"]), ms(med["floor"]), f"{count:.2f}x",
            "≤ 0.9x", count <= 0.9)
    )  # fmt: skip
    report.notes.append(
        f"Start-up: median of {runs} interleaved rounds after one warm-up each; ratios are "
        "the median of per-round ratios. Ranges (min-max): "
        + ", ".join(f"{n} {ms(lo)}-{ms(hi)}" for n, (lo, hi) in spread.items())
        + f". `partners count` made {requests / runs:g} request(s) per call."
    )


# -- 2. bulk -----------------------------------------------------------------------------


@dataclass
class Live:
    """One fresh server for one timed run, and what it saw."""

    url: str
    sender: int
    requests: dict[str, int] = field(default_factory=dict)
    exactly_once: bool = False
    detail: str = ""
    # perf_counter() readings: the command's start and end, and (minimal server only,
    # which runs in this process) its first request's arrival and last answer's departure.
    started: float = 0.0
    ended: float = 0.0
    first_request: float | None = None
    last_answer: float | None = None

    def phases(self) -> tuple[float, float, float] | None:
        """(before the first request, first request to last answer, after it), seconds."""
        if self.first_request is None or self.last_answer is None:
            return None
        return (
            self.first_request - self.started,
            self.last_answer - self.first_request,
            self.ended - self.last_answer,
        )


def check_pairs(links: dict[int, int], partners: set[int]) -> tuple[bool, str]:
    """Exactly one interconnect between the sender and each partner, and nothing else."""
    missing = len(partners - set(links))
    extra = len(set(links) - partners)
    doubled = sum(1 for n in links.values() if n > 1)
    ok = not (missing or extra or doubled)
    return ok, "" if ok else f"{missing} missing, {doubled} doubled, {extra} unexpected"


@contextlib.contextmanager
def fresh_minimal(rows: int, latency_ms: float) -> Iterator[Live]:
    server = MinimalServer(partners=rows, latency_ms=latency_ms, api_key=KEY).start()
    try:
        live = Live(server.url, server.sender)
        yield live
    finally:
        server.stop()
    live.requests = server.request_counts()
    live.first_request, live.last_answer = server.first_request, server.last_answer
    partners = {
        n for q, i in server.partner_qids for n in server.state.by_qid[(q.upper(), i.upper())]
    }
    live.exactly_once, live.detail = check_pairs(
        dict(server.state.pairs_of(server.sender)), partners
    )


class Sandbox:
    """The project's sandbox as a subprocess on a free loopback port."""

    LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/1\.[01]" (\d{3})')

    def __init__(self, db: Path, latency_ms: float, log: Path | None, home: Path) -> None:
        command = [
            PY, "-m", "ecgrid_cli", "sandbox", "serve", "--port", "0", "--api-key", KEY,
            "--db", str(db), "--latency-ms", str(int(latency_ms)),
        ]  # fmt: skip
        env = base_env()
        env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"))
        if log is not None:
            env["ECGRID_SANDBOX_LOG"] = "1"  # one line per request on stderr: the counts
        home.mkdir(parents=True, exist_ok=True)
        self._log = (log or Path(os.devnull)).open("w")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if "http://" not in line:
            self.stop()
            raise BenchError(f"sandbox did not start: {line!r}")
        self.url = line.strip().split()[-1]

    def call(self, method: str, path: str, body: dict | None = None) -> object:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"X-API-Key": KEY, "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            return json.loads(response.read())["data"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()
        self._log.close()

    @classmethod
    def counts(cls, log: Path) -> dict[str, int]:
        counted: dict[str, int] = {}
        for line in log.read_text(errors="replace").splitlines():
            match = cls.LINE.search(line)
            if match:
                path = re.sub(r"/\d+(?=/|$)", "/{id}", match.group(2).split("?")[0])
                key = f"{match.group(1)} {path}"
                counted[key] = counted.get(key, 0) + 1
        return counted


@dataclass
class SandboxTemplate:
    """A sandbox database seeded once with the sender and the partners; copied per run."""

    db: Path
    sender: int
    partners: set[int]

    @classmethod
    def build(cls, tmp: Path, qids: list[tuple[str, str]]) -> SandboxTemplate:
        db = tmp / "sandbox-template.db"
        sandbox = Sandbox(db, 0, None, tmp / "sandbox-home")
        try:
            sender = sandbox.call("POST", "/v2/ids", {"mailboxId": 1001, "qualifier": "ZZ",
                                                      "id": "BENCHSENDER"})  # fmt: skip
            partners = {
                sandbox.call("POST", "/v2/ids", {"mailboxId": 3001, "qualifier": q, "id": i})[
                    "ecGridId"
                ]
                for q, i in qids
            }
        finally:
            sandbox.stop()
        return cls(db, sender["ecGridId"], partners)

    def copy_to(self, db: Path) -> None:
        source, target = sqlite3.connect(self.db), sqlite3.connect(db)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()


@contextlib.contextmanager
def fresh_sandbox(template: SandboxTemplate, latency_ms: float, workdir: Path) -> Iterator[Live]:
    workdir.mkdir(parents=True, exist_ok=True)
    db, log = workdir / "sandbox.db", workdir / "sandbox.log"
    template.copy_to(db)
    sandbox = Sandbox(db, latency_ms, log, workdir / "sandbox-home")
    try:
        live = Live(sandbox.url, template.sender)
        yield live
    finally:
        sandbox.stop()
    live.requests = Sandbox.counts(log)
    connection = sqlite3.connect(db)
    try:
        links: dict[int, int] = {}
        for a, b in connection.execute(
            "SELECT ecgrid_id_from, ecgrid_id_to FROM interconnects "
            "WHERE ecgrid_id_from = ? OR ecgrid_id_to = ?",
            (template.sender, template.sender),
        ):
            other = b if a == template.sender else a
            links[other] = links.get(other, 0) + 1
    finally:
        connection.close()
    live.exactly_once, live.detail = check_pairs(links, template.partners)


@dataclass
class Bulk:
    """One contender's timed runs against one server."""

    seconds: list[float] = field(default_factory=list)
    requests: list[dict[str, int]] = field(default_factory=list)
    once: list[bool] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    phases: list[tuple[float, float, float]] = field(default_factory=list)


CONTENDERS = ("ecgrid", "asyncio", "xargs", "curl")
CONTENDER_LABELS = {
    "asyncio": "asyncio+httpx, semaphore 16",
    "xargs": "`xargs -P 16` of curl+jq",
    "curl": "sequential curl+jq loop",
}


def bulk_once(name: str, live: Live, rows_csv: Path, rows: int, workdir: Path) -> tuple[float, int]:
    """Run one contender against a fresh server: (seconds, ecgrid's peak concurrency or 0)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if name == "ecgrid":
        env = cli_env(workdir / "home", live.url, live.sender)  # its own, cold, cache
        command = [*ecgrid_command(), "interconnect", "setup", "--file", str(rows_csv), "--json"]
        out = workdir / "ecgrid.json"
        with out.open("wb") as handle:
            live.started = time.perf_counter()
            seconds, _ = run(command, env, stdout=handle)
            live.ended = time.perf_counter()
        try:
            summary = json.loads(out.read_text())["summary"]
        except (ValueError, KeyError) as exc:
            raise BenchError(f"ecgrid wrote no summary ({exc}): {out}") from None
        if summary.get("created") != rows or summary.get("failed"):
            raise BenchError(f"ecgrid did not create every row: {summary}")
        return seconds, int((summary.get("concurrency") or {}).get("peak") or 0)
    env = base_env()
    env.update(BASE=live.url, KEY=KEY, FROM=str(live.sender), ROWS=str(rows_csv))
    if name == "asyncio":
        command = [PY, str(BENCH / "baseline_asyncio.py"), str(rows_csv)]
    elif name == "xargs":
        env["ROW_SCRIPT"] = str(BENCH / "curl_jq.sh")
        pipeline = (
            'set -o pipefail; tail -n +2 "$ROWS" | tr , " " '
            f'| xargs -P {CONNECTIONS} -n 2 bash "$ROW_SCRIPT" row'
        )
        command = ["bash", "-c", pipeline]
    else:
        command = ["bash", str(BENCH / "curl_jq.sh"), "loop", str(rows_csv)]
    live.started = time.perf_counter()
    seconds = run(command, env)[0]
    live.ended = time.perf_counter()
    return seconds, 0


def bulk_side(
    server: str,
    fresh: Callable[[Path], contextlib.AbstractContextManager[Live]],
    rows_csv: Path,
    rows: int,
    bulk_runs: int,
    curl_runs: int,
    workdir: Path,
) -> dict[str, Bulk]:
    results = {name: Bulk() for name in CONTENDERS}
    for name in ("ecgrid", "asyncio"):  # warm-up of the Python sides, not recorded
        with fresh(workdir / f"warmup-{name}") as live:
            bulk_once(name, live, rows_csv, rows, workdir / f"warmup-{name}")
    for round_number in range(bulk_runs):
        shift = round_number % len(CONTENDERS)
        for name in CONTENDERS[shift:] + CONTENDERS[:shift]:
            if name == "curl" and round_number >= curl_runs:
                continue
            where = workdir / f"round{round_number}-{name}"
            with fresh(where) as live:
                seconds, peak = bulk_once(name, live, rows_csv, rows, where)
            result = results[name]
            result.seconds.append(seconds)
            result.requests.append(live.requests)
            result.once.append(live.exactly_once)
            result.details.append(live.detail)
            result.peaks.append(peak)
            phases = live.phases()
            if phases is not None:
                result.phases.append(phases)
            print(
                f"  {server:8} round {round_number + 1}/{bulk_runs} {name:8} {seconds:7.2f} s  "
                f"{sum(live.requests.values())} requests  "
                f"{'exactly once' if live.exactly_once else 'NOT exactly once: ' + live.detail}",
                file=sys.stderr,
            )
    return results


def bulk_rows(
    report: Report, server: str, results: dict[str, Bulk], rows: int, latency_ms: float
) -> None:
    label = SERVER_LABELS[server]
    gating = server == MINIMAL
    limit = rows * 2 * (latency_ms / 1000) / CONNECTIONS
    mine = results["ecgrid"]
    ecgrid_median = median(mine.seconds)
    title = f"bulk {rows} rows @ {latency_ms:g} ms"
    over = ecgrid_median / limit
    report.add(
        Row(f"{title} vs physical limit ({rows}×2×{latency_ms:g} ms/16)", label,
            secs(ecgrid_median), secs(limit), f"{over:.2f}x", "≤ 1.4x", over <= 1.4, gating)
    )  # fmt: skip
    for name in ("curl", "xargs", "asyncio"):
        seconds = results[name].seconds
        if not seconds:
            continue
        baseline = median(seconds)
        if name == "curl":
            faster = baseline / ecgrid_median
            report.add(
                Row(f"{title} vs {CONTENDER_LABELS[name]}", label, secs(ecgrid_median),
                    secs(baseline), f"{faster:.1f}x faster", "≥ 15x faster", faster >= 15,
                    gating)
            )  # fmt: skip
        else:
            report.add(
                Row(f"{title} vs {CONTENDER_LABELS[name]}", label, secs(ecgrid_median),
                    secs(baseline), speed_ratio(ecgrid_median, baseline), "—", None)
            )  # fmt: skip
    allowed = 2 * rows + 1
    totals = [sum(r.values()) for r in mine.requests]
    worst = max(totals)
    by_endpoint = ", ".join(
        f"{k} {v}" for k, v in sorted(mine.requests[totals.index(worst)].items())
    )
    base_totals = [sum(r.values()) for r in results["asyncio"].requests]
    report.add(
        Row("bulk: requests sent (no request the work does not need)", label,
            f"{worst} ({worst / rows:.3f}/row)",
            f"{max(base_totals)} ({max(base_totals) / rows:.3f}/row, asyncio)" if base_totals
            else "—",
            f"{worst / allowed:.3f}x allowed", f"≤ 2/row + 1 = {allowed}", worst <= allowed)
    )  # fmt: skip
    report.notes.append(f"Requests by endpoint, ecgrid's largest run on {label}: {by_endpoint}.")
    baseline_once = ", ".join(
        f"{name} {sum(results[name].once)}/{len(results[name].once)}"
        for name in ("asyncio", "xargs", "curl")
        if results[name].once
    )
    report.add(
        Row("bulk: exactly one interconnect per pair after each run", label,
            f"{sum(mine.once)}/{len(mine.once)} runs", baseline_once, "—", "every run",
            all(mine.once))
    )  # fmt: skip
    failures = [d for d in mine.details if d]
    if failures:
        report.notes.append(f"ecgrid on {label}, not exactly once: {'; '.join(failures)}.")
    peaks = sorted(set(mine.peaks))
    spread = ", ".join(
        f"{name} {secs(min(b.seconds))}-{secs(max(b.seconds))} ({len(b.seconds)} runs)"
        for name, b in results.items()
        if b.seconds
    )
    report.notes.append(
        f"Bulk on {label}: medians; ranges {spread}. ecgrid's adaptive concurrency peaked "
        f"at {', '.join(map(str, peaks))} connections (the limit assumes {CONNECTIONS})."
    )
    for name in ("ecgrid", "asyncio"):
        phases = results[name].phases
        if phases:
            before, during, after = (median([p[i] for p in phases]) for i in range(3))
            report.notes.append(
                f"Where the time goes, {name} on {label} (medians): {ms(before)} before the "
                f"first request (start-up, reading the file), {secs(during)} from the first "
                f"request to the last answer (the limit: {secs(limit)}), {ms(after)} after "
                "the last answer (report, exit)."
            )


# -- 3. memory ---------------------------------------------------------------------------


def peak_rss(command: list[str], env: dict[str, str], expect: tuple[int, ...]) -> dict:
    _, done = run([PY, str(BENCH / "peak_rss.py"), *command], env, stdout=subprocess.PIPE)
    figures = json.loads(done.stdout.decode().strip().splitlines()[-1])
    if figures["returncode"] not in expect:
        stderr = done.stderr.decode(errors="replace")[-2000:]
        raise BenchError(f"exit {figures['returncode']}: {' '.join(command)}\n{stderr}")
    figures["stderr"] = done.stderr.decode(errors="replace")
    return figures


def memory(tmp: Path, rows: int, mode: str, report: Report) -> None:
    ecgrid = ecgrid_command()
    print(f"  memory: {rows} rows ({mode}) against the minimal server at 0 ms", file=sys.stderr)
    with MinimalServer(partners=rows, latency_ms=0, api_key=KEY) as server:
        big = tmp / "big.csv"
        with big.open("w") as handle:
            handle.write("qualifier,id\n")
            handle.writelines(f"{q},{i}\n" for q, i in server.partner_qids)
        env = cli_env(tmp / "rss-home", server.url, server.sender)
        command = [*ecgrid, "interconnect", "setup", "--file", str(big), "--json"]
        if mode == "dry-run":
            command.append("--dry-run")
        ran = peak_rss(command, env, (0,))
        requests = server.request_counts()
        links = server.state.pairs_of(server.sender)
        if mode == "run" and (len(links) != rows or max(links.values()) != 1):
            raise BenchError(f"the {rows}-row run did not create every pair exactly once")
        server.reset_counts()
        bad = tmp / "bad.csv"
        with bad.open("w") as handle:
            handle.write("qualifier,id\n")
            handle.writelines(f"{q},{i}\n" for q, i in server.partner_qids[:-1])
            handle.write("ZZ,THIS-ISA-ID-IS-FAR-TOO-LONG\n")
        command = [*ecgrid, "interconnect", "setup", "--file", str(bad), "--json"]
        refused = peak_rss(command, cli_env(tmp / "rss-home-bad", server.url, server.sender),
                           (1, 2))  # fmt: skip
        refused_requests = sum(server.request_counts().values())
    what = "run" if mode == "run" else "--dry-run (finds only)"
    for title, figures in (
        (f"peak RSS, {rows:,}-row file, bulk {what} at 0 ms", ran),
        (f"peak RSS, {rows:,}-row file, last row invalid (validation only)", refused),
    ):  # fmt: skip
        size = figures["maxrss_kib"] * 1024
        report.add(
            Row(title, "minimal, 0 ms", f"{size / 1e6:.0f} MB ({figures['seconds']:.0f} s)",
                "—", f"{size / RSS_LIMIT_BYTES:.2f}x limit", "< 100 MB", size < RSS_LIMIT_BYTES)
        )  # fmt: skip
    total = sum(requests.values())
    report.notes.append(
        f"Memory: the {rows:,}-row {mode} sent {total} requests ({total / rows:.3f}/row: "
        + ", ".join(f"{k} {v}" for k, v in sorted(requests.items()))
        + f"); the invalid file was refused with exit {refused['returncode']} after "
        f"{refused_requests} requests ({_first_line(refused['stderr'])})."
    )


def _first_line(text: str) -> str:
    """The error's message: from the JSON error document, else the first line."""
    with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
        return str(json.loads(text)["error"]["message"])[:200]
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return "no message"


# -- the report --------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    memory_text = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_text = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    system = f"{platform.system()} {platform.release()}"
    return (
        f"{os.cpu_count()} cores ({cpu}){memory_text}, {system}, Python {platform.python_version()}"
    )


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def source_state() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "ecgrid_cli")
    return f"{commit}{' + uncommitted changes in ecgrid_cli/' if dirty else ''}"


def render(report: Report, header: list[str]) -> str:
    lines = [*header, ""]
    lines.append("| comparison | server | ecgrid | baseline | ratio | target | met? |")
    lines.append("|---|---|---|---|---|---|---|")
    for row in report.rows:
        cells = (row.comparison, row.server, row.ecgrid, row.baseline, row.ratio, row.target,
                 row.met_text())  # fmt: skip
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines.append("")
    lines.extend(f"- {note}" for note in report.notes)
    return "\n".join(lines)


def update_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(README_START), content.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no {README_START} ... {README_END} markers")
    readme.write_text(
        content[: start + len(README_START)] + "\n" + text + "\n" + content[end:],
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--rows", type=int, default=300, help="bulk rows (default 300)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per request (20)")
    parser.add_argument("--runs", type=int, help="start-up rounds (default 15; --quick 5)")
    parser.add_argument("--bulk-runs", type=int, help="bulk rounds (default 5; --quick 2)")
    parser.add_argument(
        "--curl-runs",
        type=int,
        help="rounds with the slow sequential curl loop (default 3; --quick 1)",
    )
    parser.add_argument("--servers", default="minimal,sandbox", help="minimal,sandbox")
    parser.add_argument("--rss-rows", type=int, default=100_000)
    parser.add_argument(
        "--rss-mode", choices=("run", "dry-run"), help="default run; --quick: dry-run"
    )
    parser.add_argument("--skip-rss", action="store_true", help="skip the 100,000-row memory run")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions: a smoke run")
    parser.add_argument("--update-readme", action="store_true", help="write the table into README")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 15)
    bulk_runs = args.bulk_runs or (2 if args.quick else 5)
    curl_runs = min(bulk_runs, args.curl_runs or (1 if args.quick else 3))
    rss_mode = args.rss_mode or ("dry-run" if args.quick else "run")
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not set(servers) <= {MINIMAL, SANDBOX} or not servers:
        parser.error("--servers takes minimal, sandbox or both")
    for tool in ("bash", "curl", "jq", "xargs", "tail", "tr"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed on PATH")

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load()
    report = Report()
    try:
        with tempfile.TemporaryDirectory(prefix="ecgrid-bench-") as name:
            tmp = Path(name)
            print(f"start-up ({runs} rounds)", file=sys.stderr)
            startup(tmp, runs, report)
            rows_csv = tmp / "rows.csv"
            qids = [("ZZ", f"BENCH{n:06d}") for n in range(args.rows)]
            rows_csv.write_text("qualifier,id\n" + "".join(f"{q},{i}\n" for q, i in qids))
            for server in servers:
                print(f"bulk against the {server} server ({bulk_runs} rounds)", file=sys.stderr)
                if server == MINIMAL:

                    def fresh(where: Path) -> contextlib.AbstractContextManager[Live]:
                        return fresh_minimal(args.rows, args.latency_ms)
                else:
                    template = SandboxTemplate.build(tmp, qids)

                    def fresh(
                        where: Path, template: SandboxTemplate = template
                    ) -> contextlib.AbstractContextManager[Live]:
                        return fresh_sandbox(template, args.latency_ms, where / "server")

                results = bulk_side(
                    server, fresh, rows_csv, args.rows, bulk_runs, curl_runs, tmp / server
                )
                bulk_rows(report, server, results, args.rows, args.latency_ms)
            if not args.skip_rss:
                memory(tmp, args.rss_rows, rss_mode, report)
    except BenchError as err:
        print(f"benchmark step failed: {err}", file=sys.stderr)
        return 1

    mode = "quick (smoke run)" if args.quick else "full"
    header = [
        f"Measured {started} on {machine()}; load average (1/5/15 min) {load_before} at the "
        f"start, {load()} at the end; ecgrid_cli at {source_state()}.",
        "",
        "Servers: **minimal** = `bench/minimal_server.py` (standard library, threads, a fixed "
        "latency per request, keep-alive, each answer in one `sendall`, TCP_NODELAY); "
        "**sandbox** = `python -m ecgrid_cli sandbox serve --latency-ms "
        f"{args.latency_ms:g}` (a fresh copy of a seeded database per run). Each timed run "
        "starts on a fresh server. ecgrid: `ecgrid interconnect setup --file rows.csv --json` "
        "with no concurrency flags, `ECGRID_API_KEY`, `ECGRID_BASE_URL` and "
        "`ECGRID_ECGRID_ID` set, and a cold cache (its own HOME and XDG dirs every run). "
        "Baselines, each doing the documented find-then-create per row: `bench/curl_jq.sh "
        "loop` (sequential), `bench/curl_jq.sh row` under `xargs -P 16 -n 2`, "
        "`bench/baseline_asyncio.py`. Times are whole commands, start-up included. Speed "
        "targets are judged on the minimal server; on the sandbox they are information "
        f"(info). Mode: {mode}; {runs} start-up rounds, {bulk_runs} bulk rounds "
        f"({curl_runs} with the sequential curl loop).",
    ]
    text = render(report, header)
    print(text)
    missed = report.missed()
    if args.update_readme:
        update_readme(text)
        print("\nREADME.md updated.", file=sys.stderr)
    if missed:
        print(f"\n{len(missed)} target(s) missed:", file=sys.stderr)
        for row in missed:
            print(f"  - {row.comparison} [{row.server}]: {row.ratio} (target {row.target})",
                  file=sys.stderr)  # fmt: skip
        return 1
    print("\nevery target met", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
