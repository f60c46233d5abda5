"""Secrets never leave the process: not on stdout, not on stderr, not with -v.

Every run of the end-to-end suite is scanned by the harness (``conftest.py``) for the
API keys, the sandbox password and every login token or session ID the credentials
file has held, and the whole record once more when the test ends. The feature tests
run each command with ``-v`` on both APIs, on success and failure paths, with
``--json`` and without: with the key from the environment (``test_e2e_ids.py``,
``test_e2e_partners.py``, ``test_e2e_setup.py``, ``test_e2e_check.py``), from a
profile typed at a hidden prompt (``test_e2e_auth.py::test_config_profile_flow``),
replaced by a login (``test_e2e_auth.py::test_login_status_logout``,
``test_e2e_terminal.py::test_prompts_on_a_terminal``), a wrong key
(``test_e2e_output.py::test_wrong_key_exits_3``), and beside rich tables on a terminal
(``test_e2e_terminal.py::test_tables_fit_the_terminal``).

This module checks where the config file lands, with which permissions, and that no
other file holds the key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from e2e_support import API_KEY

pytestmark = pytest.mark.e2e


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

    if location == "ECGRID_CONFIG":  # what follows does not depend on where the file is
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
