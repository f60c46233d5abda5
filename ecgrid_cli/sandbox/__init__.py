"""A local ECGrid-compatible server: REST v2 and SOAP v4.1 subsets over one store.

Exports are loaded lazily: ``ecgrid_cli.sandbox.defaults`` is imported by the CLI's
built-in ``sandbox`` profile on every run, and that must not pull in http.server and
sqlite3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ecgrid_cli.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_PORT

if TYPE_CHECKING:
    from ecgrid_cli.sandbox.lifecycle import (
        log_file_path,
        pid_file_path,
        running_detached,
        start_detached,
        stop_detached,
    )
    from ecgrid_cli.sandbox.options import (
        FIND_STYLES,
        ID_CREATE_STYLES,
        SOAP_NAMESPACES,
        SandboxOptions,
        default_db_path,
    )
    from ecgrid_cli.sandbox.records import StoreError
    from ecgrid_cli.sandbox.server import SandboxServer, create_server

_LAZY_EXPORTS = {
    "FIND_STYLES": "options",
    "ID_CREATE_STYLES": "options",
    "SOAP_NAMESPACES": "options",
    "SandboxOptions": "options",
    "default_db_path": "options",
    "SandboxServer": "server",
    "create_server": "server",
    "StoreError": "records",
    "log_file_path": "lifecycle",
    "pid_file_path": "lifecycle",
    "running_detached": "lifecycle",
    "start_detached": "lifecycle",
    "stop_detached": "lifecycle",
}

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_PORT",
    "FIND_STYLES",
    "ID_CREATE_STYLES",
    "SOAP_NAMESPACES",
    "SandboxOptions",
    "SandboxServer",
    "StoreError",
    "create_server",
    "default_db_path",
    "log_file_path",
    "pid_file_path",
    "running_detached",
    "start_detached",
    "stop_detached",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value
