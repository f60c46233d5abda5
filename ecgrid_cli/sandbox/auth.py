"""Who is calling: the API key, REST Bearer tokens and SOAP sessions (all in memory).

There is one sandbox user. REST clients authenticate with ``X-API-Key`` or with a
Bearer token from ``POST /v2/auth/login``; SOAP clients pass the API key or a session
ID from ``Login`` as ``SessionID``. Tokens and session IDs are opaque random strings.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ecgrid_cli.sandbox.records import ApiError, stamp

SANDBOX_USER: dict[str, Any] = {
    "userId": 7001,
    "login": "sandbox",
    "email": "sandbox@example.com",
    "networkId": 42,
    "mailboxId": 1001,
    "authLevel": "NetworkAdmin",
    "status": "Active",
}
SANDBOX_PASSWORD = "sandbox-password"
REFRESH_LIFETIMES = 24  # a refresh token outlives its access token this many times over
MAX_GRANTS = 10_000  # tokens or sessions kept at most (the oldest go first)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: by ``api-key``, Bearer ``token`` or SOAP ``session``."""

    kind: str
    secret: str = ""  # the token or session ID (never the API key)
    expires_at: float | None = None  # wall-clock seconds (tokens only)
    since: float | None = None  # wall-clock seconds of the login (sessions only)


def iso_from_epoch(seconds: float) -> str:
    return stamp(datetime.fromtimestamp(seconds, UTC))


def credentials_match(name: str, password: str) -> bool:
    """The sandbox user's login or email (any case) and its password (constant time)."""
    known = {SANDBOX_USER["login"], SANDBOX_USER["email"]}
    password_ok = hmac.compare_digest(password.encode(), SANDBOX_PASSWORD.encode())
    return password_ok and name.strip().lower() in known


def invalid_session(message: str, retcode: str = "AccessDenied") -> ApiError:
    return ApiError(401, "InvalidSession", message, retcode=retcode, item="SessionID")


@dataclass
class _Grant:
    expires_at: float
    refresh_token: str | None


class Tokens:
    """REST Bearer tokens: login, check, refresh (the old token dies), logout."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._grants: dict[str, _Grant] = {}
        self._refresh: dict[str, tuple[str, float]] = {}  # refresh token -> (token, expiry)

    def issue(self, *, with_refresh: bool) -> dict[str, Any]:
        with self._lock:
            self._purge()
            return self._issue(with_refresh)

    def _issue(self, with_refresh: bool) -> dict[str, Any]:
        now = self._clock()
        token = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32) if with_refresh else None
        grant = _Grant(now + self.ttl, refresh)
        self._grants[token] = grant
        answer: dict[str, Any] = {
            "token": token,
            "expiresAt": iso_from_epoch(grant.expires_at),
            "userId": SANDBOX_USER["userId"],
        }
        if refresh is not None:
            self._refresh[refresh] = (token, now + self.ttl * REFRESH_LIFETIMES)
            answer["refreshToken"] = refresh
        return answer

    def check(self, token: str) -> Principal:
        with self._lock:
            grant = self._grants.get(token)
            if grant is None:
                raise invalid_session("the token is unknown, refreshed or logged out")
            if self._clock() >= grant.expires_at:
                raise invalid_session("the token has expired: log in again", "SessionTimeout")
            return Principal("token", token, grant.expires_at)

    def refresh(self, *, token: str | None, refresh_token: str | None) -> dict[str, Any]:
        with self._lock:
            if refresh_token is not None:
                entry = self._refresh.pop(refresh_token, None)
                if entry is None or self._clock() >= entry[1]:
                    raise invalid_session("the refresh token is unknown, used or expired")
                self._end(entry[0])
                return self._issue(with_refresh=True)
            grant = self._grants.get(token or "")
            if grant is None or self._clock() >= grant.expires_at:
                raise invalid_session("the token is unknown, expired, refreshed or logged out")
            self._end(token or "")
            return self._issue(with_refresh=grant.refresh_token is not None)

    def logout(self, token: str) -> None:
        with self._lock:
            self._end(token)

    def _end(self, token: str) -> None:
        grant = self._grants.pop(token, None)
        if grant is not None and grant.refresh_token is not None:
            self._refresh.pop(grant.refresh_token, None)

    def _purge(self) -> None:
        """Forget expired tokens (a refresh token outlives its own token) and keep a cap."""
        now = self._clock()
        for token in [t for t, g in self._grants.items() if now >= g.expires_at]:
            del self._grants[token]
        for refresh in [r for r, (_, expiry) in self._refresh.items() if now >= expiry]:
            del self._refresh[refresh]
        while len(self._grants) >= MAX_GRANTS:
            self._end(next(iter(self._grants)))
        while len(self._refresh) >= MAX_GRANTS:
            del self._refresh[next(iter(self._refresh))]


@dataclass
class Session:
    session_id: str
    logged_in: float  # wall clock
    last_used: float  # monotonic clock


class Sessions:
    """SOAP sessions from Login: they time out after ``ttl`` idle seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def login(self) -> Session:
        with self._lock:
            now = self._clock()
            stale = [s for s, v in self._sessions.items() if now - v.last_used > 10 * self.ttl]
            for session_id in stale:
                del self._sessions[session_id]
            while len(self._sessions) >= MAX_GRANTS:
                del self._sessions[next(iter(self._sessions))]
            session = Session(str(uuid.uuid4()), time.time(), now)
            self._sessions[session.session_id] = session
            return session

    def check(self, session_id: str) -> Session:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                raise invalid_session("the SessionID is not a live session or API key")
            now = self._clock()
            if now - session.last_used > self.ttl:
                raise invalid_session(
                    f"the session was idle for more than {self.ttl:g} seconds: log in again",
                    "SessionTimeout",
                )
            session.last_used = now
            return session

    def logout(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def open_count(self) -> int:
        with self._lock:
            now = self._clock()
            return sum(1 for s in self._sessions.values() if now - s.last_used <= self.ttl)


class Authenticator:
    """Checks the credentials of REST requests and SOAP calls."""

    def __init__(self, api_key: str, tokens: Tokens, sessions: Sessions) -> None:
        self._api_key = api_key.encode("utf-8")
        self.tokens = tokens
        self.sessions = sessions

    def is_api_key(self, given: str) -> bool:
        return hmac.compare_digest(given.encode("utf-8", "replace"), self._api_key)

    def rest(self, headers: Mapping[str, str]) -> Principal:
        """``X-API-Key`` or ``Authorization: Bearer``; raises 401 InvalidAPIKey / InvalidSession."""
        key = headers.get("X-API-Key")
        if key is not None and self.is_api_key(key):
            return Principal("api-key")
        scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return self.tokens.check(token.strip())
        raise ApiError(
            401,
            "InvalidAPIKey",
            "missing or invalid API key: send it in the X-API-Key header "
            "(or a token from /v2/auth/login as Authorization: Bearer)",
        )

    def soap(self, session_id: str) -> Principal:
        """The API key or a live session; raises AccessDenied / SessionTimeout."""
        if session_id and self.is_api_key(session_id):
            return Principal("api-key")
        session = self.sessions.check(session_id)
        return Principal("session", session.session_id, since=session.logged_in)
