"""SOAP 1.1 on the wire: reading request envelopes (hardened) and writing answers and faults.

Requests are parsed with defusedxml, which refuses DTDs, entities and external
references; every way a request can be unusable becomes an ApiError, which the
endpoint answers as a ``soap:Client`` fault (never a traceback).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ecgrid_cli.sandbox.records import ApiError
from ecgrid_cli.sandbox.soap_dataset import dataset
from ecgrid_cli.sandbox.soap_types import DATASET, ENUMS, INT_RANGES, Field, element, text

ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
LIVE_NS = "https://os.ecgrid.io/"
LEGACY_NS = "http://www.ecgridos.net/"
NAMESPACES = {"live": LIVE_NS, "legacy": LEGACY_NS}
ACCEPTED = (LIVE_NS, LEGACY_NS)
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
SERVER_CODES = frozenset({"InternalError", "SQLError"})
RETCODE_TEXT = {
    "SessionTimeout": "Session timed out",
    "AccessDenied": "Access denied",
    "NotFound": "Not found",
    "InvalidID": "Invalid ID",
    "Duplicate": "Duplicate",
    "IDExistsOnNetwork": "ID exists on the network",
    "InvalidDataType": "Invalid data type",
    "InvalidDataLength": "Invalid data length",
    "DataError": "Data error",
    "SQLError": "SQL error",
    "InternalError": "Internal error",
}
_INTEGER = re.compile(r"^[+-]?[0-9]{1,20}$")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def client_error(message: str, retcode: str = "DataError", item: str = "") -> ApiError:
    return ApiError(400, "InvalidParameter", message, retcode=retcode, item=item)


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def parse_envelope(body: bytes) -> tuple[str, str, Element]:
    """(namespace, operation name, operation element) of a SOAP 1.1 request."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise client_error(
            "the request contains a DTD, an entity or an external reference: not allowed"
        ) from None
    except (ParseError, ValueError) as exc:
        raise client_error(f"the request is not well-formed XML: {exc}") from None
    namespace, local = _split(root.tag)
    if local != "Envelope" or namespace != ENV_NS:
        if namespace == SOAP12_NS:
            raise client_error("SOAP 1.2 is not served here: send a SOAP 1.1 envelope (text/xml)")
        raise client_error(f"expected a SOAP 1.1 soap:Envelope ({ENV_NS}), got {local!r}")
    body_element = root.find(f"{{{ENV_NS}}}Body")
    if body_element is None or len(body_element) == 0:
        raise client_error("the soap:Body holds no operation")
    operation = body_element[0]
    namespace, name = _split(operation.tag)
    if namespace not in ACCEPTED:
        raise client_error(
            f"the operation {name!r} must be in the namespace {LIVE_NS} (or {LEGACY_NS}), "
            f"not {namespace or 'no namespace'!r}"
        )
    return namespace, name, operation


def soap_action_operation(header: str | None) -> str | None:
    """The operation a SOAPAction header names (quotes optional); None when it names none."""
    if header is None:
        return None
    action = header.strip().strip('"').strip()
    if not action:
        return None
    for namespace in ACCEPTED:
        if action.startswith(namespace):
            return action[len(namespace) :]
    return action  # a foreign action: it cannot match any operation


def parse_args(params: tuple[Field, ...], operation: Element) -> dict[str, Any]:
    """Parameter values by name; a missing one is None (the handler applies .NET defaults)."""
    given: dict[str, Element] = {}
    for child in operation:
        namespace, local = _split(child.tag)
        if namespace in (*ACCEPTED, "") and local not in given:
            given[local] = child
    args: dict[str, Any] = {}
    for field in params:
        child = given.get(field.name)
        if child is None or child.get(f"{{{XSI}}}nil") in ("true", "1"):
            args[field.name] = _default(field)
            continue
        if len(child):
            raise client_error(
                f"{field.name} must be a simple xs:{field.type} value",
                "InvalidDataType",
                field.name,
            )
        args[field.name] = parse_scalar(field, child.text or "")
    return args


def _default(field: Field) -> Any:
    if field.min_occurs == 0:
        return None
    if field.type in ENUMS:
        return ENUMS[field.type][0]
    return False if field.type == "boolean" else 0


def parse_scalar(field: Field, raw: str) -> Any:
    name, type_ = field.name, field.type
    if type_ == "string":
        if len(raw) > field.max_length:
            raise client_error(
                f"{name} is longer than {field.max_length} characters", "InvalidDataLength", name
            )
        return raw
    value = raw.strip()
    if type_ in INT_RANGES:
        low, high = INT_RANGES[type_]
        if not _INTEGER.match(value) or not low <= int(value) <= high:
            raise client_error(
                f"{name} must be an xs:{type_}, got {value[:40]!r}", "InvalidDataType", name
            )
        return int(value)
    if type_ == "boolean":
        if value not in _BOOLEANS:
            raise client_error(
                f"{name} must be true or false, got {value[:40]!r}", "InvalidDataType", name
            )
        return _BOOLEANS[value]
    if type_ in ENUMS:
        if value not in ENUMS[type_]:
            raise client_error(
                f"{name} must be one of {', '.join(ENUMS[type_])}, got {value[:40]!r}",
                "InvalidDataType",
                name,
            )
        return value
    if type_ == "base64Binary":
        if len(value) > field.max_length:
            raise client_error(f"{name} is too long", "InvalidDataLength", name)
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise client_error(f"{name} is not base64", "InvalidDataType", name) from None
    raise client_error(f"{name}: xs:{type_} parameters are not supported", "InvalidDataType", name)


def envelope(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{ENV_NS}" xmlns:xsi="{XSI}" xmlns:xsd="{XSD}">'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    )


def response(namespace: str, operation: str, result: Field | None, value: Any) -> str:
    """``<OpResponse xmlns=namespace><OpResult>...</OpResult></OpResponse>`` in an envelope."""
    if result is None:
        inner = ""
    elif result.type == DATASET:
        inner = f"<{result.name}>{dataset(value)}</{result.name}>"
    else:
        inner = element(result, value)
    tag = f"{operation}Response"
    if not inner:
        return envelope(f'<{tag} xmlns="{namespace}" />')
    return envelope(f'<{tag} xmlns="{namespace}">{inner}</{tag}>')


def fault(err: ApiError) -> str:
    """A SOAP 1.1 fault with the ECGridOS detail (ErrorCode is a RetCode member)."""
    retcode = err.retcode if err.retcode in RETCODE_TEXT else "InternalError"
    code = "soap:Server" if retcode in SERVER_CODES else "soap:Client"
    return envelope(
        "<soap:Fault>"
        f"<faultcode>{code}</faultcode>"
        f"<faultstring>{text(err.message)}</faultstring>"
        "<detail>"
        f"<ErrorCode>{retcode}</ErrorCode>"
        f"<ErrorString>{RETCODE_TEXT[retcode]}</ErrorString>"
        f"<ErrorItem>{text(err.item)}</ErrorItem>"
        f"<ErrorMessage>{text(err.message)}</ErrorMessage>"
        "</detail>"
        "</soap:Fault>"
    )
