"""The one rule for hiding the API key in anything a user may see."""

from __future__ import annotations

REDACTED = "[REDACTED]"
# Shorter values would match ordinary text; no real key is that short.
MIN_SECRET_LENGTH = 4


def is_redactable(secret: str | None) -> bool:
    return bool(secret) and len(secret) >= MIN_SECRET_LENGTH


def redact(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """``text`` with every redactable secret replaced by the marker."""
    for secret in secrets:
        if is_redactable(secret):
            text = text.replace(secret, REDACTED)
    return text
