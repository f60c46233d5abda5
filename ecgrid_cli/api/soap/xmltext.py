"""Reading ECGridOS XML safely: local names, nil values, and server text fit to show.

Every piece of server text that reaches an error message goes through :func:`clean`:
one line, no control characters, secrets replaced by ``[REDACTED]``, at most
``MAX_TEXT`` characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.etree.ElementTree import Element

XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_TEXT = 300
REDACTED = "[REDACTED]"

# C0/C1 controls and the invisible format characters that can disguise terminal text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_STACK_TRACE = re.compile(r"\r?\n\s+at [\w.`<>\[\],]+\(")


def clean(text: str, secrets: Sequence[str] = (), limit: int = MAX_TEXT) -> str:
    """Server text made safe to show: one line, no controls, no secrets, bounded."""
    text = _STACK_TRACE.split(text, 1)[0]  # a .NET stack trace says nothing to a user
    text = _CONTROL.sub("", re.sub(r"\s", " ", text))
    text = " ".join(redact(text, secrets).split())
    text = redact(text, secrets)  # again, in case whitespace hid one
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def local_name(tag: object) -> str:
    """``{namespace}Name`` → ``Name``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def is_nil(element: Element) -> bool:
    return element.get(f"{{{XSI}}}nil", "").strip() in ("true", "1")
