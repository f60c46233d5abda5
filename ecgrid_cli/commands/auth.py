"""`ecgrid auth status|login|logout`: which credentials, for whom, and sessions.

``login`` trades a login name and password for a REST JWT or a SOAP session ID and
files it privately for the profile (OS keyring where one works, else a 0600 file);
later commands use it instead of the API key until it expires or ``logout`` ends it.
Neither the password nor what the server returns is ever printed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from ecgrid_cli import context
from ecgrid_cli.commands.framework import command, group
from ecgrid_cli.errors import UsageError
from ecgrid_cli.output.documents import user_document
from ecgrid_cli.output.views import Field, Record, Result

app = group("Credentials: check them, log in, log out.")

STATUS_FIELDS = (
    Field("Server", "baseUrl"),
    Field("API", "api"),
    Field("API version", "apiVersion"),
    Field("Profile", "profile"),
    Field("Credentials", "credentials"),
    Field("Expires", "expiresAt"),
    Field("Own ECGrid ID", "ecGridId"),
    Field("User", "login"),
    Field("Auth level", "authLevel"),
    Field("Network", "networkId"),
    Field("Mailbox", "mailboxId"),
)


@command(app, "status", examples=["ecgrid auth status", "ecgrid --api soap auth status --json"])
def status(ctx: typer.Context) -> Result:
    """Show the server, the API, the profile, the credentials in use and who they are."""
    app_ctx = context.get(ctx)
    from ecgrid_cli.api.factory import choose_credentials, endpoint

    resolved = app_ctx.settings()
    api, url = endpoint(resolved)
    credentials = choose_credentials(resolved, api, url)
    backend = app_ctx.backend()
    version = backend.version()
    user = user_document(backend.whoami())
    method = getattr(credentials, "method", "api-key")
    document = {
        "baseUrl": url,
        "api": api,
        "apiVersion": version,
        "profile": resolved.profile,
        "credentials": {
            "method": method,
            "source": credentials.origin,
            "expiresAt": getattr(credentials, "expires_at", None),
            "masked": _masked(credentials),
        },
        "ecGridId": resolved.settings.ecgrid_id,
        "user": user,
    }
    display = {
        **{k: v for k, v in document.items() if not isinstance(v, dict)},
        "credentials": credentials.describe().split(";")[0],
        "expiresAt": getattr(credentials, "expires_at", None) or "never",
        **{k: user[k] for k in ("login", "authLevel", "networkId", "mailboxId")},
    }
    return Result(document, Record(STATUS_FIELDS, "Logged in"), display=display)


def _masked(credentials: object) -> str | None:
    from ecgrid_cli.profiles import mask

    if getattr(credentials, "method", "api-key") == "api-key":
        return mask(credentials.session_id())  # type: ignore[attr-defined]
    return None


LoginOption = Annotated[
    str | None,
    typer.Option(
        "--login", "-u", metavar="NAME", help="Login name (or e-mail).", show_default="prompt"
    ),
]


@command(
    app,
    "login",
    examples=[
        "ecgrid auth login --login sandbox",
        "printf '%s\\n' \"$PASSWORD\" | ecgrid auth login --login ops@example.com --password-stdin",
        "ecgrid --api soap auth login -u sandbox",
    ],
)
def login(
    ctx: typer.Context,
    login_name: LoginOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> Result:
    """Log in with a login name and password (REST: JWT; SOAP: a session) for this profile."""
    app_ctx = context.get(ctx)
    io = app_ctx.io
    name = (login_name or "").strip()
    if not name:
        if not io.can_prompt():
            raise UsageError("give --login NAME (no terminal to ask on)")
        io.stderr.write("Login: ")
        io.stderr.flush()
        name = io.read_stdin_line().strip()
    if password_stdin:
        password = io.read_stdin_line().rstrip("\r\n")
    elif io.can_prompt():
        password = io.prompt_secret("Password: ")
    else:
        raise UsageError("no terminal to ask for the password: pass --password-stdin")
    if not name or not password:
        raise UsageError("the login name and the password must not be empty")
    io.redactor.add(password)
    from ecgrid_cli.api.factory import credential_key, endpoint, login_backend
    from ecgrid_cli.credentials import CredentialStore, StoredCredential

    resolved = app_ctx.settings()
    api, url = endpoint(resolved)
    backend = login_backend(resolved, log=io.err if app_ctx.flags.verbose else None)
    try:
        grant = backend.login(name, password)
    finally:
        backend.close()
    io.redactor.add(grant.token)
    io.redactor.add(grant.refresh_token)
    stored = StoredCredential(
        kind="jwt" if api == "rest" else "soap-session",
        secret=grant.token,
        expires_at=grant.expires_at,
        user=name,
        refresh_secret=grant.refresh_token,
        obtained_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    where = CredentialStore().save(credential_key(resolved.profile, api, url), stored)
    document = {
        "loggedIn": True,
        "api": api,
        "profile": resolved.profile,
        "user": name,
        "method": stored.kind,
        "expiresAt": grant.expires_at,
        "storage": "keyring" if where == "keyring" else "file",
    }
    fields = (
        Field("Profile", "profile"),
        Field("API", "api"),
        Field("User", "user"),
        Field("Method", "method"),
        Field("Expires", "expiresAt"),
        Field("Stored in", "storage"),
    )
    return Result(document, Record(fields, "Logged in"), notes=[f"logged in as {name} ({api})"])


@command(app, "logout", examples=["ecgrid auth logout", "ecgrid --api soap auth logout"])
def logout(ctx: typer.Context) -> Result:
    """End the stored login of this profile (the server session too) and forget it."""
    app_ctx = context.get(ctx)
    from ecgrid_cli.api.factory import credential_key, endpoint, stored_login
    from ecgrid_cli.credentials import CredentialStore

    resolved = app_ctx.settings()
    api, url = endpoint(resolved)
    key = credential_key(resolved.profile, api, url)
    token = stored_login(resolved, api, url)
    ended_on_server = False
    if token is not None:
        for secret in token.secrets():
            app_ctx.io.redactor.add(secret)
        from ecgrid_cli.api.factory import build_backend
        from ecgrid_cli.errors import AuthError, EcgridError

        backend = build_backend(
            resolved,
            log=app_ctx.io.err if app_ctx.flags.verbose else None,
            credentials=token,
            refreshable=False,
        )
        try:
            backend.logout()
            ended_on_server = True
        except AuthError:
            ended_on_server = False  # already expired or revoked: nothing to end
        except EcgridError as err:
            app_ctx.note(f"warning: the server did not confirm the logout ({err.message})")
        finally:
            backend.close()
    forgotten = CredentialStore().delete(key)
    document = {
        "loggedOut": forgotten,
        "endedOnServer": ended_on_server,
        "profile": resolved.profile,
        "api": api,
    }
    note = (
        f"logged out of profile {resolved.profile!r} ({api})"
        if forgotten
        else (f"profile {resolved.profile!r} had no stored login ({api}); nothing to do")
    )
    return Result(document, None, notes=[note])
