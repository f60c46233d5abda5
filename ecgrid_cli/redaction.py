"""The one rule for hiding secrets (API keys, tokens, session IDs) in what users see.

A server may echo a secret back in many shapes; every shape below is hidden:
verbatim, in any letter case, URL-encoded, JSON-escaped, and base64-encoded (at any
byte alignment, as inside a larger encoded blob). Text is redacted as text; a JSON
document is redacted value by value (strings only) before it is serialised, so keys
and numbers are never rewritten and the document stays valid JSON.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
# Shorter secrets would match ordinary text; settings refuse API keys this short.
MIN_SECRET_LENGTH = 8
# A base64 fragment shorter than this could match by chance.
_MIN_FRAGMENT = 8


def is_redactable(secret: str | None) -> bool:
    return bool(secret) and len(secret) >= MIN_SECRET_LENGTH


def encoded_forms(secret: str) -> set[str]:
    """Every spelling of ``secret`` a server might echo."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    raw = secret.encode("utf-8")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for offset in range(3):
            text = encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
            # Drop the characters that mix in neighbouring bytes at either end.
            head = 4 if offset else 0
            tail = len(text) - (len(text) % 4 or 4) if len(raw) + offset > 3 else len(text)
            core = text[head:tail] if offset or len(raw) % 3 else text
            if len(core) >= _MIN_FRAGMENT:
                forms.add(core)
    return {form for form in forms if form}


class Redactor:
    """Holds the run's secrets; ``text`` and ``json`` return redacted copies."""

    def __init__(self, secrets: list[str] | tuple[str, ...] = ()) -> None:
        self._secrets: list[str] = []
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if is_redactable(secret) and secret not in self._secrets:
            self._secrets.append(secret)
            forms = sorted({f for s in self._secrets for f in encoded_forms(s)}, key=len)
            alternatives = "|".join(re.escape(form) for form in reversed(forms))
            self._pattern = re.compile(alternatives, re.IGNORECASE)

    def text(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def json(self, value: Any) -> Any:
        """``value`` with every string (never a key, never a number) redacted."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.json(item) for item in value]
        return value


def redact(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """``text`` with every redactable secret (in every encoded form) replaced."""
    return Redactor(secrets).text(text)
