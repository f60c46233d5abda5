"""What a REST server has shown it speaks, remembered per base URL between runs.

The vendor documents several forms of some requests (API-NOTES, DRIFT): three ways to
find an ID, two bodies to create one. A server implements one of each; the client
probes once and remembers the answer here, so later runs make one request. The cache
file is private (0600): it is keyed by base URL, and a base URL can say who you are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecgrid" / "server-facts.json"


class ServerFacts:
    """A small JSON file: ``{base_url: {fact: value}}``; every failure is harmless."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, str]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            url: {k: v for k, v in facts.items() if isinstance(v, str)}
            for url, facts in data.items()
            if isinstance(facts, dict)
        }

    def get(self, base_url: str, fact: str) -> str | None:
        return self._load().get(base_url, {}).get(fact)

    def put(self, base_url: str, fact: str, value: str | None) -> None:
        """Record (or with None, forget) one fact about ``base_url``."""
        if self.path is None:
            return
        data = self._load()
        facts = data.setdefault(base_url, {})
        if facts.get(fact) == value:
            return
        if value is None:
            facts.pop(fact, None)
        else:
            facts[fact] = value
        self._write(data)

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                json.dump(data, handle, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            pass
