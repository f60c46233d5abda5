"""SOAP 1.1 Faults from ECGridOS, turned into this tool's typed errors.

The ErrorCode (by the RetCode enum's name or the doc pages' words, or a number whose
ErrorString names it) chooses the error class; the fault's texts, cleaned, make one
message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol
from xml.etree.ElementTree import Element

from ecgrid_cli.api.soap.xmltext import MAX_TEXT, clean, local_name
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    EcgridError,
    NotFoundError,
    TransientError,
)


class AnswerFacts(Protocol):
    """What the parser knows about the answer that carried the fault."""

    operation: str
    http_status: int

    def clean(self, text: str | None) -> str: ...


# ErrorCode (RetCode enum and the doc pages' words) → (canonical spelling, error class).
_CODE_CLASSES: dict[str, tuple[str, type[EcgridError]]] = {
    code.lower(): (code, cls)
    for cls, codes in (
        (AuthError, ("SessionTimeout", "AccessDenied", "Authentication", "Authorization")),
        (NotFoundError, ("NotFound", "ObjectNotFound")),
        (ConflictError, ("Duplicate", "IDExistsOnNetwork")),
        (
            ApiError,
            ("InvalidID", "InvalidDataType", "InvalidDataLength", "DataError", "InvalidParameter"),
        ),
        (TransientError, ("InternalError", "SQLError", "SystemError", "Unknown")),
    )
    for code in codes
}
_FAULT_FIELDS = (
    "ErrorCode",
    "ECGridOSSOAPErrorCode",
    "ErrorString",
    "ErrorItem",
    "ErrorMessage",
    "faultcode",
    "faultstring",
)


def _fault_fields(fault: Element) -> dict[str, str]:
    """The first non-empty text of each known field anywhere under the Fault, by local name.

    Covers ``detail/ErrorCode``, ``detail/ErrorInfo/ErrorCode`` and a lone
    ``detail/ECGridOSSOAPErrorCode``, in any namespace.
    """
    found: dict[str, str] = {}
    for element in fault.iter():
        name = local_name(element.tag)
        text = (element.text or "").strip()
        if name in _FAULT_FIELDS and text and name not in found and not len(element):
            found[name] = text
    return found


def _normalise(text: str) -> str:
    """Letters and digits only, case-folded: ``Session Timeout.`` → ``sessiontimeout``."""
    return re.sub(r"[\W_]", "", text.casefold())


def _combine(texts: Sequence[str]) -> str:
    """Join distinct texts with ": ", dropping any text another one already contains."""
    parts: list[str] = []
    for text in texts:
        key = _normalise(text)
        if not key or any(key in _normalise(part) for part in parts):
            continue
        parts = [part for part in parts if _normalise(part) not in key]
        parts.append(text)
    return ": ".join(
        part.rstrip(" .:") if i < len(parts) - 1 else part for i, part in enumerate(parts)
    )


def fault_error(fault: Element, answer: AnswerFacts) -> EcgridError:
    """The typed error for a SOAP 1.1 Fault."""
    fields = {key: answer.clean(value) for key, value in _fault_fields(fault).items()}
    raw_code = fields.get("ErrorCode") or fields.get("ECGridOSSOAPErrorCode") or ""
    faultcode = fields.get("faultcode", "")
    side = _normalise(faultcode.rsplit(":", 1)[-1].split(".", 1)[0])
    details: dict[str, object] = {}
    if faultcode:
        details["faultcode"] = faultcode
    if fields.get("ErrorItem"):
        details["errorItem"] = fields["ErrorItem"]

    known = _CODE_CLASSES.get(_normalise(raw_code))
    if known is None and raw_code.isdigit():
        # The doc pages disagree on the numbering; the ErrorString names the code.
        known = _CODE_CLASSES.get(_normalise(fields.get("ErrorString", "")))
        if known is not None:
            details["errorNumber"] = raw_code
    if known is not None:
        code, cls = known
    else:
        code = raw_code[:64] or "SoapFault"
        if side in ("server", "receiver") or (not side and answer.http_status >= 500):
            cls = TransientError
        else:
            cls = ApiError

    text = _combine([fields.get(key, "") for key in ("faultstring", "ErrorString", "ErrorMessage")])
    item = fields.get("ErrorItem", "")
    if item and _normalise(item) not in _normalise(text):
        text = f"{text} (item: {item})" if text else f"item: {item}"
    text = clean(text or "the server reported a fault without a message", (), MAX_TEXT)
    if code == "SessionTimeout":
        message = "The SOAP session expired; run 'ecgrid --api soap auth login' again."
    else:
        message = f"SOAP {answer.operation}: {text}"
    status = answer.http_status
    if cls is TransientError:
        return TransientError(
            message, code=code, http_status=status, details=details or None, maybe_applied=True
        )
    return cls(message, code=code, http_status=status, details=details or None)
