"""Help screens, and the commands that need no backend (completion, sandbox stop)."""

from __future__ import annotations

import re

import pytest
from cli_support import write_config

from ecgrid_cli.completion import script

COMMANDS = [
    (),
    ("ids", "find"),
    ("ids", "get"),
    ("ids", "create"),
    ("ids", "tp-move"),
    ("partners", "create"),
    ("partners", "get"),
    ("partners", "list"),
    ("partners", "count"),
    ("partners", "delete"),
    ("partners", "note", "add"),
    ("partners", "note", "list"),
    ("interconnect", "setup"),
    ("interconnect", "check"),
    ("config", "set"),
    ("config", "get"),
    ("config", "list"),
    ("config", "use"),
    ("auth", "status"),
    ("auth", "login"),
    ("auth", "logout"),
    ("sandbox", "serve"),
    ("sandbox", "stop"),
    ("completion",),
]


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")


def help_text(cli, capsys, *command):
    """Help as printed today (Click writes it to the process's stdout)."""
    result = cli(*command, "--help")
    printed = capsys.readouterr().out
    return result, result.out + printed


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_plain_help_without_python_type_labels(
    cli, backend, capsys, wide, command
):
    result, text = help_text(cli, capsys, *command)
    assert (result.code, result.err) == (0, "")
    assert text.startswith("Usage: ecgrid")
    assert not re.search(r"<(bool|str|int|float)>", text), text
    assert "╭" not in text  # piped: no rich boxes
    assert backend.calls == []


@pytest.mark.parametrize("command", [c for c in COMMANDS if len(c) >= 2 and c[0] != "sandbox"])
def test_every_api_command_shows_examples(cli, backend, capsys, wide, command):
    _, text = help_text(cli, capsys, *command)
    assert "Examples:\n" in text
    # Each example runs the command itself (global options may come first).
    words = re.escape(" ".join(command))
    assert re.search(rf"^    \$ ecgrid (--\S+ \S+ )*{words}( |$)", text, re.MULTILINE), text


def test_flags_show_no_value_and_options_show_their_metavar(cli, backend, capsys, wide):
    _, text = help_text(cli, capsys, "interconnect", "setup")
    lines = text.splitlines()

    def row(option):
        return next(line for line in lines if f" {option} " in line)

    assert re.search(r"--dry-run\s+Show the plan", row("--dry-run"))
    assert re.search(r"-q, --qualifier QUAL\s", row("--qualifier"))
    assert re.search(r"--concurrency N\s", row("--concurrency"))
    assert re.search(r"--show all\|failed\s", row("--show"))


def test_help_is_written_to_the_runs_stdout(cli, backend, capsys):
    result = cli("ids", "find", "--help")
    capsys.readouterr()
    assert result.out.startswith("Usage: ecgrid ids find")


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (("config", "set"), "Usage: ecgrid config set [OPTIONS] KEY [VALUE]"),
        (("partners", "count"), "Usage: ecgrid partners count [OPTIONS] [ECGRID_ID]"),
        (
            ("partners", "note", "add"),
            "Usage: ecgrid partners note add [OPTIONS] INTERCONNECT_ID TEXT|-",
        ),
        (
            ("interconnect", "check"),
            "Usage: ecgrid interconnect check [OPTIONS] [INTERCONNECT_ID]",
        ),
    ],
    ids=["config-set", "partners-count", "note-add", "check"],
)
def test_usage_lines_read_like_gh(cli, backend, capsys, wide, command, usage):
    _, text = help_text(cli, capsys, *command)
    assert text.splitlines()[0] == usage


# -- completion ------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script(cli, backend, shell):
    result = cli("completion", shell)
    assert (result.code, result.err) == (0, "")
    assert result.out == script(shell)
    assert backend.calls == []


def test_completion_refuses_an_unknown_shell(cli, backend):
    result = cli("completion", "tcsh")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: invalid SHELL 'tcsh': choose one of bash, zsh, fish\n"


def test_completion_values_lists_profiles(cli, backend, config_path):
    assert cli("completion-values", "profiles").out == "sandbox\n"
    write_config(config_path, "[profiles.prod]\n[profiles.ci]\n")
    assert cli("completion-values", "profiles").out == "ci\nprod\nsandbox\n"


def test_completion_values_survive_a_broken_config(cli, backend, config_path):
    write_config(config_path, "[profiles.prod\n")
    result = cli("completion-values", "profiles")
    assert (result.code, result.out) == (0, "sandbox\n")


# -- sandbox without starting one -------------------------------------------------------------


def test_sandbox_stop_when_none_runs(cli, backend, tmp_path):
    result = cli("sandbox", "stop", "--db", str(tmp_path / "sandbox.db"))
    assert (result.code, result.out) == (0, "")
    assert result.err == "no background sandbox was running\n"


def test_sandbox_serve_refuses_bad_knobs_before_listening(cli, backend, tmp_path):
    result = cli("sandbox", "serve", "--fault-rate", "2", "--db", str(tmp_path / "s.db"))
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: invalid --fault-rate 2.0: expected a share from 0 to 1\n"
    assert not (tmp_path / "s.db").exists()
