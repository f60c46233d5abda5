"""Every SOAP operation over raw envelopes: parsed answers, their shapes, one store with REST."""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from sandbox_support import (
    LEGACY_NS,
    LIVE_NS,
    Api,
    Soap,
    SoapAnswer,
    children,
    flat,
    names,
)

from ecgrid_cli.sandbox import SandboxServer

ID_INFO_ORDER = [
    "ECGridID",
    "NetworkID",
    "NetworkName",
    "MailboxID",
    "MailboxName",
    "Qualifier",
    "ID",
    "Description",
    "MailboxDefault",
    "Status",
    "UseType",
    "OwnerInfo",
]
OWNER_ORDER = [
    "NetworkID",
    "NetworkName",
    "MailboxID",
    "MailboxName",
    "Created",
    "Modified",
    "Effective",
    "Expires",
    "LastTraffic",
    "RoutingGroup",
]
INTERCONNECT_ORDER = [
    "InterconnectID",
    "Created",
    "Modified",
    "Completed",
    "LastTraffic",
    "LastTrafficInbound",
    "LastTrafficOutbound",
    "Status",
    "SuspendPendingInterchanges",
    "TP1",
    "TP2",
]
NO_DATE = "0001-01-01T00:00:00"
StartSandbox = Callable[..., SandboxServer]
MSDATA = "urn:schemas-microsoft-com:xml-msdata"
DIFFGR = "urn:schemas-microsoft-com:xml-diffgram-v1"
XS = "http://www.w3.org/2001/XMLSchema"


@pytest.fixture
def soap(sandbox: SandboxServer) -> Soap:
    return Soap(sandbox.base_url)


@pytest.fixture
def api(sandbox: SandboxServer) -> Api:
    return Api(sandbox.base_url)


def items(result: ET.Element | None) -> list[ET.Element]:
    assert result is not None
    return list(result)


@pytest.mark.parametrize("namespace", [LIVE_NS, LEGACY_NS])
def test_version_in_either_request_namespace(soap: Soap, namespace: str) -> None:
    answer = soap.call("Version", session=None, namespace=namespace)
    assert answer.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "4.1" in answer.text("Version")  # answers stay in the live namespace


@pytest.mark.parametrize(
    "action", [None, "https://os.ecgrid.io/TPInfo", '"http://www.ecgridos.net/TPInfo"']
)
def test_soap_action_is_optional_and_may_be_unquoted(soap: Soap, action: str | None) -> None:
    answer = soap.call("TPInfo", ("ECGridID", 111111), action=action)
    assert flat(answer.result("TPInfo"))["ECGridID"] == "111111"


def test_tp_info_is_a_complete_ecgrid_id_info(soap: Soap) -> None:
    result = soap.call("TPInfo", ("ECGridID", 700005)).result("TPInfo")
    assert names(result) == ID_INFO_ORDER
    values = flat(result)
    assert values == {
        **values,
        "ECGridID": "700005",
        "NetworkID": "7",
        "NetworkName": "Trading Partner Hub",
        "MailboxID": "2001",
        "MailboxName": "Hub Mailbox",
        "Qualifier": "ZZ",
        "ID": "MOVINGCO       ",
        "Description": "Moving Co",
        "MailboxDefault": "false",
        "Status": "Active",
        "UseType": "Production",
    }
    owner = children(result)["OwnerInfo"]
    assert names(owner) == OWNER_ORDER
    assert flat(owner)["Effective"] == "2099-01-01T00:00:00Z"  # a move is scheduled
    assert (flat(owner)["Expires"], flat(owner)["LastTraffic"]) == (NO_DATE, NO_DATE)
    assert flat(soap.call("TPInfo", ("ECGridID", 700004)).result("TPInfo"))["Status"] == "Suspended"


def test_tp_search(soap: Soap) -> None:
    def search(qualifier: str, isa_id: str, show_inactive: bool) -> list[str]:
        answer = soap.call(
            "TPSearch", ("Qualifier", qualifier), ("ID", isa_id), ("ShowInactive", show_inactive)
        )
        return [flat(item)["ECGridID"] for item in items(answer.result("TPSearch"))]

    assert search("zz", "mycompany", False) == ["111111"]
    assert search("ZZ", "MYCOMP", True) == []  # exact, not partial
    assert search("ZZ", "REUSEDCO", True) == ["500001", "500002"]
    assert search("ZZ", "REUSEDCO", False) == ["500002"]  # Terminated left out
    assert search("ZZ", "DORMANTCO", False) == []  # Suspended left out
    assert search("ZZ", "NEWPARTNER", True) == []
    empty = soap.call("TPSearch", ("Qualifier", "ZZ"), ("ID", "NOBODY"), ("ShowInactive", True))
    assert empty.result("TPSearch") is not None


def test_tp_add_and_add_ex_and_move(soap: Soap, api: Api) -> None:
    added = soap.call("TPAdd", ("Qualifier", "ZZ"), ("ID", "SOAPADD"), ("Description", "Soap Add"))
    new_id = int(added.text("TPAdd"))
    created = api.ok("GET", f"/v2/ids/{new_id}")
    assert (created["mailboxId"], created["description"], created["status"]) == (
        1001,
        "Soap Add",
        "Active",
    )
    ex = soap.call(
        "TPAddEx",
        ("NetworkID", 7),
        ("MailboxID", 2001),
        ("Qualifier", "01"),
        ("ID", "SOAPADDEX"),
        ("Description", "Soap AddEx"),
        ("RoutingGroup", "Test"),
    )
    ex_id = int(ex.text("TPAddEx"))
    assert api.ok("GET", f"/v2/ids/{ex_id}")["routingGroup"] == "Test"
    moved = soap.call("TPMoveMailbox", ("ECGridID", new_id), ("MailboxID", 1002))
    assert int(moved.text("TPMoveMailbox")) == new_id
    assert api.ok("GET", f"/v2/ids/{new_id}")["mailboxId"] == 1002


def test_interconnect_add_info_and_lists(soap: Soap, api: Api) -> None:
    added = soap.call(
        "InterconnectAdd",
        ("ECGridID1", 111111),
        ("ECGridID2", 334455),
        ("Reference", "REQ-42"),
        ("ContactName", "Pat"),
        ("ContactEMail", "pat@example.com"),
        ("NotifyContact", False),
        ("Preconfirm", True),
        ("Note", "set up by SOAP"),
    ).result("InterconnectAdd")
    values = flat(added)
    assert values["InterconnectID"] == "88019"
    assert (values["Status"], values["Reference1"], values["ContactName"]) == (
        "Completed",
        "REQ-42",
        "Pat",
    )
    assert values["Completed"] != NO_DATE and values["LastTraffic"] == NO_DATE
    assert flat(children(added)["TP1"])["ECGridID"] == "111111"
    assert names(children(added)["TP2"]) == ID_INFO_ORDER
    rest = api.ok("GET", "/v2/partners/88019")
    assert (rest["status"], rest["reference"], rest["ecGridIdFrom"]) == ("Active", "REQ-42", 111111)
    notes = api.ok("POST", "/v2/partners/notelist", {"interconnectId": 88019})
    assert [n["text"] for n in notes] == ["set up by SOAP"]

    info = soap.call("InterconnectInfo", ("InterconnectID", 87001)).result("InterconnectInfo")
    assert [n for n in names(info) if n in INTERCONNECT_ORDER] == INTERCONNECT_ORDER
    assert flat(info)["LastTrafficOutbound"] == "2026-01-28T14:00:00Z"
    assert flat(info)["LastTraffic"] == flat(info)["LastTrafficInbound"] == "2026-01-28T15:30:00Z"

    pending = soap.call(
        "InterconnectAdd",
        ("ECGridID1", 445566),
        ("ECGridID2", 111111),
        ("NotifyContact", False),
        ("Preconfirm", False),
    ).result("InterconnectAdd")
    assert flat(pending)["Status"] == "Pending" and flat(pending)["Completed"] == NO_DATE
    assert (
        api.ok("GET", f"/v2/partners/{flat(pending)['InterconnectID']}")["status"] == "Development"
    )

    def listed(first: int, second: int) -> list[str]:
        answer = soap.call(
            "InterconnectListByECGridID", ("ECGridID1", first), ("ECGridID2", second)
        )
        return [
            flat(i)["InterconnectID"] for i in items(answer.result("InterconnectListByECGridID"))
        ]

    assert listed(334455, 111111) == ["88019"]  # either orientation
    assert listed(123456, 200018) == ["88018"]  # any status (Terminated)
    assert len(listed(111111, 0)) == 8  # ECGridID2 0: every interconnect of ECGridID1


def test_interconnect_list_by_status(soap: Soap) -> None:
    def listed(status: str, ecgrid_id: int, max_days: int = 0) -> list[str]:
        answer = soap.call(
            "InterconnectListByStatus",
            ("Status", status),
            ("ECGridID", ecgrid_id),
            ("MaxDays", max_days),
        )
        return [flat(i)["InterconnectID"] for i in items(answer.result("InterconnectListByStatus"))]

    assert listed("Completed", 111111) == ["87001", "87002", "87004", "87005", "87006"]
    assert listed("Delayed", 111111) == ["87003"]
    assert listed("Canceled", 123456) == ["88018"]
    assert listed("Problem", 123456) == []
    assert listed("Completed", 111111, 5) == []  # the seed rows are older than 5 days
    assert listed("Completed", 111111, 32767) == listed("Completed", 111111)
    soap.call(
        "InterconnectAdd",
        ("ECGridID1", 111111),
        ("ECGridID2", 334455),
        ("NotifyContact", False),
        ("Preconfirm", True),
    )
    assert listed("Completed", 111111, 5) == ["88019"]


def dataset_rows(result: ET.Element | None) -> list[tuple[str, int]]:
    """Check the .NET DataSet shape and return its (Status, Count) rows."""
    assert result is not None
    schema, diffgram = list(result)
    assert schema.tag == f"{{{XS}}}schema" and schema.get("id") == "NewDataSet"
    dataset = schema.find(f"{{{XS}}}element")
    assert dataset is not None and dataset.get(f"{{{MSDATA}}}IsDataSet") == "true"
    columns = [
        (c.get("name"), c.get("type")) for c in schema.iter(f"{{{XS}}}element") if c.get("type")
    ]
    assert columns == [("Status", "xs:string"), ("Count", "xs:int")]
    assert diffgram.tag == f"{{{DIFFGR}}}diffgram"
    rows = []
    for number, table in enumerate(diffgram.iter("Table")):
        assert table.get(f"{{{DIFFGR}}}id") == f"Table{number + 1}"
        assert table.get(f"{{{MSDATA}}}rowOrder") == str(number)
        rows.append((table.findtext("Status") or "", int(table.findtext("Count") or "")))
    return rows


def test_interconnect_counts_are_datasets(soap: Soap) -> None:
    mailbox = dataset_rows(
        soap.call("InterconnectCount", ("MaxDays", 0)).result("InterconnectCount")
    )
    assert mailbox == [("Pending", 1), ("Completed", 19), ("Canceled", 1), ("Delayed", 3)]

    def count_ex(network: int, mailbox_id: int, ecgrid_id: int, days: int = 0) -> list:
        answer = soap.call(
            "InterconnectCountEx",
            ("NetworkID", network),
            ("MailboxID", mailbox_id),
            ("ECGridID", ecgrid_id),
            ("MaxDays", days),
        )
        return dataset_rows(answer.result("InterconnectCountEx"))

    assert count_ex(0, 0, 123456) == [
        ("Pending", 1),
        ("Completed", 14),
        ("Canceled", 1),
        ("Delayed", 2),
    ]
    assert count_ex(0, 0, 700001) == [("Completed", 1)]
    assert count_ex(7, 2001, 0) == mailbox  # every interconnect of 1001 reaches mailbox 2001
    assert count_ex(0, 0, 445566) == []  # an empty DataSet still has its schema
    assert count_ex(42, 0, 0) == mailbox
    assert count_ex(0, 0, 123456, 3) == []


def test_cancel_and_notes(soap: Soap, api: Api) -> None:
    empty = soap.call("InterconnectNoteList", ("InterconnectID", 88001))
    assert items(empty.result("InterconnectNoteList")) == []
    api.ok("POST", "/v2/partners/note", {"interconnectId": 88001, "note": "from REST"})
    content = b"\x00binary attachment\xff"
    noted = soap.call(
        "InterconnectNote",
        ("InterconnectID", 88001),
        ("AuthLevel", "NetworkAdmin"),
        ("Note", "from SOAP"),
        ("AttachmentName", "proof.bin"),
        ("AttachmentContent", base64.b64encode(content).decode()),
        ("EMailTo", "Other"),
        ("OtherEMailAddress", "ops@example.com"),
    )
    assert noted.text("InterconnectNote") == "true"
    cancelled = soap.call(
        "InterconnectCancel", ("InterconnectID", 88001), ("Note", "ended"), ("EMailTo", "NoEMail")
    )
    assert cancelled.text("InterconnectCancel") == "true"
    assert api.ok("GET", "/v2/partners/88001")["status"] == "Terminated"
    note_list = soap.call("InterconnectNoteList", ("InterconnectID", 88001))
    listed = items(note_list.result("InterconnectNoteList"))
    notes = [flat(n) for n in listed]
    assert [n["Note"] for n in notes] == ["from REST", "from SOAP", "ended"]
    assert [n["Status"] for n in notes] == ["Completed", "Completed", "Canceled"]
    assert [n["InterconnectNoteID"] for n in notes] == ["1", "2", "3"]
    assert notes[1]["MailTo"] == "ops@example.com" and notes[1]["PostedBy"] == "sandbox"
    attachment = flat(children(listed[1])["Attachment"])
    assert attachment["FileName"] == "proof.bin"
    assert base64.b64decode(attachment["Content"]) == content
    rest_notes = api.ok("POST", "/v2/partners/notelist", {"interconnectId": 88001})
    assert [n["text"] for n in rest_notes] == ["from REST", "from SOAP", "ended"]


def test_parcel_test_and_info(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(parcel_seconds=0.4)
    soap = Soap(server.base_url)

    def info(parcel_id: str) -> dict[str, str]:
        return flat(soap.call("ParcelInfo", ("ParcelID", parcel_id)).result("ParcelInfo"))

    def send(to: int) -> SoapAnswer:
        return soap.call(
            "ParcelTest", ("ECGridIDFrom", 111111), ("ECGridIDTo", to), ("DocumentType", "X12")
        )

    good, bounce = send(700001), send(700006)
    first = info(good.text("ParcelTest"))
    assert (first["StatusCode"], first["Valid"], first["Direction"]) == ("", "Pending", "OutBox")
    assert (first["MailboxIDFrom"], first["NetworkIDTo"], first["MailboxIDTo"]) == (
        "1001",
        "7",
        "2001",
    )
    assert first["ParcelID"] == good.text("ParcelTest") and int(first["ParcelBytes"]) > 0
    time.sleep(0.5)
    delivered = info(good.text("ParcelTest"))
    assert (delivered["StatusCode"], delivered["Valid"]) == ("InBoxReady", "VallidRouted")
    failed = info(bounce.text("ParcelTest"))
    assert failed["StatusCode"] == "outboxDeliveryError"
    rest = Api(server.base_url).ok("GET", f"/v2/parcels/{good.text('ParcelTest')}")
    assert rest["status"] == "InBoxReady"
    assert Api(server.base_url).ok("GET", "/v2/partners/87001")["lastTrafficOutbound"] > "2026-02"


def test_one_store_for_rest_and_soap(soap: Soap, api: Api) -> None:
    made = api.ok("POST", "/v2/ids", {"mailboxId": 1002, "qualifier": "ZZ", "id": "RESTMADE"})
    over_soap = flat(soap.call("TPInfo", ("ECGridID", made["ecGridId"])).result("TPInfo"))
    assert (over_soap["ID"], over_soap["MailboxID"], over_soap["UseType"]) == (
        "RESTMADE       ",
        "1002",
        "Production",
    )
    body = {"ecGridIdFrom": made["ecGridId"], "ecGridIdTo": 334455, "status": "Preproduction"}
    link = api.ok("POST", "/v2/partners", body)
    info = soap.call("InterconnectInfo", ("InterconnectID", link["interconnectId"]))
    soap_link = flat(info.result("InterconnectInfo"))
    assert soap_link["Status"] == "AuthorizationRequired"

    soap_id = soap.call("TPAdd", ("Qualifier", "12"), ("ID", "5550001111"), ("Description", "x"))
    assert api.ok("GET", f"/v2/ids/{soap_id.text('TPAdd')}")["id"] == "5550001111     "
    found = api.ok("POST", "/v2/ids/find", {"qualifier": "12", "id": "5550001111"})
    assert [i["ecGridId"] for i in found] == [int(soap_id.text("TPAdd"))]
