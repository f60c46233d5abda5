"""One store, two APIs: what one API writes, the other reads the same.

Interconnects, IDs and notes are created over REST and over SOAP against one sandbox,
then read back over both: the same interconnect IDs, ends, times and counts; status
words mapped by the documented table (``ecgrid_cli/statuses.py``, README "Status
words"); ID documents equal but for the EDI standard, which ECGridOS does not carry.
"""

from __future__ import annotations

from functools import partial

import pytest
from e2e_support import (
    IC_STATUS_WORDS,
    OWN_ID,
    WIDGET_ID,
    in_parallel,
)

from ecgrid_cli import statuses

pytestmark = pytest.mark.e2e


def ok(result):
    assert result.code == 0, result.describe()
    return result.json()


def test_the_status_table_is_the_documented_one() -> None:
    assert statuses.INTERCONNECT_REST_TO_SOAP == IC_STATUS_WORDS


def test_one_store_reads_the_same_over_both_apis(sandbox, runner_for) -> None:
    rest, soap = runner_for(sandbox.url, "rest"), runner_for(sandbox.url, "soap")
    own = str(OWN_ID)

    # Writes over REST (every status REST can create in) and over SOAP (its two).
    written = in_parallel(
        partial(rest, "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", own,
                "--json"),
        partial(rest, "partners", "create", "--from", own, "--to", str(WIDGET_ID),
                "--status", "Development", "--json"),
        partial(rest, "partners", "create", "--from", own, "--to", "200001",
                "--status", "Preproduction", "--json"),
        partial(rest, "partners", "create", "--from", own, "--to", "200002",
                "--status", "Suspended", "--json"),
        partial(soap, "interconnect", "setup", "-q", "ZZ", "-i", "TP200003", "--from", own,
                "--json"),
        partial(soap, "partners", "create", "--from", own, "--to", "200004",
                "--status", "Pending", "--json"),
        partial(rest, "ids", "create", "-q", "ZZ", "-i", "BYREST", "-m", "1001", "--json"),
        partial(soap, "ids", "create", "-q", "ZZ", "-i", "BYSOAP", "-m", "1002", "--json"),
    )  # fmt: skip
    docs = [ok(result) for result in written]
    by_rest_setup, *_, by_soap_setup, _, rest_id, soap_id = docs
    assert by_rest_setup["interconnect"]["status"] == "Active"
    assert by_soap_setup["interconnect"]["status"] == "Completed"
    assert docs[5]["status"] == "Pending"

    ic_rest = str(by_rest_setup["interconnect"]["interconnectId"])
    ic_soap = str(by_soap_setup["interconnect"]["interconnectId"])
    noted = in_parallel(
        partial(rest, "partners", "note", "add", ic_soap, "written over REST", "--json"),
        partial(soap, "partners", "note", "add", ic_rest, "written over SOAP", "--json"),
    )
    assert all(result.code == 0 for result in noted), [r.describe() for r in noted]

    def both(*args: str) -> tuple[object, object]:
        over_rest, over_soap = in_parallel(partial(rest, *args), partial(soap, *args))
        return ok(over_rest), ok(over_soap)

    # The interconnect listing: same IDs, ends and times; statuses by the table. (The
    # seed's listings over each API are compared with the seed in test_e2e_partners.py.)
    listed_rest, listed_soap = both("partners", "list", own, "--all", "--json")
    assert [ic["interconnectId"] for ic in listed_soap] == [
        ic["interconnectId"] for ic in listed_rest
    ]
    for a, b in zip(listed_rest, listed_soap, strict=True):
        assert {**b, "status": a["status"]} == a
        assert b["status"] == IC_STATUS_WORDS[a["status"]], (a, b)
    assert len(listed_rest) == 6 + 6

    # Counts, in all and for a status both APIs wrote in (each asked in its own words).
    total_rest, total_soap = both("partners", "count", own, "--json")
    assert total_rest["count"] == total_soap["count"] == 6 + 6
    pending = in_parallel(
        partial(rest, "partners", "count", own, "--status", "Development", "--json"),
        partial(soap, "partners", "count", own, "--status", "Pending", "--json"),
    )
    over_rest, over_soap = (ok(result) for result in pending)
    assert (over_rest["status"], over_soap["status"]) == ("Development", "Pending")
    assert over_rest["count"] == over_soap["count"] == 2  # one made over each API

    # What one API wrote, the other reads: the interconnect, the IDs, the notes.
    got_rest, got_soap = both("partners", "get", ic_soap, "--json")
    assert {**got_soap, "status": got_rest["status"]} == got_rest
    read = in_parallel(
        partial(rest, "ids", "get", str(soap_id["ecGridId"]), "--json"),
        partial(soap, "ids", "get", str(rest_id["ecGridId"]), "--json"),
        partial(rest, "ids", "find", "-q", "ZZ", "-i", "BYSOAP", "--json"),
        partial(soap, "ids", "find", "-q", "ZZ", "-i", "BYREST", "--json"),
        partial(rest, "partners", "note", "list", ic_rest, "--json"),
        partial(soap, "partners", "note", "list", ic_soap, "--json"),
    )
    soap_made, rest_made, found_soap_made, found_rest_made, notes_rest, notes_soap = [
        ok(result) for result in read
    ]
    # ID documents are equal but for the EDI standard, which ECGridOS does not carry.
    assert {**soap_made, "ediStandard": None} == {**soap_id, "ediStandard": None}
    assert {**rest_made, "ediStandard": None} == {**rest_id, "ediStandard": None}
    assert [d["ecGridId"] for d in found_soap_made] == [soap_id["ecGridId"]]
    assert [d["ecGridId"] for d in found_rest_made] == [rest_id["ecGridId"]]
    assert [n["text"] for n in notes_rest] == ["written over SOAP"]
    assert [n["text"] for n in notes_soap] == ["written over REST"]

    # Ended over SOAP, ended over REST too.
    ended = soap("partners", "delete", ic_rest, "--yes", "--json")
    assert ok(ended)["status"] == "Canceled"
    after_rest = rest("partners", "get", ic_rest, "--json")
    assert ok(after_rest)["status"] == "Terminated"
    again = rest("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", own, "--json")
    assert ok(again)["outcome"] == "created"  # the ended one does not count
