"""Every error the tool reports, as one small hierarchy.

Each class carries a stable machine-readable ``code`` (printed in ``--json`` error
objects) and belongs to one *kind*; ``app.py`` maps kinds to exit codes in one place.
This module imports nothing heavy so that every layer can raise these cheaply.
"""

from __future__ import annotations


class EcgridError(Exception):
    """Base of all errors the tool reports to a user (never with a traceback)."""

    kind = "error"
    default_code = "Error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.http_status = http_status
        # Structured facts for scripts (``--json`` errors): the existing interconnect's
        # ID on a duplicate, the candidates of an ambiguous match, the invalid field.
        self.details = details

    def __str__(self) -> str:
        return self.message


# --- problems with what the user asked for -------------------------------------------


class UsageError(EcgridError):
    """A bad flag value, a missing setting, or an unsafe configuration."""

    kind = "usage"
    default_code = "UsageError"


# --- answers from the API ------------------------------------------------------------


class ApiError(EcgridError):
    """The API refused the request (an envelope with success=false)."""

    kind = "api"
    default_code = "ApiError"


class AuthError(ApiError):
    """401/403: the key is wrong, expired, or lacks permission."""

    kind = "auth"


class NotFoundError(ApiError):
    """404, or a lookup that matched nothing where something was required."""

    kind = "not_found"
    default_code = "ObjectNotFound"


class ConflictError(ApiError):
    """A duplicate object, or several matches with no way to choose."""

    kind = "conflict"
    default_code = "DuplicateObject"


class InvalidResponseError(EcgridError):
    """The server answered something that is not the documented API."""

    kind = "api"
    default_code = "InvalidResponse"


# --- transport ------------------------------------------------------------------------


class TransientError(EcgridError):
    """A failure worth retrying: 429, 5xx, timeouts, dropped connections."""

    kind = "transient"
    default_code = "TransientError"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        maybe_applied: bool = False,
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status, details=details)
        self.retry_after = retry_after
        # True when the request was sent and the server may have acted on it.
        self.maybe_applied = maybe_applied


class RetriesExhaustedError(EcgridError):
    """Transient failures continued past the retry budget or the deadline."""

    kind = "transient"
    default_code = "RetriesExhausted"


class UnreachableError(EcgridError):
    """DNS, connect or TLS failure: the server could not be reached at all."""

    kind = "unreachable"
    default_code = "Unreachable"


class InterruptedByUser(EcgridError):
    kind = "interrupted"
    default_code = "Interrupted"


_TRANSIENT_CODES = {"RateLimitExceeded", "InternalError", "ServiceUnavailable"}


def api_error_for(status: int, code: str | None, message: str | None) -> EcgridError:
    """Build the typed error for an error envelope or bare HTTP error status."""
    code = code or f"HTTP{status}"
    text = message or f"HTTP {status}"
    if status in (401, 403) or code in ("InvalidAPIKey", "InvalidSession", "AccessDenied"):
        return AuthError(text, code=code, http_status=status)
    if status == 404 or code == "ObjectNotFound":
        return NotFoundError(text, code=code, http_status=status)
    if code == "DuplicateObject" or status == 409:
        return ConflictError(text, code=code, http_status=status)
    if status == 429 or status >= 500 or code in _TRANSIENT_CODES:
        return TransientError(text, code=code, http_status=status)
    return ApiError(text, code=code, http_status=status)
