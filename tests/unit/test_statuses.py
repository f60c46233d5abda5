"""The status table: REST words <-> SOAP interconnect words, in both directions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecgrid_cli import statuses
from ecgrid_cli.statuses import (
    ALL_INTERCONNECT_WORDS,
    INTERCONNECT_REST_TO_SOAP,
    INTERCONNECT_SOAP_TO_REST,
    REST,
    SOAP,
    SOAP_INTERCONNECT_STATUSES,
    STATUSES,
    canonical_status,
    interconnect_status_for,
    is_active_id,
    is_known_status,
    is_live,
    is_routing,
)


def test_the_documented_table():
    assert INTERCONNECT_REST_TO_SOAP == {
        "Active": "Completed",
        "Development": "Pending",
        "Preproduction": "AuthorizationRequired",
        "Suspended": "Delayed",
        "Terminated": "Canceled",
    }


@pytest.mark.parametrize("rest", STATUSES)
def test_rest_word_round_trips_through_soap(rest):
    soap = interconnect_status_for(SOAP, rest)
    assert soap in SOAP_INTERCONNECT_STATUSES
    assert interconnect_status_for(REST, soap) == rest


@pytest.mark.parametrize("soap", [s for s in SOAP_INTERCONNECT_STATUSES if s != "Problem"])
def test_soap_word_round_trips_through_rest(soap):
    rest = interconnect_status_for(REST, soap)
    assert rest in STATUSES
    assert interconnect_status_for(SOAP, rest) == soap


def test_tables_are_inverse_bijections():
    assert len(set(INTERCONNECT_REST_TO_SOAP.values())) == len(INTERCONNECT_REST_TO_SOAP)
    assert {v: k for k, v in INTERCONNECT_SOAP_TO_REST.items()} == INTERCONNECT_REST_TO_SOAP


@pytest.mark.parametrize("api", [REST, SOAP])
def test_words_already_in_the_api_stay(api):
    own = STATUSES if api == REST else SOAP_INTERCONNECT_STATUSES
    for word in own:
        assert interconnect_status_for(api, word) == word


def test_problem_is_soap_only_and_passes_through():
    assert interconnect_status_for(SOAP, "problem") == "Problem"
    assert interconnect_status_for(REST, "Problem") == "Problem"


@pytest.mark.parametrize(
    ("api", "given", "expected"),
    [
        (SOAP, "active", "Completed"),
        (SOAP, " DEVELOPMENT ", "Pending"),
        (REST, "completed", "Active"),
        (REST, "CANCELED", "Terminated"),
        (REST, "SomethingNew", "SomethingNew"),
        (SOAP, "SomethingNew", "SomethingNew"),
    ],
)
def test_any_case_is_translated(api, given, expected):
    assert interconnect_status_for(api, given) == expected


@given(st.sampled_from(ALL_INTERCONNECT_WORDS), st.sampled_from([str.lower, str.upper, str]))
def test_canonical_status_of_any_case(word, case):
    assert canonical_status(case(word)) == word
    assert is_known_status(case(word))


@given(st.text())
def test_unknown_words_pass_through_unchanged(text):
    if text.strip().lower() not in {w.lower() for w in statuses._CANONICAL.values()}:
        assert canonical_status(text) == text


@pytest.mark.parametrize(
    ("status", "live"),
    [
        ("Active", True),
        ("Completed", True),
        ("Suspended", True),
        ("Pending", True),
        (None, True),
        ("Terminated", False),
        ("terminated", False),
        ("Canceled", False),
        ("Cancelled", False),
    ],
)
def test_is_live(status, live):
    assert is_live(status) is live


@pytest.mark.parametrize(
    ("status", "routing"),
    [
        ("Active", True),
        ("completed", True),
        ("Pending", False),
        ("Suspended", False),
        (None, False),
    ],
)
def test_is_routing(status, routing):
    assert is_routing(status) is routing


@pytest.mark.parametrize(
    ("status", "active"), [("Active", True), ("ACTIVE", True), ("AutoRoute", False), (None, False)]
)
def test_is_active_id(status, active):
    assert is_active_id(status) is active
