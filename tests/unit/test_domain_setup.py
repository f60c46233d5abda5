"""The Set Up an Interconnect flow over the Backend interface: choose the partner,
onboard it when asked, reuse or create the interconnect, say honestly what happened,
prove delivery."""

from __future__ import annotations

import pytest
from unit_fakes import FakeBackend

from ecgrid_cli.api.backend import NewId
from ecgrid_cli.api.models import EcgridId, Interconnect
from ecgrid_cli.domain import setup as setup_flow
from ecgrid_cli.domain.queries import (
    PartnerRef,
    choose_partner,
    find_partner,
    live_interconnect_between,
)
from ecgrid_cli.domain.setup import (
    CREATED,
    EXISTING,
    UNCONFIRMED,
    WOULD_CREATE,
    Onboarding,
    SetupRequest,
    run_setup,
)
from ecgrid_cli.errors import ApiError, ConflictError, NotFoundError, UsageError

ME = 1001
PARTNER = 2002
QID = "01/PARTNERCO"


def an_id(number: int, status: str = "Active", description: str | None = None) -> EcgridId:
    return EcgridId.model_validate(
        {
            "ecGridId": number,
            "qualifier": "01",
            "id": "PARTNERCO",
            "status": status,
            "description": description,
        }
    )


# -- choose_partner / find_partner ---------------------------------------------------------


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
    assert err.message == (
        "2 Active ECGrid IDs match 01/PARTNERCO: 1 (East), 2 (West); "
        "choose one with --partner-ecgrid-id N"
    )
    assert err.details == {"qid": QID, "candidates": [1, 2]}


def test_choose_partner_none_is_not_found():
    with pytest.raises(NotFoundError) as info:
        choose_partner([], QID)
    assert info.value.code == "PartnerNotFound"
    assert QID in info.value.message
    assert info.value.details == {"qid": QID}


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


def test_find_partner_by_ecgrid_id_skips_the_search():
    backend = FakeBackend()
    backend.add_id(PARTNER)
    assert find_partner(backend, PartnerRef(ecgrid_id=PARTNER)).ecgrid_id == PARTNER
    assert backend.count("find_ids") == 0


def test_find_partner_by_ecgrid_id_and_matching_qid_in_any_case():
    backend = FakeBackend()
    backend.add_id(PARTNER)
    ref = PartnerRef("01", "partnerco", PARTNER)
    assert find_partner(backend, ref).ecgrid_id == PARTNER


def test_find_partner_by_ecgrid_id_with_another_qid_is_a_mismatch():
    backend = FakeBackend()
    backend.add_id(PARTNER)
    with pytest.raises(ConflictError) as info:
        find_partner(backend, PartnerRef("01", "SOMEONEELSE", PARTNER))
    assert info.value.code == "PartnerMismatch"
    assert info.value.details == {"ecGridId": PARTNER}


def test_partner_ref_qid():
    assert PartnerRef("01", "X").qid == "01/X"
    assert PartnerRef(ecgrid_id=5).qid == "5"


# -- live_interconnect_between -------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [(ME, PARTNER), (PARTNER, ME)])
def test_live_interconnect_matches_either_orientation(a, b):
    backend = FakeBackend()
    backend.add_interconnect(7, PARTNER, ME)
    assert live_interconnect_between(backend, a, b).interconnect_id == 7


@pytest.mark.parametrize("ended", ["Terminated", "terminated", "Canceled"])
def test_ended_interconnects_do_not_count(ended):
    backend = FakeBackend()
    backend.add_interconnect(7, ME, PARTNER, ended)
    assert live_interconnect_between(backend, ME, PARTNER) is None


@pytest.mark.parametrize("status", ["Suspended", "Development", "Pending", "SomethingNew"])
def test_other_statuses_are_live(status):
    backend = FakeBackend()
    backend.add_interconnect(7, ME, PARTNER, status)
    assert live_interconnect_between(backend, ME, PARTNER).interconnect_id == 7


def test_of_several_live_records_the_oldest_is_the_answer():
    backend = FakeBackend()
    backend.add_interconnect(30, ME, PARTNER)
    backend.add_interconnect(10, PARTNER, ME, "Terminated")
    backend.add_interconnect(20, PARTNER, ME, "Suspended")
    assert live_interconnect_between(backend, ME, PARTNER).interconnect_id == 20


# -- run_setup -----------------------------------------------------------------------------


@pytest.fixture
def backend() -> FakeBackend:
    fake = FakeBackend()
    fake.add_id(ME, "ZZ", "MYCOMPANY")
    fake.add_id(PARTNER)
    return fake


def request_for(**overrides) -> SetupRequest:
    fields = {"from_id": ME, "partner": PartnerRef("01", "PARTNERCO")}
    fields.update(overrides)
    return SetupRequest(**fields)


def test_creates_when_none_exists(backend):
    result = run_setup(backend, request_for())
    assert result.outcome == CREATED
    assert result.created is True
    assert result.partner.ecgrid_id == PARTNER
    assert (result.interconnect.ecgrid_id_from, result.interconnect.ecgrid_id_to) == (ME, PARTNER)
    assert backend.called("create_interconnect") == [(ME, PARTNER, None)]
    assert result.delivery is None
    assert result.partner_created is False
    assert result.dry_run is False


def test_create_passes_the_status(backend):
    run_setup(backend, request_for(status="Development"))
    assert backend.called("create_interconnect") == [(ME, PARTNER, "Development")]


@pytest.mark.parametrize(("a", "b"), [(ME, PARTNER), (PARTNER, ME)], ids=["mine", "theirs"])
def test_existing_interconnect_is_returned_not_created(backend, a, b):
    backend.add_interconnect(77, a, b)
    result = run_setup(backend, request_for())
    assert result.outcome == EXISTING
    assert result.created is False
    assert result.interconnect.interconnect_id == 77
    assert backend.count("create_interconnect") == 0
    assert backend.count("find_ids") == 1


def test_terminated_interconnect_does_not_count_as_existing(backend):
    backend.add_interconnect(70, ME, PARTNER, "Terminated")
    result = run_setup(backend, request_for())
    assert result.outcome == CREATED
    assert result.interconnect.interconnect_id != 70


def test_duplicate_is_adopted_as_existing(backend):
    def someone_else_wins_the_race(a: int, b: int) -> None:
        backend.add_interconnect(79, PARTNER, ME)

    backend.before_create = someone_else_wins_the_race
    result = run_setup(backend, request_for())
    assert result.outcome == EXISTING
    assert result.interconnect.interconnect_id == 79
    assert backend.count("create_interconnect") == 1


def test_duplicate_with_nothing_to_adopt_is_raised(backend):
    backend.faults["create_interconnect"] = [
        ConflictError("interconnect exists", code="DuplicateObject")
    ]
    with pytest.raises(ConflictError) as info:
        run_setup(backend, request_for())
    assert info.value.code == "DuplicateObject"


def test_other_create_errors_surface(backend):
    backend.faults["create_interconnect"] = [ApiError("not yours", code="AccessDenied")]
    with pytest.raises(ApiError) as info:
        run_setup(backend, request_for())
    assert info.value.code == "AccessDenied"


def test_lost_answer_found_by_reconcile_is_unconfirmed_without_a_token(backend):
    backend.faults["create_interconnect"] = ["lost"]
    result = run_setup(backend, request_for())
    assert result.outcome == UNCONFIRMED
    assert result.created is False
    assert result.interconnect is not None
    assert len(backend.interconnects) == 1  # not sent twice


def test_lost_answer_with_the_stored_token_is_confirmed():
    backend = FakeBackend(stores_tokens=True)
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    backend.add_id(PARTNER)
    backend.faults["create_interconnect"] = ["lost"]
    result = run_setup(backend, request_for())
    assert result.outcome == CREATED
    assert result.interconnect.reference == backend.tokens[0]


def test_dropped_request_is_sent_again_and_confirmed(backend):
    backend.faults["create_interconnect"] = ["dropped"]
    result = run_setup(backend, request_for())
    assert result.outcome == CREATED
    assert len(backend.interconnects) == 1


@pytest.mark.parametrize("exists", [False, True])
def test_dry_run_writes_nothing(backend, exists):
    if exists:
        backend.add_interconnect(77, ME, PARTNER)
    result = run_setup(backend, request_for(dry_run=True, verify=True))
    assert backend.count("create_interconnect") == 0
    assert backend.count("send_test_file") == 0
    assert result.dry_run is True
    assert result.created is False
    assert result.outcome == (EXISTING if exists else WOULD_CREATE)
    assert result.delivery is None


def test_partner_ecgrid_id_skips_find(backend):
    result = run_setup(backend, request_for(partner=PartnerRef(ecgrid_id=PARTNER)))
    assert backend.count("find_ids") == 0
    assert backend.called("get_id") == [(PARTNER,)]
    assert result.outcome == CREATED


def test_partner_with_another_qid_is_a_mismatch_before_writing(backend):
    with pytest.raises(ConflictError) as info:
        run_setup(backend, request_for(partner=PartnerRef("01", "SOMEONEELSE", PARTNER)))
    assert info.value.code == "PartnerMismatch"
    assert backend.count("create_interconnect") == 0


def test_ambiguous_partner_stops_before_writing(backend):
    backend.add_id(PARTNER + 1)
    with pytest.raises(ConflictError) as info:
        run_setup(backend, request_for())
    assert info.value.code == "AmbiguousMatch"
    assert backend.count("create_interconnect") == 0


def test_unknown_partner_stops_before_writing(backend):
    with pytest.raises(NotFoundError) as info:
        run_setup(backend, request_for(partner=PartnerRef("ZZ", "NOBODY")))
    assert info.value.code == "PartnerNotFound"
    assert backend.count("create_interconnect") == 0


def test_partner_equal_to_from_is_a_usage_error(backend):
    with pytest.raises(UsageError):
        run_setup(backend, request_for(from_id=PARTNER))
    assert backend.count("create_interconnect") == 0


def test_existing_lookup_can_be_swapped_in(backend):
    known = Interconnect.model_validate(
        {"interconnectId": 90, "ecGridIdFrom": ME, "ecGridIdTo": PARTNER, "status": "Active"}
    )
    asked = []

    def index(a: int, b: int) -> Interconnect:
        asked.append((a, b))
        return known

    result = run_setup(backend, request_for(), existing=index)
    assert asked == [(ME, PARTNER)]
    assert result.interconnect is known
    assert result.outcome == EXISTING
    assert backend.count("interconnects_between") == 0
    assert backend.count("create_interconnect") == 0


# -- onboarding ----------------------------------------------------------------------------

ONBOARD = Onboarding(mailbox_id=3001, description="New Partner", use_type="Test")


def test_onboarding_creates_the_id_when_no_id_holds_the_qid(backend):
    result = run_setup(
        backend, request_for(partner=PartnerRef("ZZ", "NEWPARTNER"), onboard=ONBOARD)
    )
    assert backend.called("create_id") == [
        (NewId(3001, "ZZ", "NEWPARTNER", description="New Partner", use_type="Test"),)
    ]
    assert result.partner_created is True
    assert result.partner.isa_id == "NEWPARTNER"
    assert result.outcome == CREATED
    assert result.interconnect.ecgrid_id_to == result.partner.ecgrid_id


def test_onboarding_when_only_ended_ids_hold_the_qid(backend):
    backend.add_id(5, "ZZ", "REUSEDCO", "Terminated")
    result = run_setup(backend, request_for(partner=PartnerRef("ZZ", "REUSEDCO"), onboard=ONBOARD))
    assert backend.count("create_id") == 1
    assert result.partner.ecgrid_id != 5
    assert result.partner_created is True


def test_no_onboarding_when_a_live_id_holds_the_qid(backend):
    result = run_setup(backend, request_for(onboard=ONBOARD))
    assert backend.count("create_id") == 0
    assert result.partner.ecgrid_id == PARTNER
    assert result.partner_created is False


def test_no_onboarding_over_a_suspended_id(backend):
    backend.add_id(6, "ZZ", "HELDCO", "Suspended")
    with pytest.raises(NotFoundError) as info:
        run_setup(backend, request_for(partner=PartnerRef("ZZ", "HELDCO"), onboard=ONBOARD))
    assert info.value.code == "NoActiveMatch"
    assert backend.count("create_id") == 0


def test_no_onboarding_when_the_partner_is_named_by_ecgrid_id(backend):
    run_setup(backend, request_for(partner=PartnerRef(ecgrid_id=PARTNER), onboard=ONBOARD))
    assert backend.count("create_id") == 0
    assert backend.count("find_ids") == 0


def test_dry_run_that_would_onboard(backend):
    result = run_setup(
        backend,
        request_for(partner=PartnerRef("ZZ", "NEWPARTNER"), onboard=ONBOARD, dry_run=True),
    )
    assert result.outcome == WOULD_CREATE
    assert result.partner is None
    assert result.interconnect is None
    assert result.partner_created is False  # a dry run creates nothing
    assert result.partner is None  # the partner would be onboarded first
    assert result.dry_run is True
    assert backend.count("create_id") == 0
    assert backend.count("create_interconnect") == 0


def test_onboarding_with_a_lost_answer_is_reconciled_by_qid(backend):
    backend.faults["create_id"] = ["lost"]
    result = run_setup(
        backend, request_for(partner=PartnerRef("ZZ", "NEWPARTNER"), onboard=ONBOARD)
    )
    created = [r for r in backend.ids.values() if r.isa_id == "NEWPARTNER"]
    assert len(created) == 1  # not created twice
    assert result.partner.ecgrid_id == created[0].ecgrid_id
    assert result.partner_created is False  # it exists, but this run cannot prove it made it
    assert result.outcome == CREATED


# -- verify --------------------------------------------------------------------------------


@pytest.fixture
def instant(monkeypatch):
    """prove_delivery polls with real time; make its sleeps free."""
    import ecgrid_cli.domain.delivery as delivery

    monkeypatch.setattr(delivery, "FIRST_POLL_SECONDS", 0.0)
    monkeypatch.setattr(delivery, "MAX_POLL_SECONDS", 0.0)


def test_verify_sends_a_test_file_and_reports_the_verdict(backend, instant):
    backend.parcel_statuses = ["InProcess", "InBoxReady"]
    polled: list[str | None] = []
    result = run_setup(backend, request_for(verify=True), on_delivery_poll=polled.append)
    assert result.outcome == CREATED
    assert backend.called("send_test_file") == [(ME, PARTNER)]
    assert result.delivery.verdict == "delivered"
    assert result.delivery.parcel_id is not None
    assert polled == ["InProcess", "InBoxReady"]


def test_verify_on_an_existing_interconnect(backend, instant):
    backend.add_interconnect(77, PARTNER, ME)
    result = run_setup(backend, request_for(verify=True))
    assert result.outcome == EXISTING
    # The test parcel goes From -> To of the record (here the partner's side first).
    # The test parcel goes from your side (--from) to the partner, whoever created the record.
    assert backend.called("send_test_file") == [(ME, PARTNER)]
    assert result.delivery.verdict == "delivered"


def test_verify_of_a_pending_interconnect_is_not_tested(backend, instant):
    result = run_setup(backend, request_for(status="Development", verify=True))
    assert result.delivery.verdict == "not_tested"
    assert backend.count("send_test_file") == 0


def test_verify_failure_keeps_the_created_interconnect(backend, instant):
    backend.errors[("send_test_file", ME)] = ApiError("no route", code="InvalidParameter")
    result = run_setup(backend, request_for(verify=True))
    assert result.outcome == CREATED
    assert result.interconnect is not None
    assert result.delivery is not None
    assert result.delivery.verdict != "delivered"


def test_setup_module_constants():
    assert (setup_flow.CREATED, setup_flow.EXISTING) == ("created", "existing")
    assert (setup_flow.UNCONFIRMED, setup_flow.WOULD_CREATE) == ("unconfirmed", "would-create")
