"""A .NET DataSet result (inline ``xs:schema`` + ``diffgr:diffgram``) as typed row dicts.

The result element of a DataSet operation holds::

    <xs:schema id="NewDataSet">          column names and types of each table
    <diffgr:diffgram>
      <NewDataSet>                       the dataset element
        <Table diffgr:id="Table1">       one element per row, named after its table
          <Status>Pending</Status>       one element per non-null column
          <Count>3</Count>

Columns come from the schema (``xs:element`` in each table's sequence, ``xs:attribute``
for attribute-mapped columns); names are XmlConvert-decoded (``_x0020_`` → space), values
converted by their XSD type, and a column missing from a row is None. ``msdata:`` and
``diffgr:`` attributes, ``diffgr:before`` and ``diffgr:errors`` are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from ecgrid_cli.api.soap.wire import soap_datetime
from ecgrid_cli.api.soap.xmltext import clean, is_nil, local_name, namespace_of
from ecgrid_cli.errors import InvalidResponseError

XS = "http://www.w3.org/2001/XMLSchema"
DIFFGR = "urn:schemas-microsoft-com:xml-diffgram-v1"
MSDATA = "urn:schemas-microsoft-com:xml-msdata"

_ENCODED = re.compile(r"_x([0-9A-Fa-f]{4}|[0-9A-Fa-f]{8})_")
_INTEGERS = {
    "int",
    "long",
    "short",
    "byte",
    "integer",
    "unsignedByte",
    "unsignedShort",
    "unsignedInt",
    "unsignedLong",
    "nonNegativeInteger",
    "positiveInteger",
}
# Counts are never keyed by these: a row holding them is not a wide count row.
_NOT_STATUSES = {"status", "count", "total", "networkid", "mailboxid", "ecgridid", "maxdays"}


def _decode_name(name: str) -> str:
    """XmlConvert.DecodeName: ``Last_x0020_Login`` → ``Last Login``."""

    def char(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1), 16))
        except ValueError:
            return match.group(0)

    return _ENCODED.sub(char, name)


def _short(text: str) -> str:
    return repr(clean(text, (), 40))


def _to_bool(text: str) -> bool:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(text)


def _to_datetime(text: str) -> str | None:
    try:
        return soap_datetime(text)
    except InvalidResponseError:
        raise ValueError(text) from None


def _to_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None


def _converter(xsd_type: str) -> Callable[[str], object]:
    if xsd_type in _INTEGERS:
        return int
    return {
        "decimal": _to_decimal,
        "float": float,
        "double": float,
        "boolean": _to_bool,
        "dateTime": _to_datetime,
    }.get(xsd_type, str)


class _Column:
    def __init__(self, declaration: Element) -> None:
        encoded = declaration.get("name", "")
        self.name = _decode_name(encoded)
        xsd_type = declaration.get("type", "")
        if not xsd_type:  # <xs:simpleType><xs:restriction base="xs:string"> (MaxLength)
            restriction = declaration.find(f"{{{XS}}}simpleType/{{{XS}}}restriction")
            xsd_type = restriction.get("base", "") if restriction is not None else ""
        self.xsd_type = xsd_type.rsplit(":", 1)[-1] or "string"
        self.convert = _converter(self.xsd_type)

    def value(self, text: str | None) -> object:
        text = (text or "").strip() if self.convert is not str else (text or "")
        if not text:
            return "" if self.convert is str else None
        try:
            return self.convert(text)
        except ValueError:
            raise InvalidResponseError(
                f"DataSet column {self.name!r}: {_short(text)} is not a valid {self.xsd_type}"
            ) from None


class _Table:
    def __init__(self, declaration: Element) -> None:
        self.elements: dict[str, _Column] = {}
        self.attributes: dict[str, _Column] = {}
        complex_type = declaration.find(f"{{{XS}}}complexType")
        if complex_type is None:
            return
        for group in complex_type:
            if local_name(group.tag) in ("sequence", "all", "choice"):
                for column in group.findall(f"{{{XS}}}element"):
                    if column.get("name"):
                        self.elements[column.get("name", "")] = _Column(column)
        for column in complex_type.findall(f"{{{XS}}}attribute"):
            if column.get("name"):
                self.attributes[column.get("name", "")] = _Column(column)

    def row(self, element: Element) -> dict[str, object]:
        row: dict[str, object] = {column.name: None for column in self.elements.values()}
        row.update({column.name: None for column in self.attributes.values()})
        for name, column in self.attributes.items():
            if name in element.attrib:
                row[column.name] = column.value(element.attrib[name])
        for child in element:
            if len(child):
                raise InvalidResponseError("nested DataSet tables are not supported")
            encoded = local_name(child.tag)
            column = self.elements.get(encoded)
            if is_nil(child):
                value: object = None
            elif column is None:  # not in the schema: keep it, as text
                value = child.text or ""
            else:
                value = column.value(child.text)
            row[column.name if column else _decode_name(encoded)] = value
        return row


def _is_table(declaration: Element) -> bool:
    """An xs:element whose complex type holds simple columns (not tables)."""
    complex_type = declaration.find(f"{{{XS}}}complexType")
    if complex_type is None:
        return False
    columns = [
        column
        for group in complex_type
        if local_name(group.tag) in ("sequence", "all", "choice")
        for column in group.findall(f"{{{XS}}}element")
    ]
    columns += complex_type.findall(f"{{{XS}}}attribute")
    return not any(column.find(f"{{{XS}}}complexType") is not None for column in columns)


def dataset_rows(result: Element) -> list[dict[str, object]]:
    """The rows of every table of the DataSet in ``result``, in document order."""
    schema = diffgram = None
    for child in result:
        if child.tag == f"{{{XS}}}schema" and schema is None:
            schema = child
        elif child.tag == f"{{{DIFFGR}}}diffgram" and diffgram is None:
            diffgram = child
    if schema is None and diffgram is None:
        raise InvalidResponseError("the result is not a DataSet (no schema, no diffgram)")
    data = None
    if diffgram is not None:
        data = next((el for el in diffgram if namespace_of(el.tag) != DIFFGR), None)
    if data is None or not len(data):
        return []
    if schema is None:
        raise InvalidResponseError("the DataSet has rows but no schema")
    tables = {
        declaration.get("name", ""): _Table(declaration)
        for declaration in schema.iter(f"{{{XS}}}element")
        if declaration.get("name") and _is_table(declaration)
    }
    rows = []
    for element in data:
        table = tables.get(local_name(element.tag))
        if table is None:
            name = _short(local_name(element.tag))
            raise InvalidResponseError(f"DataSet row {name} is not described by its schema")
        rows.append(table.row(element))
    return rows


def _count(value: object) -> int | None:
    """An integer count (int, or an integral Decimal), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


def counts_by_status(rows: Sequence[dict[str, object]]) -> dict[str, int]:
    """Counts per status from DataSet rows.

    LONG form: every row has exactly one string column (the status) and one integer
    column (its count); repeated statuses are added up. WIDE form: a single row whose
    columns are all integers, each named after a status (None columns are skipped).
    Anything else, and any negative count, is an InvalidResponseError.
    """
    counts: dict[str, int] = {}
    long_form = True
    for row in rows:
        present = {key: value for key, value in row.items() if value is not None}
        statuses = [value for value in present.values() if isinstance(value, str)]
        numbers = [_count(value) for value in present.values() if not isinstance(value, str)]
        shape_ok = len(present) == 2 and len(statuses) == 1 and len(numbers) == 1
        if not shape_ok or numbers[0] is None or statuses[0].strip().isdigit():
            long_form = False  # a numeric "status" is a mistyped count: not the long form
            break
        status = statuses[0].strip()
        if not status or numbers[0] < 0:
            raise InvalidResponseError(f"Status counts: bad row ({_short(status)}, {numbers[0]})")
        counts[status] = counts.get(status, 0) + numbers[0]
    if long_form:
        return counts

    if len(rows) != 1:
        raise InvalidResponseError(
            f"Status counts: {len(rows)} rows that are neither (status, count) pairs "
            "nor one row of counts"
        )
    wide: dict[str, int] = {}
    for key, value in rows[0].items():
        if value is None:
            continue
        number = _count(value)
        if number is None or number < 0 or not key.strip():
            raise InvalidResponseError(f"Status counts: column {_short(key)} does not hold a count")
        if key.strip().lower() in _NOT_STATUSES:
            raise InvalidResponseError(f"Status counts: column {_short(key)} is not a status")
        wide[key.strip()] = number
    if not wide:
        raise InvalidResponseError("Status counts: the row holds no counts")
    return wide
