"""Benchmark ecgrid against baselines measured in the same run, reported as ratios.

A benchmark, not a test: machines here are shared and noisy, so nothing asserts on
time. Each comparison runs its two sides back to back on the same machine:

1. start-up: `ecgrid --version` and `ecgrid --help` against `python -c pass`;
2. one API command (`partners count`) against the sandbox, against the import floor of
   the declared dependencies (`python -c 'import typer, httpx, rich.table,
   pydantic_settings'`);
3. bulk setup of N rows (default 300) with 20 ms of sandbox latency, against a
   sequential curl+jq loop doing the documented find-then-create per row; both sides
   are then checked to have created every interconnect exactly once.

Usage: python bench/benchmark.py [--rows 300] [--runs 7] [--update-readme]
Needs curl and jq on PATH for the bulk comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key-0000"
LATENCY_MS = 20
CONCURRENCIES = (8, 16)  # the default, and a higher setting a CI job may choose
README_START = "<!-- benchmark:start -->"
README_END = "<!-- benchmark:end -->"


def timed(command: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, input=stdin, capture_output=True, text=True, timeout=600
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed


def median_of(runs: int, command: list[str], env: dict[str, str]) -> float:
    timed(command, env)  # warm the page cache and bytecode
    return statistics.median(timed(command, env) for _ in range(runs))


class Sandbox:
    """The project's own sandbox as a subprocess on a free loopback port."""

    def __init__(self, db: Path, *extra: str) -> None:
        command = [
            sys.executable, "-m", "ecgrid_cli", "sandbox", "serve",
            "--port", "0", "--api-key", KEY, "--db", str(db), *extra,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if "http://" not in line:
            self.stop()
            raise SystemExit(f"sandbox did not start: {line!r}")
        self.url = line.strip().split()[-1]

    def call(self, method: str, path: str, body: dict | None = None) -> object:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"X-API-Key": KEY, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["data"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def cli_env(tmp: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECGRID_")}
    env.update(
        ECGRID_API_KEY=KEY,
        ECGRID_BASE_URL=base_url,
        ECGRID_CONFIG=str(tmp / "config.toml"),
        XDG_CACHE_HOME=str(tmp / "cache"),
    )
    return env


CURL_LOOP = r"""
set -eu
while IFS=, read -r qualifier isa_id; do
  [ "$qualifier" = qualifier ] && continue
  partner=$(curl -s "$BASE/v2/ids/find?isaQualifier=$qualifier&isaId=$isa_id" \
    -H "X-API-Key: $KEY" | jq '.data[0].ecGridId')
  curl -s -X POST "$BASE/v2/partners" -H "Content-Type: application/json" \
    -H "X-API-Key: $KEY" \
    -d "{\"ecGridIdFrom\":$FROM,\"ecGridIdTo\":$partner,\"status\":\"Active\"}" \
    | jq -e '.success' >/dev/null
done < "$ROWS"
"""


def prepare_partners(sandbox: Sandbox, rows: int) -> tuple[list[tuple[str, str]], list[int]]:
    """Create N partner IDs and one sender ID per measured run."""
    partners = []
    for n in range(rows):
        qid = ("ZZ", f"BENCH{n:05d}")
        sandbox.call("POST", "/v2/ids", {"mailboxId": 3001, "qualifier": qid[0], "id": qid[1]})
        partners.append(qid)
    senders = [
        sandbox.call("POST", "/v2/ids", {"mailboxId": 1001, "qualifier": "ZZ", "id": name})
        for name in ("BENCHCURL", *(f"BENCHCLI{c}" for c in CONCURRENCIES))
    ]
    return partners, [sender["ecGridId"] for sender in senders]


def exactly_once(sandbox: Sandbox, sender: int, rows: int) -> bool:
    total = sandbox.call("POST", "/v2/partners/count", {"ecGridId": sender})
    listed = []
    page = 1
    while True:
        batch = sandbox.call(
            "POST", "/v2/partners/list", {"ecGridId": sender, "pageNo": page, "recordsPerPage": 500}
        )
        listed += batch
        if len(batch) < 500:
            break
        page += 1
    partners = [ic["ecGridIdTo"] for ic in listed]
    return total == rows and len(set(partners)) == rows


def bulk_comparison(tmp: Path, rows: int) -> dict[str, object]:
    db = tmp / "bench.db"
    setup = Sandbox(db, "--reset")
    try:
        partners, senders = prepare_partners(setup, rows)
    finally:
        setup.stop()
    curl_from, cli_senders = senders[0], dict(zip(CONCURRENCIES, senders[1:], strict=True))
    csv_path = tmp / "rows.csv"
    csv_path.write_text("qualifier,id\n" + "".join(f"{q},{i}\n" for q, i in partners))
    sandbox = Sandbox(db, "--latency-ms", str(LATENCY_MS))
    result: dict[str, object] = {}
    try:
        env = cli_env(tmp, sandbox.url)
        loop_env = dict(env, BASE=sandbox.url, KEY=KEY, FROM=str(curl_from), ROWS=str(csv_path))
        result["curl_seconds"] = timed(["bash", "-c", CURL_LOOP], loop_env)
        result["curl_exactly_once"] = exactly_once(sandbox, curl_from, rows)
        for concurrency, sender in cli_senders.items():
            command = ["ecgrid", "interconnect", "setup", "--file", str(csv_path)]
            command += ["--from", str(sender), "--concurrency", str(concurrency), "--json"]
            result[f"cli_seconds_{concurrency}"] = timed(command, env)
            result[f"cli_exactly_once_{concurrency}"] = exactly_once(sandbox, sender, rows)
    finally:
        sandbox.stop()
    return result


def api_comparison(tmp: Path, runs: int) -> dict[str, float]:
    sandbox = Sandbox(tmp / "api.db", "--reset")
    try:
        env = cli_env(tmp, sandbox.url)
        floor = median_of(
            runs,
            [sys.executable, "-c", "import typer, httpx, rich.table, pydantic_settings"],
            env,
        )
        command = median_of(runs, ["ecgrid", "partners", "count", "123456"], env)
    finally:
        sandbox.stop()
    return {"floor_seconds": floor, "command_seconds": command}


def startup_comparison(tmp: Path, runs: int) -> dict[str, float]:
    env = cli_env(tmp, "http://127.0.0.1:9")
    return {
        "python_seconds": median_of(runs, [sys.executable, "-c", "pass"], env),
        "version_seconds": median_of(runs, ["ecgrid", "--version"], env),
        "help_seconds": median_of(runs, ["ecgrid", "--help"], env),
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {cpu}, {system}, Python {platform.python_version()}"


def report(start: dict, api: dict, bulk: dict | None, rows: int) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.",
        "",
        "| comparison | ecgrid | baseline | ratio | target |",
        "|---|---|---|---|---|",
        f"| `ecgrid --version` vs `python -c pass` | {start['version_seconds'] * 1000:.0f} ms "
        f"| {start['python_seconds'] * 1000:.0f} ms "
        f"| {start['version_seconds'] / start['python_seconds']:.1f}x | ≤ 8x |",
        f"| `ecgrid --help` vs `python -c pass` | {start['help_seconds'] * 1000:.0f} ms "
        f"| {start['python_seconds'] * 1000:.0f} ms "
        f"| {start['help_seconds'] / start['python_seconds']:.1f}x | ≤ 10x |",
        f"| `ecgrid partners count` (sandbox) vs dependency import floor "
        f"| {api['command_seconds'] * 1000:.0f} ms | {api['floor_seconds'] * 1000:.0f} ms "
        f"| {api['command_seconds'] / api['floor_seconds']:.2f}x | ≤ 1.3x |",
    ]
    if bulk is not None:
        for concurrency in CONCURRENCIES:
            seconds = bulk[f"cli_seconds_{concurrency}"]
            default = " (default)" if concurrency == 8 else ""
            lines.append(
                f"| bulk setup, {rows} rows, {LATENCY_MS} ms latency: "
                f"`ecgrid interconnect setup --file --concurrency {concurrency}`{default} vs a "
                f"sequential curl+jq loop | {seconds:.2f} s | {bulk['curl_seconds']:.2f} s "
                f"| {bulk['curl_seconds'] / seconds:.1f}x faster | ≥ 10x |"
            )
        once = [bulk[f"cli_exactly_once_{c}"] for c in CONCURRENCIES]
        lines.append("")
        lines.append(
            f"Every row done exactly once: ecgrid {'yes' if all(once) else 'NO'}, "
            f"curl loop {'yes' if bulk['curl_exactly_once'] else 'NO'}."
        )
    return "\n".join(lines)


def update_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    start, end = content.index(README_START), content.index(README_END)
    readme.write_text(
        content[: start + len(README_START)] + "\n" + text + "\n" + content[end:],
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    if shutil.which("ecgrid") is None:
        raise SystemExit("install the project first: pip install .")
    with tempfile.TemporaryDirectory(prefix="ecgrid-bench-") as name:
        tmp = Path(name)
        start = startup_comparison(tmp, args.runs)
        api = api_comparison(tmp, args.runs)
        bulk = None
        if shutil.which("curl") and shutil.which("jq"):
            bulk = bulk_comparison(tmp, args.rows)
        else:
            print("curl or jq missing: skipping the bulk comparison", file=sys.stderr)
    text = report(start, api, bulk, args.rows)
    print(text)
    if args.update_readme:
        update_readme(text)


if __name__ == "__main__":
    main()
