"""The console script starts with the cycle collector paused and resumes it for the work.

Each case runs in a fresh interpreter: freezing and pausing the collector must not
touch the test process itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from startup_support import CLI_TESTS, probe_env

# Runs the console script's entry point and reports the collector's state at exit.
PROBE = """
import atexit, contextlib, gc, io, json, sys
report_path = sys.argv.pop(2)
def report():
    state = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
    with open(report_path, "w") as f:
        json.dump(state, f)
atexit.register(report)
if sys.argv[1] == "fake":
    sys.path.insert(0, %(cli_tests)r)
    from fake_backend import demo
    from ecgrid_cli.api import factory
    backend = demo()
    factory.build_backend = lambda resolved, **kwargs: backend
sys.argv = ["ecgrid", *sys.argv[2:]]
from ecgrid_cli.entry import main
with contextlib.redirect_stdout(io.StringIO()):
    main()
"""


def collector_at_exit(tmp_path: Path, *args: str) -> tuple[int, dict]:
    """Exit code of ``ecgrid ARGS`` (fake backend) and the collector's state at its exit."""
    report = tmp_path / "collector.json"
    env = probe_env(tmp_path)
    probe = PROBE % {"cli_tests": str(CLI_TESTS)}
    done = subprocess.run(
        [sys.executable, "-c", probe, "fake", str(report), *args],
        env=env,
        capture_output=True,
        timeout=60,
    )
    return done.returncode, json.loads(report.read_text())


def test_an_api_command_resumes_the_collector_once_its_backend_is_built(tmp_path):
    code, state = collector_at_exit(tmp_path, "ids", "get", "334455", "--json")
    assert code == 0
    assert state["enabled"] is True
    assert state["frozen"] > 10_000  # what start-up made is kept out of the collector's sight


def test_a_command_without_a_backend_ends_before_start_up_is_over(tmp_path):
    code, state = collector_at_exit(tmp_path, "--version")
    assert code == 0
    assert state == {"enabled": False, "frozen": 0}


def test_resume_without_a_pause_leaves_a_disabled_collector_alone():
    script = (
        "import gc; from ecgrid_cli import startup\n"
        "gc.disable(); startup.pause_collector(); startup.resume_collector()\n"
        "print(gc.isenabled(), gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["False", "0"]
