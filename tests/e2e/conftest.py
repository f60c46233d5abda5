"""End-to-end harness: the sandbox as a subprocess, the installed ``ecgrid`` as another.

* ``start_sandbox(*flags, db=None)`` starts ``python -m ecgrid_cli sandbox serve`` on a
  free loopback port, learns its URL from the first stdout line (bounded wait) and
  always terminates it at the end of the test. Calling it again with the same ``db``
  (after ``Sandbox.stop()``) restarts the sandbox on the same database.
* ``run_ecgrid(*args, input=None, env_extra=None)`` runs the installed ``ecgrid``
  against the test's default sandbox; ``runner_for(url)`` builds the same helper for
  any other sandbox. Every run has a timeout, an isolated environment (no ``ECGRID_*``
  from the caller; config, cache, data and HOME under ``tmp_path``), and is checked
  for the API key on stdout and stderr.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from e2e_support import (
    API_KEY,
    LISTENING,
    RUN_TIMEOUT_SECONDS,
    SANDBOX_START_TIMEOUT_SECONDS,
    Run,
    Sandbox,
    assert_no_secret,
)

EnvExtra = Mapping[str, str | None] | None


@pytest.fixture(scope="session")
def ecgrid_exe() -> str:
    exe = shutil.which("ecgrid")
    if exe is None:
        pytest.fail("the 'ecgrid' console script is not on PATH: run pip install -e .")
    return exe


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The isolated HOME of every process this test starts."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def isolated_env(home: Path, base_url: str | None, env_extra: EnvExtra = None) -> dict[str, str]:
    """os.environ without any ECGRID_* variable, plus the test's own settings.

    ``env_extra`` values override; a value of None removes the variable.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECGRID_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "xdg-config"),
        XDG_CACHE_HOME=str(home / "xdg-cache"),
        XDG_DATA_HOME=str(home / "xdg-data"),
        ECGRID_CONFIG=str(home / "ecgrid-config" / "config.toml"),
        ECGRID_API_KEY=API_KEY,
    )
    if base_url is not None:
        env["ECGRID_BASE_URL"] = base_url
    for name, value in (env_extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _read_lines(stream, lines: queue.Queue[str | None]) -> None:
    """Forward the sandbox's stdout line by line (and keep draining it until EOF)."""
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):
        pass
    finally:
        lines.put(None)


@pytest.fixture
def start_sandbox(tmp_path: Path, home: Path) -> Iterator[Callable[..., Sandbox]]:
    """Factory: ``start_sandbox(*extra_flags, db=None) -> Sandbox`` (always stopped)."""
    started: list[Sandbox] = []

    def start(*flags: str, db: Path | None = None) -> Sandbox:
        db_path = db if db is not None else tmp_path / "sandbox.db"
        stderr_path = tmp_path / f"sandbox-{len(started)}.stderr"
        command = [
            sys.executable,
            "-m",
            "ecgrid_cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--api-key",
            API_KEY,
            "--db",
            str(db_path),
            *flags,
        ]
        with open(stderr_path, "w", encoding="utf-8") as stderr_file:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr_file,
                text=True,
                env=isolated_env(home, None),
                cwd=tmp_path,
            )
        sandbox = Sandbox("", db_path, tuple(flags), proc, stderr_path)
        started.append(sandbox)
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
        first: str | None = None
        with contextlib.suppress(queue.Empty):
            first = lines.get(timeout=SANDBOX_START_TIMEOUT_SECONDS)
        match = LISTENING.match(first or "")
        if match is None:
            sandbox.stop()
            pytest.fail(
                f"sandbox did not report its URL within {SANDBOX_START_TIMEOUT_SECONDS:g}s: "
                f"first line {first!r}; stderr: {stderr_path.read_text(encoding='utf-8')!r}"
            )
        sandbox.url = match.group(1)
        return sandbox

    try:
        yield start
    finally:
        for sandbox in started:
            sandbox.stop()


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A fresh fault-free sandbox with the seed data, on tmp_path/sandbox.db."""
    return start_sandbox()


@pytest.fixture
def all_runs() -> list[tuple[tuple[str, ...], Run]]:
    """Every process this test ran (label, result), for checks over all of them."""
    return []


class Ecgrid:
    """Runs the installed ``ecgrid`` (or a bash pipeline) against one base URL."""

    def __init__(
        self,
        exe: str,
        home: Path,
        cwd: Path,
        base_url: str | None,
        record: list[tuple[tuple[str, ...], Run]],
    ) -> None:
        self.exe = exe
        self.home = home
        self.cwd = cwd
        self.base_url = base_url
        self.record = record

    def env(self, env_extra: EnvExtra = None) -> dict[str, str]:
        """The isolated environment the runs get (for tests that manage a process)."""
        return isolated_env(self.home, self.base_url, env_extra)

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env_extra: EnvExtra = None,
        timeout: float = RUN_TIMEOUT_SECONDS,
    ) -> Run:
        """``ecgrid ARGS...`` -> Run(code, out, err); stdin is /dev/null unless ``input``."""
        return self._run([self.exe, *args], ("ecgrid", *args), input, env_extra, timeout)

    def shell(
        self, script: str, *, env_extra: EnvExtra = None, timeout: float = RUN_TIMEOUT_SECONDS
    ) -> Run:
        """``bash -c 'set -euo pipefail; SCRIPT'`` in the same isolated environment."""
        command = ["bash", "-c", f"set -euo pipefail\n{script}"]
        return self._run(command, ("bash", "-c", script), None, env_extra, timeout)

    def _run(
        self,
        command: list[str],
        label: tuple[str, ...],
        input: str | None,
        env_extra: EnvExtra,
        timeout: float,
    ) -> Run:
        proc = subprocess.run(
            command,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(env_extra),
            cwd=self.cwd,
        )
        result = Run(proc.returncode, proc.stdout, proc.stderr)
        self.record.append((label, result))
        assert_no_secret(result, where=" ".join(label))
        assert "Traceback (most recent call last)" not in result.err, result.describe()
        return result


@pytest.fixture
def runner_for(
    ecgrid_exe: str, home: Path, tmp_path: Path, all_runs: list[tuple[tuple[str, ...], Run]]
) -> Callable[[str | None], Ecgrid]:
    """``runner_for(base_url)`` -> an :class:`Ecgrid` runner for that server."""

    def make(base_url: str | None) -> Ecgrid:
        return Ecgrid(ecgrid_exe, home, tmp_path, base_url, all_runs)

    return make


@pytest.fixture
def run_ecgrid(sandbox: Sandbox, runner_for: Callable[[str | None], Ecgrid]) -> Ecgrid:
    """``run_ecgrid(*args, input=None, env_extra=None)`` against the default sandbox."""
    return runner_for(sandbox.url)
