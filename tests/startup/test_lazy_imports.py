"""Start-up stays light: each path imports only what it needs (modules, not timings).

Each case runs the CLI in a fresh interpreter and lists which heavy modules got loaded.
Timings live in bench/benchmark.py; here we check the cause of slowness, not its size.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = [
    "httpx",
    "httpx._main",
    "pydantic",
    "pydantic_settings",
    "rich.console",
    "rich.table",
    "rich.progress",
    "trio",
    "anyio",
    "sqlite3",
    "ecgrid_cli.sandbox.server",
]

PROBE = """
import contextlib, io, json, sys
from ecgrid_cli.app import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = run(sys.argv[2:])
loaded = [name for name in json.loads(sys.argv[1]) if name in sys.modules]
print(json.dumps({"code": code, "loaded": loaded}))
"""


def loaded_by(args: list[str], tmp_path) -> tuple[int, set[str]]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ECGRID_CONFIG": str(tmp_path / "config.toml"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "ECGRID_API_KEY": "lazy-import-test-key",
        # Nothing listens on the discard port: the command fails fast after importing.
        "ECGRID_BASE_URL": "http://127.0.0.1:9",
        "ECGRID_RETRIES": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return report["code"], set(report["loaded"])


def test_version_imports_nothing_heavy(tmp_path):
    code, loaded = loaded_by(["--version"], tmp_path)
    assert code == 0
    assert loaded == set()


def test_help_needs_rich_but_not_http_or_settings(tmp_path):
    code, loaded = loaded_by(["interconnect", "setup", "--help"], tmp_path)
    assert code == 0
    assert not loaded & {"httpx", "pydantic_settings", "sqlite3", "ecgrid_cli.sandbox.server"}


@pytest.mark.parametrize(
    "args",
    [["partners", "count", "123456"], ["ids", "find", "-q", "01", "-i", "PARTNERCO"]],
    ids=["count", "find"],
)
def test_piped_api_command_loads_http_and_settings_only(tmp_path, args):
    code, loaded = loaded_by(args, tmp_path)
    assert code == 7  # unreachable: the request was really attempted
    assert {"httpx", "pydantic_settings"} <= loaded
    assert not loaded & {"httpx._main", "rich.table", "rich.progress", "trio", "anyio"}
    assert not loaded & {"sqlite3", "ecgrid_cli.sandbox.server"}


def test_bad_input_is_refused_before_http_is_even_imported(tmp_path):
    code, loaded = loaded_by(["ids", "find", "-q", "TOOLONG", "-i", "X"], tmp_path)
    assert code == 2
    assert "httpx" not in loaded
