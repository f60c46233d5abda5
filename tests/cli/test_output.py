"""Output contracts across every command: one JSON document, clean TSV, tables that fit."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_support import assert_fits, assert_plain


@pytest.fixture
def world(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("ECGRID_ECGRID_ID", "111111")
    backend.add_interconnect(88001, 111111, 334455)
    backend.add_interconnect(88002, 123456, 111111, status="Suspended")
    backend.add_note_record(88001, "Partner confirmed the go-live date for the first of March")
    (tmp_path / "rows.csv").write_text("qualifier,id\n01,PARTNERCO\n12,5551234567\nZZ,NOBODY\n")
    (tmp_path / "ics.csv").write_text("interconnect_id\n88001\n88002\n")
    return tmp_path


def commands(tmp):
    return {
        "ids find": ["ids", "find", "-q", "01", "-i", "PARTNERCO"],
        "ids get": ["ids", "get", "334455"],
        "tp-move dry run": ["ids", "tp-move", "123456", "--mailbox", "1002", "--dry-run"],
        "partners get": ["partners", "get", "88001"],
        "partners list": ["partners", "list", "111111"],
        "partners list --all": ["partners", "list", "111111", "--all"],
        "partners count": ["partners", "count", "111111"],
        "note list": ["partners", "note", "list", "88001"],
        "setup dry run": ["interconnect", "setup", "-q", "12", "-i", "5551234567", "--dry-run"],
        "setup": ["interconnect", "setup", "-q", "01", "-i", "PARTNERCO"],
        "bulk": ["interconnect", "setup", "--file", str(tmp / "rows.csv"), "--show", "all"],
        "check": ["interconnect", "check", "88001"],
        "check file": ["interconnect", "check", "--file", str(tmp / "ics.csv")],
        "config list": ["config", "list"],
        "auth status": ["auth", "status"],
    }


NAMES = list(commands(Path("/unused")))  # the names only; each test gives its own files
# Running these twice answers differently the second time ("existing"): compare once only.
READ_ONLY = [name for name in NAMES if name not in ("setup", "bulk")]


@pytest.mark.parametrize("name", NAMES)
def test_json_is_exactly_one_document_and_stderr_stays_quiet(cli, world, name):
    argv = commands(world)[name]
    result = cli(*argv, "--json")
    json.loads(result.out)  # one document, nothing else
    if result.code in (0, 8):  # 8: worked, answer "unhealthy" (not an error)
        assert result.err == ""
    else:  # the bulk file has a row that fails: only the error object
        assert set(result.err_json()) == {"error"}


@pytest.mark.parametrize("name", READ_ONLY)
def test_global_json_flag_gives_the_same_document(cli, world, name):
    argv = commands(world)[name]
    assert cli("--json", *argv).out == cli(*argv, "--json").out


@pytest.mark.parametrize("name", NAMES)
def test_piped_output_is_plain_text(cli, world, name):
    result = cli(*commands(world)[name])
    assert result.code in (0, 4, 8), result.err
    assert result.out
    assert_plain(result.out)
    assert_plain(result.err)


@pytest.mark.parametrize("name", NAMES)
def test_terminal_output_fits_80_columns(cli, world, name):
    result = cli(*commands(world)[name], tty=True)
    assert result.code in (0, 4, 8), result.err
    assert_fits(result.out, 80)


@pytest.mark.parametrize("name", READ_ONLY)
def test_piped_header_is_one_extra_first_line(cli, world, name):
    argv = commands(world)[name]
    plain = cli(*argv)
    headed = cli(*argv, "--header")
    if name == "partners count":  # a single value has no header
        assert headed.out == plain.out
        return
    assert headed.out_lines[1:] == plain.out_lines
    assert headed.out_lines[0] == headed.out_lines[0].upper()


def test_jq_prints_strings_raw_and_everything_else_as_json(cli, world):
    expression = ".[] | .status, .interconnectId, {id: .interconnectId}"
    result = cli("partners", "list", "111111", "--jq", expression)
    assert result.out == (
        'Active\n88001\n{\n  "id": 88001\n}\nSuspended\n88002\n{\n  "id": 88002\n}\n'
    )


def test_global_jq(cli, world):
    assert cli("--jq", ".status", "ids", "get", "334455").out == "Active\n"


def test_jq_cannot_read_secrets_from_the_environment(cli, world, monkeypatch):
    """$ENV and env in a --jq expression see no secret, whatever its variable's name."""
    secrets = {
        "GITHUB_TOKEN": "ghp-token-from-ci-0123",
        "MYSQL_PWD": "mysql-password-0123",
        "DATABASE_URL": "postgres://app:db-password-0123@db/app",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ECGRID_TIMEOUT", "7")
    expression = (
        "[$ENV.ECGRID_API_KEY, env.GITHUB_TOKEN, $ENV.MYSQL_PWD, $ENV.DATABASE_URL, "
        "$ENV.ECGRID_TIMEOUT, ($ENV.HOME | type), .ecGridId]"
    )
    result = cli("ids", "get", "334455", "--jq", expression)
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == [None, None, None, None, "7", "string", 334455]
    assert os.environ["GITHUB_TOKEN"] == "ghp-token-from-ci-0123"  # hidden only from jq


def test_jq_over_a_streamed_report(cli, world):
    rows = str(world / "rows.csv")
    result = cli("interconnect", "setup", "--file", rows, "--jq", "[.rows[].outcome] | sort")
    assert json.loads(result.out) == ["created", "existing", "failed"]


def test_json_keeps_unicode_as_it_is(cli, backend):
    backend.ids[334455]["description"] = "Müller & Söhne → EDI"
    assert '"description": "Müller & Söhne → EDI"' in cli("ids", "get", "334455", "--json").out
