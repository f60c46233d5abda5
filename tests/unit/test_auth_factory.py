"""Credentials (API key, login token with refresh) and the backend factory: which
credentials win, which backend is built, where secrets are reported."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecgrid_cli.api import factory
from ecgrid_cli.api.auth import REFRESH_MARGIN, ApiKey, LoginToken, NoCredentials, parse_time
from ecgrid_cli.api.rest.backend import RestBackend
from ecgrid_cli.api.soap.backend import SoapBackend
from ecgrid_cli.errors import AuthError, UsageError
from ecgrid_cli.settings import Resolved, Settings

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


# -- ApiKey / NoCredentials ----------------------------------------------------------------


def test_api_key():
    key = ApiKey("abcdefgh-1234-wxyz", "profile 'prod'")
    assert key.headers() == {"X-API-Key": "abcdefgh-1234-wxyz"}
    assert key.session_id() == "abcdefgh-1234-wxyz"
    assert key.secrets() == ["abcdefgh-1234-wxyz"]
    assert key.describe() == "API key ****wxyz from profile 'prod'"
    assert key.method == "api-key"


def test_short_api_key_shows_nothing():
    assert ApiKey("abcdefgh", "x").describe() == "API key **** from x"


def test_no_credentials():
    none = NoCredentials()
    assert (none.headers(), none.session_id(), none.secrets()) == ({}, "", [])
    assert none.describe() == "no credentials"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-01T12:00:00Z", NOW),
        ("2025-06-01T12:00:00+00:00", NOW),
        ("2025-06-01T12:00:00", NOW),  # naive means UTC
        ("2025-06-01T14:00:00+02:00", NOW),
        ("", None),
        (None, None),
        ("tomorrow", None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


# -- LoginToken ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def expiring(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def test_a_fresh_token_is_sent_as_is():
    token = LoginToken(
        "jwt-old-abcdefgh", method="jwt", origin="o", expires_at=expiring(30), clock=Clock()
    )
    assert token.headers() == {"Authorization": "Bearer jwt-old-abcdefgh"}
    assert token.session_id() == "jwt-old-abcdefgh"


def test_a_token_without_expiry_never_refreshes():
    asked: list[str] = []
    token = LoginToken(
        "jwt-old-abcdefgh", method="jwt", origin="o", refresh=lambda t, r: asked.append(t)
    )
    assert token.session_id() == "jwt-old-abcdefgh"
    assert asked == []


def test_a_token_near_its_expiry_is_refreshed_and_filed():
    clock = Clock()
    kept: list[tuple] = []
    token = LoginToken(
        "jwt-old-abcdefgh",
        method="jwt",
        origin="o",
        expires_at=expiring(30),
        refresh_token="refresh-abcdefgh",
        refresh=lambda old, ref: ("jwt-new-abcdefgh", expiring(90), None),
        on_refresh=lambda *args: kept.append(args),
        clock=clock,
    )
    clock.now = NOW + timedelta(minutes=30) - REFRESH_MARGIN
    assert token.headers() == {"Authorization": "Bearer jwt-new-abcdefgh"}
    assert kept == [("jwt-new-abcdefgh", expiring(90), "refresh-abcdefgh")]
    assert token.expires_at == expiring(90)
    # The old token is still a secret for the rest of the run.
    assert set(token.secrets()) == {"jwt-new-abcdefgh", "jwt-old-abcdefgh", "refresh-abcdefgh"}


def test_an_expired_token_without_refresh_is_an_auth_error():
    clock = Clock()
    token = LoginToken(
        "jwt-old-abcdefgh",
        method="jwt",
        origin="the login of profile 'p'",
        expires_at=expiring(1),
        clock=clock,
    )
    assert token.session_id() == "jwt-old-abcdefgh"  # within the margin, no refresh: still used
    clock.now = NOW + timedelta(minutes=1)
    with pytest.raises(AuthError) as info:
        token.headers()
    assert info.value.code == "SessionExpired"
    assert info.value.message == (
        f"the login of profile 'p' expired at {expiring(1)}: run 'ecgrid auth login' again"
    )


def test_a_refused_refresh_says_the_login_expired():
    def refuse(old, ref):
        raise AuthError("InvalidSession", code="InvalidSession")

    token = LoginToken(
        "jwt-old-abcdefgh",
        method="jwt",
        origin="o",
        expires_at=expiring(0.5),
        refresh=refuse,
        clock=Clock(),
    )
    with pytest.raises(AuthError) as info:
        token.headers()
    assert info.value.code == "SessionExpired"


def test_refresh_happens_once_for_many_threads():
    calls: list[int] = []
    lock = threading.Lock()

    def refresh(old, ref):
        with lock:
            calls.append(1)
        return (f"jwt-new-{len(calls):08d}", expiring(90), None)

    token = LoginToken(
        "jwt-old-abcdefgh",
        method="jwt",
        origin="o",
        expires_at=expiring(0.5),
        refresh=refresh,
        clock=Clock(),
    )
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(token.session_id())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert calls == [1]
    assert set(seen) == {"jwt-new-00000001"}


def test_describe_says_how_to_recover():
    jwt = LoginToken("t" * 12, method="jwt", origin="the login of profile 'p'")
    soap = LoginToken("t" * 12, method="soap-session", origin="the login of profile 'p'")
    assert jwt.describe().startswith("login token from the login of profile 'p'; run")
    assert soap.describe().startswith("SOAP session from the login of profile 'p'; run")


# -- choosing credentials ------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("API_KEY", "API", "BASE_URL", "TIMEOUT", "RETRIES", "ECGRID_ID", "PROFILE"):
        monkeypatch.delenv(f"ECGRID_{name}", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return monkeypatch


def resolved(source: str | None = "profile", **settings) -> Resolved:
    sources = {"api_key": source} if source else {}
    return Resolved(
        settings=Settings(**settings),
        profile="prod",
        config_path=Path("/nonexistent/config.toml"),
        sources=sources,
        warnings=(),
    )


STORED = LoginToken("jwt-stored-abcdefgh", method="jwt", origin="the login of profile 'prod'")


@pytest.mark.parametrize("source", ["env", "flag"])
def test_a_key_from_the_environment_beats_a_stored_login(clean_env, source):
    clean_env.setattr(factory, "stored_login", lambda *args: STORED)
    chosen = factory.choose_credentials(resolved(source, api_key="env-key-abcdefgh"), "rest", "u")
    assert isinstance(chosen, ApiKey)
    assert chosen.origin == "the environment (ECGRID_API_KEY)"


def test_a_stored_login_beats_the_profile_key(clean_env):
    asked: list[tuple] = []
    clean_env.setattr(factory, "stored_login", lambda *args: asked.append(args[1:]) or STORED)
    chosen = factory.choose_credentials(resolved(api_key="profile-key-abcdefgh"), "rest", "u")
    assert chosen is STORED
    assert asked == [("rest", "u")]


def test_the_profile_key_is_the_last_resort(clean_env):
    clean_env.setattr(factory, "stored_login", lambda *args: None)
    chosen = factory.choose_credentials(resolved(api_key="profile-key-abcdefgh"), "rest", "u")
    assert isinstance(chosen, ApiKey)
    assert chosen.describe() == "API key ****efgh from profile 'prod'"


def test_no_credentials_at_all_is_a_usage_error(clean_env):
    clean_env.setattr(factory, "stored_login", lambda *args: None)
    with pytest.raises(UsageError) as info:
        factory.choose_credentials(resolved(None), "rest", "u")
    assert "no API key: set ECGRID_API_KEY" in info.value.message
    assert "(profile 'prod')" in info.value.message


def test_credential_key():
    assert factory.credential_key("prod", "soap", "https://x") == "prod|soap|https://x"


# -- building the backend ------------------------------------------------------------------


def test_rest_backend_by_default(clean_env, tmp_path):
    clean_env.setattr(factory, "stored_login", lambda *args: None)
    secrets: list[str] = []
    backend = factory.build_backend(
        resolved(api_key="profile-key-abcdefgh", timeout=7, retries=2), on_secret=secrets.append
    )
    try:
        assert isinstance(backend, RestBackend)
        assert backend.base_url == "https://rest.ecgrid.io"
        assert secrets == ["profile-key-abcdefgh"]
        policy = backend.transport.resilience.policy
        assert (policy.retries, policy.deadline_seconds) == (2, 7)
        assert backend.facts.path == tmp_path / "cache" / "ecgrid" / "server-facts.json"
    finally:
        backend.close()


def test_soap_backend_on_an_asmx_url(clean_env):
    clean_env.setattr(factory, "stored_login", lambda *args: None)
    backend = factory.build_backend(
        resolved(api_key="profile-key-abcdefgh", base_url="http://127.0.0.1:8765", api="soap")
    )
    try:
        assert isinstance(backend, SoapBackend)
        assert backend.base_url == "http://127.0.0.1:8765/v4.1/prod/ECGridOS.asmx"
    finally:
        backend.close()


def test_plain_http_off_loopback_is_refused_before_anything_is_built(clean_env):
    with pytest.raises(UsageError):
        factory.build_backend(resolved(api_key="k" * 12, base_url="http://example.com"))


def test_a_stored_jwt_is_wired_to_refresh_itself(clean_env):
    token = LoginToken("jwt-stored-abcdefgh", method="jwt", origin="o")
    clean_env.setattr(factory, "stored_login", lambda *args: token)
    backend = factory.build_backend(resolved(None))
    try:
        assert token._refresh is not None
    finally:
        backend.close()


def test_login_backend_sends_no_credentials(clean_env):
    backend = factory.login_backend(resolved(None))
    try:
        assert isinstance(backend.transport.credentials, NoCredentials)
    finally:
        backend.close()


# -- logging in again ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "api", "command"),
    [
        ("default", "rest", "ecgrid auth login"),
        ("default", "soap", "ecgrid --api soap auth login"),
        ("prod", "soap", "ecgrid --profile prod --api soap auth login"),
        ("my team", "rest", "ecgrid --profile 'my team' auth login"),
    ],
)
def test_the_relogin_command_names_the_profile_and_the_api(profile, api, command):
    assert factory.relogin_command(profile, api) == command


def test_a_stored_soap_login_that_expired_says_how_to_log_in_again(clean_env, tmp_path):
    """Logging in again with plain 'ecgrid auth login' would log in over REST (or the
    default profile) and leave the expired SOAP session where it was."""
    from ecgrid_cli.credentials import CredentialStore, StoredCredential

    clean_env.setenv("ECGRID_CREDENTIAL_STORE", "file")
    clean_env.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    url = "https://os.ecgrid.io/v4.1/prod/ECGridOS.asmx"
    stored = StoredCredential(kind="soap-session", secret="soap-session-abcdefgh")
    CredentialStore().save(factory.credential_key("prod", "soap", url), stored)
    token = factory.stored_login(resolved(), "soap", url)
    assert token is not None and token.relogin == "ecgrid --profile prod --api soap auth login"
    assert token.describe() == (
        "SOAP session from the login of profile 'prod'; "
        "run 'ecgrid --profile prod --api soap auth login' again if it has ended"
    )
