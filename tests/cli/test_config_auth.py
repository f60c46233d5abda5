"""`ecgrid config ...`, settings precedence, and `ecgrid auth status|login|logout`."""

from __future__ import annotations

import json
import stat

import pytest
from cli_support import KEY, write_config

from ecgrid_cli.errors import AuthError

PROD_KEY = "prod-key-abcdefgh1234"
PASSWORD = "right-password-123"
LOGIN = ("auth", "login", "-u", "ops", "--password-stdin")


# -- config set api-key ------------------------------------------------------------------------


def test_api_key_from_a_hidden_prompt_writes_0600_in_0700(cli, config_path):
    result = cli("--profile", "prod", "config", "set", "api-key", tty=True, stdin=PROD_KEY + "\n")
    assert (result.code, result.out) == (0, "")
    assert result.err == (f"API key: set api-key = ****1234 in profile 'prod' ({config_path})\n")
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_path.parent.stat().st_mode) == 0o700
    assert f'api_key = "{PROD_KEY}"' in config_path.read_text()


def test_api_key_from_stdin_with_dash(cli, config_path):
    result = cli("--profile", "prod", "config", "set", "api-key", "-", stdin=PROD_KEY + "\n")
    assert result.code == 0, result.err
    assert result.err == f"set api-key = ****1234 in profile 'prod' ({config_path})\n"
    assert PROD_KEY not in result.out + result.err


def test_api_key_prompt_needs_a_terminal(cli, config_path):
    result = cli("config", "set", "api-key", stdin=PROD_KEY + "\n")
    assert result.code == 2
    assert result.err == (
        "error: no terminal to prompt for the API key: pass '-' and pipe it on stdin\n"
    )
    assert not config_path.exists()


def test_api_key_as_an_argument_is_refused_and_not_echoed(cli, config_path):
    result = cli("config", "set", "api-key", "my-secret-key-999")
    assert result.code == 2
    assert result.err == (
        "error: refusing to take the API key as an argument (it would land in shell history): "
        "omit it to be prompted, or pass '-' to read it from stdin\n"
    )
    assert not config_path.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("\n", "the API key is empty"),
        (
            "short\n",
            "the API key is 5 characters long; keys shorter than 8 cannot be kept out "
            "of output safely",
        ),
        ("has a space 1234\n", "the API key holds spaces or control characters"),
    ],
)
def test_unusable_api_keys_are_refused(cli, config_path, typed, message):
    result = cli("config", "set", "api-key", tty=True, stdin=typed)
    assert result.code == 2
    assert result.err == f"API key: error: {message}\n"
    assert not config_path.exists()


# -- config set/get/list/use -----------------------------------------------------------------


@pytest.fixture
def prod(cli, config_path):
    assert (
        cli("--profile", "prod", "config", "set", "base-url", "https://api.example.com").code == 0
    )
    assert cli("--profile", "prod", "config", "set", "ecgrid-id", "111111").code == 0
    assert cli("--profile", "prod", "config", "set", "api-key", "-", stdin=PROD_KEY).code == 0
    return config_path


def test_get_prints_the_value_alone(cli, prod):
    result = cli("--profile", "prod", "config", "get", "ecgrid-id")
    assert (result.code, result.out, result.err) == (0, "111111\n", "")


def test_get_masks_the_api_key(cli, prod):
    assert cli("--profile", "prod", "config", "get", "api-key").out == "****1234\n"
    document = cli("--profile", "prod", "config", "get", "api_key", "--json").json()
    assert document == {"profile": "prod", "key": "api_key", "value": "****1234"}


def test_get_unset_key_exits_1(cli, prod):
    result = cli("--profile", "prod", "config", "get", "timeout", "--json")
    assert (result.code, result.out) == (1, "")
    assert result.err_json()["error"] == {
        "code": "NotSet",
        "message": "timeout is not set in profile 'prod'",
        "httpStatus": None,
        "details": None,
    }


def test_list_piped(cli, prod):
    result = cli("config", "list")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "prod\tapi-key\t****1234\tfile\n"
        "prod\tbase-url\thttps://api.example.com\tfile\n"
        "prod\tecgrid-id\t111111\tfile\n"
        "sandbox\tapi-key\t****0000\tbuilt-in\n"
        "sandbox\tbase-url\thttp://127.0.0.1:8765\tbuilt-in\n"
        "sandbox\tecgrid-id\t111111\tbuilt-in\n"
    )
    assert PROD_KEY not in result.out


def test_list_json(cli, prod):
    result = cli("config", "list", "--json")
    assert result.json() == {
        "configPath": str(prod),
        "defaultProfile": "default",
        "currentProfile": "default",
        "profiles": {
            "prod": {
                "apiKey": "****1234",
                "baseUrl": "https://api.example.com",
                "ecGridId": 111111,
                "builtIn": False,
            },
            "sandbox": {
                "apiKey": "****0000",
                "baseUrl": "http://127.0.0.1:8765",
                "ecGridId": 111111,
                "builtIn": True,
            },
        },
    }


def test_list_on_a_terminal(cli, prod):
    result = cli("config", "list", tty=True, width=120)
    rows = [line.split() for line in result.screen if line.startswith(("prod", "sandbox"))]
    assert rows[:3] == [
        ["prod", "api-key", "****1234", "file"],
        ["prod", "base-url", "https://api.example.com", "file"],
        ["prod", "ecgrid-id", "111111", "file"],
    ]
    assert result.screen[0].startswith(str(prod)[:20])
    assert "(current profile:" in result.out


def test_list_title_stays_on_one_line_when_the_terminal_has_room(cli, prod):
    result = cli("config", "list", tty=True, width=160)
    assert result.screen[0] == f"{prod} (current profile: default)"


def test_use_makes_a_profile_the_default(cli, prod):
    result = cli("config", "use", "prod")
    assert (result.code, result.err) == (0, "default profile is now 'prod'\n")
    assert cli("config", "list", "--json").json()["currentProfile"] == "prod"
    assert cli("config", "get", "ecgrid-id").out == "111111\n"


def test_use_unknown_profile_is_a_usage_error(cli, prod):
    result = cli("config", "use", "nope")
    assert result.code == 2
    assert result.err == f"error: profile 'nope' is not defined in {prod} (profiles: prod)\n"


def test_setting_a_key_of_the_builtin_sandbox_keeps_its_other_values(
    cli, backend, builds, config_path, monkeypatch
):
    """`config set` on --profile sandbox layers over the built-in profile: it used to
    replace it, leaving a sandbox profile with no key and no URL."""
    monkeypatch.delenv("ECGRID_API_KEY")
    assert cli("--profile", "sandbox", "config", "set", "timeout", "10").code == 0
    assert config_path.read_text() == "[profiles.sandbox]\ntimeout = 10\n"
    result = cli("--profile", "sandbox", "partners", "count", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json()["ecGridId"] == 111111
    assert builds.calls[-1]["url"] == "http://127.0.0.1:8765"
    assert builds.calls[-1]["credentials"].session_id() == "sandbox-key-0000"
    listed = cli("config", "list")
    assert listed.out == (
        "sandbox\tapi-key\t****0000\tbuilt-in\n"
        "sandbox\tbase-url\thttp://127.0.0.1:8765\tbuilt-in\n"
        "sandbox\tecgrid-id\t111111\tbuilt-in\n"
        "sandbox\ttimeout\t10\tfile\n"
    )
    assert cli("config", "list", "--json").json()["profiles"]["sandbox"]["builtIn"] is True
    assert cli("--profile", "sandbox", "config", "get", "base-url").out == (
        "http://127.0.0.1:8765\n"
    )


def test_an_empty_profile_name_is_refused(cli, backend, config_path):
    result = cli("--profile", "", "config", "set", "ecgrid-id", "1")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: --profile needs a profile name (it was empty)\n"
    assert not config_path.exists()


def test_use_the_builtin_sandbox(cli, config_path):
    assert cli("config", "use", "sandbox").code == 0
    assert 'default_profile = "sandbox"' in config_path.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ecgrid-id", "abc"], "invalid ecgrid-id 'abc': expected a positive integer"),
        (["timeout", "0"], "invalid timeout '0': expected seconds, more than 0 up to 3600"),
        (["retries", "100"], "invalid retries '100': expected a whole number from 0 to 50"),
        (["api", "grpc"], "invalid api 'grpc': choose one of rest, soap"),
        (
            ["color", "x"],
            "unknown key 'color': choose one of api-key, api, base-url, ecgrid-id, timeout, "
            "retries",
        ),
        (
            ["base-url", "http://ecgrid.example.com"],
            "refusing to send the API key over plain http to ecgrid.example.com: use https "
            "(plain http is allowed only for loopback hosts)",
        ),
        (["timeout"], "config set timeout needs a VALUE"),
    ],
)
def test_set_refuses_bad_values(cli, config_path, args, message):
    result = cli("config", "set", *args)
    assert (result.code, result.err) == (2, f"error: {message}\n")
    assert not config_path.exists()


def test_unwritable_config_is_one_clean_line(cli, monkeypatch):
    monkeypatch.setenv("ECGRID_CONFIG", "/proc/ecgrid-no-such-dir/config.toml")
    result = cli("config", "set", "timeout", "5")
    assert result.code == 1
    assert result.err.startswith("error: cannot write the config file")
    assert len(result.err_lines) == 1


def test_set_keeps_comments_and_unknown_keys(cli, config_path):
    write_config(config_path, '# mine\n[profiles.default]\ncolour = "blue"  # keep\n')
    assert cli("config", "set", "timeout", "12").code == 0
    text = config_path.read_text()
    assert "# mine" in text and 'colour = "blue"  # keep' in text and "timeout = 12" in text


# -- precedence ------------------------------------------------------------------------------


@pytest.fixture
def profile_p(config_path):
    write_config(
        config_path,
        'default_profile = "p"\n[profiles.p]\nbase_url = "https://profile.test"\n'
        'api_key = "profile-key-000000"\necgrid_id = 42\n',
    )


def test_profile_supplies_key_url_and_own_id(cli, backend, builds, profile_p, monkeypatch):
    monkeypatch.delenv("ECGRID_API_KEY")
    backend.add_id(42, "ZZ", "FORTYTWO", "Own ID of profile p")
    result = cli("partners", "count", "--json")
    assert result.json() == {"ecGridId": 42, "status": None, "count": 0}
    (built,) = builds.calls
    assert built["url"] == "https://profile.test"
    assert built["credentials"].origin == "profile 'p'"
    assert built["credentials"].session_id() == "profile-key-000000"


def test_env_beats_profile_and_flag_beats_env(cli, backend, builds, profile_p, monkeypatch):
    assert cli("ids", "get", "334455").code == 0
    assert builds.calls[-1]["credentials"].origin == "the environment (ECGRID_API_KEY)"
    assert builds.calls[-1]["url"] == "https://profile.test"
    monkeypatch.setenv("ECGRID_BASE_URL", "https://env.test")
    assert cli("ids", "get", "334455").code == 0
    assert builds.calls[-1]["url"] == "https://env.test"
    assert cli("--base-url", "https://flag.test", "ids", "get", "334455").code == 0
    assert builds.calls[-1]["url"] == "https://flag.test"


def test_ecgrid_profile_env_selects_the_profile(cli, backend, builds, config_path, monkeypatch):
    write_config(
        config_path,
        '[profiles.a]\nbase_url = "https://a.test"\n[profiles.b]\nbase_url = "https://b.test"\n',
    )
    monkeypatch.setenv("ECGRID_PROFILE", "b")
    assert cli("ids", "get", "334455").code == 0
    assert builds.calls[-1]["url"] == "https://b.test"
    assert cli("--profile", "a", "ids", "get", "334455").code == 0
    assert builds.calls[-1]["url"] == "https://a.test"


def test_timeout_and_retries_reach_the_retry_layer(cli, backend, monkeypatch):
    monkeypatch.setenv("ECGRID_RETRIES", "3")
    assert cli("--timeout", "7", "ids", "get", "334455").code == 0
    policy = backend.resilience.policy
    assert (policy.retries, policy.deadline_seconds) == (3, 7.0)


def test_group_readable_config_warns_on_stderr(cli, backend, config_path):
    write_config(config_path, "[profiles.default]\necgrid_id = 111111\n")
    config_path.chmod(0o644)
    result = cli("partners", "count", "--json")
    assert result.code == 0, result.err
    assert "chmod 600" in result.err
    assert json.loads(result.out)["ecGridId"] == 111111


def test_empty_environment_variables_count_as_unset(cli, backend, monkeypatch):
    for name in ("ECGRID_TIMEOUT", "ECGRID_ECGRID_ID", "ECGRID_RETRIES", "ECGRID_BASE_URL"):
        monkeypatch.setenv(name, "")
    result = cli("ids", "get", "334455")
    assert (result.code, result.err) == (0, "")


@pytest.mark.parametrize("suffix", ["\n", "\r\n", "  "], ids=["lf", "crlf", "spaces"])
def test_api_key_whitespace_is_trimmed(cli, backend, builds, monkeypatch, suffix):
    monkeypatch.setenv("ECGRID_API_KEY", KEY + suffix)
    assert cli("ids", "get", "334455").code == 0
    assert builds.calls[-1]["credentials"].session_id() == KEY


# -- auth ------------------------------------------------------------------------------------


def test_auth_status_piped(cli, backend, monkeypatch):
    monkeypatch.setenv("ECGRID_ECGRID_ID", "111111")
    result = cli("auth", "status")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "Server\thttps://rest.ecgrid.io\n"
        "API\trest\n"
        "API version\t2.6\n"
        "Profile\tdefault\n"
        "Credentials\tAPI key ****8v71 from the environment (ECGRID_API_KEY)\n"
        "Expires\tnever\n"
        "Own ECGrid ID\t111111\n"
        "User\tops\n"
        "Auth level\tNetworkAdmin\n"
        "Network\t42\n"
        "Mailbox\t1001\n"
    )


def test_auth_status_json_never_shows_the_key(cli, backend):
    result = cli("auth", "status", "--json")
    assert result.code == 0
    document = result.json()
    assert document["credentials"] == {
        "method": "api-key",
        "source": "the environment (ECGRID_API_KEY)",
        "expiresAt": None,
        "masked": "****8v71",
    }
    assert document["user"]["authLevel"] == "NetworkAdmin"
    assert KEY not in result.out + result.err


def test_auth_status_with_a_refused_key_exits_3(cli, backend):
    backend.fail(
        "whoami",
        AuthError(
            "API key ****8v71 from the environment (ECGRID_API_KEY) was refused",
            code="InvalidAPIKey",
            http_status=401,
        ),
    )
    result = cli("auth", "status", "--json")
    assert result.code == 3
    assert result.err_json()["error"]["code"] == "InvalidAPIKey"


def test_login_on_a_terminal_stores_a_token_used_instead_of_the_profile_key(
    cli, backend, builds, monkeypatch, tmp_path
):
    result = cli("auth", "login", "--login", "ops", tty=True, stdin="right-password-123\n")
    assert result.code == 0, result.err
    assert result.err == "Password: logged in as ops (rest)\n"
    assert "right-password-123" not in result.out + result.err
    assert "jwt-token-0123456789abcdef" not in result.out + result.err
    assert backend.called("login")[0].args == ("ops",)
    assert builds.calls[-1]["credentials"].method == "none"
    stored = (tmp_path / "xdg-state" / "ecgrid" / "credentials.json").read_text()
    assert "jwt-token-0123456789abcdef" in stored
    monkeypatch.delenv("ECGRID_API_KEY")
    status = cli("auth", "status", "--json")
    assert status.code == 0, status.err
    assert status.json()["credentials"]["method"] == "jwt"
    assert status.json()["credentials"]["masked"] is None
    assert builds.calls[-1]["credentials"].session_id() == "jwt-token-0123456789abcdef"


def test_login_json(cli, backend):
    result = cli(
        "auth", "login", "-u", "ops", "--password-stdin", "--json", stdin="right-password-123\n"
    )
    assert (result.code, result.err) == (0, "")
    assert result.json() == {
        "loggedIn": True,
        "api": "rest",
        "profile": "default",
        "user": "ops",
        "method": "jwt",
        "expiresAt": "2099-01-01T00:00:00Z",
        "storage": "file",
    }


def test_login_refused_stores_nothing(cli, backend, tmp_path):
    result = cli("auth", "login", "-u", "ops", "--password-stdin", stdin="wrong-password\n")
    assert (result.code, result.err) == (1, "error: login refused\n")
    assert not (tmp_path / "xdg-state" / "ecgrid" / "credentials.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --login NAME (no terminal to ask on)"),
        (["-u", "ops"], "no terminal to ask for the password: pass --password-stdin"),
    ],
)
def test_login_without_a_terminal_needs_flags(cli, backend, args, message):
    result = cli("auth", "login", *args)
    assert (result.code, result.err) == (2, f"error: {message}\n")
    assert backend.calls == []


def test_soap_login_is_a_session(cli, soap):
    result = cli(
        "auth", "login", "-u", "ops", "--password-stdin", "--json", stdin="right-password-123"
    )
    assert result.code == 0, result.err
    assert (result.json()["api"], result.json()["method"]) == ("soap", "soap-session")


def test_logout_ends_the_session_and_forgets_it(cli, backend, builds):
    assert (
        cli("auth", "login", "-u", "ops", "--password-stdin", stdin="right-password-123").code == 0
    )
    result = cli("auth", "logout", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {
        "loggedOut": True,
        "endedOnServer": True,
        "profile": "default",
        "api": "rest",
    }
    assert backend.methods[-1] == "logout"
    assert builds.calls[-1]["credentials"].method == "jwt"
    again = cli("auth", "logout")
    assert (again.code, again.err) == (
        0,
        "profile 'default' had no stored login (rest); nothing to do\n",
    )


def test_logout_when_the_server_already_ended_the_session(cli, backend):
    assert (
        cli("auth", "login", "-u", "ops", "--password-stdin", stdin="right-password-123").code == 0
    )
    backend.fail("logout", AuthError("session expired", code="InvalidSession", http_status=401))
    result = cli("auth", "logout", "--json")
    assert result.code == 0
    assert (result.json()["loggedOut"], result.json()["endedOnServer"]) == (True, False)


def test_config_use_and_set_answer_global_json_with_a_document(cli, config_path):
    """Nothing on stdout for people; `ecgrid --json config ...` gets what changed."""
    used = cli("--json", "config", "use", "sandbox")
    assert (used.code, used.err) == (0, "")
    assert used.json() == {"defaultProfile": "sandbox", "configPath": str(config_path)}
    assigned = cli("--json", "--profile", "prod", "config", "set", "api-key", "-", stdin=PROD_KEY)
    assert (assigned.code, assigned.err) == (0, "")
    assert assigned.json() == {
        "profile": "prod",
        "key": "api-key",
        "value": "****1234",
        "configPath": str(config_path),
    }
    plain = cli("config", "use", "prod")
    assert (plain.code, plain.out, plain.err) == (0, "", "default profile is now 'prod'\n")
    after = cli("config", "use", "sandbox", "--json")  # --json after the sub-command too
    assert (after.code, after.err) == (0, "")
    assert after.json()["defaultProfile"] == "sandbox"
    assert cli("config", "set", "retries", "3", "--jq", ".value").out == "3\n"
