"""CLI tests: run the real command tree in-process against respx-mocked HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import respx
from cli_support import BASE, KEY

from ecgrid_cli.app import run


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def err_json(self) -> Any:
        return json.loads(self.err.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    for name in (
        "ECGRID_PROFILE",
        "ECGRID_TIMEOUT",
        "ECGRID_RETRIES",
        "ECGRID_ECGRID_ID",
        "NO_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ECGRID_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("ECGRID_API_KEY", KEY)
    monkeypatch.setenv("ECGRID_BASE_URL", BASE)
    monkeypatch.delenv("ECGRID_FORCE_TTY", raising=False)
    # No real sleeping between retries in CLI tests.
    monkeypatch.setattr("ecgrid_cli.api.transport.time.sleep", lambda s: None)


@pytest.fixture
def cli(capsys):
    def invoke(*args: str) -> Result:
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock
