"""SOAP 1.1 on the wire for ECGridOS v4.1: request envelopes in, Python values or errors out.

Pure functions, no HTTP. The transport sends :func:`build_request`'s bytes with
``Content-Type: CONTENT_TYPE`` and ``SOAPAction: soap_action(op)``, caps the answer's size,
and hands the bytes to :func:`parse_response`, which

* parses with defusedxml and refuses any DTD, entity declaration or external reference
  (never expanded, never fetched), more than ``MAX_DEPTH`` levels or ``MAX_ELEMENTS``
  elements, always with :class:`InvalidResponseError`;
* maps a SOAP Fault to the typed error of its ECGridOS error code (see ``_CODE_CLASSES``);
* finds ``<Op>Response/<Op>Result`` in the live or the legacy namespace, any prefix, and
  converts it to the requested *shape*: ``"scalar"``, ``"object"``, ``"list"``, ``"dataset"``.

Every piece of server text that reaches an error message is cleaned first (see
:mod:`~ecgrid_cli.api.soap.xmltext`); Faults become typed errors in
:mod:`~ecgrid_cli.api.soap.faults`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import date, datetime
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ecgrid_cli.api.soap.faults import fault_error
from ecgrid_cli.api.soap.xmltext import clean, is_nil, local_name
from ecgrid_cli.errors import (
    EcgridError,
    InvalidResponseError,
    TransientError,
    UsageError,
)

NAMESPACE = "https://os.ecgrid.io/"
# The vendor's doc pages use this one; no live version does. Accepted, never sent.
LEGACY_NAMESPACE = "http://www.ecgridos.net/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CONTENT_TYPE = "text/xml; charset=utf-8"

SHAPES = ("scalar", "object", "list", "dataset")
MAX_DEPTH = 100
MAX_ELEMENTS = 200_000

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
# Characters XML 1.0 cannot carry at all (also lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]")


# --- requests --------------------------------------------------------------------------


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"invalid SOAP {what} name: {name!r}")
    return name


def soap_action(operation: str) -> str:
    """The ``SOAPAction`` header value, quotes included."""
    return f'"{NAMESPACE}{_check_name(operation, "operation")}"'


def _escape(text: str, name: str) -> str:
    if _NOT_XML.search(text):
        # The value itself may be a password: name the parameter only.
        raise UsageError(f"The value for {name} contains a character XML cannot carry.")
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")  # a bare CR would arrive as LF
    )


def _encode_value(value: object, name: str) -> str:
    if isinstance(value, str):
        return _escape(value, name)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as SOAP parameter {name}")


def build_request(operation: str, params: Sequence[tuple[str, object]]) -> bytes:
    """A UTF-8 SOAP 1.1 envelope calling ``operation`` with ``params`` in the given order.

    str (escaped), int, bool, bytes (base64) and datetime/date (ISO 8601) are sent;
    a ``None`` value omits its element.
    """
    _check_name(operation, "operation")
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>',
        f'<{operation} xmlns="{NAMESPACE}">',
    ]
    for name, value in params:
        _check_name(name, "parameter")
        if value is not None:
            parts.append(f"<{name}>{_encode_value(value, name)}</{name}>")
    parts.append(f"</{operation}></soap:Body></soap:Envelope>")
    return "".join(parts).encode("utf-8")


# --- small helpers for callers ---------------------------------------------------------


def soap_datetime(text: str | None) -> str | None:
    """ISO 8601 text for a .NET dateTime; ``0001-01-01T00:00:00`` ("no value") → None."""
    if text is None or not text.strip() or text.strip().startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidResponseError(f"Not a date-time: {clean(text, (), 40)!r}") from None


def soap_int(text: str | None) -> int | None:
    """An xs:int/long/short result as int (None stays None)."""
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidResponseError(f"Not an integer: {clean(text, (), 40)!r}") from None


def soap_bool(text: str | None) -> bool | None:
    """An xs:boolean result as bool (None stays None)."""
    if text is None:
        return None
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise InvalidResponseError(f"Not a boolean: {clean(text, (), 40)!r}")


# --- parsing ---------------------------------------------------------------------------


class _Refused(Exception):
    """The document is hostile or too large: refused whatever the HTTP status."""


class _LimitedBuilder:
    """A TreeBuilder that stops the parse at MAX_DEPTH levels or MAX_ELEMENTS elements."""

    def __init__(self) -> None:
        self._builder = TreeBuilder()
        self._depth = 0
        self._count = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._depth += 1
        self._count += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"it is nested deeper than {MAX_DEPTH} levels")
        if self._count > MAX_ELEMENTS:
            raise _Refused(f"it has more than {MAX_ELEMENTS} elements")
        return self._builder.start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> Element:
        return self._builder.close()


def _parse_xml(raw: bytes) -> Element:
    """Parse untrusted bytes. Raises ``_Refused`` (hostile) or ``ParseError`` (not XML)."""
    parser = DefusedXMLParser(
        target=_LimitedBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(raw)
        return parser.close()
    except DefusedXmlException:
        raise _Refused("it declares a DTD or entities, which SOAP forbids") from None
    except RecursionError:  # cannot happen below MAX_DEPTH; never let it escape
        raise _Refused(f"it is nested deeper than {MAX_DEPTH} levels") from None
    except (LookupError, ValueError) as error:  # e.g. an unknown declared encoding
        raise ParseError(str(error)) from None


class _Answer:
    """What is known about one answer, for its error messages."""

    def __init__(
        self, operation: str, http_status: int, content_type: str | None, secrets: Sequence[str]
    ) -> None:
        self.operation = operation
        self.http_status = http_status
        self.secrets = tuple(secrets)
        where = f"HTTP {http_status}"
        if content_type:
            where += f", {clean(content_type, self.secrets, 60)}"
        self.where = where

    def clean(self, text: str | None) -> str:
        return clean(text or "", self.secrets)

    def refused(self, why: str) -> InvalidResponseError:
        return InvalidResponseError(
            f"SOAP {self.operation}: refused the server's answer ({self.where}): {why}.",
            http_status=self.http_status,
        )

    def not_soap(self, what: str) -> EcgridError:
        """No fault and no usable answer: transient for 429/5xx, else invalid."""
        status = self.http_status
        if status == 429 or status >= 500:
            then = "try again later" if status == 429 else "it may have applied the request"
            return TransientError(
                f"SOAP {self.operation}: {what} ({self.where}); {then}.",
                code=f"HTTP{status}",
                http_status=status,
                maybe_applied=status != 429,
            )
        return InvalidResponseError(
            f"SOAP {self.operation}: {what} ({self.where}).", http_status=status
        )


def _sniff(raw: bytes) -> str | None:
    """A description of a body that is plainly not XML, or None."""
    head = raw[:1024].lstrip().lower()
    if not head:
        return "sent an empty answer"
    if _HTML.search(head):
        return "sent an HTML page, not a SOAP answer"
    if head[:1] in (b"{", b"["):
        return "sent JSON, not a SOAP answer"
    return None


def _child(parent: Element, *tags: str) -> Element | None:
    for child in parent:
        if child.tag in tags:
            return child
    return None


def parse_response(
    raw: bytes,
    operation: str,
    shape: str,
    *,
    http_status: int = 200,
    content_type: str | None = None,
    secrets: Sequence[str] = (),
) -> object:
    """The value of ``<operation>Result`` in the requested shape, or a typed error.

    * ``"scalar"``: the text (``""`` when empty); None when absent or xsi:nil.
    * ``"object"``: a dict of child local name → value (nested dicts, leaf text as str,
      empty or nil leaves as None, repeated names as lists); None when xsi:nil.
    * ``"list"``: one such dict per child element (nil items skipped); ``[]`` when absent.
    * ``"dataset"``: a .NET DataSet's rows as dicts typed by its inline schema
      (``dataset.dataset_rows``); ``[]`` when xsi:nil.

    A missing ``<operation>Response``, or a missing Result for "object" or "dataset", is
    an InvalidResponseError (TransientError at HTTP 429/5xx, like any answer without a
    fault). ``secrets`` are replaced by ``[REDACTED]`` in every error.
    """
    _check_name(operation, "operation")
    if shape not in SHAPES:
        raise ValueError(f"unknown SOAP result shape: {shape!r}")
    answer = _Answer(operation, http_status, content_type, secrets)
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    raw = bytes(raw)
    what = _sniff(raw)
    if what:
        raise answer.not_soap(f"the server {what}")
    try:
        root = _parse_xml(raw.lstrip(b" \t\r\n"))
    except _Refused as refusal:
        raise answer.refused(str(refusal)) from None
    except ParseError as error:
        why = f"the answer is not well-formed XML ({answer.clean(str(error))})"
        raise answer.not_soap(why) from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        found = answer.clean(root.tag if isinstance(root.tag, str) else "")[:80]
        raise answer.not_soap(f"the answer is XML but not a SOAP 1.1 envelope (root {found})")
    body = _child(root, f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise answer.not_soap("the SOAP envelope has no Body")
    fault = _child(body, f"{{{SOAP_ENV}}}Fault")
    if fault is not None:
        raise fault_error(fault, answer)
    name = f"{operation}Response"
    response = _child(body, f"{{{NAMESPACE}}}{name}", f"{{{LEGACY_NAMESPACE}}}{name}")
    if response is None:
        raise answer.not_soap(f"the SOAP answer has no {name} element")
    name = f"{operation}Result"
    result = _child(response, f"{{{NAMESPACE}}}{name}", f"{{{LEGACY_NAMESPACE}}}{name}")
    return _shape(result, shape, answer)


def _shape(result: Element | None, shape: str, answer: _Answer) -> object:
    label = f"{answer.operation}Result"
    if shape == "scalar":
        if result is None or is_nil(result):
            return None
        if len(result):
            raise answer.not_soap(f"{label} holds elements where a simple value was expected")
        return result.text or ""
    if shape == "list":
        if result is None or is_nil(result):
            return []
        return [_object(item, answer) for item in result if not is_nil(item)]
    if result is None:
        raise answer.not_soap(f"the SOAP answer has no {label} element")
    if shape == "object":
        return None if is_nil(result) else _object(result, answer)
    if is_nil(result):
        return []
    from ecgrid_cli.api.soap.dataset import dataset_rows

    try:
        return dataset_rows(result)
    except InvalidResponseError as error:
        raise InvalidResponseError(
            f"SOAP {answer.operation}: {answer.clean(error.message)} ({answer.where}).",
            http_status=answer.http_status,
        ) from None


def _object(element: Element, answer: _Answer) -> dict[str, object]:
    if not len(element) and (element.text or "").strip():
        name = answer.clean(local_name(element.tag))[:60]
        raise answer.not_soap(f"<{name}> holds text where an object was expected")
    value = _value(element)
    return value if isinstance(value, dict) else {}


def _value(element: Element) -> object:
    """Leaf text (None when empty or nil), or a dict of the children by local name."""
    if is_nil(element):
        return None
    if not len(element):
        return element.text or None
    fields: dict[str, object] = {}
    repeated: set[str] = set()
    for child in element:
        key = local_name(child.tag)
        value = _value(child)
        if key in repeated:
            fields[key].append(value)  # type: ignore[union-attr]
        elif key in fields:
            fields[key] = [fields[key], value]
            repeated.add(key)
        else:
            fields[key] = value
    return fields
