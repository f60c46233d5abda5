"""The sandbox's state: one sqlite database and the ECGrid domain rules (stdlib only).

``Store`` assembles the rules, one module each: ECGrid IDs (``store_ids``),
interconnects and their notes (``store_interconnects``) and test parcels
(``store_parcels``) over the connection, lock and lookups of ``store_base``.
"""

from __future__ import annotations

from ecgrid_cli.sandbox.records import (
    ISA_ID_MAX_LENGTH,
    STATUSES,
    ApiError,
    EcgridIdRecord,
    InterconnectRecord,
    NoteRecord,
    ParcelRecord,
    StoreError,
    canonical_status,
    duplicate,
    invalid,
    not_found,
)
from ecgrid_cli.sandbox.schema import SCHEMA_VERSION
from ecgrid_cli.sandbox.store_base import MEMORY
from ecgrid_cli.sandbox.store_ids import FIRST_ECGRID_ID, IdRules
from ecgrid_cli.sandbox.store_interconnects import FIRST_INTERCONNECT_ID, Scope
from ecgrid_cli.sandbox.store_parcels import FIRST_PARCEL_ID, ParcelRules


class Store(ParcelRules, IdRules):
    """The sandbox database. Thread-safe: every method runs under one lock."""


__all__ = [
    "FIRST_ECGRID_ID",
    "FIRST_INTERCONNECT_ID",
    "FIRST_PARCEL_ID",
    "ISA_ID_MAX_LENGTH",
    "MEMORY",
    "SCHEMA_VERSION",
    "STATUSES",
    "ApiError",
    "EcgridIdRecord",
    "InterconnectRecord",
    "NoteRecord",
    "ParcelRecord",
    "Scope",
    "Store",
    "StoreError",
    "canonical_status",
    "duplicate",
    "invalid",
    "not_found",
]
