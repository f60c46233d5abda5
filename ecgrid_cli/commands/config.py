"""`ecgrid config ...`: profiles in the config file (no network, no heavy imports).

Edits are locked read-modify-write through tomlkit (:func:`config_file.update`), so
comments, layout and keys the tool does not know survive, concurrent edits are not
lost, and a symlinked file is written through to its target.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ecgrid_cli import config_file, context, validation
from ecgrid_cli.commands.framework import command, group
from ecgrid_cli.errors import EcgridError, UsageError
from ecgrid_cli.output.layouts import CONFIG_TABLE
from ecgrid_cli.output.views import Result, Table, Value
from ecgrid_cli.profiles import (
    CLI_KEYS,
    DEFAULT_PROFILE,
    SANDBOX_PROFILE,
    SECRET_KEYS,
    builtin_profile,
    layered_profile,
    mask,
    select_profile,
)
from ecgrid_cli.urls import check_base_url

app = group("Read and write profiles in the config file.")

KeyArg = Annotated[str, typer.Argument(metavar="KEY", help=f"One of: {', '.join(CLI_KEYS)}.")]
# JSON spelling of each stored key (canonical camelCase, as every JSON document).
JSON_KEYS = {
    "api_key": "apiKey",
    "api": "api",
    "base_url": "baseUrl",
    "ecgrid_id": "ecGridId",
    "timeout": "timeout",
    "retries": "retries",
}


class NotSetError(EcgridError):
    default_code = "NotSet"


def _storage_key(key: str) -> str:
    stored = CLI_KEYS.get(key.strip().lower().replace("_", "-"))
    if stored is None:
        raise UsageError(
            f"unknown key {key!r}: choose one of {', '.join(CLI_KEYS)}",
            details={"field": "KEY", "value": key},
        )
    return stored


def _current_profile(app_ctx: context.AppContext, data: dict[str, Any]) -> str:
    return select_profile(app_ctx.flags.profile, data)[0]


def _read_secret(app_ctx: context.AppContext, value: str | None) -> str:
    io = app_ctx.io
    if value is not None and value != "-":
        raise UsageError(
            "refusing to take the API key as an argument (it would land in shell history): "
            "omit it to be prompted, or pass '-' to read it from stdin"
        )
    if value == "-":
        if io.stdin_closed:
            raise UsageError("cannot read the API key: standard input is closed")
        secret = io.read_stdin_line().strip()
    else:
        if not io.can_prompt():
            raise UsageError("no terminal to prompt for the API key: pass '-' and pipe it on stdin")
        secret = io.prompt_secret("API key: ").strip()
    if not secret:
        raise UsageError("the API key is empty")
    if any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in secret):
        raise UsageError("the API key holds spaces or control characters")
    from ecgrid_cli.redaction import MIN_SECRET_LENGTH

    if len(secret) < MIN_SECRET_LENGTH:
        raise UsageError(
            f"the API key is {len(secret)} characters long; keys shorter than "
            f"{MIN_SECRET_LENGTH} cannot be kept out of output safely"
        )
    io.redactor.add(secret)
    return secret


def _parse_value(app_ctx: context.AppContext, stored: str, value: str | None) -> Any:
    if stored == "api_key":
        return _read_secret(app_ctx, value)
    if value is None:
        raise UsageError(f"config set {stored.replace('_', '-')} needs a VALUE")
    if stored == "base_url":
        return check_base_url(value)
    if stored == "api":
        return validation.choice(value, "api", ("rest", "soap"))
    if stored == "ecgrid_id":
        return validation.positive_id(value, "ecgrid-id")
    if stored == "retries":
        number = int(value) if value.strip().isdigit() else -1
        if not 0 <= number <= 50:
            raise UsageError(f"invalid retries {value!r}: expected a whole number from 0 to 50")
        return number
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise UsageError(f"invalid timeout {value!r}: expected seconds, more than 0 up to 3600")
    return int(seconds) if seconds.is_integer() else seconds  # stored as typed: 10, not 10.0


@command(
    app,
    "set",
    examples=[
        "ecgrid --profile prod config set api-key",
        "printf '%s\\n' \"$KEY\" | ecgrid --profile prod config set api-key -",
        "ecgrid --profile prod config set ecgrid-id 111111",
        "ecgrid --profile legacy config set api soap",
    ],
)
def set_(
    ctx: typer.Context,
    key: KeyArg,
    value: Annotated[
        str | None,
        typer.Argument(
            metavar="VALUE", help="The value; for api-key omit it (prompt) or give '-' (stdin)."
        ),
    ] = None,
) -> Result:
    """Set a key in the current profile (api-key: hidden prompt or '-' for stdin)."""
    app_ctx = context.get(ctx)
    stored = _storage_key(key)
    path = config_file.config_path()
    parsed = _parse_value(app_ctx, stored, value)

    def change(document: Any) -> str:
        profile = select_profile(app_ctx.flags.profile, _plain(document))[0]
        config_file.set_profile_value(document, profile, stored, parsed)
        return profile

    profile = config_file.update(path, change)
    shown = mask(parsed) if stored in SECRET_KEYS else parsed
    # Nothing on stdout for people (the note says it); with --json, what was set.
    document = {"profile": profile, "key": key, "value": shown, "configPath": str(path)}
    return Result(document, None, notes=[f"set {key} = {shown} in profile {profile!r} ({path})"])


def _plain(document: Any) -> dict[str, Any]:
    value = document.get("default_profile") if hasattr(document, "get") else None
    return {"default_profile": str(value)} if value else {}


@command(
    app,
    "get",
    examples=["ecgrid --profile prod config get ecgrid-id", "ecgrid config get base-url --json"],
)
def get(ctx: typer.Context, key: KeyArg) -> Result:
    """Print a key of the current profile (the API key is shown masked)."""
    app_ctx = context.get(ctx)
    stored = _storage_key(key)
    data = config_file.load(config_file.config_path())
    profile = _current_profile(app_ctx, data)
    values = layered_profile(profile, data)[0]
    if stored not in values:
        raise NotSetError(f"{key} is not set in profile {profile!r}")
    value = values[stored]
    shown = mask(str(value)) if stored in SECRET_KEYS else value
    return Result({"profile": profile, "key": key, "value": shown}, Value("value"))


@command(app, "list", examples=["ecgrid config list", "ecgrid config list --json"])
def list_(ctx: typer.Context) -> Result:
    """List every profile and its keys (API keys masked; the built-in sandbox too)."""
    app_ctx = context.get(ctx)
    path = config_file.config_path()
    data = config_file.load(path)
    warning = config_file.insecure_mode_warning(path)
    if warning:
        app_ctx.io.err(warning)
    current = _current_profile(app_ctx, data)
    names = {*data.get("profiles", {}), SANDBOX_PROFILE}
    profiles = {name: layered_profile(name, data) for name in names}
    document: dict[str, Any] = {
        "configPath": str(path),
        "defaultProfile": data.get("default_profile", DEFAULT_PROFILE),
        "currentProfile": current,
        "profiles": {},
    }
    rows = []
    for name, (values, sources) in sorted(profiles.items()):
        shown = {
            stored: mask(str(values[stored])) if stored in SECRET_KEYS else values[stored]
            for stored in CLI_KEYS.values()
            if stored in values
        }
        document["profiles"][name] = {
            **{JSON_KEYS[stored]: value for stored, value in shown.items()},
            "builtIn": builtin_profile(name) is not None,
        }
        for cli_key, stored in CLI_KEYS.items():
            if stored in shown:
                row = {"profile": name, "key": cli_key, "value": shown[stored]}
                rows.append({**row, "source": sources[stored]})
    title = f"{path} (current profile: {current})"
    columns = (*CONFIG_TABLE.columns, *[c for c in _SOURCE_COLUMN])
    return Result(document, Table(columns, title=title), display=rows)


from ecgrid_cli.output.views import Column  # noqa: E402

_SOURCE_COLUMN = (Column("source", "SOURCE"),)


@command(app, "use", examples=["ecgrid config use prod", "ecgrid config use sandbox"])
def use(ctx: typer.Context, profile: Annotated[str, typer.Argument(metavar="PROFILE")]) -> Result:
    """Make PROFILE the default profile."""
    path = config_file.config_path()
    data = config_file.load(path)
    if profile not in data.get("profiles", {}) and builtin_profile(profile) is None:
        known = ", ".join(sorted(data.get("profiles", {}))) or "none"
        raise UsageError(f"profile {profile!r} is not defined in {path} (profiles: {known})")
    config_file.update(path, lambda document: config_file.set_default_profile(document, profile))
    document = {"defaultProfile": profile, "configPath": str(path)}
    return Result(document, None, notes=[f"default profile is now {profile!r}"])
