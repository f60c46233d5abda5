"""The TOML config file: where it lives, reading it, and writing it safely.

The file holds API keys, so it is written with mode 0600 inside a 0700 directory,
atomically (write a temporary file, then rename), and a warning is raised when an
existing file is readable by group or others.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from ecgrid_cli.errors import EcgridError, UsageError


def config_path() -> Path:
    explicit = os.environ.get("ECGRID_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ecgrid" / "config.toml"


def load(path: Path) -> dict[str, Any]:
    """The parsed file, or {} when it does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise UsageError(f"config file {path}: [profiles.NAME] must be tables")
    return data


def insecure_mode_warning(path: Path) -> str | None:
    """A warning line when the file is readable or writable by group or others."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"warning: config file {path} is accessible by other users (mode {mode:04o}); "
            f"it holds API keys: run chmod 600 {path}"
        )
    return None


def save(path: Path, data: dict[str, Any]) -> None:
    """Write the config atomically, 0600 in a 0700 directory."""
    try:
        _write_private(path, dumps(data))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EcgridError(
            f"cannot write the config file {path}: {reason}", code="ConfigNotWritable"
        ) from None


def _write_private(path: Path, text: str) -> None:
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(directory.stat().st_mode) & 0o077 and directory.name == "ecgrid":
        directory.chmod(0o700)
    tmp = directory / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def dumps(data: dict[str, Any]) -> str:
    """Serialise the config's simple shape: top-level scalars, then [profiles.NAME]."""
    lines: list[str] = []
    for key, value in data.items():
        if not isinstance(value, dict):
            lines.append(f"{_key(key)} = {_value(value)}")
    for name, profile in sorted(data.get("profiles", {}).items()):
        lines.append("")
        lines.append(f"[profiles.{_key(name)}]")
        for key, value in profile.items():
            lines.append(f"{_key(key)} = {_value(value)}")
    return "\n".join(lines).lstrip("\n") + "\n"


def _key(key: str) -> str:
    if key and all(ch.isalnum() or ch in "-_" for ch in key):
        return key
    return _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _string(str(value))


def _string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in ('"', "\\"):
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'
