"""Models and canonical documents: every documented spelling (DRIFT 2) in, one form out;
wrong shapes refused as invalid responses; unknown values passed through."""

from __future__ import annotations

import pytest

from ecgrid_cli.api.auth import ApiKey, LoginToken
from ecgrid_cli.api.models import (
    EcgridId,
    Interconnect,
    InterconnectNote,
    LoginGrant,
    Parcel,
    User,
)
from ecgrid_cli.api.rest import parsing
from ecgrid_cli.errors import InvalidResponseError
from ecgrid_cli.output.documents import (
    id_document,
    interconnect_document,
    maybe,
    note_document,
    user_document,
)

CANONICAL_ID = {
    "ecGridId": 42,
    "mailboxId": 300,
    "networkId": 20,
    "qualifier": "01",
    "id": "PARTNERCO",
    "description": "Partner Co",
    "status": "Active",
    "routingGroup": "ProductionA",
    "ediStandard": "X12",
}

ID_SPELLINGS = {
    "reference": CANONICAL_ID,
    "seed": {
        "ecGridId": 42,
        "mailboxId": 300,
        "networkId": 20,
        "isaQualifier": "01",
        "isaId": "PARTNERCO",
        "companyName": "Partner Co",
        "status": "Active",
        "routingGroup": "ProductionA",
        "ediStandard": "X12",
    },
    "lowercase-g": {
        "ecgridId": 42,
        "mailboxId": 300,
        "networkId": 20,
        "qualifier": "01",
        "id": "PARTNERCO",
        "description": "Partner Co",
        "status": "Active",
        "routingGroup": "ProductionA",
        "ediStandard": "X12",
    },
    "soap-pascal": {
        "ECGridID": "42",
        "NetworkID": "20",
        "NetworkName": "Net",
        "MailboxID": "300",
        "Qualifier": "01",
        "ID": "PARTNERCO      ",
        "Description": "Partner Co",
        "Status": "Active",
        "RoutingGroup": "ProductionA",
        "EDIStandard": "X12",
        "Config": None,
    },
    "padded-and-extra": {
        **CANONICAL_ID,
        "id": "PARTNERCO      ",
        "status": "active",
        "brandNewField": {"nested": [1, 2]},
        "anotherOne": None,
    },
}


@pytest.mark.parametrize("spelling", list(ID_SPELLINGS))
def test_ecgrid_id_spellings_give_one_canonical_document(spelling):
    assert id_document(parsing.one(EcgridId)(ID_SPELLINGS[spelling])) == CANONICAL_ID


CANONICAL_INTERCONNECT = {
    "interconnectId": 5,
    "ecGridIdFrom": 1,
    "ecGridIdTo": 2,
    "status": "Active",
    "created": "2024-01-02T03:04:05Z",
    "modified": "2024-02-03T04:05:06Z",
}

INTERCONNECT_SPELLINGS = {
    "reference": CANONICAL_INTERCONNECT,
    "seed": {
        "interconnectId": 5,
        "ecGridIdFrom": 1,
        "ecGridIdTo": 2,
        "status": "Active",
        "createdDate": "2024-01-02T03:04:05Z",
        "modifiedDate": "2024-02-03T04:05:06Z",
    },
    "lowercase-g": {
        "interconnectId": 5,
        "ecgridIdFrom": 1,
        "ecgridIdTo": 2,
        "status": "ACTIVE",
        "created": "2024-01-02T03:04:05Z",
        "modified": "2024-02-03T04:05:06Z",
        "unknown": True,
    },
    "pascal": {
        "InterconnectID": 5,
        "ECGridIDFrom": 1,
        "ECGridIDTo": 2,
        "Status": "Active",
        "Created": "2024-01-02T03:04:05Z",
        "Modified": "2024-02-03T04:05:06Z",
    },
    "soap-tp1-tp2": {
        "InterconnectID": "5",
        "TP1": {"ECGridID": "1", "Qualifier": "01"},
        "TP2": {"ECGridID": "2", "Qualifier": "ZZ"},
        "Status": "active",
        "Created": "2024-01-02T03:04:05Z",
        "Modified": "2024-02-03T04:05:06Z",
        "LastTraffic": "0001-01-01T00:00:00",
    },
}


@pytest.mark.parametrize("spelling", list(INTERCONNECT_SPELLINGS))
def test_interconnect_spellings_give_one_canonical_document(spelling):
    parsed = parsing.one(Interconnect)(INTERCONNECT_SPELLINGS[spelling])
    assert interconnect_document(parsed) == CANONICAL_INTERCONNECT


def test_tp1_is_from_and_tp2_is_to():
    ic = Interconnect.model_validate(
        {"InterconnectID": 5, "TP1": {"ECGridID": 7}, "TP2": {"ECGridID": 3}}
    )
    assert (ic.ecgrid_id_from, ic.ecgrid_id_to) == (7, 3)


def test_tp_without_an_id_is_invalid():
    with pytest.raises(InvalidResponseError):
        parsing.one(Interconnect)({"InterconnectID": 5, "TP1": "x", "TP2": {"ECGridID": 3}})


@pytest.mark.parametrize("never", ["0001-01-01T00:00:00", "0001-01-01T00:00:00Z", "0001-01-01"])
def test_net_min_date_is_no_date(never):
    ic = Interconnect.model_validate(
        {
            "interconnectId": 1,
            "ecGridIdFrom": 1,
            "ecGridIdTo": 2,
            "created": never,
            "LastTrafficInbound": never,
            "LastTrafficOutbound": "2024-01-01T00:00:00",
        }
    )
    assert ic.created is None
    assert ic.last_traffic_inbound is None
    assert ic.last_traffic_outbound == "2024-01-01T00:00:00"


@pytest.mark.parametrize("stamp", [1767225600, 1767225600.5])
def test_numeric_timestamps_are_kept_as_text(stamp):
    ic = parsing.one(Interconnect)({**CANONICAL_INTERCONNECT, "created": stamp, "modified": stamp})
    assert ic.created == str(stamp)
    assert interconnect_document(ic)["modified"] == str(stamp)


@pytest.mark.parametrize(("a", "b", "joined"), [(1, 2, True), (2, 1, True), (1, 3, False)])
def test_joins_matches_either_orientation(a, b, joined):
    ic = Interconnect.model_validate(CANONICAL_INTERCONNECT)
    assert ic.joins(a, b) is joined


def test_reference_is_read_from_soap_reference1():
    ic = Interconnect.model_validate({**CANONICAL_INTERCONNECT, "Reference1": "ecgrid-cli/ab"})
    assert ic.reference == "ecgrid-cli/ab"


def test_minimal_ecgrid_id_fills_missing_optionals_with_null():
    document = id_document(parsing.one(EcgridId)({"ecGridId": 42}))
    assert document == dict.fromkeys(CANONICAL_ID, None) | {"ecGridId": 42}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("active", "Active"),
        ("ACTIVE", "Active"),
        (" terminated ", "Terminated"),
        ("preproduction", "Preproduction"),
        ("Pending", "Pending"),
        ("completed", "Completed"),
        ("authorizationrequired", "AuthorizationRequired"),
        ("autoroute", "AutoRoute"),
        ("AwaitingApproval", "AwaitingApproval"),
        (None, None),
    ],
)
def test_status_canonicalised_or_passed_through(raw, expected):
    assert EcgridId.model_validate({**CANONICAL_ID, "status": raw}).status == expected


def test_unknown_enum_values_pass_through():
    found = EcgridId.model_validate(
        {**CANONICAL_ID, "routingGroup": "ProductionZ", "ediStandard": "JSON"}
    )
    assert (found.routing_group, found.edi_standard) == ("ProductionZ", "JSON")


def test_owner_info_is_flattened():
    found = EcgridId.model_validate(
        {
            "ecGridId": 1,
            "ownerInfo": {"effective": "2099-01-01T00:00:00Z", "routingGroup": "Test"},
        }
    )
    assert found.owner_effective == "2099-01-01T00:00:00Z"
    assert found.routing_group == "Test"


def test_owner_info_does_not_override_a_routing_group():
    found = EcgridId.model_validate(
        {"ECGridID": 1, "RoutingGroup": "ProductionA", "OwnerInfo": {"RoutingGroup": "Test"}}
    )
    assert found.routing_group == "ProductionA"


@pytest.mark.parametrize(
    "data",
    [
        [CANONICAL_ID],
        "42",
        None,
        {},
        {"ecGridId": "abc"},
        {"ecGridId": 1.5},
        {"ecGridId": None},
        {"ecGridId": True},
        {"mailboxId": 1},
        {**CANONICAL_ID, "mailboxId": "three"},
        {**CANONICAL_ID, "mailboxId": False},
        {**CANONICAL_ID, "qualifier": ["01"]},
        {**CANONICAL_ID, "status": {"name": "Active"}},
    ],
    ids=repr,
)
def test_ecgrid_id_of_the_wrong_shape_is_invalid_response(data):
    with pytest.raises(InvalidResponseError) as info:
        parsing.one(EcgridId)(data)
    assert "EcgridId" in info.value.message or "expected an object" in info.value.message


def test_boolean_interconnect_side_is_invalid():
    with pytest.raises(InvalidResponseError) as info:
        parsing.one(Interconnect)({**CANONICAL_INTERCONNECT, "ecGridIdTo": True})
    assert info.value.message.startswith("unexpected Interconnect in the response: ")


def test_models_are_frozen():
    found = EcgridId.model_validate(CANONICAL_ID)
    with pytest.raises(ValueError):
        found.status = "Terminated"  # type: ignore[misc]


def test_notes_and_users_documents():
    note = InterconnectNote.model_validate(
        {"Note": "hi", "NoteDate": "2024-01-01T00:00:00", "UserID": 3, "PostedBy": "ops"}
    )
    assert note_document(note) == {
        "text": "hi",
        "timestamp": "2024-01-01T00:00:00",
        "userId": 3,
        "postedBy": "ops",
    }
    user = User.model_validate({"UserID": 1, "LoginName": "ops", "EMail": "a@b", "Status": "x"})
    assert user_document(user) == {
        "userId": 1,
        "login": "ops",
        "email": "a@b",
        "networkId": None,
        "mailboxId": None,
        "authLevel": None,
        "status": "x",
    }
    assert maybe(user_document, None) is None


def test_parcel_spellings():
    rest = Parcel.model_validate({"parcelId": 1, "status": "Delivered"})
    soap = Parcel.model_validate({"ParcelID": "1", "StatusCode": "InBoxReady", "StatusDate": "x"})
    assert (rest.parcel_id, rest.status) == (1, "Delivered")
    assert (soap.parcel_id, soap.status, soap.modified) == (1, "InBoxReady", "x")


def test_secrets_are_not_in_reprs():
    grant = LoginGrant.model_validate(
        {"token": "tok-SECRET-12345", "refreshToken": "ref-SECRET-12345"}
    )
    assert "SECRET" not in repr(grant)
    assert "SECRET" not in repr(ApiKey("key-SECRET-12345", "x"))
    assert "SECRET" not in repr(LoginToken("tok-SECRET-12345", method="jwt", origin="x"))


# -- parsing helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, []),
        ([1, 2], [1, 2]),
        ({"totalRecords": 2, "pageNo": 1, "recordsPerPage": 25, "items": [1, 2]}, [1, 2]),
        ({"totalRecords": 0}, []),
    ],
)
def test_page_items(data, expected):
    assert parsing.page_items(data) == expected


@pytest.mark.parametrize("data", [{"a": [1], "b": [2]}, {"x": 1}, "list", 3])
def test_page_items_refuses_other_shapes(data):
    with pytest.raises(InvalidResponseError):
        parsing.page_items(data)


@pytest.mark.parametrize(("data", "expected"), [(3, 3), ("7", 7), (" 12 ", 12), (0, 0)])
def test_integer(data, expected):
    assert parsing.integer(data) == expected


@pytest.mark.parametrize("data", [True, 1.0, "1.5", "-", "", "9" * 20, None, "٣"])
def test_integer_refuses(data):
    with pytest.raises(InvalidResponseError):
        parsing.integer(data)


def test_without_none():
    assert parsing.without_none(a=1, b=None, c=False) == {"a": 1, "c": False}
