"""Status vocabularies of the two APIs, and the one table that maps between them.

REST v2 uses one Status enum for IDs and interconnects; the SOAP API (ECGridOS v4.1)
has its own words for interconnects (``StatusInterconnect``) and for IDs
(``StatusECGridID``). Output always shows the server's own word; ``--status`` accepts
either vocabulary, in any case, and is translated into the words of the API in use.
Unknown values pass through unchanged. Standard library only: the sandbox uses this
table too, so both sides of the wire agree.
"""

from __future__ import annotations

REST = "rest"
SOAP = "soap"

# REST v2 Status enum (IDs and interconnects).
STATUSES = ("Development", "Active", "Preproduction", "Suspended", "Terminated")
# SOAP StatusInterconnect (NoStatusChange is an update-only sentinel, never shown).
SOAP_INTERCONNECT_STATUSES = (
    "Pending",
    "Completed",
    "Canceled",
    "Delayed",
    "Problem",
    "AuthorizationRequired",
)
# SOAP StatusECGridID.
SOAP_ID_STATUSES = ("Active", "AutoRoute", "Pending", "Suspended", "Terminated", "Duplicate")

# The documented table (README, "Status words"): REST word <-> SOAP interconnect word.
# SOAP's Problem has no REST counterpart and passes through as itself.
INTERCONNECT_REST_TO_SOAP = {
    "Active": "Completed",
    "Development": "Pending",
    "Preproduction": "AuthorizationRequired",
    "Suspended": "Delayed",
    "Terminated": "Canceled",
}
INTERCONNECT_SOAP_TO_REST = {soap: rest for rest, soap in INTERCONNECT_REST_TO_SOAP.items()}
# IDs: REST word -> SOAP ID word (the sandbox stores REST words and answers SOAP in these).
ID_REST_TO_SOAP = {
    "Active": "Active",
    "Development": "Pending",
    "Preproduction": "Pending",
    "Suspended": "Suspended",
    "Terminated": "Terminated",
}

ALL_INTERCONNECT_WORDS = STATUSES + tuple(
    s for s in SOAP_INTERCONNECT_STATUSES if s not in STATUSES
)
_CANONICAL = {
    word.lower(): word for word in (*STATUSES, *SOAP_INTERCONNECT_STATUSES, *SOAP_ID_STATUSES)
}
# Statuses after which an interconnect no longer exists for routing (irreversible).
_ENDED = frozenset({"terminated", "canceled", "cancelled"})
# Statuses in which traffic routes.
_ROUTING = frozenset({"active", "completed"})


def canonical_status(value: str) -> str:
    """Canonical spelling of a known word of either API; unknown values pass through."""
    return _CANONICAL.get(value.strip().lower(), value)


def is_known_status(value: str) -> bool:
    return value.strip().lower() in {word.lower() for word in ALL_INTERCONNECT_WORDS}


def interconnect_status_for(api: str, value: str) -> str:
    """``value`` (either vocabulary, any case) as the word the ``api`` uses."""
    word = canonical_status(value)
    if api == SOAP:
        return INTERCONNECT_REST_TO_SOAP.get(word, word)
    return INTERCONNECT_SOAP_TO_REST.get(word, word)


def creation_refusal(api: str, status: str | None, initial: tuple[str, ...]) -> str | None:
    """Why ``status`` (the API's word) cannot be a new interconnect's status, or None."""
    if status is None or status in initial:
        return None

    def shown(word: str) -> str:
        other = INTERCONNECT_SOAP_TO_REST.get(word) if api == SOAP else None
        return f"{word} ({other})" if other else word

    asked = shown(status) if api == SOAP else status
    return (
        f"the {api.upper()} API cannot create an interconnect in status {asked}: "
        f"choose one of {', '.join(map(shown, initial))}"
    )


def is_live(status: str | None) -> bool:
    """True unless the interconnect (or ID) has ended: Terminated (REST) or Canceled (SOAP)."""
    return status is None or status.strip().lower() not in _ENDED


def is_routing(status: str | None) -> bool:
    """True for the status in which traffic flows: Active (REST) or Completed (SOAP)."""
    return status is not None and status.strip().lower() in _ROUTING


def is_active_id(status: str | None) -> bool:
    """An ECGrid ID that can trade: Active in both vocabularies."""
    return status is not None and status.strip().lower() == "active"
