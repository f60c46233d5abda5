"""`ecgrid config ...`: profiles in the config file (no network, no heavy imports)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from ecgrid_cli import config_file, context, validation
from ecgrid_cli.commands.options import JsonFlag
from ecgrid_cli.errors import EcgridError, UsageError
from ecgrid_cli.profiles import (
    CLI_KEYS,
    DEFAULT_PROFILE,
    SECRET_KEYS,
    builtin_profile,
    mask,
)
from ecgrid_cli.urls import check_base_url

app = typer.Typer(help="Read and write profiles in the config file.", no_args_is_help=True)

KeyArg = Annotated[str, typer.Argument(metavar="KEY", help=f"One of: {', '.join(CLI_KEYS)}.")]


class NotSetError(EcgridError):
    default_code = "NotSet"


def _storage_key(key: str) -> str:
    stored = CLI_KEYS.get(key.strip().lower().replace("_", "-"))
    if stored is None:
        raise UsageError(f"unknown key {key!r}: choose one of {', '.join(CLI_KEYS)}")
    return stored


def _current_profile(app_ctx: context.AppContext, data: dict[str, Any]) -> str:
    from ecgrid_cli.profiles import select_profile

    return select_profile(app_ctx.flags.profile, data)[0]


def _read_secret(value: str | None) -> str:
    if value is not None and value != "-":
        raise UsageError(
            "refusing to take the API key as an argument (it would land in shell history): "
            "omit it to be prompted, or pass '-' to read it from stdin"
        )
    if value == "-":
        secret = sys.stdin.readline().strip()
    else:
        if not sys.stdin.isatty():
            raise UsageError("no terminal to prompt for the API key: pass '-' and pipe it on stdin")
        import getpass

        try:
            secret = getpass.getpass("API key: ", stream=sys.stderr).strip()
        except EOFError:
            secret = ""
    if not secret:
        raise UsageError("the API key is empty")
    if any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in secret):
        raise UsageError("the API key holds spaces or control characters")
    return secret


def _parse_value(stored: str, value: str | None) -> Any:
    if stored == "api_key":
        return _read_secret(value)
    if value is None:
        raise UsageError(f"config set {stored.replace('_', '-')} needs a VALUE")
    if stored == "base_url":
        return check_base_url(value)
    if stored == "ecgrid_id":
        return validation.positive_id(value, "ecgrid-id")
    if stored == "retries":
        try:
            number = int(value)
        except ValueError:
            number = -1
        if not 0 <= number <= 50:
            raise UsageError(f"invalid retries {value!r}: expected a whole number from 0 to 50")
        return number
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise UsageError(f"invalid timeout {value!r}: expected seconds, more than 0 up to 3600")
    return seconds


@app.command("set")
def set_(
    ctx: typer.Context,
    key: KeyArg,
    value: Annotated[
        str | None,
        typer.Argument(help="The value; for api-key omit it (prompt) or give '-' (stdin)."),
    ] = None,
) -> None:
    """Set a key in the current profile (api-key: hidden prompt or '-' for stdin)."""
    app_ctx = context.get(ctx)
    stored = _storage_key(key)
    path = config_file.config_path()
    data = config_file.load(path)
    profile = _current_profile(app_ctx, data)
    parsed = _parse_value(stored, value)
    data.setdefault("profiles", {}).setdefault(profile, {})[stored] = parsed
    config_file.save(path, data)
    shown = mask(parsed) if stored in SECRET_KEYS else parsed
    app_ctx.output.status(f"set {key} = {shown} in profile {profile!r} ({path})")


@app.command("get")
def get(ctx: typer.Context, key: KeyArg) -> None:
    """Print a key of the current profile (the API key is shown masked)."""
    app_ctx = context.get(ctx)
    stored = _storage_key(key)
    path = config_file.config_path()
    data = config_file.load(path)
    profile = _current_profile(app_ctx, data)
    values = data.get("profiles", {}).get(profile) or builtin_profile(profile) or {}
    if stored not in values:
        raise NotSetError(f"{key} is not set in profile {profile!r}")
    value = values[stored]
    app_ctx.output.line(mask(str(value)) if stored in SECRET_KEYS else str(value))


@app.command("list")
def list_(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List every profile and its keys (API keys masked)."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    path = config_file.config_path()
    data = config_file.load(path)
    warning = config_file.insecure_mode_warning(path)
    if warning:
        out.warn(warning)
    current = _current_profile(app_ctx, data)
    profiles: dict[str, dict[str, Any]] = {}
    for name, values in data.get("profiles", {}).items():
        profiles[name] = {
            key: mask(str(values[stored])) if stored in SECRET_KEYS else values[stored]
            for key, stored in CLI_KEYS.items()
            if stored in values
        }
    if json:
        out.json(
            {
                "configPath": str(path),
                "defaultProfile": data.get("default_profile", DEFAULT_PROFILE),
                "currentProfile": current,
                "profiles": profiles,
            }
        )
        return
    out.status(f"config file: {path}")
    rows = [
        {"profile": ("* " if name == current else "  ") + name, "key": key, "value": value}
        for name, values in sorted(profiles.items())
        for key, value in values.items()
    ]
    if not rows:
        out.status("no profiles yet: run 'ecgrid config set api-key' to create one")
        return
    from ecgrid_cli.output import Column

    out.table(
        rows,
        (Column("profile", "PROFILE"), Column("key", "KEY"), Column("value", "VALUE", wrap=True)),
    )


@app.command("use")
def use(ctx: typer.Context, profile: Annotated[str, typer.Argument(metavar="PROFILE")]) -> None:
    """Make PROFILE the default profile."""
    app_ctx = context.get(ctx)
    path = config_file.config_path()
    data = config_file.load(path)
    if profile not in data.get("profiles", {}) and builtin_profile(profile) is None:
        known = ", ".join(sorted(data.get("profiles", {}))) or "none"
        raise UsageError(f"profile {profile!r} is not defined in {path} (profiles: {known})")
    data["default_profile"] = profile
    config_file.save(path, data)
    app_ctx.output.status(f"default profile is now {profile!r}")
