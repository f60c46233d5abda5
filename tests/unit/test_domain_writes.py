"""domain/writes.py: every write reconciles before re-sending, and says whether it can
prove it made what it returns. First over the fake backend, then end to end over the
real RestBackend and respx (the lost answer really is lost on the wire)."""

from __future__ import annotations

import re

import httpx
import pytest
from unit_fakes import FakeBackend
from unit_support import ecgrid_id, fail, interconnect, ok, partners_server

from ecgrid_cli.api.backend import NewId
from ecgrid_cli.api.rest.find_forms import FIND_PATH
from ecgrid_cli.api.rest.server_facts import ServerFacts
from ecgrid_cli.domain import writes
from ecgrid_cli.errors import ConflictError

ME, PARTNER = 1001, 2002


# -- create_interconnect: provenance -------------------------------------------------------


def test_token_is_a_fresh_marker_per_call():
    backend = FakeBackend()
    writes.create_interconnect(backend, ME, PARTNER, None)
    backend.interconnects.clear()
    writes.create_interconnect(backend, ME, PARTNER, None)
    first, second = backend.tokens
    assert re.fullmatch(r"ecgrid-cli/[0-9a-f]{12}", first)
    assert first != second


def test_answer_that_arrived_is_confirmed():
    made = writes.create_interconnect(FakeBackend(), ME, PARTNER, "Development")
    assert made.confirmed is True
    assert made.interconnect.status == "Development"


def test_lost_answer_without_a_stored_token_is_not_claimed():
    backend = FakeBackend(stores_tokens=False)
    backend.faults["create_interconnect"] = ["lost"]
    made = writes.create_interconnect(backend, ME, PARTNER, None)
    assert made.confirmed is False
    assert len(backend.interconnects) == 1


def test_lost_answer_with_the_matching_token_is_confirmed():
    backend = FakeBackend(stores_tokens=True)
    backend.faults["create_interconnect"] = ["lost"]
    made = writes.create_interconnect(backend, ME, PARTNER, None)
    assert made.confirmed is True
    assert made.interconnect.reference == backend.tokens[0]


def test_reconcile_finding_someone_elses_record_is_not_claimed():
    backend = FakeBackend(stores_tokens=True)
    other = backend.add_interconnect(5, PARTNER, ME, reference="ecgrid-cli/someoneelse")
    backend.faults["create_interconnect"] = ["dropped"]
    made = writes.create_interconnect(backend, ME, PARTNER, None)
    assert made.interconnect == other
    assert made.confirmed is False


def test_reconcile_finding_nothing_then_resend_is_confirmed():
    backend = FakeBackend()
    backend.faults["create_interconnect"] = ["dropped"]
    made = writes.create_interconnect(backend, ME, PARTNER, None)
    assert made.confirmed is True
    assert len(backend.interconnects) == 1


def test_reconcile_ignores_ended_records():
    backend = FakeBackend()
    backend.add_interconnect(5, ME, PARTNER, "Terminated")
    backend.faults["create_interconnect"] = ["dropped"]
    made = writes.create_interconnect(backend, ME, PARTNER, None)
    assert made.interconnect.interconnect_id != 5
    assert made.confirmed is True


# -- create_id, tp_move, cancel ------------------------------------------------------------

NEW = NewId(3001, "ZZ", "NEWPARTNER", description="New")


def test_create_id_confirmed_when_the_answer_arrives():
    created = writes.create_id(FakeBackend(), NEW)
    assert created.confirmed is True
    assert created.record.isa_id == "NEWPARTNER"


def test_create_id_lost_answer_is_found_by_qid_search():
    backend = FakeBackend()
    backend.faults["create_id"] = ["lost"]
    created = writes.create_id(backend, NEW)
    assert created.confirmed is False
    assert backend.called("find_ids") == [("ZZ", "NEWPARTNER")]
    assert [r.ecgrid_id for r in backend.ids.values()] == [created.record.ecgrid_id]


def test_create_id_reconcile_ignores_ended_ids_and_resends():
    backend = FakeBackend()
    backend.add_id(5, "ZZ", "NEWPARTNER", "Terminated")
    backend.faults["create_id"] = ["dropped"]
    created = writes.create_id(backend, NEW)
    assert created.record.ecgrid_id != 5
    assert created.confirmed is True


def test_create_id_duplicate_surfaces():
    backend = FakeBackend()
    backend.add_id(5, "ZZ", "NEWPARTNER")
    with pytest.raises(ConflictError):
        writes.create_id(backend, NEW)


def test_tp_move_reconcile_checks_the_mailbox():
    backend = FakeBackend()
    backend.add_id(42)
    backend.faults["tp_move"] = ["lost"]
    assert writes.tp_move(backend, 42, 9).mailbox_id == 9
    assert backend.called("get_id") == [(42,)]


def test_cancel_reconcile_checks_the_status():
    backend = FakeBackend()
    backend.add_interconnect(5, ME, PARTNER)
    backend.faults["cancel_interconnect"] = ["lost"]
    writes.cancel_interconnect(backend, 5)
    assert backend.interconnects[5].status == "Terminated"
    assert backend.called("get_interconnect") == [(5,)]


# -- end to end over RestBackend -----------------------------------------------------------


def serve_partners(rest_api, records, *, listing=True):
    count, listed = partners_server(records)
    rest_api.post("/v2/partners/count").mock(side_effect=count)
    if listing:
        rest_api.post("/v2/partners/list").mock(side_effect=listed)


def test_rest_create_after_a_dropped_connection_returns_the_reconciled_record(rest_api, make_rest):
    records: list[dict] = []
    serve_partners(rest_api, records)

    def applied_then_dropped(request):
        records.append(interconnect(55, ME, PARTNER))
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    post = rest_api.post("/v2/partners").mock(side_effect=applied_then_dropped)
    made = writes.create_interconnect(make_rest(), ME, PARTNER, None)
    assert made.interconnect.interconnect_id == 55
    assert made.confirmed is False  # REST stores no token: cannot prove it was this call
    assert post.call_count == 1


def test_rest_create_after_a_500_not_applied_is_resent_once(rest_api, make_rest):
    serve_partners(rest_api, [], listing=False)  # both counts are 0: no list request
    post = rest_api.post("/v2/partners").mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError")),
            httpx.Response(200, json=ok(interconnect(56, ME, PARTNER))),
        ]
    )
    made = writes.create_interconnect(make_rest(), ME, PARTNER, None)
    assert made.interconnect.interconnect_id == 56
    assert made.confirmed is True
    assert post.call_count == 2


def test_rest_tp_move_after_a_500_returns_the_already_moved_id(rest_api, make_rest):
    post = rest_api.post("/v2/ids/tp-move").respond(500, json=fail("InternalError"))
    get = rest_api.get("/v2/ids/42").respond(200, json=ok(ecgrid_id(42, mailbox_id=9)))
    assert writes.tp_move(make_rest(), 42, 9).mailbox_id == 9
    assert (post.call_count, get.call_count) == (1, 1)


def test_rest_tp_move_not_moved_is_resent(rest_api, make_rest):
    post = rest_api.post("/v2/ids/tp-move").mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError")),
            httpx.Response(200, json=ok(ecgrid_id(42, mailbox_id=9))),
        ]
    )
    rest_api.get("/v2/ids/42").respond(200, json=ok(ecgrid_id(42, mailbox_id=300)))
    assert writes.tp_move(make_rest(), 42, 9).mailbox_id == 9
    assert post.call_count == 2


def test_rest_create_id_after_a_timeout_returns_the_live_id_found(rest_api, make_rest, facts_path):
    ServerFacts(facts_path).put("https://api.test", "find", "post")
    ServerFacts(facts_path).put("https://api.test", "create-id", "reference")
    post = rest_api.post("/v2/ids").mock(side_effect=httpx.ReadTimeout("timed out"))
    find = rest_api.post(FIND_PATH).respond(
        200,
        json=ok([ecgrid_id(40, "ZZ", "ACME", status="Terminated"), ecgrid_id(42, "ZZ", "ACME")]),
    )
    created = writes.create_id(make_rest(), NewId(300, "ZZ", "ACME"))
    assert created.record.ecgrid_id == 42
    assert created.confirmed is False
    assert (post.call_count, find.call_count) == (1, 1)


def test_rest_cancel_after_a_drop_checks_the_status(rest_api, make_rest):
    delete = rest_api.delete("/v2/partners/5").mock(side_effect=httpx.ReadError("reset"))
    rest_api.get("/v2/partners/5").respond(
        200, json=ok(interconnect(5, ME, PARTNER, status="Terminated"))
    )
    writes.cancel_interconnect(make_rest(), 5)
    assert delete.call_count == 1
