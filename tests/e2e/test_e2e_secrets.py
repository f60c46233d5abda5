"""Secrets never leave the process: not on stdout, not on stderr, not with -v.

Every run in this suite is already scanned by the harness for the API keys, the
sandbox password and every login token or session ID the credentials file has held;
this module drives each command through its success and failure paths with ``-v``,
``--json`` and a real terminal (rich tables, hidden prompts), over REST and SOAP, with
the key taken from the environment, from a profile, or replaced by a login, and
checks where the config and credentials files land and with which permissions.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from e2e_support import (
    API_KEY,
    BOX,
    LOGIN,
    PASSWORD,
    SECRETS,
    WRONG_KEY,
    Reply,
    leaked,
    request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def _battery(interconnect_id: str) -> list[tuple[str, ...]]:
    """Read-only and idempotent commands, success and failure paths (the empty and
    paged variants of these run with --json elsewhere and are scanned there)."""
    return [
        ("ids", "find", "-q", "01", "-i", "PARTNERCO"),
        ("ids", "get", "334455"),
        ("ids", "get", "999"),
        ("ids", "get", "not-a-number"),
        ("ids", "tp-move", "123456", "--mailbox", "1002", "--dry-run"),
        ("ids", "tp-move", "123456", "--mailbox", "1002"),  # refused: no terminal
        ("ids", "tp-move", "123456", "--mailbox", "2001", "--yes"),  # other network
        ("ids", "create", "-q", "01", "-i", "PARTNERCO", "-m", "1001"),  # exists: exit 5
        ("partners", "get", interconnect_id),
        ("partners", "get", "99999999"),
        ("partners", "list", "123456", "--all"),
        ("partners", "count", "123456", "--status", "Active"),
        ("partners", "create", "--from", "111111", "--to", "334455"),  # duplicate: exit 5
        ("partners", "delete", "99999999", "--yes"),
        ("partners", "note", "list", "87001"),
        ("interconnect", "check", "87002"),  # unhealthy: exit 8
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111"),
        ("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111", "--verify"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--from", "111111"),
        ("interconnect", "setup", "-q", "ZZ", "-i", "NOBODYHERE", "--from", "111111"),
        ("auth", "status"),
    ]


def _variants(commands: list[tuple[str, ...]], api: str) -> list[tuple[str, ...]]:
    """Every command once with ``-v``: every other one also with ``--json`` (JSON errors
    with -v lines), the other half over the other API, so the two APIs together run
    each command both ways.

    The other end-to-end tests run these commands with ``--json`` and without ``-v``,
    and the harness scans those runs as well.
    """
    json_half = 0 if api == "rest" else 1
    return [
        ("-v", *args, *(("--json",) if index % 2 == json_half else ()))
        for index, args in enumerate(commands)
    ]


def test_key_never_printed(cli, api, all_runs) -> None:
    setup = cli(
        "-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111", "--json"
    )
    assert setup.code == 0, setup.describe()
    ic = str(setup.json()["interconnect"]["interconnectId"])
    battery = _battery(ic)

    # Key from the environment: -v and -v --json on every command.
    variants = _variants(battery, api)
    results = run_parallel(cli, *variants)
    codes = {" ".join(args): r.code for args, r in zip(variants, results, strict=True)}
    assert set(codes.values()) >= {0, 1, 2, 4, 5, 8}, codes  # both paths were exercised
    assert len(request_lines("".join(r.err for r in results))) > 20, "expected -v lines"

    # Rich tables and panels on a real terminal, with -v lines on the same terminal.
    shown = cli.terminal("-v", "partners", "list", "123456", "--page", "1", "--per-page", "5")
    assert shown.code == 0, shown.describe()
    assert request_lines(shown.out), shown.out
    assert BOX.search(shown.out), shown.out

    # A wrong key is not echoed either.
    wrong = cli("-v", "auth", "status", "--json", env_extra={"ECGRID_API_KEY": WRONG_KEY})
    assert wrong.code == 3, wrong.describe()

    # The harness checked each run as it finished; check the whole record once more.
    assert len(all_runs) >= 20
    for label, result in all_runs:
        assert not leaked(result.out + result.err, SECRETS), " ".join(label)


def test_key_from_a_profile_never_printed(run_ecgrid) -> None:
    # Key from a profile (no ECGRID_API_KEY): stored via stdin, then used with -v.
    stored = run_ecgrid("--profile", "e2e", "config", "set", "api-key", "-", input=API_KEY)
    assert stored.code == 0, stored.describe()
    refused = run_ecgrid("--profile", "e2e", "config", "set", "api-key", API_KEY)
    assert refused.code == 2, refused.describe()
    profile_env = {"ECGRID_API_KEY": None, "ECGRID_PROFILE": "e2e"}

    def from_profile(*args: str):
        return run_ecgrid(*args, env_extra=profile_env)

    profile_runs = run_parallel(
        from_profile,
        ("-v", "auth", "status"),
        ("-v", "auth", "status", "--json"),
        ("-v", "ids", "get", "334455", "--json"),
        ("-v", "interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--from", "111111"),
        ("config", "get", "api-key"),
        ("config", "list", "--json"),
        ("config", "list"),
    )
    assert [r.code for r in profile_runs] == [0, 0, 0, 5, 0, 0, 0], [
        r.describe() for r in profile_runs
    ]
    assert profile_runs[1].json()["credentials"]["source"] == "profile 'e2e'"
    assert profile_runs[1].json()["credentials"]["masked"] == "****" + API_KEY[-4:]

    # On a terminal the key is asked for without echo.
    other = run_ecgrid.terminal(
        "--profile", "typed", "config", "set", "api-key", replies=[Reply("API key", API_KEY + "\n")]
    )
    assert other.code == 0, other.describe()
    typed = run_ecgrid(
        "--profile", "typed", "auth", "status", "--json", env_extra={"ECGRID_API_KEY": None}
    )
    assert typed.code == 0, typed.describe()


def test_login_secrets_never_printed(cli, api, home) -> None:
    """Password, token and session ID: never shown, never the password on disk."""
    no_key = {"ECGRID_API_KEY": None}
    login = cli.terminal(
        "-v", "auth", "login",
        replies=[Reply("Login: ", LOGIN + "\n"), Reply("Password: ", PASSWORD + "\n")],
        env_extra=no_key,
    )  # fmt: skip
    assert login.code == 0, login.describe()
    assert "Password: \n" in login.out  # nothing echoed after the prompt
    credentials = home / "xdg-state" / "ecgrid" / "credentials.json"
    text = credentials.read_text(encoding="utf-8")
    assert PASSWORD not in text and API_KEY not in text

    runs = run_parallel(
        lambda *args: cli(*args, env_extra=no_key),
        ("-v", "auth", "status"),
        ("-v", "auth", "status", "--json"),
        ("-v", "partners", "list", "123456", "--all"),
        ("-v", "interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--from", "111111", "--json"),
        ("-v", "partners", "note", "add", "87001", "checked by e2e"),
    )
    assert [r.code for r in runs] == [0, 0, 0, 5, 0], [r.describe() for r in runs]
    assert runs[1].json()["credentials"]["method"] == ("jwt" if api == "rest" else "soap-session")
    assert runs[1].json()["credentials"]["masked"] is None
    on_terminal = cli.terminal("auth", "status", env_extra=no_key)
    assert on_terminal.code == 0, on_terminal.describe()
    assert ("login token" if api == "rest" else "SOAP session") in on_terminal.out

    stdin_login = cli(
        "-v", "auth", "login", "-u", LOGIN, "--password-stdin", input=PASSWORD + "\n",
        env_extra=no_key,
    )  # fmt: skip
    assert stdin_login.code == 0, stdin_login.describe()
    logout = cli("-v", "auth", "logout", env_extra=no_key)
    assert logout.code == 0, logout.describe()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    "location",
    ["ECGRID_CONFIG", "XDG_CONFIG_HOME", "HOME"],
)
def test_config_file_is_private(runner_for, home, location) -> None:
    run = runner_for(None)  # config commands need no server
    env: dict[str, str | None] = {}
    if location == "ECGRID_CONFIG":
        path = home / "ecgrid-config" / "config.toml"
    elif location == "XDG_CONFIG_HOME":
        env["ECGRID_CONFIG"] = None
        path = home / "xdg-config" / "ecgrid" / "config.toml"
        # An existing directory with loose permissions is tightened.
        path.parent.mkdir(parents=True, mode=0o755)
        os.chmod(path.parent, 0o755)
    else:
        env.update(ECGRID_CONFIG=None, XDG_CONFIG_HOME=None)
        path = home / ".config" / "ecgrid" / "config.toml"
    assert not path.exists()

    result = run("config", "set", "api-key", "-", input=f"{API_KEY}\n", env_extra=env)
    assert result.code == 0, result.describe()
    assert str(path) in result.err
    assert path.is_file()
    assert _mode(path) == 0o600, oct(_mode(path))
    assert _mode(path.parent) == 0o700, oct(_mode(path.parent))
    assert API_KEY in path.read_text(encoding="utf-8")  # it is the file we think it is

    # Rewriting keeps it private.
    assert run("config", "set", "ecgrid-id", "111111", env_extra=env).code == 0
    assert _mode(path) == 0o600, oct(_mode(path))
    listed = run("config", "list", "--json", env_extra=env)
    assert listed.json()["configPath"] == str(path)
    assert listed.json()["profiles"]["default"]["ecGridId"] == 111111

    # A file others can read is reported (on stderr, without the key).
    os.chmod(path, 0o644)
    warned = run("config", "list", env_extra=env)
    assert warned.code == 0, warned.describe()
    assert "chmod 600" in warned.err

    # No other file under HOME holds the key.
    holders = [p for p in home.rglob("*") if p.is_file() and API_KEY.encode() in p.read_bytes()]
    assert holders == [path]
