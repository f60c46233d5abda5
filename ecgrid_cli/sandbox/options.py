"""What a sandbox server can be told: address, key, database, misbehaviour, protocol forms."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT

FIND_STYLES = ("post", "get-isa", "get-qual", "all")
ID_CREATE_STYLES = ("reference", "guide", "all")
SOAP_NAMESPACES = ("live", "legacy")
DEFAULT_SESSION_TTL = 1200.0
DEFAULT_TOKEN_TTL = 3600.0
DEFAULT_PARCEL_SECONDS = 3.0


# The files a sandbox keeps beside its database (runfiles.py, dblock.py).
RUN_FILE_SUFFIXES = (".pid", ".log", ".lock")


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/ecgrid/sandbox.db``, else ``~/.local/share/ecgrid/sandbox.db``."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "ecgrid" / "sandbox.db"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # "" (every interface) or a host name that may resolve anywhere
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


@dataclass
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0 = pick a free port
    api_key: str = DEFAULT_API_KEY
    db_path: str | None = None  # None -> default_db_path(); ":memory:" for a throwaway db
    reset: bool = False  # wipe the database and reseed
    latency_ms: int = 0  # added before every request except the version calls and ?WSDL
    fault_rate: float = 0.0  # share of authenticated requests refused with 429/500/503
    retry_after: float = 1.0  # seconds, sent in Retry-After on injected 429s
    drop_rate: float = 0.0  # share of mutating calls that commit, then hang up
    find_style: str = "all"  # which find forms are served: post | get-isa | get-qual | all
    seed: int | None = None  # RNG seed for fault injection and failing parcels
    id_create_style: str = "all"  # POST /v2/ids bodies served: reference | guide | all
    soap_namespace: str = "live"  # SOAP answers in https://os.ecgrid.io/ or the legacy one
    session_ttl: float = DEFAULT_SESSION_TTL  # seconds a SOAP session may stay idle
    token_ttl: float = DEFAULT_TOKEN_TTL  # seconds a REST Bearer token lives
    parcel_seconds: float = DEFAULT_PARCEL_SECONDS  # time a test parcel takes to arrive
    parcel_fail_rate: float = 0.0  # share of test parcels that fail

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError with one line naming the first flag that is out of range."""
        for name, choices in (
            ("find_style", FIND_STYLES),
            ("id_create_style", ID_CREATE_STYLES),
            ("soap_namespace", SOAP_NAMESPACES),
        ):
            value = getattr(self, name).strip().lower()
            setattr(self, name, value)
            if value not in choices:
                raise ValueError(
                    f"invalid {_flag(name)} {value!r}: choose one of {', '.join(choices)}"
                )
        if self.db_path and self.db_path.lower().endswith(RUN_FILE_SUFFIXES):
            # Another sandbox's pid, log or lock file: --reset would overwrite it.
            raise ValueError(
                f"invalid --db {self.db_path!r}: names ending in "
                f"{', '.join(RUN_FILE_SUFFIXES)} belong to a sandbox's own files; "
                "choose a name ending in .db"
            )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"invalid --port {self.port}: expected 0 to 65535")
        if not self.api_key or any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in self.api_key):
            raise ValueError("invalid --api-key: printable characters without spaces")
        if not is_loopback(self.host) and self.api_key == DEFAULT_API_KEY:
            raise ValueError(
                f"--host {self.host or '(every interface)'} can be reached from other "
                "machines: choose your own --api-key (the default key is public)"
            )
        for name in ("latency_ms", "retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"invalid {_flag(name)}: cannot be negative")
        for name in ("fault_rate", "drop_rate", "parcel_fail_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(
                    f"invalid {_flag(name)} {getattr(self, name)}: expected a share from 0 to 1"
                )
        for name in ("session_ttl", "token_ttl", "parcel_seconds"):
            if not 0.0 < getattr(self, name) <= 10**9:
                raise ValueError(f"invalid {_flag(name)}: expected a positive number of seconds")

    def resolved_db_path(self) -> str:
        return self.db_path if self.db_path is not None else str(default_db_path())


def _flag(attribute: str) -> str:
    return "--" + attribute.replace("_", "-")
