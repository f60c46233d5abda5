"""Help screens: every command has one, and its labels read like gh's, not Python types."""

from __future__ import annotations

import re

import pytest

COMMANDS = [
    (),
    ("ids", "find"),
    ("ids", "get"),
    ("ids", "tp-move"),
    ("partners", "create"),
    ("partners", "list"),
    ("partners", "count"),
    ("interconnect", "setup"),
    ("config", "set"),
    ("sandbox", "serve"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_help_has_no_python_type_labels(cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "160")
    result = cli(*command, "--help")
    assert result.code == 0, result.err
    assert "Usage: ecgrid" in result.out
    assert not re.search(r"<(bool|str|int|float)>", result.out), result.out


def test_flags_show_no_value_and_options_show_their_metavar(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    lines = cli("interconnect", "setup", "--help").out.splitlines()

    def row(option):
        return next(line for line in lines if f" {option} " in line)

    assert re.search(r"--dry-run\s+Show the plan", row("--dry-run"))
    assert re.search(r"--qualifier\s+-q\s+QUAL\s", row("--qualifier"))
    assert re.search(r"--concurrency\s+N\s", row("--concurrency"))
