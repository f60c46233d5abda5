"""`ecgrid interconnect setup` (single partner) against mocked HTTP."""

from __future__ import annotations

import json

import httpx
from cli_support import PARTNER, fail, interconnect, mock_counts, ok, refuse_get_find

SETUP = ("interconnect", "setup", "--qualifier", "01", "--id", "PARTNERCO", "--from", "111111")


def test_setup_creates_when_no_interconnect_exists(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    mock_counts(api, {111111: 0, 334455: 0})
    api.post("/v2/partners/list").mock(return_value=ok([]))
    create = api.post("/v2/partners").mock(return_value=ok(interconnect(88200, 111111, 334455)))
    result = cli(*SETUP, "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc == {
        "created": True,
        "interconnect": interconnect(88200, 111111, 334455),
        "partner": {**PARTNER, "id": "PARTNERCO"},
        "testParcelId": None,
    }
    assert json.loads(create.calls.last.request.content) == {
        "ecGridIdFrom": 111111,
        "ecGridIdTo": 334455,
    }


def test_setup_returns_existing_reverse_interconnect_without_creating(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    mock_counts(api, {111111: 1, 334455: 1})
    api.post("/v2/partners/list").mock(return_value=ok([interconnect(77, 334455, 111111)]))
    create = api.post("/v2/partners").mock(return_value=ok(interconnect(1, 1, 2)))
    result = cli(*SETUP, "--json")
    assert result.code == 0
    assert result.json()["created"] is False
    assert result.json()["interconnect"]["interconnectId"] == 77
    assert create.call_count == 0


def test_setup_ignores_terminated_interconnects(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    mock_counts(api, {111111: 1, 334455: 1})
    api.post("/v2/partners/list").mock(
        return_value=ok([interconnect(77, 111111, 334455, status="Terminated")])
    )
    create = api.post("/v2/partners").mock(return_value=ok(interconnect(78, 111111, 334455)))
    result = cli(*SETUP, "--json")
    assert result.json()["created"] is True
    assert create.call_count == 1


def test_setup_duplicate_answer_resolves_to_existing(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    # Each side already has one unrelated interconnect, so the check lists them.
    mock_counts(api, {111111: 1, 334455: 1})
    other = interconnect(5, 111111, 222222)
    listing = iter([ok([other]), ok([other, interconnect(90, 111111, 334455)])])
    api.post("/v2/partners/list").mock(side_effect=lambda request: next(listing))
    api.post("/v2/partners").mock(return_value=fail(400, "DuplicateObject", "exists"))
    result = cli(*SETUP, "--json")
    assert result.code == 0, result.err
    assert result.json()["created"] is False
    assert result.json()["interconnect"]["interconnectId"] == 90


def test_setup_not_found_exits_4(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([]))
    refuse_get_find(api)
    result = cli(*SETUP, "--json")
    assert result.code == 4
    assert result.err_json()["error"]["code"] == "PartnerNotFound"
    assert result.out == ""


def test_setup_several_active_matches_exit_5_and_lists_them(cli, api):
    twins = [
        {**PARTNER, "ecGridId": 600001, "description": "legacy A"},
        {**PARTNER, "ecGridId": 600002, "description": "legacy B"},
    ]
    api.post("/v2/ids/find").mock(return_value=ok(twins))
    result = cli(*SETUP)
    assert result.code == 5
    assert "600001" in result.err and "600002" in result.err
    assert "--partner-ecgrid-id" in result.err


def test_setup_picks_the_single_active_match(cli, api):
    matches = [
        {**PARTNER, "ecGridId": 500001, "status": "Terminated"},
        {**PARTNER, "ecGridId": 500002, "status": "Active"},
    ]
    api.post("/v2/ids/find").mock(return_value=ok(matches))
    mock_counts(api, {})
    api.post("/v2/partners/list").mock(return_value=ok([]))
    create = api.post("/v2/partners").mock(return_value=ok(interconnect(5, 111111, 500002)))
    result = cli(*SETUP, "--json")
    assert result.code == 0
    assert json.loads(create.calls.last.request.content)["ecGridIdTo"] == 500002


def test_setup_dry_run_sends_no_write(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    mock_counts(api, {})
    api.post("/v2/partners/list").mock(return_value=ok([]))
    create = api.post("/v2/partners").mock(return_value=ok(interconnect(5, 1, 2)))
    result = cli(*SETUP, "--dry-run", "--json")
    assert result.code == 0
    assert result.json()["dryRun"] is True
    assert result.json()["wouldCreate"] is True
    assert result.json()["interconnect"] is None
    assert create.call_count == 0


def test_setup_verify_reports_parcel(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    mock_counts(api, {})
    api.post("/v2/partners/list").mock(return_value=ok([]))
    api.post("/v2/partners").mock(return_value=ok(interconnect(5, 111111, 334455)))
    parcel = api.post("/v2/parcels/send-test-file").mock(return_value=ok(900001))
    result = cli(*SETUP, "--verify", "--json")
    assert result.code == 0
    assert result.json()["testParcelId"] == 900001
    assert json.loads(parcel.calls.last.request.content) == {
        "ecGridIdFrom": 111111,
        "ecGridIdTo": 334455,
    }


def test_setup_with_partner_ecgrid_id_skips_find(cli, api):
    find = api.post("/v2/ids/find").mock(return_value=ok([]))
    api.get("/v2/ids/334455").mock(return_value=ok(PARTNER))
    mock_counts(api, {})
    api.post("/v2/partners/list").mock(return_value=ok([]))
    api.post("/v2/partners").mock(return_value=ok(interconnect(5, 111111, 334455)))
    result = cli("interconnect", "setup", "--partner-ecgrid-id", "334455", "--from", "111111")
    assert result.code == 0, result.err
    assert find.call_count == 0
    assert "created\ttrue" in result.out.lower()


def test_setup_needs_a_partner(cli, api):
    result = cli("interconnect", "setup", "--from", "111111")
    assert result.code == 2
    assert "--qualifier" in result.err


def test_setup_write_dropped_then_found_is_not_sent_twice(cli, api):
    api.post("/v2/ids/find").mock(return_value=ok([PARTNER]))
    # Each side already has one unrelated interconnect, so the check lists them.
    mock_counts(api, {111111: 1, 334455: 1})
    other = interconnect(5, 111111, 222222)
    listing = iter([ok([other]), ok([other, interconnect(91, 111111, 334455)])])
    api.post("/v2/partners/list").mock(side_effect=lambda request: next(listing))
    create = api.post("/v2/partners").mock(side_effect=httpx.RemoteProtocolError("dropped"))
    result = cli(*SETUP, "--json")
    assert result.code == 0, result.err
    assert create.call_count == 1
    assert result.json()["created"] is True
    assert result.json()["interconnect"]["interconnectId"] == 91
