"""The sandbox database's tables. Bump SCHEMA_VERSION with every change to them."""

from __future__ import annotations

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE networks (
    network_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE mailboxes (
    mailbox_id INTEGER PRIMARY KEY,
    network_id INTEGER NOT NULL REFERENCES networks (network_id),
    name TEXT NOT NULL
);
CREATE TABLE ecgrid_ids (
    ecgrid_id INTEGER PRIMARY KEY,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (mailbox_id),
    qualifier TEXT NOT NULL,
    isa_id TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    routing_group TEXT,
    edi_standard TEXT,
    use_type TEXT NOT NULL,
    owner_effective TEXT NOT NULL,
    owner_expires TEXT,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX ecgrid_ids_qid ON ecgrid_ids (qualifier COLLATE NOCASE, isa_id COLLATE NOCASE);
CREATE INDEX ecgrid_ids_mailbox ON ecgrid_ids (mailbox_id);
CREATE TABLE interconnects (
    interconnect_id INTEGER PRIMARY KEY,
    ecgrid_id_from INTEGER NOT NULL REFERENCES ecgrid_ids (ecgrid_id),
    ecgrid_id_to INTEGER NOT NULL REFERENCES ecgrid_ids (ecgrid_id),
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    completed TEXT,
    last_traffic_inbound TEXT,
    last_traffic_outbound TEXT,
    reference TEXT,
    contact_name TEXT,
    contact_email TEXT
);
CREATE INDEX interconnects_from ON interconnects (ecgrid_id_from);
CREATE INDEX interconnects_to ON interconnects (ecgrid_id_to);
CREATE TABLE notes (
    note_id INTEGER PRIMARY KEY,
    interconnect_id INTEGER NOT NULL REFERENCES interconnects (interconnect_id),
    text TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    mail_to TEXT,
    attachment_name TEXT,
    attachment BLOB
);
CREATE TABLE parcels (
    parcel_id INTEGER PRIMARY KEY,
    ecgrid_id_from INTEGER NOT NULL,
    ecgrid_id_to INTEGER NOT NULL,
    mailbox_id INTEGER NOT NULL,
    network_id INTEGER NOT NULL,
    document_type TEXT,
    file_name TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created TEXT NOT NULL,
    created_epoch REAL NOT NULL,
    fails INTEGER NOT NULL,
    traffic_recorded INTEGER NOT NULL DEFAULT 0
);
"""

ID_SELECT = """
SELECT i.ecgrid_id, i.mailbox_id, m.network_id, i.qualifier, i.isa_id, i.description,
       i.status, i.routing_group, i.edi_standard, i.use_type, i.owner_effective,
       i.owner_expires, i.created, i.modified, n.name, m.name
FROM ecgrid_ids i JOIN mailboxes m USING (mailbox_id) JOIN networks n USING (network_id)
"""
INTERCONNECT_COLUMNS = (
    "interconnect_id, ecgrid_id_from, ecgrid_id_to, status, created, modified, completed, "
    "last_traffic_inbound, last_traffic_outbound, reference, contact_name, contact_email"
)
INTERCONNECT_SELECT = f"SELECT {INTERCONNECT_COLUMNS} FROM interconnects"
NOTE_SELECT = (
    "SELECT note_id, interconnect_id, text, timestamp, user_id, status, mail_to, "
    "attachment_name, attachment FROM notes"
)
