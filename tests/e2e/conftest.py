"""End-to-end harness: the sandbox as a subprocess, the installed ``ecgrid`` as another.

* ``ecgrid_exe``: the ``ecgrid`` console script beside the running Python
  (``Path(sys.executable).parent / "ecgrid"``), else the one on PATH. Shell scripts
  run by the tests find the same one first on their PATH.
* ``start_sandbox(*flags, db=None)`` starts ``python -m ecgrid_cli sandbox serve`` on a
  free loopback port, learns its URL from the first stdout line (bounded wait) and
  always terminates it at the end of the test. Calling it again with the same ``db``
  (after ``Sandbox.stop()``) restarts the sandbox on the same database.
* ``run_ecgrid(*args, input=None, env_extra=None)`` runs ``ecgrid ARGS`` against the
  test's default sandbox with the default API (REST); ``cli`` does the same with
  ``--api API`` for tests parametrized over both APIs (the ``api`` fixture);
  ``runner_for(url, api=None)`` builds a runner for any other sandbox. Each runner also
  has ``.shell(script)`` (bash with pipefail) and ``.terminal(*args, replies=...)`` (a
  real pseudo-terminal).

Every run has a timeout and an isolated environment (no ``ECGRID_*`` from the caller;
config, cache, data, state and HOME under ``tmp_path``; logins filed in a private file,
never the OS keyring), and is checked for secrets on stdout and stderr: the API keys,
the sandbox password, and every login token or session ID the credentials file has
held. The whole record is checked once more when the test ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
import sandbox_process
from e2e_support import (
    API_KEY,
    APIS,
    RUN_TIMEOUT_SECONDS,
    SANDBOX_START_TIMEOUT_SECONDS,
    SECRETS,
    Reply,
    Run,
    Sandbox,
    api_args,
    assert_no_secret,
    database_rows,
    leaked,
    run_in_terminal,
    stored_secrets,
)
from process_env import installed_ecgrid, private_env

EnvExtra = Mapping[str, str | None] | None
Record = list[tuple[tuple[str, ...], Run]]


@pytest.fixture(scope="session")
def ecgrid_exe() -> str:
    exe = installed_ecgrid()
    if exe is None:
        pytest.fail(
            f"no 'ecgrid' console script beside {sys.executable} or on PATH: run pip install -e ."
        )
    return exe


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The isolated HOME of every process this test starts."""
    path = tmp_path / "home"
    path.mkdir()
    return path


# Variables of the caller that would change what ecgrid prints or where it looks.
_DROPPED = ("PAGER", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "XDG_STATE_HOME")


def isolated_env(home: Path, base_url: str | None, env_extra: EnvExtra = None) -> dict[str, str]:
    """os.environ without any ECGRID_* variable, plus the test's own settings.

    ``env_extra`` values override; a value of None removes the variable.
    """
    settings: dict[str, str | None] = {
        "ECGRID_API_KEY": API_KEY,
        # Logins go to a 0600 file under HOME: the tests never touch a real keyring.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "ECGRID_PAGER": "",
    }
    exe = installed_ecgrid()
    if exe is not None:  # `ecgrid` in shell scripts is the one under test
        settings["PATH"] = os.pathsep.join([str(Path(exe).parent), os.environ.get("PATH", "")])
    if base_url is not None:
        settings["ECGRID_BASE_URL"] = base_url
    return private_env(home, drop=_DROPPED, settings={**settings, **(env_extra or {})})


def launch_sandbox(
    flags: Sequence[str], db: Path, *, home: Path, cwd: Path, stderr_path: Path
) -> Sandbox:
    """``python -m ecgrid_cli sandbox serve`` on a free loopback port, its URL read from
    the first stdout line (bounded wait); the caller stops it."""
    try:
        proc, url = sandbox_process.launch(
            ("--api-key", API_KEY, *flags),
            db,
            env=isolated_env(home, None),
            cwd=cwd,
            stderr_path=stderr_path,
            new_session=True,  # no signal meant for pytest reaches it
            timeout=SANDBOX_START_TIMEOUT_SECONDS,
        )
    except sandbox_process.SandboxDidNotStart as error:
        pytest.fail(str(error))
    return Sandbox(url, db, tuple(flags), proc, stderr_path)


@pytest.fixture
def start_sandbox(tmp_path: Path, home: Path) -> Iterator[Callable[..., Sandbox]]:
    """Factory: ``start_sandbox(*extra_flags, db=None) -> Sandbox`` (always stopped)."""
    started: list[Sandbox] = []

    def start(*flags: str, db: Path | None = None) -> Sandbox:
        db_path = db if db is not None else tmp_path / "sandbox.db"
        stderr_path = tmp_path / f"sandbox-{len(started)}.stderr"
        sandbox = launch_sandbox(flags, db_path, home=home, cwd=tmp_path, stderr_path=stderr_path)
        started.append(sandbox)
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


@pytest.fixture(scope="session")
def _read_only_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One fault-free seeded sandbox per pytest worker, for tests that only read."""
    root = tmp_path_factory.mktemp("read-only-sandbox")
    home = root / "home"
    home.mkdir()
    db = root / "sandbox.db"
    sandbox = launch_sandbox((), db, home=home, cwd=root, stderr_path=root / "sandbox.stderr")
    try:
        sandbox.seed_rows = database_rows(db)
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def read_only_sandbox(_read_only_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The worker's shared sandbox, for tests that only read (logins and failed writes
    included). After each test its data must still be the seed data, row for row: a
    test that changed it fails, so no test can depend on another's writes."""
    sandbox = _read_only_sandbox
    assert database_rows(sandbox.db) == sandbox.seed_rows, "an earlier test changed it"
    yield sandbox
    after = database_rows(sandbox.db)
    changed = [table for table, rows in after.items() if rows != sandbox.seed_rows[table]]
    assert not changed, f"this test changed the read-only sandbox's {', '.join(changed)}"


@pytest.fixture
def all_runs() -> Record:
    """Every process this test ran (label, result), for checks over all of them."""
    return []


@pytest.fixture
def known_secrets(home: Path) -> set[str]:
    """Secrets no output may show: the keys, the password, every stored login."""
    return set(SECRETS)


@pytest.fixture(autouse=True)
def _secrets_never_printed(
    request: pytest.FixtureRequest, home: Path, all_runs: Record, known_secrets: set[str]
) -> Iterator[None]:
    """After the test: no run printed any secret known by the end of it."""
    yield
    secrets = known_secrets | stored_secrets(home)
    for label, result in all_runs:
        for text in (result.out, result.err):
            found = leaked(text, secrets)
            assert not found, f"a secret leaked in {' '.join(label)}\n{result.describe()}"


class Ecgrid:
    """Runs the installed ``ecgrid`` (or a bash script) against one base URL and API."""

    def __init__(
        self,
        exe: str,
        home: Path,
        cwd: Path,
        base_url: str | None,
        record: Record,
        secrets: set[str],
        api: str | None = None,
    ) -> None:
        self.exe = exe
        self.home = home
        self.cwd = cwd
        self.base_url = base_url
        self.record = record
        self.secrets = secrets
        self.api = api

    def env(self, env_extra: EnvExtra = None) -> dict[str, str]:
        """The isolated environment the runs get (for tests that manage a process)."""
        return isolated_env(self.home, self.base_url, env_extra)

    def argv(self, *args: str) -> list[str]:
        """``ecgrid [--api API] ARGS`` as a command line."""
        return [self.exe, *api_args(self.api), *args]

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env_extra: EnvExtra = None,
        timeout: float = RUN_TIMEOUT_SECONDS,
    ) -> Run:
        """``ecgrid ARGS...`` -> Run(code, out, err); stdin is /dev/null unless ``input``."""
        command = self.argv(*args)
        return self._run(command, ("ecgrid", *command[1:]), input, env_extra, timeout)

    def shell(
        self, script: str, *, env_extra: EnvExtra = None, timeout: float = RUN_TIMEOUT_SECONDS
    ) -> Run:
        """``bash -c 'set -euo pipefail; SCRIPT'`` in the same environment (and API)."""
        command = ["bash", "-c", f"set -euo pipefail\n{script}"]
        extra = dict(env_extra or {})
        if self.api is not None:
            extra.setdefault("ECGRID_API", self.api)
        return self._run(command, ("bash", "-c", script), None, extra, timeout)

    def terminal(
        self,
        *args: str,
        replies: Sequence[Reply] = (),
        env_extra: EnvExtra = None,
        timeout: float = RUN_TIMEOUT_SECONDS,
        columns: int = 100,
    ) -> Run:
        """``ecgrid ARGS`` on a pseudo-terminal: Run(code, everything shown, "")."""
        command = self.argv(*args)
        result = run_in_terminal(
            command,
            env=self.env(env_extra),
            cwd=self.cwd,
            replies=replies,
            timeout=timeout,
            columns=columns,
        )
        return self._checked(("tty: ecgrid", *command[1:]), result)

    def _run(
        self,
        command: list[str],
        label: tuple[str, ...],
        input: str | None,
        env_extra: EnvExtra,
        timeout: float,
    ) -> Run:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(env_extra),
            cwd=self.cwd,
            start_new_session=True,  # its own process group: a Ctrl+C for pytest skips it
        )
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # and whatever a shell script started
            out, err = proc.communicate()
            killed = self._checked(label, Run(-9, out, err))  # scanned before it is shown
            pytest.fail(
                f"{' '.join(label)} did not finish within {timeout:g}s\n{killed.describe()}"
            )
        return self._checked(label, Run(proc.returncode, out, err))

    def _checked(self, label: tuple[str, ...], result: Run) -> Run:
        self.record.append((label, result))
        self.secrets.update(stored_secrets(self.home))
        assert_no_secret(result, where=" ".join(label), secrets=self.secrets)
        assert "Traceback (most recent call last)" not in result.out + result.err, result.describe()
        return result


@pytest.fixture
def runner_for(
    ecgrid_exe: str, home: Path, tmp_path: Path, all_runs: Record, known_secrets: set[str]
) -> Callable[..., Ecgrid]:
    """``runner_for(base_url, api=None)`` -> an :class:`Ecgrid` runner for that server."""

    def make(base_url: str | None, api: str | None = None) -> Ecgrid:
        return Ecgrid(ecgrid_exe, home, tmp_path, base_url, all_runs, known_secrets, api)

    return make


@pytest.fixture
def run_ecgrid(sandbox: Sandbox, runner_for: Callable[..., Ecgrid]) -> Ecgrid:
    """``run_ecgrid(*args, input=None, env_extra=None)`` against the default sandbox."""
    return runner_for(sandbox.url)


@pytest.fixture(params=APIS)
def api(request: pytest.FixtureRequest) -> str:
    """The API a parametrized test speaks: ``rest`` or ``soap`` (``--api soap``)."""
    return request.param


@pytest.fixture
def cli(sandbox: Sandbox, runner_for: Callable[..., Ecgrid], api: str) -> Ecgrid:
    """``ecgrid --api API ...`` against the default sandbox, for both APIs."""
    return runner_for(sandbox.url, api)


@pytest.fixture
def reader(read_only_sandbox: Sandbox, runner_for: Callable[..., Ecgrid], api: str) -> Ecgrid:
    """``ecgrid --api API ...`` against the shared read-only sandbox, for both APIs."""
    return runner_for(read_only_sandbox.url, api)
