"""Delivery proof (send, poll, verdict) and the four-check interconnect health check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from unit_fakes import FakeBackend

from ecgrid_cli.api.models import Interconnect
from ecgrid_cli.domain import delivery
from ecgrid_cli.domain.delivery import (
    DELIVERED,
    FAILED,
    NOT_TESTED,
    PENDING,
    VERDICTS,
    classify,
    prove_delivery,
)
from ecgrid_cli.domain.health import check_interconnect
from ecgrid_cli.errors import NotFoundError

ME, PARTNER = 1001, 2002
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def an_interconnect(status: str = "Active", **extra) -> Interconnect:
    return Interconnect.model_validate(
        {"interconnectId": 5, "ecGridIdFrom": ME, "ecGridIdTo": PARTNER, "status": status, **extra}
    )


# -- classify ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "InBoxReady",
        "inboxtransferred",
        "InBoxArchived",
        "OutBoxAcknowledged",
        "OutBoxTransferred",
        "AS2MDNConfirmed",
        "AS4MDNConfirmed",
        "Delivered",
        "AS2Sent",
        "FTPSent",
        " delivered ",
    ],
)
def test_delivered_codes(code):
    assert classify(code) == DELIVERED


@pytest.mark.parametrize(
    "code", ["Failed", "Rejected", "ErrorRouting", "Canceled", "Cancelled", "Aborted", "AS2Failed"]
)
def test_failed_codes(code):
    assert classify(code) == FAILED


@pytest.mark.parametrize("code", [None, "", "OutBoxSent", "InProcess", "Queued", "Brand-new"])
def test_everything_else_is_pending(code):
    assert classify(code) == PENDING


def test_the_four_verdicts():
    assert VERDICTS == ("delivered", "failed", "pending", "not_tested")


# -- prove_delivery ------------------------------------------------------------------------


def test_an_interconnect_that_does_not_route_is_not_tested():
    backend = FakeBackend()
    result = prove_delivery(backend, an_interconnect("Suspended"), timeout=5)
    assert result.verdict == NOT_TESTED
    assert result.parcel_id is None
    assert result.detail == (
        "interconnect 5 is Suspended, not routing: a test parcel would be rejected"
    )
    assert backend.count("send_test_file") == 0


@pytest.mark.parametrize("status", ["Active", "Completed"])
def test_delivered_on_the_first_poll(status):
    backend = FakeBackend()
    fake = FakeTime()
    result = prove_delivery(
        backend, an_interconnect(status), timeout=5, clock=fake.clock, sleep=fake.sleep
    )
    assert result.verdict == DELIVERED
    assert result.status == "InBoxReady"
    assert result.detail == f"test parcel {result.parcel_id}: InBoxReady"
    assert backend.called("send_test_file") == [(ME, PARTNER)]
    assert fake.sleeps == []


def test_polls_with_doubling_pauses_until_a_verdict():
    backend = FakeBackend()
    backend.parcel_statuses = ["", "InProcess", "InProcess", "InProcess", "InProcess", "Failed"]
    fake = FakeTime()
    polled: list[str | None] = []
    result = prove_delivery(
        backend,
        an_interconnect(),
        timeout=60,
        clock=fake.clock,
        sleep=fake.sleep,
        on_poll=polled.append,
    )
    assert result.verdict == FAILED
    assert fake.sleeps == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert polled == [None, "InProcess", "InProcess", "InProcess", "InProcess", "Failed"]


def test_still_in_flight_at_the_timeout_is_pending():
    backend = FakeBackend()
    backend.parcel_statuses = ["InProcess"]
    fake = FakeTime()
    result = prove_delivery(
        backend, an_interconnect(), timeout=3, clock=fake.clock, sleep=fake.sleep
    )
    assert result.verdict == PENDING
    assert result.detail == f"test parcel {result.parcel_id} still InProcess after 3s"
    assert sum(fake.sleeps) == pytest.approx(3.0)
    assert fake.sleeps[-1] == pytest.approx(3.0 - 0.25 - 0.5 - 1.0)


def test_the_servers_status_message_is_the_detail(monkeypatch):
    class Backend(FakeBackend):
        def get_parcel(self, parcel_id):
            return (
                super()
                .get_parcel(parcel_id)
                .model_copy(update={"status": "Rejected", "status_message": "no route to mailbox"})
            )

    result = prove_delivery(Backend(), an_interconnect(), timeout=1)
    assert (result.verdict, result.detail) == (FAILED, "no route to mailbox")


def test_default_pacing_constants():
    assert (delivery.FIRST_POLL_SECONDS, delivery.MAX_POLL_SECONDS) == (0.25, 2.0)


# -- the health check ----------------------------------------------------------------------


@pytest.fixture
def backend() -> FakeBackend:
    fake = FakeBackend()
    fake.add_id(ME, "ZZ", "MYCOMPANY")
    fake.add_id(PARTNER)
    return fake


TRAFFIC = {
    "lastTrafficOutbound": "2025-05-30T00:00:00Z",
    "lastTrafficInbound": "2025-05-31T00:00:00Z",
}


def check(backend, interconnect, **kwargs):
    return check_interconnect(backend, interconnect, now=lambda: NOW, **kwargs)


def test_a_healthy_interconnect(backend):
    health = check(backend, an_interconnect(**TRAFFIC))
    assert health.healthy is True
    assert health.issues == []
    assert [(c.name, c.passed) for c in health.checks] == [
        ("status", True),
        ("traffic", True),
        ("ids", True),
        ("moves", True),
    ]
    assert [c.reason for c in health.checks] == [
        "interconnect is Active",
        "last traffic out 2025-05-30T00:00:00Z, in 2025-05-31T00:00:00Z",
        f"ECGrid IDs {ME} and {PARTNER} are Active",
        "no move scheduled",
    ]
    assert (health.tp1.ecgrid_id, health.tp2.ecgrid_id) == (ME, PARTNER)
    assert health.delivery is None


def test_soap_completed_is_routing(backend):
    assert check(backend, an_interconnect("Completed", **TRAFFIC)).healthy is True


@pytest.mark.parametrize("status", ["Suspended", "Pending", "Development", None])
def test_an_interconnect_that_does_not_route(backend, status):
    health = check(backend, an_interconnect(status, **TRAFFIC))
    assert health.healthy is False
    shown = status or "of unknown status"
    assert health.issues == [f"interconnect is {shown}, not routing"]


def test_no_traffic_in_either_direction(backend):
    health = check(backend, an_interconnect())
    assert health.issues == [f"no traffic recorded {ME} → {PARTNER} or {PARTNER} → {ME}"]


def test_no_inbound_traffic(backend):
    health = check(backend, an_interconnect(lastTrafficOutbound="2025-05-30T00:00:00Z"))
    assert health.issues == [f"no traffic recorded {PARTNER} → {ME}"]


def test_net_min_date_is_no_traffic(backend):
    never = {"LastTrafficOutbound": "0001-01-01T00:00:00", "LastTrafficInbound": "0001-01-01"}
    assert not check(backend, an_interconnect(**never)).healthy


def test_an_id_that_is_not_active(backend):
    backend.add_id(PARTNER, status="Suspended")
    health = check(backend, an_interconnect(**TRAFFIC))
    assert health.issues == [f"ECGrid ID {PARTNER} is Suspended"]


def test_both_ids_inactive(backend):
    backend.add_id(ME, status="Terminated")
    backend.add_id(PARTNER, status="Suspended")
    health = check(backend, an_interconnect(**TRAFFIC))
    assert health.issues == [f"ECGrid ID {ME} is Terminated and {PARTNER} is Suspended"]


def test_a_scheduled_move(backend):
    backend.add_id(PARTNER, ownerInfo={"effective": "2025-07-01T00:00:00Z"})
    health = check(backend, an_interconnect(**TRAFFIC))
    assert health.issues == [
        f"a move is scheduled: ECGrid ID {PARTNER} moves on 2025-07-01T00:00:00Z"
    ]


@pytest.mark.parametrize("effective", ["2025-01-01T00:00:00Z", "2025-06-01T12:00:00", "not a date"])
def test_a_move_already_effective_or_unreadable_is_not_pending(backend, effective):
    backend.add_id(PARTNER, ownerEffective=effective)
    assert check(backend, an_interconnect(**TRAFFIC)).healthy is True


def test_every_failing_check_is_an_issue(backend):
    backend.add_id(ME, status="Suspended", ownerEffective="2026-01-01T00:00:00Z")
    health = check(backend, an_interconnect("Suspended"))
    assert [c.name for c in health.checks if not c.passed] == ["status", "traffic", "ids", "moves"]
    assert len(health.issues) == 4


def test_delivery_adds_a_fifth_check(backend, monkeypatch):
    monkeypatch.setattr(delivery, "FIRST_POLL_SECONDS", 0.0)
    ic = backend.interconnects[5] = an_interconnect(**TRAFFIC)
    health = check(backend, ic, deliver=True, timeout=1)
    assert health.healthy is True
    assert health.checks[-1].name == "delivery"
    assert health.checks[-1].reason == f"test parcel {health.delivery.parcel_id} delivered"


def test_a_delivered_test_file_counts_as_traffic_in_the_same_run(backend, monkeypatch):
    """The traffic row is read after the delivery: the test file went out, so only the
    partner's direction can still be missing (it said neither direction had traffic)."""
    monkeypatch.setattr(delivery, "FIRST_POLL_SECONDS", 0.0)
    quiet = an_interconnect()
    # What the server records once the test parcel is delivered.
    backend.interconnects[5] = an_interconnect(lastTrafficOutbound="2025-06-01T11:59:00Z")
    health = check(backend, quiet, deliver=True, timeout=1)
    traffic = next(c for c in health.checks if c.name == "traffic")
    assert (traffic.passed, traffic.reason) == (False, f"no traffic recorded {PARTNER} → {ME}")
    assert health.interconnect.last_traffic_outbound is not None
    assert health.checks[-1].name == "delivery" and health.checks[-1].passed


def test_failed_delivery_makes_it_unhealthy(backend, monkeypatch):
    monkeypatch.setattr(delivery, "FIRST_POLL_SECONDS", 0.0)
    backend.parcel_statuses = ["Rejected"]
    health = check(backend, an_interconnect(**TRAFFIC), deliver=True, timeout=1)
    assert health.healthy is False
    assert health.issues == [f"delivery failed: test parcel {health.delivery.parcel_id}: Rejected"]


def test_delivery_of_a_suspended_interconnect_is_not_tested(backend):
    health = check(backend, an_interconnect("Suspended", **TRAFFIC), deliver=True)
    assert health.delivery.verdict == NOT_TESTED
    assert health.checks[-1].passed is False
    assert backend.count("send_test_file") == 0


def test_an_unknown_id_surfaces(backend):
    backend.errors[("get_id", PARTNER)] = NotFoundError("no such ID")
    with pytest.raises(NotFoundError):
        check(backend, an_interconnect(**TRAFFIC))
