"""The sandbox as a subprocess, shared by the e2e, hostile and README suites.

``launch(flags, db, env=..., cwd=..., stderr_path=...)`` starts
``python -m ecgrid_cli sandbox serve --port 0 --db DB FLAGS`` and reads its URL from the
first stdout line within a bounded wait; stdout keeps being drained on a thread so the
server never blocks on a full pipe. ``stop(proc)`` terminates, waits, kills: it always
leaves no process behind. Each suite wraps these in its own fixture and failure style.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 5.0
LISTENING = re.compile(r"^ECGrid sandbox listening on (http://127\.0\.0\.1:\d+)\s*$")


class SandboxDidNotStart(RuntimeError):
    """The sandbox exited or stayed silent instead of reporting its URL."""


def _drain(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):
        pass
    finally:
        lines.put(None)


def launch(
    flags: Sequence[str],
    db: Path,
    *,
    env: Mapping[str, str],
    cwd: Path,
    stderr_path: Path,
    new_session: bool = False,
    timeout: float = START_TIMEOUT_SECONDS,
) -> tuple[subprocess.Popen[str], str]:
    """Start the sandbox; return the process and its URL (raise SandboxDidNotStart)."""
    command = [sys.executable, "-m", "ecgrid_cli", "sandbox", "serve", "--port", "0"]
    command += ["--db", str(db), *flags]
    with open(stderr_path, "w", encoding="utf-8") as stderr_file:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            text=True,
            env=dict(env),
            cwd=cwd,
            start_new_session=new_session,
        )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_drain, args=(proc.stdout, lines), daemon=True).start()
    first: str | None = None
    with contextlib.suppress(queue.Empty):
        first = lines.get(timeout=timeout)
    match = LISTENING.match(first or "")
    if match is None:
        stop(proc)
        stderr = stderr_path.read_text(encoding="utf-8")[-2000:]
        raise SandboxDidNotStart(
            f"the sandbox did not report its URL within {timeout:g}s: "
            f"first line {first!r}; stderr {stderr!r}"
        )
    return proc, match.group(1)


def stop(proc: subprocess.Popen[str]) -> None:
    """Terminate, wait, kill: always leaves no process behind."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_SECONDS)
    if proc.stdout is not None:
        proc.stdout.close()


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie child of ours is reaped, not alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours would still answer: reap it if it is one.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True
