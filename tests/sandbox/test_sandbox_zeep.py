"""Third-party proof: zeep, loaded from the sandbox's own ?WSDL, calls every operation.

zeep runs with its default (strict) settings, so every answer must match the published
types: element names, order, XSD types and enum members.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ecgrid_cli.sandbox import DEFAULT_API_KEY, SandboxServer
from ecgrid_cli.sandbox.soap_ops import OPERATIONS

zeep = pytest.importorskip("zeep")
requests = pytest.importorskip("requests")

StartSandbox = Callable[..., SandboxServer]


class Recorder:
    """Calls operations on a zeep service and remembers which ones it called."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.called: set[str] = set()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        operation = getattr(self.service, name)

        def call(*args: Any) -> Any:
            result = operation(*args)
            self.called.add(name)
            return result

        return call


@pytest.fixture
def zeep_client() -> Iterator[Callable[[SandboxServer], Any]]:
    sessions: list[Any] = []

    def make(server: SandboxServer) -> Any:
        session = requests.Session()
        session.trust_env = False  # loopback only: no proxies from the environment
        sessions.append(session)
        transport = zeep.transports.Transport(session=session, timeout=10, operation_timeout=10)
        return zeep.Client(f"{server.soap_url}?WSDL", transport=transport)

    yield make
    for session in sessions:
        session.close()


def dataset_rows(result: Any) -> dict[str, int]:
    rows = result["_value_1"]["_value_1"] if result["_value_1"] else []
    return {row["Table"]["Status"]: row["Table"]["Count"] for row in rows}


def exercise_every_operation(svc: Recorder) -> None:
    assert "4.1" in svc.Version()
    sid = svc.Login("sandbox", "sandbox-password")
    who = svc.WhoAmI(sid)
    assert (who.UserID, who.LoginName, who.AuthLevel, who.SessionID) == (
        7001,
        "sandbox",
        "NetworkAdmin",
        sid,
    )
    assert [i.ECGridID for i in svc.TPSearch(sid, "ZZ", "REUSEDCO", True)] == [500001, 500002]
    moving = svc.TPInfo(sid, 700005)
    assert moving.OwnerInfo.Effective.year == 2099 and moving.UseType == "Production"
    new_id = svc.TPAdd(sid, "ZZ", "ZEEPADD", "zeep TPAdd")
    new_ex = svc.TPAddEx(sid, 42, 1002, "ZZ", "ZEEPADDEX", "zeep TPAddEx", "ProductionB")
    assert svc.TPMoveMailbox(sid, new_ex, 1001) == new_ex
    added = svc.InterconnectAdd(
        sid, new_id, 334455, "ZREF", "Pat", "pat@example.com", False, True, "first"
    )
    assert (added.Status, added.Reference1, added.TP1.ECGridID, added.TP2.ECGridID) == (
        "Completed",
        "ZREF",
        new_id,
        334455,
    )
    info = svc.InterconnectInfo(sid, 87001)
    assert info.LastTrafficInbound > info.LastTrafficOutbound and info.Completed.year == 2026
    assert info.TP2.Qualifier == "ZZ" and info.TP2.ID.rstrip() == "HEALTHYCO"
    listed = svc.InterconnectListByECGridID(sid, 334455, new_id)
    assert [i.InterconnectID for i in listed] == [added.InterconnectID]
    delayed = svc.InterconnectListByStatus(sid, "Delayed", 111111, 0)
    assert [i.InterconnectID for i in delayed] == [87003]
    assert dataset_rows(svc.InterconnectCount(sid, 0))["Completed"] == 20
    assert dataset_rows(svc.InterconnectCountEx(sid, 0, 0, 123456, 0)) == {
        "Pending": 1,
        "Completed": 14,
        "Canceled": 1,
        "Delayed": 2,
    }
    assert svc.InterconnectNote(
        sid, added.InterconnectID, "NetworkAdmin", "second", "a.txt", b"\x00\x01", "NoEMail", None
    )
    notes = svc.InterconnectNoteList(sid, added.InterconnectID)
    assert [n.Note for n in notes] == ["first", "second"]
    assert notes[1].Attachment.Content == b"\x00\x01" and notes[1].Status == "Completed"
    parcel = svc.ParcelTest(sid, new_id, 334455, "X12")
    assert svc.ParcelInfo(sid, parcel).StatusCode in (None, "")
    time.sleep(0.35)
    delivered = svc.ParcelInfo(sid, parcel)
    assert (delivered.StatusCode, delivered.Direction, delivered.ParcelID) == (
        "InBoxReady",
        "OutBox",
        parcel,
    )
    assert svc.InterconnectCancel(sid, added.InterconnectID, "bye", "NoEMail", None) is True
    assert svc.Logout(sid) == 0
    assert svc.called == set(OPERATIONS)


def test_zeep_calls_every_operation(
    start_sandbox: StartSandbox, zeep_client: Callable[[SandboxServer], Any]
) -> None:
    server = start_sandbox(parcel_seconds=0.3)
    exercise_every_operation(Recorder(zeep_client(server).service))


def test_zeep_in_the_legacy_namespace(
    start_sandbox: StartSandbox, zeep_client: Callable[[SandboxServer], Any]
) -> None:
    server = start_sandbox(parcel_seconds=0.3, soap_namespace="legacy")
    exercise_every_operation(Recorder(zeep_client(server).service))


def test_zeep_sees_faults_with_their_detail(
    sandbox: SandboxServer, zeep_client: Callable[[SandboxServer], Any]
) -> None:
    service = zeep_client(sandbox).service
    with pytest.raises(zeep.exceptions.Fault) as raised:
        service.TPInfo(DEFAULT_API_KEY, 999999)
    assert raised.value.code == "soap:Client"
    assert raised.value.detail.findtext("ErrorCode") == "NotFound"
    with pytest.raises(zeep.exceptions.Fault) as raised:
        service.WhoAmI("no-such-session")
    assert raised.value.detail.findtext("ErrorCode") == "AccessDenied"
