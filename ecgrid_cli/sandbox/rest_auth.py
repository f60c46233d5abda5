"""REST ``/v2/auth/*``: log in (login or email spelling), refresh, log out, session info.

The vendor documents two spellings: ``{login, password}`` answers ``{token, expiresAt,
userId}``; ``{email, password}`` also answers a ``refreshToken``. ``/v2/auth/refresh``
takes ``{token}`` or ``{refreshToken}``; either way the old token stops working.
"""

from __future__ import annotations

from typing import Any

from ecgrid_cli.sandbox.auth import SANDBOX_USER, Authenticator, credentials_match, iso_from_epoch
from ecgrid_cli.sandbox.messages import Params, Request, Route
from ecgrid_cli.sandbox.records import ApiError, invalid

API_VERSION = "2.6"


class AuthEndpoints:
    def __init__(self, auth: Authenticator) -> None:
        self.auth = auth

    def routes(self) -> list[Route]:
        return [
            Route("/v2/auth/version", {"GET": self.version}, auth=False, chaos=False),
            Route("/v2/auth/login", {"POST": self.login}, auth=False),
            Route("/v2/auth/refresh", {"POST": self.refresh}, auth=False),
            Route("/v2/auth/logout", {"POST": self.logout}),
            Route("/v2/auth/session", {"POST": self.session}),
            Route("/v2/users/me", {"GET": self.me}),
        ]

    def version(self, request: Request, args: dict[str, str]) -> Any:
        return {"version": API_VERSION}

    def me(self, request: Request, args: dict[str, str]) -> Any:
        return dict(SANDBOX_USER)

    def login(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        by_email = body.has("email") and not body.has("login")
        name = body.req_text("email" if by_email else "login", max_length=254)
        password = body.req_text("password", max_length=1024)
        if not credentials_match(name, password):
            raise ApiError(401, "InvalidCredentials", "wrong login or password")
        return self.auth.tokens.issue(with_refresh=by_email)

    def refresh(self, request: Request, args: dict[str, str]) -> Any:
        body = Params(request.json_object())
        refresh_token = body.opt_text("refreshToken", max_length=512)
        token = body.opt_text("token", max_length=512)
        if not refresh_token and not token:
            raise invalid("token (or refreshToken) is required")
        return self.auth.tokens.refresh(token=token, refresh_token=refresh_token or None)

    def logout(self, request: Request, args: dict[str, str]) -> Any:
        principal = request.principal
        if principal is None or principal.kind != "token":
            raise invalid(
                "logout ends a token session: send the token as Authorization: Bearer <token>"
            )
        self.auth.tokens.logout(principal.secret)
        return None

    def session(self, request: Request, args: dict[str, str]) -> Any:
        principal = request.principal
        expires = principal.expires_at if principal is not None else None
        return {
            "userId": SANDBOX_USER["userId"],
            "login": SANDBOX_USER["login"],
            "networkId": SANDBOX_USER["networkId"],
            "mailboxId": SANDBOX_USER["mailboxId"],
            "authLevel": SANDBOX_USER["authLevel"],
            "expiresAt": iso_from_epoch(expires) if expires is not None else None,
        }
