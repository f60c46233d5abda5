"""The three documented ways to ask "which ECGrid ID has this QID?" (API-NOTES, DRIFT 1).

A server implements one of them. The client tries them in a fixed order, keeps the
first that answers, and remembers it per base URL in a small cache file so that later
runs make exactly one request.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FindForm:
    name: str
    method: str
    qualifier_param: str
    id_param: str

    def request_parts(self, qualifier: str, isa_id: str) -> dict[str, Any]:
        """Keyword arguments for ``Transport.call`` (body or query string)."""
        values = {self.qualifier_param: qualifier, self.id_param: isa_id}
        return {"body": values} if self.method == "POST" else {"params": values}


FIND_PATH = "/v2/ids/find"
FIND_FORMS: tuple[FindForm, ...] = (
    FindForm("post", "POST", "qualifier", "id"),  # the endpoint reference
    FindForm("get-isa", "GET", "isaQualifier", "isaId"),  # the Set Up an Interconnect guide
    FindForm("get-qual", "GET", "qualifier", "id"),  # another guide
)
FORMS_BY_NAME = {form.name: form for form in FIND_FORMS}
# Answers that mean "this server does not speak that form", not "nothing found".
NOT_THIS_FORM_STATUSES = frozenset({400, 404, 405, 415, 422, 501})


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecgrid" / "find-forms.json"


class FindFormCache:
    """Remembers, per base URL, which find form the server answered."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _load(self) -> dict[str, str]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
        )

    def get(self, base_url: str) -> FindForm | None:
        return FORMS_BY_NAME.get(self._load().get(base_url, ""))

    def put(self, base_url: str, form: FindForm | None) -> None:
        """Record (or with None, forget) the form; failures to write are harmless."""
        if self.path is None:
            return
        data = self._load()
        if form is None:
            if data.pop(base_url, None) is None:
                return
        elif data.get(base_url) == form.name:
            return
        else:
            data[base_url] = form.name
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass
