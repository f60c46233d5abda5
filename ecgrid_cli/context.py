"""Per-invocation state: the global flags, and lazily built settings, client, output.

The root callback stores an :class:`AppContext` on the Typer context; commands ask it
for what they need, so `--help` and `config` commands never import httpx or
pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from ecgrid_cli.output import Output

if TYPE_CHECKING:
    from ecgrid_cli.api.client import EcgridClient
    from ecgrid_cli.settings import Resolved


@dataclass
class GlobalFlags:
    profile: str | None = None
    base_url: str | None = None
    timeout: float | None = None
    retries: int | None = None
    verbose: bool = False
    no_color: bool = False


@dataclass
class AppContext:
    flags: GlobalFlags = field(default_factory=GlobalFlags)
    output: Output = field(default_factory=Output)
    _resolved: Resolved | None = None
    _client: EcgridClient | None = None

    def use_json(self, enabled: bool) -> Output:
        """Called first by every command that takes --json."""
        self.output.json_mode = enabled
        return self.output

    def settings(self) -> Resolved:
        if self._resolved is None:
            from ecgrid_cli.settings import resolve

            resolved = resolve(
                profile=self.flags.profile,
                base_url=self.flags.base_url,
                timeout=self.flags.timeout,
                retries=self.flags.retries,
            )
            key = resolved.settings.api_key
            self.output.add_secret(key.get_secret_value() if key else None)
            for warning in resolved.warnings:
                self.output.warn(warning)
            self._resolved = resolved
        return self._resolved

    def client(self, *, max_connections: int = 16) -> EcgridClient:
        """The API client for this run (one connection pool), built on first use."""
        if self._client is None:
            from ecgrid_cli.api.client import EcgridClient
            from ecgrid_cli.api.find_forms import FindFormCache, default_cache_path
            from ecgrid_cli.api.transport import RetryPolicy, Transport
            from ecgrid_cli.errors import UsageError

            resolved = self.settings()
            settings = resolved.settings
            if settings.api_key is None or not settings.api_key.get_secret_value():
                raise UsageError(
                    "no API key: set ECGRID_API_KEY, or run 'ecgrid config set api-key' "
                    f"(profile {resolved.profile!r}), or try the local sandbox with "
                    "'--profile sandbox'"
                )
            transport = Transport(
                settings.base_url,
                settings.api_key.get_secret_value(),
                policy=RetryPolicy(retries=settings.retries, deadline_seconds=settings.timeout),
                log=self.output.log if self.flags.verbose else None,
                max_connections=max_connections,
            )
            self._client = EcgridClient(transport, FindFormCache(default_cache_path()))
        return self._client

    def own_ecgrid_id(self) -> int | None:
        return self.settings().settings.ecgrid_id

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def get(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):  # a command invoked without the root callback
        obj = AppContext()
        ctx.find_root().obj = obj
    return obj
