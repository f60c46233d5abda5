"""The documented ways of asking REST "which ECGrid ID has this QID?" (DRIFT 1), and
the two documented bodies for creating an ECGrid ID (onboarding).

A server implements one of each. :class:`~ecgrid_cli.api.rest.backend.RestBackend`
tries them in a fixed order, keeps the first that answers and remembers it per base
URL (:mod:`ecgrid_cli.api.rest.server_facts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecgrid_cli.validation import ISA_ID_MAX


@dataclass(frozen=True)
class FindForm:
    name: str
    method: str
    qualifier_param: str
    id_param: str

    def request_parts(self, qualifier: str, isa_id: str) -> dict[str, Any]:
        """Keyword arguments for ``RestTransport.call`` (body or query string)."""
        values = {self.qualifier_param: qualifier, self.id_param: isa_id}
        return {"body": values} if self.method == "POST" else {"params": values}


FIND_PATH = "/v2/ids/find"
FIND_FORMS: tuple[FindForm, ...] = (
    FindForm("post", "POST", "qualifier", "id"),  # the endpoint reference
    FindForm("get-isa", "GET", "isaQualifier", "isaId"),  # the Set Up an Interconnect guide
    FindForm("get-qual", "GET", "qualifier", "id"),  # another guide
)
FORMS_BY_NAME = {form.name: form for form in FIND_FORMS}
# Answers that mean "this server does not speak that form", not "nothing found".
NOT_THIS_FORM_STATUSES = frozenset({400, 404, 405, 415, 422, 501})

# Create-ID bodies (API-NOTES, "Onboard a Trading Partner").
CREATE_ID_FORMS = ("reference", "guide")


def create_id_body(
    form: str,
    *,
    mailbox_id: int,
    qualifier: str,
    isa_id: str,
    description: str | None,
    use_type: str | None,
    network_id: int | None,
    routing_group: str | None,
) -> dict[str, Any]:
    """The body of ``POST /v2/ids`` in one of the two documented spellings."""
    if form == "guide":
        body: dict[str, Any] = {
            "networkId": network_id,
            "mailboxId": mailbox_id,
            "isaQualifier": qualifier,
            "isaId": isa_id.ljust(ISA_ID_MAX),  # the guide pads to 15
            "description": description,
            "useType": use_type,
        }
    else:
        body = {
            "mailboxId": mailbox_id,
            "qualifier": qualifier,
            "id": isa_id,
            "description": description,
            "routingGroup": routing_group,
        }
    return {key: value for key, value in body.items() if value is not None}
