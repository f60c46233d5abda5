"""The sandbox's own WSDL, generated from the operation table (``soap_ops.OPERATIONS``).

Only the implemented operations, one SOAP 1.1 binding, document/literal, the service
address being the sandbox itself. Names follow ECGridOS v4.1 (the port type, binding
and service names too), so code written against the vendor's WSDL binds to this one.
"""

from __future__ import annotations

from functools import lru_cache

from ecgrid_cli.sandbox.soap_ops import OPERATIONS, Operation
from ecgrid_cli.sandbox.soap_types import (
    COMPLEX,
    DATASET,
    ENUMS,
    PRIMITIVES,
    Field,
    attribute,
    text,
)

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
SOAP_HTTP = "http://schemas.xmlsoap.org/soap/http"
PORT_TYPE = "ECGridOS_x0020_API_x0020_v4Soap"
SERVICE = "ECGridOS_x0020_API_x0020_v4"


def _type_ref(type_: str) -> str:
    return f"s:{type_}" if type_ in PRIMITIVES else f"tns:{type_}"


def _element(field: Field) -> str:
    max_occurs = "unbounded" if field.unbounded else "1"
    nillable = ' nillable="true"' if field.unbounded else ""
    occurs = f'minOccurs="{field.min_occurs}" maxOccurs="{max_occurs}"'
    if field.type == DATASET:
        return (
            f'<s:element {occurs} name="{field.name}"><s:complexType><s:sequence>'
            '<s:element ref="s:schema" /><s:any /></s:sequence></s:complexType></s:element>'
        )
    return f'<s:element {occurs} name="{field.name}"{nillable} type="{_type_ref(field.type)}" />'


def _sequence(fields: tuple[Field, ...]) -> str:
    if not fields:
        return "<s:complexType />"
    return (
        f"<s:complexType><s:sequence>{''.join(map(_element, fields))}</s:sequence></s:complexType>"
    )


def _used_types(operations: list[Operation]) -> list[str]:
    """Complex and enum types reachable from the operations, in first-use order."""
    seen: dict[str, None] = {}
    pending = [f.type for op in operations for f in (*op.params, *filter(None, [op.result]))]
    while pending:
        type_ = pending.pop(0)
        if type_ in seen or (type_ not in COMPLEX and type_ not in ENUMS):
            continue
        seen[type_] = None
        pending += [f.type for f in COMPLEX.get(type_, ())]
    return list(seen)


def _schema(namespace: str, operations: list[Operation]) -> str:
    parts: list[str] = []
    for op in operations:
        result = (op.result,) if op.result is not None else ()
        parts.append(f'<s:element name="{op.name}">{_sequence(op.params)}</s:element>')
        parts.append(f'<s:element name="{op.name}Response">{_sequence(result)}</s:element>')
    for type_ in _used_types(operations):
        if type_ in COMPLEX:
            fields = "".join(map(_element, COMPLEX[type_]))
            parts.append(
                f'<s:complexType name="{type_}"><s:sequence>{fields}</s:sequence></s:complexType>'
            )
        else:
            members = "".join(f'<s:enumeration value="{value}" />' for value in ENUMS[type_])
            parts.append(
                f'<s:simpleType name="{type_}"><s:restriction base="s:string">{members}'
                "</s:restriction></s:simpleType>"
            )
    return (
        f'<s:schema elementFormDefault="qualified" targetNamespace="{namespace}">'
        f"{''.join(parts)}</s:schema>"
    )


@lru_cache(maxsize=16)
def build_wsdl(namespace: str, address: str) -> str:
    """The WSDL of the implemented operations, served at ``address``."""
    operations = list(OPERATIONS.values())
    messages = "".join(
        f'<wsdl:message name="{op.name}SoapIn">'
        f'<wsdl:part name="parameters" element="tns:{op.name}" /></wsdl:message>'
        f'<wsdl:message name="{op.name}SoapOut">'
        f'<wsdl:part name="parameters" element="tns:{op.name}Response" /></wsdl:message>'
        for op in operations
    )
    port_operations = "".join(
        f'<wsdl:operation name="{op.name}">'
        f"<wsdl:documentation>{text(op.doc)}</wsdl:documentation>"
        f'<wsdl:input message="tns:{op.name}SoapIn" />'
        f'<wsdl:output message="tns:{op.name}SoapOut" /></wsdl:operation>'
        for op in operations
    )
    literal = '<soap:body use="literal" />'
    binding_operations = "".join(
        f'<wsdl:operation name="{op.name}">'
        f'<soap:operation soapAction="{namespace}{op.name}" style="document" />'
        f"<wsdl:input>{literal}</wsdl:input><wsdl:output>{literal}</wsdl:output>"
        "</wsdl:operation>"
        for op in operations
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<wsdl:definitions xmlns:soap="{WSDL_SOAP_NS}" xmlns:s="{XSD_NS}" '
        f'xmlns:tns="{namespace}" xmlns:wsdl="{WSDL_NS}" targetNamespace="{namespace}">'
        "<wsdl:documentation>ecgrid-cli sandbox: the ECGridOS v4.1 operations it implements"
        "</wsdl:documentation>"
        f"<wsdl:types>{_schema(namespace, operations)}</wsdl:types>"
        f"{messages}"
        f'<wsdl:portType name="{PORT_TYPE}">{port_operations}</wsdl:portType>'
        f'<wsdl:binding name="{PORT_TYPE}" type="tns:{PORT_TYPE}">'
        f'<soap:binding transport="{SOAP_HTTP}" />{binding_operations}</wsdl:binding>'
        f'<wsdl:service name="{SERVICE}">'
        f'<wsdl:port name="{PORT_TYPE}" binding="tns:{PORT_TYPE}">'
        f'<soap:address location="{attribute(address)}" /></wsdl:port></wsdl:service>'
        "</wsdl:definitions>"
    )
