"""Profile keys, defaults and the built-in ``sandbox`` profile (no heavy imports)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ecgrid_cli.errors import UsageError

DEFAULT_PROFILE = "default"
SANDBOX_PROFILE = "sandbox"

# Keys as typed on the command line (config set KEY) -> keys stored in the file.
CLI_KEYS = {
    "api-key": "api_key",
    "api": "api",
    "base-url": "base_url",
    "ecgrid-id": "ecgrid_id",
    "timeout": "timeout",
    "retries": "retries",
}
PROFILE_KEYS = frozenset(CLI_KEYS.values())
SECRET_KEYS = frozenset({"api_key"})


def builtin_profile(name: str) -> dict[str, Any] | None:
    """Profiles that exist without a config file: ``sandbox`` -> the local sandbox."""
    if name != SANDBOX_PROFILE:
        return None
    from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT, DEMO_OWN_ECGRID_ID

    return {
        "base_url": f"http://127.0.0.1:{DEFAULT_PORT}",
        "api_key": DEFAULT_API_KEY,
        "ecgrid_id": DEMO_OWN_ECGRID_ID,
    }


def mask(secret: str | None) -> str:
    """Show only that a secret is set, and its last 4 characters when long enough."""
    if not secret:
        return "(not set)"
    return "****" + secret[-4:] if len(secret) >= 12 else "****"


def layered_profile(name: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A profile's values and where each comes from ("built-in" or "file").

    A file profile named like a built-in one (``config set`` on ``--profile sandbox``)
    changes the keys it sets and keeps the built-in values of the others."""
    builtin = builtin_profile(name) or {}
    stored = data.get("profiles", {}).get(name) or {}
    values = {**builtin, **stored}
    sources = {key: "file" if key in stored else "built-in" for key in values}
    return values, sources


def select_profile(flag: str | None, data: dict[str, Any]) -> tuple[str, bool]:
    """The profile name, and whether the user named it explicitly."""
    if flag is not None:
        if not flag.strip():
            raise UsageError("--profile needs a profile name (it was empty)")
        return flag, True
    env = os.environ.get("ECGRID_PROFILE")
    if env:
        return env, True
    default = data.get("default_profile")
    if isinstance(default, str) and default:
        return default, True
    return DEFAULT_PROFILE, False


def profile_values(name: str, explicit: bool, data: dict[str, Any], path: Path) -> dict[str, Any]:
    profiles = data.get("profiles", {})
    if name in profiles or builtin_profile(name) is not None:
        values = layered_profile(name, data)[0]
    elif explicit:
        known = ", ".join(sorted(profiles)) or "none"
        raise UsageError(
            f"profile {name!r} is not defined in {path} (profiles: {known}); "
            f"create it with: ecgrid --profile {name} config set api-key"
        )
    else:
        values = {}
    return {key: value for key, value in values.items() if key in PROFILE_KEYS}
