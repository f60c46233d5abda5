"""What the suites that run ``ecgrid`` as a process share (e2e, hostile, README).

``installed_ecgrid()`` is the console script installed with the running interpreter,
else the one on PATH. ``private_env(home, ...)`` is the caller's environment without any
``ECGRID_*`` variable (and without the names in ``drop``), with HOME, every XDG
directory and the config file under ``home`` and logins filed in a private file; then
``settings`` are applied, where a value of None removes the variable.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path


def installed_ecgrid() -> str | None:
    beside = Path(sys.executable).parent / "ecgrid"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("ecgrid")


def private_env(
    home: Path,
    *,
    drop: Iterable[str] = (),
    settings: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    dropped = set(drop)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ECGRID_") and name not in dropped
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "xdg-config"),
        XDG_CACHE_HOME=str(home / "xdg-cache"),
        XDG_DATA_HOME=str(home / "xdg-data"),
        XDG_STATE_HOME=str(home / "xdg-state"),
        ECGRID_CONFIG=str(home / "ecgrid-config" / "config.toml"),
        ECGRID_CREDENTIAL_STORE="file",  # never the OS keyring
    )
    for name, value in (settings or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env
