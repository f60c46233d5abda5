"""Per-run state: the global flags, the IO streams, and lazily built settings and backend.

The root callback stores an :class:`AppContext` on the Typer context; commands ask it
for what they need, so ``--help`` and ``config`` commands never import httpx or
pydantic (only API commands do, for settings and answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from ecgrid_cli.iostreams import IOStreams
from ecgrid_cli.output.views import OutputOptions
from ecgrid_cli.startup import resume_collector

if TYPE_CHECKING:
    from ecgrid_cli.api.backend import Backend
    from ecgrid_cli.api.resilience import Throttle
    from ecgrid_cli.settings import Resolved


@dataclass
class GlobalFlags:
    profile: str | None = None
    api: str | None = None
    base_url: str | None = None
    timeout: float | None = None
    retries: int | None = None
    verbose: bool = False
    no_color: bool = False
    no_pager: bool = False
    json: bool = False
    jq: str | None = None
    header: bool = False


@dataclass
class AppContext:
    io: IOStreams = field(default_factory=IOStreams.system)
    flags: GlobalFlags = field(default_factory=GlobalFlags)
    options: OutputOptions = field(default_factory=OutputOptions)
    _resolved: Resolved | None = None
    _backend: Backend | None = None

    def settings(self) -> Resolved:
        if self._resolved is None:
            from ecgrid_cli.settings import resolve

            resolved = resolve(
                profile=self.flags.profile,
                api=self.flags.api,
                base_url=self.flags.base_url,
                timeout=self.flags.timeout,
                retries=self.flags.retries,
            )
            key = resolved.settings.api_key
            self.io.redactor.add(key.get_secret_value() if key else None)
            for warning in resolved.warnings:
                self.io.err(warning)
            self._resolved = resolved
        return self._resolved

    def backend(self, *, max_connections: int = 16, throttle: Throttle | None = None) -> Backend:
        """The backend for this run (one connection pool), built on first use."""
        if self._backend is None:
            from ecgrid_cli.api.factory import build_backend

            self._backend = build_backend(
                self.settings(),
                log=self.io.err if self.flags.verbose else None,
                on_secret=self.io.redactor.add,
                max_connections=max_connections,
                throttle=throttle,
            )
            resume_collector()  # the imports are done: the work may run long
        return self._backend

    def note(self, text: str) -> None:
        """A human note on stderr now (not with --json, where scripts read only data)."""
        if not self.options.wants_json:
            self.io.err(text)

    def api(self) -> str:
        """The API this run speaks ("rest" or "soap"), without building a backend."""
        return self.settings().settings.endpoint()[0]

    def own_ecgrid_id(self) -> int | None:
        return self.settings().settings.ecgrid_id

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


def get(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):  # a command invoked without the root callback
        obj = AppContext()
        ctx.find_root().obj = obj
    return obj
