"""The Set Up an Interconnect flow: choose the partner, reuse or create, verify."""

from __future__ import annotations

import json
from types import SimpleNamespace

import httpx
import pytest

from ecgrid_cli.api.find_forms import FIND_PATH
from ecgrid_cli.api.models import EcgridId, Interconnect
from ecgrid_cli.errors import ApiError, ConflictError, NotFoundError, UsageError
from ecgrid_cli.setup_flow import SetupRequest, choose_partner, run_setup

ME = 1001
PARTNER = 2002
QID = "01/PARTNERCO"


def an_id(number, status="Active", description=None):
    return EcgridId.model_validate(
        {
            "ecGridId": number,
            "qualifier": "01",
            "id": "PARTNERCO",
            "status": status,
            "description": description,
        }
    )


# -- choose_partner ------------------------------------------------------------------------


def test_choose_partner_single_active():
    chosen = choose_partner(
        [an_id(1, "Terminated"), an_id(2, "Active"), an_id(3, "Suspended")], QID
    )
    assert chosen.ecgrid_id == 2


def test_choose_partner_two_active_is_ambiguous():
    with pytest.raises(ConflictError) as info:
        choose_partner([an_id(1, description="East"), an_id(2, description="West")], QID)
    err = info.value
    assert err.code == "AmbiguousMatch"
    assert "1 (East)" in err.message
    assert "2 (West)" in err.message
    assert "--partner-ecgrid-id" in err.message


def test_choose_partner_none_is_not_found():
    with pytest.raises(NotFoundError) as info:
        choose_partner([], QID)
    assert info.value.code == "PartnerNotFound"
    assert QID in info.value.message


@pytest.mark.parametrize(
    "statuses", [["Terminated"], ["Terminated", "Terminated"], ["Suspended", "Development"]]
)
def test_choose_partner_no_active_is_no_active_match(statuses):
    with pytest.raises(NotFoundError) as info:
        choose_partner([an_id(n, s) for n, s in enumerate(statuses, start=1)], QID)
    assert info.value.code == "NoActiveMatch"
    for status in statuses:
        assert status in info.value.message


def test_choose_partner_uses_canonical_status():
    assert choose_partner([an_id(7, "ACTIVE")], QID).ecgrid_id == 7


# -- run_setup -------------------------------------------------------------------------------


@pytest.fixture
def server(api, ok, make_ecgrid_id, serve_interconnects, cache_path, base_url):
    """A fake ECGrid: the partner's QID finds PARTNER; interconnects live in ``records``."""
    cache_path.write_text(json.dumps({base_url: "post"}))

    records: list = []
    return SimpleNamespace(
        records=records,
        routes=serve_interconnects(records),
        find=api.post(FIND_PATH).respond(200, json=ok([make_ecgrid_id(PARTNER)])),
        get_partner=api.get(f"/v2/ids/{PARTNER}").respond(200, json=ok(make_ecgrid_id(PARTNER))),
        create=api.post("/v2/partners"),
        test_file=api.post("/v2/parcels/send-test-file").respond(200, json=ok(55501)),
    )


def request_for(**overrides):
    fields = {"from_id": ME, "qualifier": "01", "isa_id": "PARTNERCO"}
    fields.update(overrides)
    return SetupRequest(**fields)


@pytest.mark.parametrize(
    ("ecgrid_from", "ecgrid_to"), [(ME, PARTNER), (PARTNER, ME)], ids=["mine", "theirs"]
)
def test_existing_interconnect_is_returned_not_created(
    make_client, server, make_interconnect, ecgrid_from, ecgrid_to
):
    server.records.append(make_interconnect(77, ecgrid_from, ecgrid_to))
    result = run_setup(make_client(), request_for())
    assert result.created is False
    assert result.interconnect.interconnect_id == 77
    assert result.partner.ecgrid_id == PARTNER
    assert server.create.call_count == 0
    assert server.find.call_count == 1
    assert result.to_json()["created"] is False


def test_terminated_interconnect_does_not_count_as_existing(
    make_client, server, ok, make_interconnect
):
    server.records.append(make_interconnect(70, ME, PARTNER, status="Terminated"))
    server.create.respond(200, json=ok(make_interconnect(78, ME, PARTNER)))
    result = run_setup(make_client(), request_for())
    assert result.created is True
    assert result.interconnect.interconnect_id == 78


def test_creates_when_none_exists(make_client, server, ok, make_interconnect):
    server.create.respond(200, json=ok(make_interconnect(78, ME, PARTNER)))
    result = run_setup(make_client(), request_for())
    assert result.created is True
    assert result.interconnect.interconnect_id == 78
    assert server.create.call_count == 1
    assert json.loads(server.create.calls.last.request.content) == {
        "ecGridIdFrom": ME,
        "ecGridIdTo": PARTNER,
    }
    assert result.test_parcel_id is None
    assert server.test_file.call_count == 0
    document = result.to_json()
    assert document["created"] is True
    assert document["interconnect"]["interconnectId"] == 78
    assert document["partner"]["ecGridId"] == PARTNER
    assert "dryRun" not in document


def test_create_passes_status(make_client, server, ok, make_interconnect):
    server.create.respond(200, json=ok(make_interconnect(78, ME, PARTNER, "Development")))
    run_setup(make_client(), request_for(status="Development"))
    body = json.loads(server.create.calls.last.request.content)
    assert body["status"] == "Development"


def test_duplicate_object_resolves_to_existing(make_client, server, fail, make_interconnect):
    def someone_else_won_the_race(request):
        server.records.append(make_interconnect(79, PARTNER, ME))
        return httpx.Response(400, json=fail("DuplicateObject", "interconnect exists"))

    server.create.mock(side_effect=someone_else_won_the_race)
    result = run_setup(make_client(), request_for())
    assert result.created is False
    assert result.interconnect.interconnect_id == 79
    assert server.create.call_count == 1


def test_duplicate_object_with_nothing_to_adopt_is_raised(make_client, server, fail):
    server.create.respond(400, json=fail("DuplicateObject", "interconnect exists"))
    with pytest.raises(ConflictError) as info:
        run_setup(make_client(), request_for())
    assert info.value.code == "DuplicateObject"
    assert server.create.call_count == 1


def test_other_create_errors_surface(make_client, server, fail):
    server.create.respond(403, json=fail("AccessDenied", "not yours"))
    with pytest.raises(ApiError) as info:
        run_setup(make_client(), request_for())
    assert info.value.code == "AccessDenied"


@pytest.mark.parametrize("exists", [False, True])
def test_dry_run_sends_no_post(make_client, server, make_interconnect, exists):
    if exists:
        server.records.append(make_interconnect(77, ME, PARTNER))
    result = run_setup(make_client(), request_for(dry_run=True, verify=True))
    assert server.create.call_count == 0
    assert server.test_file.call_count == 0
    assert result.created is False
    assert result.dry_run is True
    document = result.to_json()
    assert document["dryRun"] is True
    assert document["wouldCreate"] is (not exists)


def test_verify_sends_test_file_and_reports_parcel(make_client, server, ok, make_interconnect):
    server.create.respond(200, json=ok(make_interconnect(78, ME, PARTNER)))
    result = run_setup(make_client(), request_for(verify=True))
    assert result.test_parcel_id == 55501
    assert result.verify_error is None
    assert server.test_file.call_count == 1
    assert json.loads(server.test_file.calls.last.request.content) == {
        "ecGridIdFrom": ME,
        "ecGridIdTo": PARTNER,
    }
    assert result.to_json()["testParcelId"] == 55501


def test_verify_on_existing_interconnect(make_client, server, make_interconnect):
    server.records.append(make_interconnect(77, PARTNER, ME))
    result = run_setup(make_client(), request_for(verify=True))
    assert result.created is False
    assert result.test_parcel_id == 55501


def test_verify_failure_keeps_the_interconnect(make_client, server, ok, fail, make_interconnect):
    server.create.respond(200, json=ok(make_interconnect(78, ME, PARTNER)))
    server.test_file.respond(400, json=fail("InvalidParameter", "no route"))
    result = run_setup(make_client(), request_for(verify=True))
    assert result.created is True
    assert result.interconnect.interconnect_id == 78
    assert result.test_parcel_id is None
    assert isinstance(result.verify_error, ApiError)
    assert server.test_file.call_count == 1


def test_partner_ecgrid_id_skips_find(make_client, server, ok, make_interconnect):
    server.create.respond(200, json=ok(make_interconnect(78, ME, PARTNER)))
    result = run_setup(
        make_client(),
        SetupRequest(from_id=ME, partner_ecgrid_id=PARTNER),
    )
    assert server.find.call_count == 0
    assert server.get_partner.call_count == 1
    assert result.partner.ecgrid_id == PARTNER
    assert result.created is True


def test_partner_ecgrid_id_matching_qid_is_accepted(make_client, server, make_interconnect):
    server.records.append(make_interconnect(77, ME, PARTNER))
    result = run_setup(
        make_client(), request_for(partner_ecgrid_id=PARTNER, qualifier="01", isa_id="partnerco")
    )
    assert server.find.call_count == 0
    assert result.interconnect.interconnect_id == 77


def test_partner_ecgrid_id_with_other_qid_is_mismatch(make_client, server):
    with pytest.raises(ConflictError) as info:
        run_setup(make_client(), request_for(partner_ecgrid_id=PARTNER, isa_id="SOMEONEELSE"))
    assert info.value.code == "PartnerMismatch"
    assert server.create.call_count == 0


def test_ambiguous_partner_stops_before_writing(make_client, server, ok, make_ecgrid_id):
    server.find.respond(200, json=ok([make_ecgrid_id(PARTNER), make_ecgrid_id(PARTNER + 1)]))
    with pytest.raises(ConflictError) as info:
        run_setup(make_client(), request_for())
    assert info.value.code == "AmbiguousMatch"
    assert server.create.call_count == 0


def test_unknown_partner_stops_before_writing(make_client, server, ok):
    server.find.respond(200, json=ok([]))
    with pytest.raises(NotFoundError) as info:
        run_setup(make_client(), request_for())
    assert info.value.code == "PartnerNotFound"
    assert server.create.call_count == 0


def test_partner_equal_to_from_is_usage_error(make_client, server):
    with pytest.raises(UsageError):
        run_setup(make_client(), request_for(from_id=PARTNER))
    assert server.create.call_count == 0


def test_existing_lookup_can_be_swapped_in(make_client, server, make_interconnect):
    known = Interconnect.model_validate(make_interconnect(90, ME, PARTNER))
    asked = []

    def index(a, b):
        asked.append((a, b))
        return known

    result = run_setup(make_client(), request_for(), existing=index)
    assert asked == [(ME, PARTNER)]
    assert result.interconnect is known
    assert result.created is False
    assert server.routes["list"].call_count == 0
    assert server.routes["count"].call_count == 0
    assert server.create.call_count == 0
