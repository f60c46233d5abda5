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


def test_auth_status_with_an_api_key(cli, api, sandbox) -> None:
    result, piped = run_parallel(cli, ("auth", "status", "--json"), ("auth", "status"))
    assert result.code == 0, result.describe()
    doc = result.json()
    assert doc["baseUrl"] == sandbox.url + (SOAP_PATH if api == "soap" else "")
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

    assert piped.code == 0, piped.describe()
    record = piped.record()
    assert record["API"] == api
    assert record["User"] == LOGIN
    assert record["Credentials"].startswith("API key ****" + API_KEY[-4:])


def test_login_status_logout(cli, api, sandbox, home) -> None:
    def no_key(*args: str, **kwargs):
        return cli(*args, env_extra=NO_KEY, **kwargs)

    nothing, no_password, no_terminal, wrong = in_parallel(
        partial(no_key, "auth", "status", "--json"),
        partial(no_key, "auth", "login", "--login", LOGIN, "--password-stdin", input="\n"),
        partial(no_key, "auth", "login", "--login", LOGIN),
        partial(
            no_key, "auth", "login", "-u", LOGIN, "--password-stdin", "--json",
            input=WRONG_KEY + "\n",
        ),
    )  # fmt: skip
    assert nothing.code == 2, nothing.describe()
    assert "auth login" in nothing.err_json()["error"]["message"]
    assert no_password.code == 2, no_password.describe()
    assert no_terminal.code == 2 and "--password-stdin" in no_terminal.err, no_terminal.describe()
    assert wrong.code == 3, wrong.describe()
    assert_json_error(wrong)
    assert not credentials_file(home).exists()

    login = no_key(
        "auth", "login", "--login", LOGIN, "--password-stdin", "--json", input=PASSWORD + "\n"
    )
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
    stored = stored_login(home, api)
    token = stored["secret"]
    assert stored["kind"] == METHOD[api] and stored["user"] == LOGIN

    status, piped, used, key_first = in_parallel(
        partial(no_key, "auth", "status", "--json"),
        partial(no_key, "auth", "status"),
        partial(no_key, "ids", "get", str(PARTNERCO_ID), "--json"),
        # ECGRID_API_KEY in the environment still comes first.
        partial(cli, "auth", "status", "--json"),
    )
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
    assert key_first.json()["credentials"]["method"] == "api-key"
    if api == "rest":
        assert bearer_works(sandbox.url, token)

    logout = no_key("auth", "logout", "--json")
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

    again, after = run_parallel(no_key, ("auth", "logout"), ("auth", "status"))
    assert again.code == 0, again.describe()
    assert "no stored login" in again.err
    assert after.code == 2, after.describe()


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
    used = rest("-v", "ids", "get", str(PARTNERCO_ID), "--json", env_extra=NO_KEY)
    assert used.code == 0, used.describe()
    assert any("/v2/auth/refresh" in line for line in request_lines(used.err)), used.err
    renewed = stored_login(home, "rest")
    assert renewed["secret"] != first["secret"]
    assert renewed["expires_at"] >= first["expires_at"]
    assert not bearer_works(server.url, first["secret"])  # the old one died
    soap_used = soap("ids", "get", str(PARTNERCO_ID), "--json", env_extra=NO_KEY)
    assert soap_used.code == 0, soap_used.describe()
    last_use = time.monotonic()

    # Both were last used (renewed, touched) before last_use: wait out the TTL.
    time.sleep(max(0.0, last_use + ttl + 0.5 - time.monotonic()))
    expired = run_parallel(
        lambda run, *args: run(*args, env_extra=NO_KEY),
        (rest, "ids", "get", str(PARTNERCO_ID), "--json"),
        (rest, "partners", "count", str(OWN_ID)),
        (soap, "ids", "get", str(PARTNERCO_ID), "--json"),
        (soap, "partners", "count", str(OWN_ID)),
    )
    for result in expired:
        assert result.code == 3, result.describe()
        assert result.out == ""
        assert "ecgrid auth login" in result.err, result.err  # says to log in again
    assert expired[0].err_json()["error"]["code"] == "SessionExpired"
    assert expired[2].err_json()["error"]["code"] == "SessionTimeout"
    assert expired[1].err.startswith("error: ") and expired[3].err.startswith("error: ")

    relogin = login(rest)
    assert relogin.code == 0, relogin.describe()
    again = rest("ids", "get", str(PARTNERCO_ID), "--json", env_extra=NO_KEY)
    assert again.code == 0, again.describe()


def test_config_profile_flow(run_ecgrid, sandbox) -> None:
    no_env = {"ECGRID_API_KEY": None, "ECGRID_BASE_URL": None}

    def profile(*args: str, **kwargs):
        return run_ecgrid("--profile", "e2e", *args, **kwargs)

    # Without a key anywhere: a usage error, not a request. A key as an argument: refused.
    missing, as_argument = in_parallel(
        partial(run_ecgrid, "ids", "get", str(PARTNERCO_ID), env_extra=no_env),
        partial(profile, "config", "set", "api-key", API_KEY),
    )
    assert missing.code == 2, missing.describe()
    assert "API key" in missing.err
    assert as_argument.code == 2, as_argument.describe()

    # Writes one after the other (they rewrite the same file).
    stored = profile("config", "set", "api-key", "-", input=API_KEY + "\n")
    assert stored.code == 0, stored.describe()
    for key, value in (("base-url", sandbox.url), ("ecgrid-id", str(OWN_ID)), ("retries", "2")):
        result = profile("config", "set", key, value)
        assert result.code == 0, result.describe()
    used = run_ecgrid("config", "use", "e2e")
    assert used.code == 0, used.describe()

    ecgrid_id, base_url, masked, unset, bad, unknown = run_parallel(
        profile,
        ("config", "get", "ecgrid-id"),
        ("config", "get", "base-url"),
        ("config", "get", "api-key"),
        ("config", "get", "timeout"),
        ("config", "set", "retries", "many"),
        ("config", "use", "nope"),
    )
    assert ecgrid_id.out == f"{OWN_ID}\n"
    assert base_url.out == f"{sandbox.url}\n"
    assert masked.code == 0 and masked.out == "****" + API_KEY[-4:] + "\n", masked.describe()
    assert unset.code == 1, unset.describe()
    assert bad.code == 2, bad.describe()
    assert unknown.code == 2, unknown.describe()

    def without_env(*args: str):
        return run_ecgrid(*args, env_extra=no_env)

    # Now the profile alone is enough: no ECGRID_API_KEY, no ECGRID_BASE_URL, no --from.
    listed, plain, status, setup, env_wins = in_parallel(
        partial(without_env, "config", "list", "--json"),
        partial(without_env, "config", "list"),
        partial(without_env, "auth", "status", "--json"),
        partial(without_env, "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--json"),
        # The environment beats the profile: a wrong key in the environment is used.
        partial(
            run_ecgrid,
            "ids",
            "get",
            str(PARTNERCO_ID),
            env_extra={**no_env, "ECGRID_API_KEY": WRONG_KEY},
        ),
    )
    doc = listed.json()
    assert doc["defaultProfile"] == "e2e" and doc["currentProfile"] == "e2e"
    assert doc["profiles"]["e2e"]["ecGridId"] == OWN_ID
    assert doc["profiles"]["e2e"]["apiKey"] == "****" + API_KEY[-4:]
    assert doc["profiles"]["e2e"]["baseUrl"] == sandbox.url
    assert plain.code == 0 and "e2e" in plain.out, plain.describe()
    assert status.code == 0, status.describe()
    assert status.json()["credentials"]["source"] == "profile 'e2e'"
    assert status.json()["profile"] == "e2e"
    assert status.json()["baseUrl"] == sandbox.url
    assert status.json()["ecGridId"] == OWN_ID
    assert setup.code == 0, setup.describe()
    assert setup.json()["interconnect"]["ecGridIdFrom"] == OWN_ID
    assert without_env("partners", "count", "--status", "Active").out == "6\n"
    assert env_wins.code == 3, env_wins.describe()
