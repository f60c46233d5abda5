"""A plan as a JSON document: what ``plan --json`` prints and ``plan --out`` saves.

The same document is read back by ``apply PLAN.json``, which refuses a plan made for
another API or server, or in a format it does not know.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from ecgrid_cli.domain.plan import Plan, PlanItem, summary
from ecgrid_cli.domain.setup import Onboarding
from ecgrid_cli.errors import EcgridError, UsageError

FORMAT = "ecgrid-plan"
FORMAT_VERSION = 1
MAX_PLAN_BYTES = 64 * 1024 * 1024


def item_document(item: PlanItem) -> dict[str, Any]:
    onboard = item.onboard
    return {
        "action": item.action,
        "from": item.sender,
        "partner": {"ecGridId": item.partner_id, "qualifier": item.qualifier, "id": item.isa_id},
        "interconnectId": item.interconnect_id,
        "status": item.status,
        "expectedStatus": item.expected_status,
        "onboard": None
        if onboard is None
        else {
            "mailbox": onboard.mailbox_id,
            "description": onboard.description,
            "useType": onboard.use_type,
        },
        "where": item.where,
        "error": None
        if item.error is None
        else {"code": item.error.code, "message": item.error.message},
    }


def plan_document(plan: Plan) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "api": plan.api,
        "baseUrl": plan.base_url,
        "source": plan.source,
        "senders": list(plan.senders),
        "items": [item_document(item) for item in plan.items],
        "summary": summary(plan),
        "state": {"interconnects": [list(entry) for entry in plan.snapshot]},
    }


def save(plan: Plan, path: str) -> None:
    text = json.dumps(plan_document(plan), indent=1, ensure_ascii=False) + "\n"
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise EcgridError(
            f"cannot write the plan to {path}: {exc.strerror or exc}", code="PlanNotWritable"
        ) from None


def load(path: str, *, api: str, base_url: str) -> Plan:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(MAX_PLAN_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the plan {path}: {exc}") from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{path} is not a plan (not JSON: {exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(f"{path} is not a plan saved by 'ecgrid plan --out'")
    if document.get("formatVersion") != FORMAT_VERSION:
        raise UsageError(
            f"{path} is a plan of format {document.get('formatVersion')!r}; "
            f"this tool reads {FORMAT_VERSION}"
        )
    if document.get("api") != api or document.get("baseUrl") != base_url:
        raise UsageError(
            f"{path} was made for {document.get('api')} at {document.get('baseUrl')}, "
            f"not {api} at {base_url}: make a new plan"
        )
    try:
        items = [_item(entry) for entry in document["items"]]
        snapshot = [
            (int(n), int(a), int(b), None if s is None else str(s))
            for n, a, b, s in document["state"]["interconnects"]
        ]
        senders = tuple(int(sender) for sender in document["senders"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path} is a damaged plan ({type(exc).__name__}: {exc})") from None
    return Plan(api, base_url, str(document.get("source")), senders, items, snapshot)


def _item(entry: dict[str, Any]) -> PlanItem:
    partner = entry["partner"]
    onboard = entry.get("onboard")
    return PlanItem(
        action=str(entry["action"]),
        sender=int(entry["from"]),
        partner_id=None if partner.get("ecGridId") is None else int(partner["ecGridId"]),
        qualifier=partner.get("qualifier"),
        isa_id=partner.get("id"),
        interconnect_id=None
        if entry.get("interconnectId") is None
        else int(entry["interconnectId"]),
        status=entry.get("status"),
        expected_status=entry.get("expectedStatus"),
        onboard=None
        if not onboard
        else Onboarding(
            int(onboard["mailbox"]), onboard.get("description"), onboard.get("useType")
        ),
        where=entry.get("where"),
    )
