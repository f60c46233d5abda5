"""completions/ must match the app, and each script must be valid for its shell."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def _complete_in_bash(*words: str, env: dict[str, str] | None = None) -> list[str]:
    line = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {COMPLETIONS / 'ecgrid.bash'}; COMP_WORDS=({line}); "
        f"COMP_CWORD={len(words) - 1}; _ecgrid; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    )
    done = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, timeout=20, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_commands_and_options():
    assert _complete_in_bash("ecgrid", "par") == ["partners"]
    assert {"find", "get", "create", "tp-move"} <= set(_complete_in_bash("ecgrid", "ids", ""))
    assert _complete_in_bash("ecgrid", "partners", "note", "") == ["add", "list", "--help", "-h"]
    assert "--partner-ecgrid-id" in _complete_in_bash("ecgrid", "interconnect", "setup", "--p")
    assert "--deliver" in _complete_in_bash("ecgrid", "interconnect", "check", "--d")


def test_bash_offers_subcommands_before_options():
    offered = _complete_in_bash("ecgrid", "ids", "")
    assert offered == sorted(offered, key=lambda w: (w.startswith("-"), w))


def test_bash_completes_status_words_of_both_apis():
    assert _complete_in_bash("ecgrid", "partners", "count", "1", "--status", "Ac") == ["Active"]
    assert _complete_in_bash("ecgrid", "partners", "list", "1", "--status", "Comp") == ["Completed"]


def test_bash_completes_global_option_values():
    assert _complete_in_bash("ecgrid", "--api", "") == ["rest", "soap"]
    assert _complete_in_bash("ecgrid", "completion", "")[-3:] == ["bash", "zsh", "fish"]


def test_bash_asks_the_installed_tool_for_profile_names(tmp_path):
    """--profile values come from `ecgrid completion-values profiles` at <TAB> time."""
    config = tmp_path / "config.toml"
    config.write_text("[profiles.prod]\n[profiles.staging]\n")
    config.chmod(0o600)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "ecgrid"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m ecgrid_cli "$@"\n')
    launcher.chmod(0o755)
    env = {
        "PATH": f"{bindir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ECGRID_CONFIG": str(config),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    assert _complete_in_bash("ecgrid", "--profile", "", env=env) == [
        "prod",
        "sandbox",
        "staging",
    ]
    assert _complete_in_bash("ecgrid", "--profile", "st", env=env) == ["staging"]


@pytest.mark.parametrize(
    ("shell", "flag"), [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")]
)
def test_script_parses_in_its_shell(shell, flag):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    target = COMPLETIONS / FILE_NAMES[shell]
    done = subprocess.run([shell, flag, str(target)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_scripts_need_no_click_of_their_own(shell, tmp_path):
    """Newer Typer releases bring their own copy of click and do not install click: the
    generator must work where ``import click`` fails (as it does in such a venv)."""
    probe = (
        "import sys; sys.modules['click'] = None\n"
        "from ecgrid_cli.completion import script\n"
        f"sys.stdout.write(script({shell!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (COMPLETIONS / FILE_NAMES[shell]).read_text(encoding="utf-8")
