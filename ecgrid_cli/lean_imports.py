"""Importing httpx and pydantic-settings without the parts this tool never uses.

Every API command imports both, so what they load on import is paid on every run:

* httpcore probes for trio and anyio, and httpx loads its own command-line program
  (click, pygments and much of rich) when those are installed. This tool is
  synchronous and has its own CLI: those imports are hidden while httpx loads.
* pydantic-settings imports asyncio at module level, for async CLI commands this tool
  does not have. A stand-in takes its place in pydantic-settings and loads the real
  asyncio on first use, if that ever comes.
* pydantic looks for plugins (scanning every installed package's metadata) when it
  builds its first model; this tool uses none, so the scan is switched off, and
  ``importlib.metadata`` (which pydantic-settings loads only for that scan) waits behind
  a stand-in too.

Everything imported afterwards sees the real modules.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
import types


def httpx() -> None:
    hidden = [name for name in ("trio", "anyio", "httpx._main") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import httpcore  # noqa: F401
        import httpx  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is used.

    ``functions`` are names taken with ``from MODULE import NAME`` during the deferral:
    each is a forwarder that loads the real module only when it is called.
    """

    def __init__(self, name: str, functions: tuple[str, ...] = ()) -> None:
        super().__init__(name)
        self.__spec__ = importlib.machinery.ModuleSpec(name, None)
        for function in functions:
            setattr(self, function, _forwarder(name, function))

    def __getattr__(self, attribute: str) -> object:
        if attribute.startswith("__"):  # e.g. ``from m import x`` asking for __path__
            raise AttributeError(attribute)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def _forwarder(module: str, function: str):
    def forward(*args: object, **kwargs: object) -> object:
        return getattr(importlib.import_module(module), function)(*args, **kwargs)

    forward.__name__ = function
    return forward


# What each deferred module's importers take from it by name while pydantic-settings
# loads (newer pydantic imports entry_points in its plugin loader at module level).
_DEFERRED = {"asyncio": (), "importlib.metadata": ("entry_points",)}


def pydantic_settings() -> None:
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    deferred = [name for name in _DEFERRED if name not in sys.modules]
    for name in deferred:
        sys.modules[name] = _Deferred(name, _DEFERRED[name])
    try:
        import pydantic_settings  # noqa: F401
    finally:
        for name in deferred:
            if isinstance(sys.modules.get(name), _Deferred):
                del sys.modules[name]
