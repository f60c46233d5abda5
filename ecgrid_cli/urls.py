"""Base-URL checks, kept free of httpx so `config set` stays light."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ecgrid_cli.errors import UsageError

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """Validate a base URL; refuse to send a key over plain http off this machine."""
    try:
        parts = urlsplit(base_url.strip())
        scheme, host = parts.scheme, parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise UsageError(f"invalid base URL {base_url!r}: expected https://host[:port]")
    if scheme == "http" and not is_loopback_host(host):
        raise UsageError(
            f"refusing to send the API key over plain http to {host}: "
            "use https (plain http is allowed only for loopback hosts)"
        )
    return base_url.strip().rstrip("/")
