"""Fixtures of the client attack suite (``test_client_*.py``), all named ``attack_*``.

Nothing here is autouse, so the other hostile test modules are unaffected.

* ``attack_home``: the HOME (and XDG directories, config file) of every process a
  test starts, under ``tmp_path``.
* ``attack_cli(*args, env_extra=None, ...)``: runs the client under test in that
  isolated environment (see ``client_attack_support.run_cli``).
* ``attack_sandbox(*flags, api_key=...)``: starts this checkout's sandbox on a free
  loopback port with its own database; every sandbox is stopped at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from client_attack_support import (
    ATTACK_API_KEY,
    Run,
    SandboxProcess,
    isolated_env,
    run_cli,
)


@pytest.fixture
def attack_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def attack_cli(attack_home: Path, tmp_path: Path) -> Callable[..., Run]:
    def run(
        *args: str,
        env_extra: Mapping[str, str | None] | None = None,
        input: str | None = None,
        timeout: float = 60.0,
        preexec_fn: Callable[[], None] | None = None,
    ) -> Run:
        env = isolated_env(attack_home, env_extra)
        return run_cli(args, env, cwd=tmp_path, input=input, timeout=timeout, preexec_fn=preexec_fn)

    return run


@pytest.fixture
def attack_sandbox(attack_home: Path, tmp_path: Path) -> Iterator[Callable[..., SandboxProcess]]:
    started: list[SandboxProcess] = []

    def start(*flags: str, api_key: str = ATTACK_API_KEY) -> SandboxProcess:
        db = tmp_path / f"sandbox-{len(started)}.db"
        sandbox = SandboxProcess.start(attack_home, db, api_key, *flags)
        started.append(sandbox)
        return sandbox

    try:
        yield start
    finally:
        for sandbox in started:
            sandbox.stop()
