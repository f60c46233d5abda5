"""Base-URL checks, kept free of httpx so `config set` stays light."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ecgrid_cli.errors import UsageError

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 (and IPv4-mapped 127.x), or a loopback name: nothing else."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    import socket

    try:
        packed = socket.inet_pton(socket.AF_INET6, host)
    except (OSError, ValueError):
        try:
            return socket.inet_pton(socket.AF_INET, host)[0] == 127
        except (OSError, ValueError):
            return False
    mapped_v4 = packed[:12] == b"\0" * 10 + b"\xff\xff"
    return packed == b"\0" * 15 + b"\1" or (mapped_v4 and packed[12] == 127)


REST_BASE_URL = "https://rest.ecgrid.io"
SOAP_PATH = "/v4.1/prod/ECGridOS.asmx"
SOAP_BASE_URL = f"https://os.ecgrid.io{SOAP_PATH}"


def endpoint_for(api: str | None, base_url: str | None) -> tuple[str, str]:
    """The API in use and where its requests go.

    No API chosen: a URL ending in ``.asmx`` is SOAP, anything else REST. SOAP on a
    URL without the service path (a host, like the sandbox's) gets the standard path.
    The default URL follows the API.
    """
    url = base_url.strip().rstrip("/") if base_url else None
    is_asmx = bool(url) and url.lower().endswith(".asmx")
    chosen = api or ("soap" if is_asmx else "rest")
    if url is None:
        return chosen, SOAP_BASE_URL if chosen == "soap" else REST_BASE_URL
    if chosen == "rest" and is_asmx:
        raise UsageError(
            f"the base URL {_shown(url)} is a SOAP service (.asmx) but the REST API was "
            "chosen: use --api soap, or a REST base URL"
        )
    if chosen == "soap" and not is_asmx:
        url += SOAP_PATH
    return chosen, url


def _shown(url: str) -> str:
    """A URL as it may be shown: without any user:password part."""
    return repr(re.sub(r"(//)[^/?#]*@", r"\1", url))


def check_base_url(base_url: str) -> str:
    """Validate a base URL; refuse to send a key over plain http off this machine."""
    try:
        parts = urlsplit(base_url.strip())
        scheme, host = parts.scheme, parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        scheme, host, parts = "", None, None
    if parts is not None and "@" in parts.netloc:
        raise UsageError(
            f"invalid base URL {_shown(base_url.strip())}: it holds a user name or password; "
            "credentials never go in the URL (use the API key or 'ecgrid auth login')"
        )
    if scheme not in ("http", "https") or not host:
        raise UsageError(f"invalid base URL {_shown(base_url)}: expected https://host[:port]")
    if scheme == "http" and not is_loopback_host(host):
        raise UsageError(
            f"refusing to send the API key over plain http to {host}: "
            "use https (plain http is allowed only for loopback hosts)"
        )
    return base_url.strip().rstrip("/")
