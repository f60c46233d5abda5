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
    HUB_ID,
    IC_STATUS_WORDS,
    OWN_ID,
    WIDGET_ID,
    in_parallel,
)

from ecgrid_cli import statuses

pytestmark = pytest.mark.e2e


# Statuses counted over both APIs (the listings above compare every word).
COUNTED = {word: IC_STATUS_WORDS[word] for word in ("Active", "Development", "Suspended")}


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

    # Interconnect listings: same IDs, ends and times; statuses by the table.
    for ecgrid_id in (own, str(HUB_ID)):
        listed_rest, listed_soap = both("partners", "list", ecgrid_id, "--all", "--json")
        assert [ic["interconnectId"] for ic in listed_soap] == [
            ic["interconnectId"] for ic in listed_rest
        ]
        for a, b in zip(listed_rest, listed_soap, strict=True):
            assert {**b, "status": a["status"]} == a
            assert b["status"] == IC_STATUS_WORDS[a["status"]], (a, b)
    assert len(listed_rest) == 18

    # Counts, in all and per status, asked in either vocabulary.
    total_rest, total_soap = both("partners", "count", own, "--json")
    assert total_rest["count"] == total_soap["count"] == 6 + 6
    counted = in_parallel(
        *[
            partial(run, "partners", "count", own, "--status", word, "--json")
            for rest_word, soap_word in COUNTED.items()
            for run, word in ((rest, rest_word), (soap, soap_word))
        ],
        partial(rest, "partners", "count", own, "--status", "completed", "--json"),
        partial(soap, "partners", "count", own, "--status", "active", "--json"),
    )
    values = [ok(result) for result in counted]
    for index, (rest_word, soap_word) in enumerate(COUNTED.items()):
        over_rest, over_soap = values[2 * index], values[2 * index + 1]
        assert (over_rest["status"], over_soap["status"]) == (rest_word, soap_word)
        assert over_rest["count"] == over_soap["count"], (rest_word, values)
    assert values[-2] == values[0] and values[-1] == values[1]  # the other vocabulary
    assert values[0]["count"] == 5 + 2  # Active: 5 in the seed, 2 set up above

    # Single interconnects and the IDs each API created.
    for ic in (ic_rest, ic_soap):
        got_rest, got_soap = both("partners", "get", ic, "--json")
        assert {**got_soap, "status": got_rest["status"]} == got_rest
    for doc in (rest_id, soap_id):
        got_rest, got_soap = both("ids", "get", str(doc["ecGridId"]), "--json")
        assert (
            {**got_rest, "ediStandard": None}
            == {**got_soap, "ediStandard": None}
            == {
                **doc,
                "ediStandard": None,
            }
        )
        found_rest, found_soap = both("ids", "find", "-q", "ZZ", "-i", doc["id"], "--json")
        assert (
            [d["ecGridId"] for d in found_rest]
            == [d["ecGridId"] for d in found_soap]
            == [doc["ecGridId"]]
        )

    # Notes written over one API are read over the other.
    for ic, text in ((ic_rest, "written over SOAP"), (ic_soap, "written over REST")):
        notes_rest, notes_soap = both("partners", "note", "list", ic, "--json")
        assert [n["text"] for n in notes_rest] == [n["text"] for n in notes_soap] == [text]

    # Ended over SOAP, ended over REST too.
    ended = soap("partners", "delete", ic_rest, "--yes", "--json")
    assert ok(ended)["status"] == "Canceled"
    after_rest, after_soap = both("partners", "get", ic_rest, "--json")
    assert (after_rest["status"], after_soap["status"]) == ("Terminated", "Canceled")
    again = rest("interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", own, "--json")
    assert ok(again)["outcome"] == "created"  # the ended one does not count
