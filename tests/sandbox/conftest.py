"""Fixtures that run sandbox servers on free loopback ports and always shut them down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ecgrid_cli.sandbox import SandboxOptions, SandboxServer, create_server


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Factory: ``start_sandbox(**options)`` -> a serving SandboxServer (in-memory db)."""
    servers: list[SandboxServer] = []

    def start(**overrides: Any) -> SandboxServer:
        options = SandboxOptions(**{"port": 0, "db_path": ":memory:", "seed": 1234, **overrides})
        server = create_server(options)
        servers.append(server)
        server.start_in_thread()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.shutdown()


@pytest.fixture
def sandbox(start_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return start_sandbox()
