"""Build the backend for a run: the API, the URL, the credentials, the retry policy.

Credentials, highest first: ``ECGRID_API_KEY`` (or ``--api-key`` settings from the
environment), then a login stored by ``ecgrid auth login`` for this profile, API and
URL, then the profile's ``api_key``. Adding an API is one branch in
:func:`build_backend`; nothing else in the tool names a backend class.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

from ecgrid_cli.api.auth import ApiKey, LoginToken, NoCredentials
from ecgrid_cli.api.resilience import Resilience, RetryPolicy, Throttle
from ecgrid_cli.errors import UsageError
from ecgrid_cli.profiles import DEFAULT_PROFILE
from ecgrid_cli.urls import check_base_url

if TYPE_CHECKING:
    from ecgrid_cli.api.backend import Backend
    from ecgrid_cli.settings import Resolved


def credential_key(profile: str, api: str, url: str) -> str:
    """Where a login is filed: one per profile, API and endpoint."""
    return f"{profile}|{api}|{url}"


def endpoint(resolved: Resolved) -> tuple[str, str]:
    api, url = resolved.settings.endpoint()
    return api, check_base_url(url)


def choose_credentials(resolved: Resolved, api: str, url: str) -> ApiKey | LoginToken:
    settings = resolved.settings
    key = settings.api_key.get_secret_value() if settings.api_key else None
    source = resolved.sources.get("api_key")
    if key and source in ("env", "flag"):
        return ApiKey(key, "the environment (ECGRID_API_KEY)")
    login = stored_login(resolved, api, url)
    if login is not None:
        return login
    if key:
        origin = f"profile {resolved.profile!r}" if source == "profile" else "settings"
        return ApiKey(key, origin)
    raise UsageError(
        "no API key: set ECGRID_API_KEY, run 'ecgrid config set api-key' "
        f"(profile {resolved.profile!r}) or 'ecgrid auth login', or try the local "
        "sandbox with '--profile sandbox'"
    )


def relogin_command(profile: str, api: str) -> str:
    """``ecgrid [--profile P] [--api soap] auth login``: what logs this profile in again."""
    words = ["ecgrid"]
    if profile != DEFAULT_PROFILE:
        words += ["--profile", shlex.quote(profile)]
    if api == "soap":
        words += ["--api", "soap"]
    return " ".join([*words, "auth", "login"])


def stored_login(resolved: Resolved, api: str, url: str) -> LoginToken | None:
    from ecgrid_cli.credentials import CredentialStore

    store = CredentialStore()
    key = credential_key(resolved.profile, api, url)
    stored = store.load(key)
    if stored is None:
        return None
    return LoginToken(
        stored.secret,
        method=stored.kind,
        origin=f"the login of profile {resolved.profile!r}",
        relogin=relogin_command(resolved.profile, api),
        expires_at=stored.expires_at,
        refresh_token=stored.refresh_secret,
    )


def build_backend(
    resolved: Resolved,
    *,
    log: Callable[[str], None] | None = None,
    on_secret: Callable[[str], None] = lambda secret: None,
    max_connections: int = 16,
    throttle: Throttle | None = None,
    credentials: ApiKey | LoginToken | NoCredentials | None = None,
    refreshable: bool = True,
) -> Backend:
    settings = resolved.settings
    api, url = endpoint(resolved)
    if credentials is None:
        credentials = choose_credentials(resolved, api, url)
    for secret in credentials.secrets():
        on_secret(secret)
    resilience = Resilience(
        RetryPolicy(retries=settings.retries, deadline_seconds=settings.timeout),
        target=url,
        log=log,
        throttle=throttle,
    )
    if api == "soap":
        from ecgrid_cli.api.soap.backend import SoapBackend
        from ecgrid_cli.api.soap.transport import SoapTransport

        transport = SoapTransport(
            url, credentials, resilience, max_connections=max_connections, log=log
        )
        return SoapBackend(transport)
    from ecgrid_cli.api.rest.backend import RestBackend
    from ecgrid_cli.api.rest.server_facts import ServerFacts, default_cache_path
    from ecgrid_cli.api.rest.transport import RestTransport

    rest = RestTransport(url, credentials, resilience, max_connections=max_connections, log=log)
    backend = RestBackend(rest, ServerFacts(default_cache_path()))
    if isinstance(credentials, LoginToken) and credentials.method == "jwt" and refreshable:
        _wire_refresh(credentials, backend, resolved, api, url, on_secret)
    return backend


def login_backend(resolved: Resolved, *, log: Callable[[str], None] | None = None) -> Backend:
    """A backend that sends no credentials: for ``auth login``."""
    return build_backend(resolved, log=log, credentials=NoCredentials())


def _wire_refresh(
    token: LoginToken,
    backend: object,
    resolved: Resolved,
    api: str,
    url: str,
    on_secret: Callable[[str], None],
) -> None:
    """Let a REST login token renew itself before it expires, and file the new one."""
    from ecgrid_cli.credentials import CredentialStore

    def refresh(old: str, refresh_token: str | None) -> tuple[str, str | None, str | None]:
        grant = backend.refresh(old, refresh_token)  # type: ignore[attr-defined]
        on_secret(grant.token)
        if grant.refresh_token:
            on_secret(grant.refresh_token)
        return grant.token, grant.expires_at, grant.refresh_token

    def keep(new: str, expires_at: str | None, refresh_token: str | None) -> None:
        store = CredentialStore()
        key = credential_key(resolved.profile, api, url)
        stored = store.load(key)
        if stored is not None:
            from dataclasses import replace

            store.save(
                key,
                replace(stored, secret=new, expires_at=expires_at, refresh_secret=refresh_token),
            )

    token.enable_refresh(refresh, keep)
