"""`ecgrid partners create|get|list|count|delete` against mocked HTTP."""

from __future__ import annotations

import json

import httpx
import pytest
from cli_support import fail, interconnect, mock_counts, ok


@pytest.fixture
def no_interconnects_yet(api):
    """partners create first checks the pair: here neither side has any interconnect."""
    return mock_counts(api, {})


def test_create_posts_the_pair_and_prints_the_interconnect(cli, api, no_interconnects_yet):
    route = api.post("/v2/partners").mock(return_value=ok(interconnect(88200, 111111, 334455)))
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 0, result.err
    assert result.json() == interconnect(88200, 111111, 334455)
    assert json.loads(route.calls.last.request.content) == {
        "ecGridIdFrom": 111111,
        "ecGridIdTo": 334455,
    }


def test_create_sends_status_canonically(cli, api, no_interconnects_yet):
    route = api.post("/v2/partners").mock(return_value=ok(interconnect(1, 111111, 334455)))
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--status", "aCTIVE")
    assert result.code == 0
    assert json.loads(route.calls.last.request.content)["status"] == "Active"


def test_create_accepts_seed_spelling_created_date(cli, api, no_interconnects_yet):
    payload = {
        "interconnectId": 88200,
        "ecGridIdFrom": 111111,
        "ecGridIdTo": 334455,
        "status": "Active",
        "createdDate": "2026-05-07T11:00:00Z",
    }
    api.post("/v2/partners").mock(return_value=ok(payload))
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.json()["created"] == "2026-05-07T11:00:00Z"
    assert set(result.json()) == {
        "interconnectId",
        "ecGridIdFrom",
        "ecGridIdTo",
        "status",
        "created",
        "modified",
    }


def test_create_from_defaults_to_profile_ecgrid_id(cli, api, no_interconnects_yet, monkeypatch):
    monkeypatch.setenv("ECGRID_ECGRID_ID", "111111")
    route = api.post("/v2/partners").mock(return_value=ok(interconnect(1, 111111, 334455)))
    assert cli("partners", "create", "--to", "334455").code == 0
    assert json.loads(route.calls.last.request.content)["ecGridIdFrom"] == 111111


def test_create_without_from_or_profile_id_is_usage_error(cli, api):
    result = cli("partners", "create", "--to", "334455")
    assert result.code == 2
    assert "--from" in result.err


def test_create_duplicate_exits_5(cli, api, no_interconnects_yet):
    api.post("/v2/partners").mock(
        return_value=fail(400, "DuplicateObject", "interconnect 88001 already joins the pair")
    )
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 5
    assert result.err_json()["error"]["code"] == "DuplicateObject"
    assert result.err_json()["error"]["httpStatus"] == 400


def test_create_of_an_existing_pair_exits_5_without_posting(cli, api):
    mock_counts(api, {111111: 1, 334455: 3})
    api.post("/v2/partners/list").mock(return_value=ok([interconnect(88001, 334455, 111111)]))
    route = api.post("/v2/partners").mock(return_value=ok(interconnect(9, 111111, 334455)))
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 5
    error = result.err_json()["error"]
    assert error["code"] == "DuplicateObject"
    assert "88001" in error["message"]
    assert route.call_count == 0
    assert result.out == ""


def test_create_over_a_terminated_pair_posts(cli, api):
    mock_counts(api, {111111: 1, 334455: 1})
    api.post("/v2/partners/list").mock(
        return_value=ok([interconnect(88001, 111111, 334455, status="Terminated")])
    )
    route = api.post("/v2/partners").mock(return_value=ok(interconnect(9, 111111, 334455)))
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 0, result.err
    assert result.json()["interconnectId"] == 9
    assert route.call_count == 1


def test_create_answer_does_not_depend_on_a_dropped_connection(cli, api):
    """A write lost on the wire and found on the check is ours: exit 0, as without faults."""
    state = {"created": False}

    def count(request):
        return ok(1 if state["created"] else 0)

    def create(request):
        state["created"] = True
        raise httpx.RemoteProtocolError("server closed the connection")

    api.post("/v2/partners/count").mock(side_effect=count)
    api.post("/v2/partners/list").mock(return_value=ok([interconnect(77, 111111, 334455)]))
    route = api.post("/v2/partners").mock(side_effect=create)
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 0, result.err
    assert result.json()["interconnectId"] == 77
    assert route.call_count == 1


def test_create_rejects_bad_status_before_sending(cli, api):
    route = api.post("/v2/partners").mock(return_value=ok(None))
    result = cli("partners", "create", "--from", "1", "--to", "2", "--status", "Live")
    assert result.code == 2
    assert "--status" in result.err and "Active" in result.err
    assert route.call_count == 0


def test_get_prints_key_values(cli, api):
    api.get("/v2/partners/88200").mock(return_value=ok(interconnect(88200, 111111, 334455)))
    result = cli("partners", "get", "88200")
    assert result.code == 0
    assert "Interconnect\t88200\n" in result.out and "Status\tActive\n" in result.out


def test_list_page_and_per_page_are_sent(cli, api):
    route = api.post("/v2/partners/list").mock(return_value=ok([interconnect(5, 123456, 200001)]))
    result = cli(
        "partners", "list", "123456", "--page", "2", "--per-page", "10", "--status", "active"
    )
    assert result.code == 0
    assert json.loads(route.calls.last.request.content) == {
        "ecGridId": 123456,
        "status": "Active",
        "pageNo": 2,
        "recordsPerPage": 10,
    }
    assert result.out == "5\t123456\t200001\tActive\t2026-05-07T11:00:00Z\t2026-05-07T11:00:00Z\n"


def test_list_all_walks_every_page_as_one_json_array(cli, api):
    pages = {
        1: [interconnect(i, 123456, 200000 + i) for i in range(1, 4)],
        2: [interconnect(i, 123456, 200000 + i) for i in range(4, 6)],
    }

    def answer(request):
        body = json.loads(request.content)
        return ok(pages.get(body["pageNo"], []))

    route = api.post("/v2/partners/list").mock(side_effect=answer)
    result = cli("partners", "list", "123456", "--all", "--per-page", "3", "--json")
    assert result.code == 0, result.err
    assert [ic["interconnectId"] for ic in result.json()] == [1, 2, 3, 4, 5]
    assert route.call_count == 2


def test_list_all_with_page_is_usage_error(cli, api):
    result = cli("partners", "list", "123456", "--all", "--page", "2")
    assert result.code == 2


@pytest.mark.parametrize("flag", ["--page", "--per-page"])
def test_list_rejects_page_below_one(cli, api, flag):
    result = cli("partners", "list", "123456", flag, "0")
    assert result.code == 2
    assert flag in result.err


def test_count_json_shape(cli, api):
    route = api.post("/v2/partners/count").mock(return_value=ok(14))
    result = cli("partners", "count", "123456", "--status", "active", "--json")
    assert result.code == 0
    assert result.json() == {"ecGridId": 123456, "status": "Active", "count": 14}
    assert json.loads(route.calls.last.request.content) == {"ecGridId": 123456, "status": "Active"}


def test_count_without_status_is_null_and_plain_number_when_piped(cli, api):
    api.post("/v2/partners/count").mock(return_value=ok(18))
    assert cli("partners", "count", "123456", "--json").json()["status"] is None
    assert cli("partners", "count", "123456").out == "18\n"


def test_count_wrong_type_from_server_is_clean_error(cli, api):
    api.post("/v2/partners/count").mock(return_value=ok("many"))
    result = cli("partners", "count", "123456")
    assert result.code == 1
    assert result.err.startswith("error: expected an integer")
    assert "Traceback" not in result.err


def test_delete_refuses_without_terminal(cli, api):
    api.get("/v2/partners/88001").mock(return_value=ok(interconnect(88001, 123456, 200001)))
    route = api.delete("/v2/partners/88001").mock(return_value=ok(True))
    result = cli("partners", "delete", "88001")
    assert result.code == 2
    assert route.call_count == 0


def test_delete_yes_terminates(cli, api):
    states = iter(
        [
            ok(interconnect(88001, 123456, 200001)),
            ok(interconnect(88001, 123456, 200001, status="Terminated")),
        ]
    )
    api.get("/v2/partners/88001").mock(side_effect=lambda request: next(states))
    route = api.delete("/v2/partners/88001").mock(return_value=ok(True))
    result = cli("partners", "delete", "88001", "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json()["status"] == "Terminated"
    assert route.call_count == 1


def test_delete_already_terminated_is_idempotent(cli, api):
    api.get("/v2/partners/88001").mock(
        return_value=ok(interconnect(88001, 123456, 200001, status="Terminated"))
    )
    route = api.delete("/v2/partners/88001").mock(return_value=ok(True))
    result = cli("partners", "delete", "88001", "--yes")
    assert result.code == 0
    assert route.call_count == 0


def test_list_on_a_narrow_terminal_keeps_ids_whole(cli, api, monkeypatch):
    monkeypatch.setenv("ECGRID_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", "80")
    rows = [
        {**interconnect(88001 + n, 123456, 200001 + n), "created": "2026-01-06T09:00:00.000Z"}
        for n in range(3)
    ]
    api.post("/v2/partners/list").mock(return_value=ok(rows))
    result = cli("--no-color", "partners", "list", "123456")
    assert result.code == 0, result.err
    for text in ("INTERCONNECT", "88001", "123456", "200003", "Active"):
        assert text in result.out, result.out
    assert "…" not in result.out
    assert max(len(line) for line in result.out.splitlines()) <= 80
