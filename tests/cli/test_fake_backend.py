"""The fake is only worth trusting if it is the Backend protocol, and behaves like one."""

from __future__ import annotations

import inspect

import pytest
from fake_backend import FakeBackend, demo

from ecgrid_cli.api.backend import Backend, NewId
from ecgrid_cli.errors import (
    ConflictError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
)

PROTOCOL_METHODS = sorted(
    name for name, value in vars(Backend).items() if callable(value) and not name.startswith("_")
)


def test_protocol_lists_every_operation():
    assert PROTOCOL_METHODS == [
        "add_note",
        "cancel_interconnect",
        "close",
        "count_interconnects",
        "create_id",
        "create_interconnect",
        "find_ids",
        "get_id",
        "get_interconnect",
        "get_parcel",
        "interconnects_between",
        "iter_interconnects",
        "list_interconnects",
        "list_notes",
        "login",
        "logout",
        "send_test_file",
        "tp_move",
        "version",
        "whoami",
    ]


@pytest.mark.parametrize("name", PROTOCOL_METHODS)
def test_fake_has_the_protocol_signature(name):
    wanted = inspect.signature(getattr(Backend, name))
    got = inspect.signature(getattr(FakeBackend, name))
    assert [(p.name, p.kind, p.default, p.annotation) for p in got.parameters.values()] == [
        (p.name, p.kind, p.default, p.annotation) for p in wanted.parameters.values()
    ]
    assert got.return_annotation == wanted.return_annotation


@pytest.mark.parametrize("api", ["rest", "soap"])
def test_fake_has_the_protocol_attributes(api):
    fake = FakeBackend(api=api)
    assert fake.api == api
    assert fake.base_url.startswith("https://")
    assert fake.capabilities.id_use_type is (api == "rest")


def test_statuses_are_answered_in_the_words_of_the_api():
    fake = demo("rest")
    fake.add_interconnect(1, 111111, 334455, status="Suspended")
    assert fake.get_interconnect(1).status == "Suspended"
    fake.api = "soap"
    assert fake.get_interconnect(1).status == "Delayed"
    assert [ic.interconnect_id for ic in fake.iter_interconnects(111111, status="Delayed")] == [1]


def test_isa_padding_is_stripped_by_the_models():
    assert demo().get_id(334455).isa_id == "PARTNERCO"
    assert demo().ids[334455]["id"] == "PARTNERCO      "


def test_unknown_objects_are_not_found():
    fake = demo()
    with pytest.raises(NotFoundError):
        fake.get_id(1)
    with pytest.raises(NotFoundError):
        fake.get_interconnect(1)


def test_a_live_pair_cannot_be_created_twice():
    fake = demo()
    fake.create_interconnect(111111, 334455, status=None, token=None, reconcile=lambda: None)
    with pytest.raises(ConflictError):
        fake.create_interconnect(334455, 111111, status=None, token=None, reconcile=lambda: None)
    assert len(fake.writes("create_interconnect")) == 1


def test_a_lost_answer_is_reconciled_and_not_sent_again():
    fake = demo()
    fake.lose_answer("create_interconnect")
    found = fake.interconnects_between  # what a caller's reconcile would ask

    def reconcile():
        live = found(111111, 334455)
        return live[0] if live else None

    made = fake.create_interconnect(111111, 334455, status=None, token=None, reconcile=reconcile)
    assert made.interconnect_id == 88200
    assert len(fake.writes()) == 1
    assert fake.methods == ["create_interconnect", "interconnects_between"]


def test_a_request_lost_before_it_arrived_is_sent_again():
    fake = demo()
    fake.lose_answer("create_id", applied=False)
    made = fake.create_id(NewId(3001, "ZZ", "NEWCO"), reconcile=lambda: None)
    assert made.isa_id == "NEWCO"
    assert len(fake.writes("create_id")) == 1
    assert len(fake.sleeps) == 1  # one backoff before the second attempt


def test_transient_faults_are_retried_then_given_up():
    fake = demo()
    fake.retries = 2
    fake.fail("get_id", TransientError("HTTP 503", http_status=503), times=None)
    with pytest.raises(RetriesExhaustedError, match="gave up after 3 attempts: HTTP 503"):
        fake.get_id(334455)
    assert len(fake.sleeps) == 2


def test_faults_can_pick_their_calls():
    fake = demo()
    fake.fail("get_id", NotFoundError("gone"), when=lambda ecgrid_id: ecgrid_id == 334455)
    assert fake.get_id(123456).ecgrid_id == 123456
    with pytest.raises(NotFoundError, match="gone"):
        fake.get_id(334455)
    assert fake.get_id(334455).ecgrid_id == 334455  # times=1: used up
