"""completions/ must match the app, and each script must be valid for its shell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ecgrid_cli.completion import FILE_NAMES, SHELLS, script

COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"


@pytest.mark.parametrize("shell", SHELLS)
def test_committed_script_matches_the_app(shell):
    committed = (COMPLETIONS / FILE_NAMES[shell]).read_text(encoding="utf-8")
    assert committed == script(shell), (
        f"completions/{FILE_NAMES[shell]} is stale: run "
        "'python -m ecgrid_cli.completion write completions'"
    )


def _complete_in_bash(*words: str) -> list[str]:
    line = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {COMPLETIONS / 'ecgrid.bash'}; COMP_WORDS=({line}); "
        f"COMP_CWORD={len(words) - 1}; _ecgrid; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    )
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_commands_options_and_status_values():
    assert _complete_in_bash("ecgrid", "par") == ["partners"]
    assert _complete_in_bash("ecgrid", "ids", "") == sorted(
        _complete_in_bash("ecgrid", "ids", ""), key=lambda w: (w.startswith("-"), w)
    )
    assert {"find", "get", "tp-move"} <= set(_complete_in_bash("ecgrid", "ids", ""))
    assert "--partner-ecgrid-id" in _complete_in_bash("ecgrid", "interconnect", "setup", "--p")
    assert _complete_in_bash("ecgrid", "partners", "count", "1", "--status", "Ac") == ["Active"]


@pytest.mark.parametrize(
    ("shell", "flag"), [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")]
)
def test_script_parses_in_its_shell(shell, flag):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    target = COMPLETIONS / FILE_NAMES[shell]
    done = subprocess.run([shell, flag, str(target)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
