"""A .NET System.Data.DataSet as ECGridOS writes it into a SOAP answer.

The result element holds an inline ``xs:schema`` (``NewDataSet`` with one ``Table``)
followed by a ``diffgr:diffgram`` with the rows; column names and types come from the
schema. An empty DataSet has an empty diffgram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ecgrid_cli.sandbox.soap_types import lexical

MSDATA = "urn:schemas-microsoft-com:xml-msdata"
DIFFGR = "urn:schemas-microsoft-com:xml-diffgram-v1"
XSD = "http://www.w3.org/2001/XMLSchema"


@dataclass(frozen=True)
class Table:
    """Rows of one table ``Table`` in a DataSet ``NewDataSet``: columns (name, XSD type)."""

    columns: tuple[tuple[str, str], ...]
    rows: Sequence[Sequence[Any]]


def dataset(table: Table) -> str:
    columns = "".join(
        f'<xs:element name="{name}" type="xs:{type_}" minOccurs="0" />'
        for name, type_ in table.columns
    )
    schema = (
        f'<xs:schema id="NewDataSet" xmlns="" xmlns:xs="{XSD}" xmlns:msdata="{MSDATA}">'
        '<xs:element name="NewDataSet" msdata:IsDataSet="true" msdata:UseCurrentLocale="true">'
        '<xs:complexType><xs:choice minOccurs="0" maxOccurs="unbounded">'
        f'<xs:element name="Table"><xs:complexType><xs:sequence>{columns}'
        "</xs:sequence></xs:complexType></xs:element>"
        "</xs:choice></xs:complexType></xs:element></xs:schema>"
    )
    rows = "".join(
        f'<Table diffgr:id="Table{number + 1}" msdata:rowOrder="{number}">'
        + "".join(
            f"<{name}>{lexical(type_, cell)}</{name}>"
            for (name, type_), cell in zip(table.columns, row, strict=True)
        )
        + "</Table>"
        for number, row in enumerate(table.rows)
    )
    body = f'<NewDataSet xmlns="">{rows}</NewDataSet>' if rows else ""
    diffgram = f'<diffgr:diffgram xmlns:msdata="{MSDATA}" xmlns:diffgr="{DIFFGR}">'
    return f"{schema}{diffgram}{body}</diffgr:diffgram>"
