"""Credentials end to end: `auth status` with an API key, `auth login/status/logout`
(REST JWT, SOAP session), token refresh and expiry, and the config profile flow.

Login tokens and session IDs are read from the credentials file after every run and
added to the secrets no output may show (see conftest); `auth status` shows the
method, never the token.
"""

from __future__ import annotations

import json
import stat
import time
import urllib.error
import urllib.request
from functools import partial

import pytest
from e2e_support import (
    API_KEY,
    LOGIN,
    OWN_ID,
    PARTNERCO_ID,
    PASSWORD,
    SOAP_PATH,
    WRONG_KEY,
    Reply,
    assert_json_error,
    in_parallel,
    request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e

NO_KEY = {"ECGRID_API_KEY": None}
METHOD = {"rest": "jwt", "soap": "soap-session"}


def credentials_file(home):
    return home / "xdg-state" / "ecgrid" / "credentials.json"


def stored_login(home, api: str) -> dict:
    """The one stored login for ``api`` (metadata and secret)."""
    data = json.loads(credentials_file(home).read_text(encoding="utf-8"))
    entries = [v for k, v in data["credentials"].items() if f"|{api}|" in k]
    assert len(entries) == 1, data["credentials"].keys()
    return entries[0]


def bearer_works(base_url: str, token: str) -> bool:
    """Whether the sandbox still takes this REST token (asked directly, over loopback)."""
    request = urllib.request.Request(
        base_url + "/v2/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status == 200
    except urllib.error.HTTPError as err:
        assert err.code == 401, err
        return False


def test_auth_status_with_an_api_key(reader, api, read_only_sandbox) -> None:
    result = reader("-v", "auth", "status", "--json")
    assert result.code == 0, result.describe()
    doc = result.json()
    assert doc["baseUrl"] == read_only_sandbox.url + (SOAP_PATH if api == "soap" else "")
    assert doc["api"] == api
    assert isinstance(doc["apiVersion"], str) and doc["apiVersion"]
    assert doc["profile"] == "default"
    assert doc["credentials"] == {
        "method": "api-key",
        "source": "the environment (ECGRID_API_KEY)",
        "expiresAt": None,
        "masked": "****" + API_KEY[-4:],
    }
    assert doc["ecGridId"] is None
    assert doc["user"]["login"] == LOGIN
    assert doc["user"]["networkId"] == 42


def test_login_status_logout(cli, api, sandbox, home) -> None:
    """A login replaces the key: every command uses (and -v never shows) its token or
    session; logout ends it on the server and forgets it."""

    def no_key(*args: str, **kwargs):
        return cli(*args, env_extra=NO_KEY, **kwargs)

    wrong = no_key(
        "-v", "auth", "login", "-u", LOGIN, "--password-stdin", "--json", input=WRONG_KEY + "\n"
    )
    assert wrong.code == 3, wrong.describe()
    assert_json_error(wrong)
    assert not credentials_file(home).exists()

    login = no_key(
        "-v", "auth", "login", "--login", LOGIN, "--password-stdin", "--json",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert login.code == 0, login.describe()
    doc = login.json()
    assert doc == {
        "loggedIn": True,
        "api": api,
        "profile": "default",
        "user": LOGIN,
        "method": METHOD[api],
        "expiresAt": doc["expiresAt"],
        "storage": "file",
    }
    assert (doc["expiresAt"] is None) == (api == "soap")
    path = credentials_file(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and API_KEY not in text
    stored = stored_login(home, api)
    token = stored["secret"]
    assert stored["kind"] == METHOD[api] and stored["user"] == LOGIN

    status, piped, used, failed, noted, key_first = in_parallel(
        partial(no_key, "-v", "auth", "status", "--json"),
        partial(no_key, "auth", "status"),
        partial(no_key, "-v", "ids", "get", str(PARTNERCO_ID), "--json"),
        partial(no_key, "-v", "interconnect", "setup", "-q", "ZZ", "-i", "TWINCO", "--from",
                str(OWN_ID), "--json"),
        partial(no_key, "-v", "partners", "note", "add", "87001", "checked by e2e"),
        # ECGRID_API_KEY in the environment still comes first.
        partial(cli, "auth", "status", "--json"),
    )  # fmt: skip
    assert status.code == 0, status.describe()
    credentials = status.json()["credentials"]
    assert credentials["method"] == METHOD[api]
    assert credentials["masked"] is None
    assert "login" in credentials["source"]
    assert status.json()["user"]["login"] == LOGIN
    assert piped.code == 0, piped.describe()
    shown = piped.record()["Credentials"]
    assert shown.startswith("login token" if api == "rest" else "SOAP session"), shown
    assert used.code == 0 and used.json()["ecGridId"] == PARTNERCO_ID, used.describe()
    assert request_lines(used.err), used.err
    assert failed.code == 5, failed.describe()  # an error path with the login, under -v
    assert_json_error(failed, "AmbiguousMatch")
    assert noted.code == 0, noted.describe()  # a write with the login
    assert key_first.json()["credentials"]["method"] == "api-key"
    if api == "rest":
        assert bearer_works(sandbox.url, token)

    logout = no_key("-v", "auth", "logout", "--json")
    assert logout.code == 0, logout.describe()
    assert logout.json() == {
        "loggedOut": True,
        "endedOnServer": True,
        "profile": "default",
        "api": api,
    }
    assert token not in path.read_text(encoding="utf-8")
    if api == "rest":
        assert not bearer_works(sandbox.url, token)  # ended on the server too
    after = no_key("auth", "status", "--json")
    assert after.code == 2, after.describe()  # no key and no login left
    assert "auth login" in after.err_json()["error"]["message"]


def test_login_expiry(start_sandbox, runner_for, home) -> None:
    """REST tokens renew themselves before they expire; once expired (and SOAP sessions
    idle too long) every command exits 3 and says to log in again."""
    ttl = 4.0  # seconds: room for a busy machine between login and first use
    server = start_sandbox("--token-ttl", str(ttl), "--session-ttl", str(ttl))
    rest, soap = runner_for(server.url, "rest"), runner_for(server.url, "soap")

    def login(run):
        return run(
            "auth", "login", "-u", LOGIN, "--password-stdin", "--json",
            input=PASSWORD + "\n", env_extra=NO_KEY,
        )  # fmt: skip

    rest_login, soap_login = in_parallel(partial(login, rest), partial(login, soap))
    assert rest_login.code == 0, rest_login.describe()
    assert soap_login.code == 0, soap_login.describe()
    first = stored_login(home, "rest")

    # Within a minute of its expiry a token is renewed before it is used: a new one is filed.
    used, soap_used = in_parallel(
        partial(rest, "-v", "ids", "get", str(PARTNERCO_ID), "--json", env_extra=NO_KEY),
        partial(soap, "-v", "ids", "get", str(PARTNERCO_ID), "--json", env_extra=NO_KEY),
    )
    assert used.code == 0, used.describe()
    assert any("/v2/auth/refresh" in line for line in request_lines(used.err)), used.err
    renewed = stored_login(home, "rest")
    assert renewed["secret"] != first["secret"]
    assert renewed["expires_at"] >= first["expires_at"]
    assert not bearer_works(server.url, first["secret"])  # the old one died
    assert soap_used.code == 0, soap_used.describe()
    last_use = time.monotonic()

    # Both were last used (renewed, touched) before last_use: wait out the TTL.
    time.sleep(max(0.0, last_use + ttl + 0.5 - time.monotonic()))
    expired = run_parallel(
        lambda run, *args: run(*args, env_extra=NO_KEY),
        (rest, "-v", "ids", "get", str(PARTNERCO_ID), "--json"),
        (soap, "-v", "partners", "count", str(OWN_ID), "--json"),
    )
    # Each says how to log in again over its own API.
    relogins = ("'ecgrid auth login'", "'ecgrid --api soap auth login'")
    for result, relogin in zip(expired, relogins, strict=True):
        assert result.code == 3, result.describe()
        assert result.out == ""
        assert f"run {relogin} again" in result.err, result.err
    assert expired[0].err_json()["error"]["code"] == "SessionExpired"
    assert expired[1].err_json()["error"]["code"] == "SessionTimeout"


def test_config_profile_flow(run_ecgrid, sandbox, home) -> None:
    """A profile holds the key (typed at a hidden prompt), base URL and own ID; then it
    alone is enough, and the environment still beats it."""
    no_env = {"ECGRID_API_KEY": None, "ECGRID_BASE_URL": None}

    def profile(*args: str, **kwargs):
        return run_ecgrid("--profile", "e2e", *args, **kwargs)

    typed = run_ecgrid.terminal(
        "--profile", "e2e", "config", "set", "api-key", replies=[Reply("API key", API_KEY + "\n")]
    )
    assert typed.code == 0, typed.describe()
    config = home / "ecgrid-config" / "config.toml"
    assert API_KEY in config.read_text(encoding="utf-8")  # stored, never echoed (scanned)
    # Writes one after the other (they rewrite the same file).
    for key, value in (("base-url", sandbox.url), ("ecgrid-id", str(OWN_ID))):
        result = profile("config", "set", key, value)
        assert result.code == 0, result.describe()
    used = run_ecgrid("config", "use", "e2e")
    assert used.code == 0, used.describe()

    def without_env(*args: str):
        return run_ecgrid(*args, env_extra=no_env)

    # Now the profile alone is enough: no ECGRID_API_KEY, no ECGRID_BASE_URL, no --from.
    listed, status, setup, env_wins = in_parallel(
        partial(without_env, "-v", "config", "list", "--json"),
        partial(without_env, "-v", "auth", "status", "--json"),
        partial(without_env, "-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO",
                "--json"),
        # The environment beats the profile: a wrong key in the environment is used.
        partial(run_ecgrid, "ids", "get", str(PARTNERCO_ID), "--json",
                env_extra={**no_env, "ECGRID_API_KEY": WRONG_KEY}),
    )  # fmt: skip
    doc = listed.json()
    assert doc["defaultProfile"] == "e2e" and doc["currentProfile"] == "e2e"
    assert doc["profiles"]["e2e"]["ecGridId"] == OWN_ID
    assert doc["profiles"]["e2e"]["apiKey"] == "****" + API_KEY[-4:]
    assert doc["profiles"]["e2e"]["baseUrl"] == sandbox.url
    assert status.code == 0, status.describe()
    credentials = status.json()["credentials"]
    assert credentials["source"] == "profile 'e2e'"
    assert credentials["masked"] == "****" + API_KEY[-4:]
    assert status.json()["profile"] == "e2e"
    assert status.json()["baseUrl"] == sandbox.url
    assert status.json()["ecGridId"] == OWN_ID
    assert setup.code == 0, setup.describe()
    assert setup.json()["interconnect"]["ecGridIdFrom"] == OWN_ID
    assert env_wins.code == 3, env_wins.describe()
