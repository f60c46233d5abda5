"""Credentials a backend sends: an API key, or what a login returned.

REST sends an API key as ``X-API-Key`` and a login token as ``Authorization: Bearer``;
SOAP puts either into every operation's ``SessionID`` (the vendor documents that an
API key may stand in for a session). Each credential knows where it came from, so a
refusal can say which key or login was refused without ever showing it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ecgrid_cli.errors import AuthError
from ecgrid_cli.profiles import mask

# Refresh a login token this long before it expires.
REFRESH_MARGIN = timedelta(seconds=60)


class ApiKey:
    method = "api-key"

    def __init__(self, key: str, origin: str) -> None:
        self._key = key
        self.origin = origin  # "environment (ECGRID_API_KEY)", "profile 'prod'", ...

    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self._key}

    def session_id(self) -> str:
        return self._key

    def secrets(self) -> list[str]:
        return [self._key]

    def describe(self) -> str:
        return f"API key {mask(self._key)} from {self.origin}"

    def __repr__(self) -> str:
        return f"ApiKey({mask(self._key)})"


class NoCredentials:
    """For the calls that need none (logging in)."""

    method = "none"
    origin = "nothing"

    def headers(self) -> dict[str, str]:
        return {}

    def session_id(self) -> str:
        return ""

    def secrets(self) -> list[str]:
        return []

    def describe(self) -> str:
        return "no credentials"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LoginToken:
    """A REST JWT or a SOAP session from ``ecgrid auth login``, refreshed when due.

    ``refresh`` (REST only) trades the token for a new one; ``on_refresh`` stores the
    new one. Thread-safe: bulk work shares one credential between its workers.
    """

    def __init__(
        self,
        token: str,
        *,
        method: str,
        origin: str,
        relogin: str | None = None,
        expires_at: str | None = None,
        refresh_token: str | None = None,
        refresh: Callable[[str, str | None], tuple[str, str | None, str | None]] | None = None,
        on_refresh: Callable[[str, str | None, str | None], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.method = method  # "jwt" | "soap-session"
        self.origin = origin  # "the login of profile 'prod'": the subject of messages
        # The command that logs in again, for that profile and API.
        soap = method == "soap-session"
        self.relogin = relogin or ("ecgrid --api soap auth login" if soap else "ecgrid auth login")
        self._token = token
        self._refresh_token = refresh_token
        self.expires_at = expires_at
        self._refresh = refresh
        self._on_refresh = on_refresh
        self._clock = clock
        self._lock = threading.Lock()
        self._retired: list[str] = []  # tokens replaced during this run, still secret

    def _current(self) -> str:
        with self._lock:
            expiry = parse_time(self.expires_at)
            if expiry is not None:
                now = self._clock()
                if now >= expiry - REFRESH_MARGIN and self._refresh is not None:
                    self._renew()
                elif now >= expiry:
                    raise self.expired()
            return self._token

    def enable_refresh(
        self,
        refresh: Callable[[str, str | None], tuple[str, str | None, str | None]],
        on_refresh: Callable[[str, str | None, str | None], None],
    ) -> None:
        """Renew the token before it expires with ``refresh``; ``on_refresh`` files it."""
        self._refresh, self._on_refresh = refresh, on_refresh

    def _renew(self) -> None:
        assert self._refresh is not None
        old = self._token
        try:
            token, expires_at, refresh_token = self._refresh(old, self._refresh_token)
        except AuthError:
            raise self.expired() from None
        self._retired.append(old)
        self._token, self.expires_at = token, expires_at
        self._refresh_token = refresh_token or self._refresh_token
        if self._on_refresh is not None:
            self._on_refresh(token, expires_at, self._refresh_token)

    def expired(self) -> AuthError:
        when = f" at {self.expires_at}" if self.expires_at else ""
        return AuthError(
            f"{self.origin} expired{when}: run '{self.relogin}' again",
            code="SessionExpired",
        )

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._current()}"}

    def session_id(self) -> str:
        return self._current()

    def secrets(self) -> list[str]:
        return [
            self._token,
            *self._retired,
            *([self._refresh_token] if self._refresh_token else []),
        ]

    def describe(self) -> str:
        kind = "login token" if self.method == "jwt" else "SOAP session"
        return f"{kind} from {self.origin}; run '{self.relogin}' again if it has ended"

    def __repr__(self) -> str:
        return f"LoginToken({self.method}, expires={self.expires_at})"
