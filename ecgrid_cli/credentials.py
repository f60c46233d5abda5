"""Private per-profile login state: a REST JWT with its expiry, or a SOAP session ID.

Secrets live in the OS keyring (the ``keyring`` package) when a usable backend exists,
else in ``$XDG_STATE_HOME/ecgrid/credentials.json`` (default
``~/.local/state/ecgrid/credentials.json``), mode 0600 in a 0700 directory, written
atomically under an ``flock`` like the config file. That JSON file always holds the
non-secret metadata of every entry (kind, expiry, user, when it was obtained, and
``"storage": "keyring" | "file"``) and the secret itself only for file storage::

    {"version": 1, "credentials": {"<key>": {"kind": "jwt", "storage": "file",
        "secret": "...", "refresh_secret": null, "expires_at": "...",
        "user": "...", "obtained_at": "..."}}}

``ECGRID_CREDENTIAL_STORE`` chooses: ``file`` (never touch the keyring), ``keyring`` or
``auto`` (the default; both use the keyring only when its backend is a real one, and
fall back to the file on any keyring error). Importing ``keyring`` costs ~100 ms, so
``load`` reads the JSON file first and imports ``keyring`` only for an entry whose
secret is there. Nothing here prints; ``StoredCredential``'s repr hides the secrets.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ecgrid_cli import config_file
from ecgrid_cli.errors import EcgridError, UsageError

KEYRING_SERVICE = "ecgrid-cli"
STORE_ENV = "ECGRID_CREDENTIAL_STORE"
STORE_MODES = ("auto", "file", "keyring")
KINDS = ("jwt", "soap-session")
FILE_VERSION = 1

Kind = Literal["jwt", "soap-session"]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, repr=False)
class StoredCredential:
    """One login: ``secret`` is the JWT or SOAP session ID; times are ISO 8601 strings."""

    kind: Kind
    secret: str
    expires_at: str | None = None
    user: str | None = None
    refresh_secret: str | None = None
    obtained_at: str = field(default_factory=_now_iso)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"credential kind must be one of {', '.join(KINDS)}")
        if not isinstance(self.secret, str) or not self.secret:
            raise ValueError("a credential needs a non-empty secret")

    def __repr__(self) -> str:
        refresh = "<hidden>" if self.refresh_secret else None
        return (
            f"StoredCredential(kind={self.kind!r}, user={self.user!r}, "
            f"expires_at={self.expires_at!r}, obtained_at={self.obtained_at!r}, "
            f"secret=<hidden>, refresh_secret={refresh})"
        )

    __str__ = __repr__

    def is_expired(self, now: datetime | None = None, leeway_seconds: float = 0.0) -> bool:
        """Whether ``expires_at`` is past (``leeway_seconds`` early); False when unknown.

        An ``expires_at`` that is not a readable ISO time counts as expired.
        """
        if self.expires_at is None:
            return False
        try:
            expires = datetime.fromisoformat(self.expires_at)
        except ValueError:
            return True
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        current = now or datetime.now(UTC)
        if current.tzinfo is None:
            current = current.replace(tzinfo=UTC)
        return (expires - current).total_seconds() <= leeway_seconds


def credentials_path() -> Path:
    """``$XDG_STATE_HOME/ecgrid/credentials.json``, else ``~/.local/state/ecgrid/...``."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec says relative paths are to be ignored
        base = str(Path.home() / ".local" / "state")
    return Path(base) / "ecgrid" / "credentials.json"


def mode_warning(path: Path | None = None) -> str | None:
    """A warning line when the credentials file is accessible by group or others."""
    path = path or credentials_path()
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"warning: credentials file {path} is accessible by other users (mode {mode:04o}); "
            f"it holds login tokens: run chmod 600 {path}"
        )
    return None


class CredentialStore:
    """Load, save and delete ``StoredCredential`` under opaque caller-chosen keys.

    ``path`` defaults to ``credentials_path()``; ``mode`` (``auto``, ``file`` or
    ``keyring``) to ``$ECGRID_CREDENTIAL_STORE`` or ``auto``.
    """

    def __init__(self, path: Path | None = None, mode: str | None = None) -> None:
        chosen = (mode if mode is not None else os.environ.get(STORE_ENV, "")).strip().lower()
        chosen = chosen or "auto"
        if chosen not in STORE_MODES:
            raise UsageError(
                f"invalid {STORE_ENV} {chosen!r}: expected one of {', '.join(STORE_MODES)}"
            )
        self.mode = chosen
        self.path = path or credentials_path()

    # --- public API ------------------------------------------------------------------

    def load(self, key: str) -> StoredCredential | None:
        """The stored credential, or None (nothing stored, unreadable, or secret gone)."""
        entry = _read_entries(self.path)[0].get(key)
        if not isinstance(entry, dict):
            return None
        storage = entry.get("storage")
        if storage == "file":
            secret, refresh = entry.get("secret"), entry.get("refresh_secret")
        elif storage == "keyring" and self.mode != "file":
            secrets = _keyring_get(key)
            if secrets is None:
                return None
            secret, refresh = secrets
        else:
            return None
        return _credential(entry, secret, refresh)

    def save(self, key: str, cred: StoredCredential) -> str:
        """Store ``cred`` under ``key``; where the secret went: "keyring" or the file path."""
        _check_key(key)
        metadata = {
            "kind": cred.kind,
            "expires_at": cred.expires_at,
            "user": cred.user,
            "obtained_at": cred.obtained_at,
        }

        def change(entries: dict[str, Any]) -> str:
            previous = entries.get(key)
            where = str(self.path)
            entry: dict[str, Any] = {**metadata, "storage": "file"}
            if self.mode != "file" and _keyring_set(key, cred.secret, cred.refresh_secret):
                entry["storage"] = "keyring"
                where = "keyring"
            else:
                entry["secret"] = cred.secret
                entry["refresh_secret"] = cred.refresh_secret
                if isinstance(previous, dict) and previous.get("storage") == "keyring":
                    _keyring_delete(key)  # a stale secret must not outlive its metadata
            entries[key] = entry
            return where

        return self._edit(change)

    def delete(self, key: str) -> bool:
        """Forget ``key`` (its metadata, and its keyring secret if any); whether it existed."""
        if key not in _read_entries(self.path)[0]:
            return False

        def change(entries: dict[str, Any]) -> bool:
            entry = entries.pop(key, None)
            if entry is None:
                return False
            if isinstance(entry, dict) and entry.get("storage") == "keyring":
                _keyring_delete(key)
            return True

        return self._edit(change)

    # --- internals -------------------------------------------------------------------

    def _edit(self, change: Any) -> Any:
        """Locked read-modify-write of the file; a corrupt file is kept as ``.bad``."""
        target = config_file.resolve_target(self.path)
        try:
            config_file.private_directory(target.parent)
            with config_file.locked(target):
                entries, document, corrupt = _read_entries(target, strict=True)
                result = change(entries)
                if corrupt:
                    bad = target.with_name(target.name + ".bad")
                    os.replace(target, bad)
                    with contextlib.suppress(OSError):
                        bad.chmod(0o600)
                document["version"] = FILE_VERSION
                document["credentials"] = entries
                text = json.dumps(document, indent=2, sort_keys=True) + "\n"
                config_file.write_private(target, text.encode("utf-8"))
                return result
        except TimeoutError:
            raise EcgridError(
                f"cannot write the credentials file {self.path}: "
                "another ecgrid process is holding it",
                code="CredentialsLocked",
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise EcgridError(
                f"cannot write the credentials file {self.path}: {reason}",
                code="CredentialsNotWritable",
            ) from None


# --- the JSON file ---------------------------------------------------------------------


def _read_entries(path: Path, strict: bool = False) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(entries, whole document, corrupt?). Missing or corrupt files count as empty.

    With ``strict``, a file that exists but cannot be read raises ``OSError`` (so a
    writer never replaces what it could not read); otherwise it counts as empty.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, {}, False
    except OSError:
        if strict:
            raise
        return {}, {}, False
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}, {}, True
    if not isinstance(document, dict):
        return {}, {}, True
    entries = document.get("credentials", {})
    if not isinstance(entries, dict):
        return {}, {}, True
    return entries, document, False


def _credential(entry: dict[str, Any], secret: Any, refresh: Any) -> StoredCredential | None:
    def optional_str(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    if not isinstance(secret, str) or not secret:
        return None
    obtained = entry.get("obtained_at")
    try:
        return StoredCredential(
            kind=entry.get("kind"),  # type: ignore[arg-type]  # checked in __post_init__
            secret=secret,
            expires_at=optional_str(entry.get("expires_at")),
            user=optional_str(entry.get("user")),
            refresh_secret=optional_str(refresh),
            obtained_at=obtained if isinstance(obtained, str) else _now_iso(),
        )
    except ValueError:
        return None


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError("a credential key must be a non-empty string")


# --- the keyring (imported only when needed) -------------------------------------------


def _usable_keyring() -> Any:
    """The active keyring backend when it can really store secrets, else None."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring):
            return None
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return None
        return backend
    except Exception:  # no keyring package, a broken backend, D-Bus trouble, ...
        return None


def _keyring_set(key: str, secret: str, refresh: str | None) -> bool:
    backend = _usable_keyring()
    if backend is None:
        return False
    payload = json.dumps({"secret": secret, "refresh_secret": refresh})
    try:
        backend.set_password(KEYRING_SERVICE, key, payload)
    except Exception:
        return False
    return True


def _keyring_get(key: str) -> tuple[str, str | None] | None:
    backend = _usable_keyring()
    if backend is None:
        return None
    try:
        payload = backend.get_password(KEYRING_SERVICE, key)
        secrets = json.loads(payload) if payload else None
    except Exception:
        return None
    if not isinstance(secrets, dict) or not isinstance(secrets.get("secret"), str):
        return None
    refresh = secrets.get("refresh_secret")
    return secrets["secret"], refresh if isinstance(refresh, str) else None


def _keyring_delete(key: str) -> None:
    backend = _usable_keyring()
    if backend is None:
        return
    with contextlib.suppress(Exception):
        backend.delete_password(KEYRING_SERVICE, key)
