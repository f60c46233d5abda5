"""`ecgrid config ...`, `ecgrid auth status`, and settings precedence."""

from __future__ import annotations

import io
import json
import os
import stat
import sys

import pytest
from cli_support import KEY, ok


def config_file():
    return __import__("pathlib").Path(os.environ["ECGRID_CONFIG"])


def feed_stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_set_api_key_from_stdin_writes_0600_in_0700_dir(cli, monkeypatch):
    feed_stdin(monkeypatch, "prod-key-abcdefgh1234\n")
    result = cli("--profile", "prod", "config", "set", "api-key", "-")
    assert result.code == 0, result.err
    path = config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert 'api_key = "prod-key-abcdefgh1234"' in path.read_text()
    assert "prod-key-abcdefgh1234" not in result.out + result.err


def test_api_key_on_the_command_line_is_refused(cli):
    result = cli("config", "set", "api-key", "my-secret-key-999")
    assert result.code == 2
    assert "shell history" in result.err
    assert "my-secret-key-999" not in result.err
    assert not config_file().exists()


def test_api_key_prompt_needs_a_terminal(cli, monkeypatch):
    feed_stdin(monkeypatch, "")
    result = cli("config", "set", "api-key")
    assert result.code == 2


def test_set_get_list_use(cli, monkeypatch):
    assert cli("--profile", "prod", "config", "set", "base-url", "https://rest.ecgrid.io").code == 0
    assert cli("--profile", "prod", "config", "set", "ecgrid-id", "111111").code == 0
    feed_stdin(monkeypatch, "prod-key-abcdefgh1234\n")
    assert cli("--profile", "prod", "config", "set", "api-key", "-").code == 0
    assert cli("--profile", "prod", "config", "get", "ecgrid-id").out == "111111\n"
    masked = cli("--profile", "prod", "config", "get", "api-key").out
    assert masked == "****1234\n"
    listing = cli("config", "list", "--json")
    assert listing.code == 0
    doc = listing.json()
    assert doc["profiles"]["prod"] == {
        "api-key": "****1234",
        "base-url": "https://rest.ecgrid.io",
        "ecgrid-id": 111111,
    }
    assert "prod-key-abcdefgh1234" not in listing.out
    assert cli("config", "use", "prod").code == 0
    assert cli("config", "list", "--json").json()["defaultProfile"] == "prod"


def test_get_unset_key_exits_1(cli):
    result = cli("config", "get", "timeout")
    assert result.code == 1


def test_use_unknown_profile_is_usage_error(cli):
    result = cli("config", "use", "nope")
    assert result.code == 2


def test_set_rejects_bad_values(cli):
    assert cli("config", "set", "ecgrid-id", "abc").code == 2
    assert cli("config", "set", "timeout", "-1").code == 2
    assert cli("config", "set", "retries", "100").code == 2
    assert cli("config", "set", "color", "x").code == 2
    plain = cli("config", "set", "base-url", "http://ecgrid.example.com")
    assert plain.code == 2 and "plain http" in plain.err


def test_group_readable_config_warns(cli, monkeypatch, api):
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[profiles.default]\nbase_url = "https://api.test"\n')
    path.chmod(0o644)
    api.post("/v2/partners/count").mock(return_value=ok(3))
    result = cli("partners", "count", "1")
    assert result.code == 0
    assert "chmod 600" in result.err


def test_precedence_flag_over_env_over_profile(cli, monkeypatch):
    import respx

    path = config_file()
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text(
        'default_profile = "p"\n[profiles.p]\nbase_url = "https://profile.test"\n'
        'api_key = "profile-key-000000"\necgrid_id = 42\n'
    )
    path.chmod(0o600)
    monkeypatch.delenv("ECGRID_BASE_URL")
    with respx.mock(assert_all_called=False) as router:
        profile = router.post("https://profile.test/v2/partners/count").mock(return_value=ok(2))
        flagged = router.post("https://flag.test/v2/partners/count").mock(return_value=ok(3))
        env = router.post("https://env.test/v2/partners/count").mock(return_value=ok(4))
        # env key beats the profile key; profile base_url applies when env has none
        assert cli("partners", "count", "1").out == "2\n"
        assert profile.calls.last.request.headers["X-API-Key"] == KEY
        monkeypatch.delenv("ECGRID_API_KEY")
        assert cli("partners", "count", "1").out == "2\n"
        assert profile.calls.last.request.headers["X-API-Key"] == "profile-key-000000"
        # env beats profile, flag beats env
        monkeypatch.setenv("ECGRID_BASE_URL", "https://env.test")
        assert cli("partners", "count", "1").out == "4\n"
        assert cli("--base-url", "https://flag.test", "partners", "count", "1").out == "3\n"
        assert (profile.call_count, env.call_count, flagged.call_count) == (2, 1, 1)


def test_missing_api_key_exit_2_says_how(cli, monkeypatch):
    monkeypatch.delenv("ECGRID_API_KEY")
    result = cli("partners", "count", "1")
    assert result.code == 2
    assert "ECGRID_API_KEY" in result.err and "config set api-key" in result.err


def test_unknown_explicit_profile_exit_2(cli):
    result = cli("--profile", "ghost", "partners", "count", "1")
    assert result.code == 2
    assert "ghost" in result.err


def test_invalid_env_timeout_exit_2_names_the_variable(cli, monkeypatch):
    monkeypatch.setenv("ECGRID_TIMEOUT", "soon")
    result = cli("partners", "count", "1")
    assert result.code == 2
    assert "ECGRID_TIMEOUT" in result.err


@pytest.mark.parametrize("suffix", ["\n", "\r\n", "  "], ids=["lf", "crlf", "spaces"])
def test_api_key_with_trailing_whitespace_is_trimmed(cli, api, monkeypatch, suffix):
    monkeypatch.setenv("ECGRID_API_KEY", KEY + suffix)
    route = api.post("/v2/partners/count").mock(return_value=ok(4))
    result = cli("partners", "count", "1")
    assert result.code == 0, result.err
    assert route.calls.last.request.headers["X-API-Key"] == KEY


@pytest.mark.parametrize("key", ["k\u00e9y-1234", "key\tx-1234", "ke\ny-1234"])
def test_api_key_http_cannot_carry_is_exit_2_before_sending(cli, api, monkeypatch, key):
    monkeypatch.setenv("ECGRID_API_KEY", key)
    route = api.post("/v2/partners/count").mock(return_value=ok(4))
    result = cli("partners", "count", "1")
    assert result.code == 2
    assert "ECGRID_API_KEY" in result.err and "printable ASCII" in result.err
    assert key not in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert route.call_count == 0


def test_empty_environment_variables_count_as_unset(cli, api, monkeypatch):
    monkeypatch.setenv("ECGRID_TIMEOUT", "")
    monkeypatch.setenv("ECGRID_ECGRID_ID", "")
    monkeypatch.setenv("ECGRID_RETRIES", "")
    api.post("/v2/partners/count").mock(return_value=ok(4))
    result = cli("partners", "count", "1")
    assert result.code == 0, result.err


def test_unwritable_config_path_is_one_clean_line(cli, monkeypatch):
    # /proc refuses new directories even to root, so the write fails after a clean read.
    monkeypatch.setenv("ECGRID_CONFIG", "/proc/ecgrid-no-such-dir/config.toml")
    result = cli("config", "set", "timeout", "5")
    assert result.code == 1
    assert result.err.startswith("error: cannot write the config file"), result.err
    assert len(result.err.strip().splitlines()) == 1


def test_auth_status_json(cli, api):
    api.get("/v2/auth/version").mock(return_value=ok({"version": "2.6"}))
    api.get("/v2/users/me").mock(
        return_value=ok(
            {
                "userId": 7,
                "login": "ops",
                "email": "o@x",
                "networkId": 42,
                "mailboxId": 1001,
                "authLevel": "NetworkAdmin",
                "status": "Active",
                "extra": 1,
            }
        )
    )
    result = cli("auth", "status", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["apiKey"] == {"source": "env", "masked": "****" + KEY[-4:]}
    assert doc["user"]["authLevel"] == "NetworkAdmin"
    assert doc["apiVersion"] == "2.6"
    assert KEY not in result.out + result.err


def test_auth_status_bad_key_exit_3(cli, api):
    api.get("/v2/auth/version").mock(return_value=ok({"version": "2.6"}))
    api.get("/v2/users/me").mock(
        return_value=__import__("cli_support").fail(401, "InvalidAPIKey", "bad key")
    )
    result = cli("auth", "status", "--json")
    assert result.code == 3
    assert json.loads(result.err)["error"]["code"] == "InvalidAPIKey"
