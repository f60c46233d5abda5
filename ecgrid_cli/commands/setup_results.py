"""Setup outcomes as documents and display rows (single setup and bulk rows)."""

from __future__ import annotations

from typing import Any

from ecgrid_cli.domain.bulk import RowOutcome
from ecgrid_cli.domain.bulk_tally import outcome_word
from ecgrid_cli.domain.delivery import Delivery
from ecgrid_cli.domain.setup import (
    CREATED,
    EXISTING,
    UNCONFIRMED,
    WOULD_CREATE,
    SetupRequest,
    SetupResult,
)
from ecgrid_cli.errors import EcgridError
from ecgrid_cli.output.documents import id_document, interconnect_document, maybe


def delivery_document(delivery: Delivery | None) -> dict[str, Any] | None:
    if delivery is None:
        return None
    return {
        "verdict": delivery.verdict,
        "parcelId": delivery.parcel_id,
        "status": delivery.status,
        "detail": delivery.detail,
    }


def error_document(error: EcgridError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "code": error.code,
        "message": error.message,
        "httpStatus": error.http_status,
        "details": error.details,
    }


def setup_document(result: SetupResult, request: SetupRequest) -> dict[str, Any]:
    """DESIGN's setup document, plus what onboarding, delivery and dry runs add."""
    document: dict[str, Any] = {
        "created": result.created,
        "outcome": result.outcome,
        "interconnect": maybe(interconnect_document, result.interconnect),
        "partner": maybe(id_document, result.partner) or _would_be_partner(request),
        "testParcelId": result.delivery.parcel_id if result.delivery else None,
    }
    if request.onboard is not None:
        document["partnerCreated"] = result.partner_created
    if result.delivery is not None:
        document["delivery"] = delivery_document(result.delivery)
    if result.dry_run:
        document["dryRun"] = True
        document["wouldCreate"] = result.outcome == WOULD_CREATE
        if request.onboard is not None:
            document["wouldOnboard"] = result.partner is None
    return document


def _would_be_partner(request: SetupRequest) -> dict[str, Any]:
    """The partner ID a dry run would onboard (no ECGrid ID number yet)."""
    onboard = request.onboard
    return {
        "ecGridId": None,
        "mailboxId": onboard.mailbox_id if onboard else None,
        "networkId": None,
        "qualifier": request.partner.qualifier,
        "id": request.partner.isa_id,
        "description": onboard.description if onboard else None,
        "status": None,
        "routingGroup": None,
        "ediStandard": None,
    }


def action_text(result: SetupResult, request: SetupRequest) -> str:
    """One sentence for people: what happened, or what would happen."""
    partner = result.partner
    qid = request.partner.qid if partner is None else f"{partner.qualifier}/{partner.isa_id}"
    to = "a new ECGrid ID" if partner is None else str(partner.ecgrid_id)
    ic = result.interconnect
    if result.outcome == WOULD_CREATE:
        onboard = (
            f"would onboard {qid} into mailbox {request.onboard.mailbox_id}, then "
            if partner is None and request.onboard
            else ""
        )
        return f"{onboard}would create interconnect {request.from_id} → {to} ({qid})"
    assert ic is not None
    if result.partner_created and partner is not None:
        onboarded = (
            f"onboarded {qid} as ECGrid ID {partner.ecgrid_id} in mailbox "
            f"{partner.mailbox_id}, then "
        )
        return onboarded + _interconnect_text(result, request, ic, to, qid)
    return _interconnect_text(result, request, ic, to, qid)


def _interconnect_text(result: SetupResult, request: SetupRequest, ic, to: str, qid: str) -> str:
    if result.dry_run:
        return (
            f"interconnect {ic.interconnect_id} already joins the pair ({ic.status}); nothing to do"
        )
    if result.outcome == CREATED:
        return f"created interconnect {ic.interconnect_id}: {request.from_id} → {to} ({qid})"
    if result.outcome == UNCONFIRMED:
        return (
            f"interconnect {ic.interconnect_id} joins the pair now; the create's answer was lost, "
            "so this run cannot show it made it"
        )
    return f"interconnect {ic.interconnect_id} already exists ({ic.status}); not created"


def setup_display(result: SetupResult, request: SetupRequest) -> dict[str, Any]:
    partner = result.partner
    ic = result.interconnect
    display: dict[str, Any] = {
        "outcome": action_text(result, request),
        "created": result.created,
        "interconnectId": ic.interconnect_id if ic else None,
        "from": ic.ecgrid_id_from if ic else request.from_id,
        "to": ic.ecgrid_id_to if ic else (partner.ecgrid_id if partner else None),
        "status": ic.status if ic else None,
        "partnerId": partner.ecgrid_id if partner else None,
        "partnerQid": f"{partner.qualifier}/{partner.isa_id}" if partner else request.partner.qid,
        "partnerName": partner.description if partner else None,
    }
    if result.delivery is not None:
        display["delivery"] = f"{result.delivery.verdict} ({result.delivery.detail})"
    return display


def row_document(outcome: RowOutcome) -> dict[str, Any]:
    request = outcome.request
    document: dict[str, Any] = {
        "row": outcome.row,
        "line": outcome.line,
        "input": given(request),
        "outcome": outcome_word(outcome),
    }
    if outcome.result is not None and request is not None:
        document.update(setup_document(outcome.result, request))
    else:
        document.update(created=False, interconnect=None, partner=None, testParcelId=None)
    document["duplicateOf"] = outcome.duplicate_of
    document["error"] = error_document(outcome.error)
    return document


def given(request: SetupRequest | None) -> dict[str, Any] | None:
    if request is None:
        return None
    ref = request.partner
    return {
        "qualifier": ref.qualifier,
        "id": ref.isa_id,
        "from": request.from_id,
        "partnerEcGridId": ref.ecgrid_id,
        "status": request.status,
        "mailbox": request.onboard.mailbox_id if request.onboard else None,
    }


def row_display(document: dict[str, Any]) -> dict[str, Any]:
    """One bulk row for people: outcome words and a detail that says what happened."""
    source = document.get("input") or {}
    partner = document.get("partner") or {}
    interconnect = document.get("interconnect") or {}
    qid = f"{source.get('qualifier')}/{source.get('id')}" if source.get("qualifier") else ""
    outcome = document["outcome"]
    detail = ""
    if document.get("error"):
        detail = f"{document['error']['code']}: {document['error']['message']}"
    elif outcome == "duplicate":
        detail = f"same pair as row {document['duplicateOf']}"
    elif outcome == WOULD_CREATE:
        to = partner.get("ecGridId") or "new ID"
        detail = f"would create interconnect {source.get('from')} → {to}"
    elif document.get("delivery"):
        detail = f"delivery {document['delivery']['verdict']}"
    words = {CREATED: "created", EXISTING: "exists", WOULD_CREATE: "would create"}
    return {
        "row": document["row"],
        "qid": qid,
        "partnerId": partner.get("ecGridId"),
        "outcome": words.get(outcome, outcome),
        "interconnectId": interconnect.get("interconnectId"),
        "detail": detail,
    }
