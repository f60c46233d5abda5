"""Input validation: each check returns a normalised value or raises UsageError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecgrid_cli import validation
from ecgrid_cli.errors import UsageError
from ecgrid_cli.statuses import ALL_INTERCONNECT_WORDS, SOAP_INTERCONNECT_STATUSES, STATUSES

# -- qualifier ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("01", "01"), ("ZZ", "ZZ"), ("zz", "ZZ"), ("14", "14"), (" 12 ", "12"), ("08", "08")],
)
def test_qualifier_accepts(value, expected):
    assert validation.qualifier(value) == expected


@pytest.mark.parametrize("value", ["", "1", "001", "Z Z", "0-", "é1", "１２", "  ", "\t01x"])
def test_qualifier_rejects(value):
    with pytest.raises(UsageError) as info:
        validation.qualifier(value)
    assert "--qualifier" in info.value.message


def test_qualifier_names_the_option():
    with pytest.raises(UsageError, match="--partner-qualifier"):
        validation.qualifier("x", option="--partner-qualifier")


# -- ISA ID --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PARTNERCO", "PARTNERCO"),
        ("PARTNERCO      ", "PARTNERCO"),
        ("A", "A"),
        ("X" * 15, "X" * 15),
        ("X" * 15 + "   ", "X" * 15),
        ("ACME CORP", "ACME CORP"),
        ("5551234567", "5551234567"),
        ("a-b_c.d/e:f", "a-b_c.d/e:f"),
    ],
)
def test_isa_id_accepts(value, expected):
    assert validation.isa_id(value) == expected


@pytest.mark.parametrize(
    "value", ["", "   ", "X" * 16, "PARTNÉRCO", "TAB\tID", "NEW\nLINE", "NUL\x00", "DEL\x7f"]
)
def test_isa_id_rejects(value):
    with pytest.raises(UsageError) as info:
        validation.isa_id(value)
    assert "--id" in info.value.message


# -- positive IDs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("1", 1),
        (" 42 ", 42),
        ("007", 7),
        (2**63 - 1, 2**63 - 1),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_positive_id_accepts(value, expected):
    assert validation.positive_id(value, "--from") == expected


@pytest.mark.parametrize(
    "value",
    [0, -1, "0", "-5", "+5", "1.5", 1.5, "", "abc", "١٢", "²", True, False, None, 2**63, "9" * 30],
)
def test_positive_id_rejects(value):
    with pytest.raises(UsageError) as info:
        validation.positive_id(value, "--from")
    assert "--from" in info.value.message


def test_positive_id_rejects_huge_digit_strings():
    with pytest.raises(UsageError):
        validation.positive_id("9" * 5000, "--from")


# -- status --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Active", "Active"),
        ("active", "Active"),
        ("ACTIVE", "Active"),
        (" terminated ", "Terminated"),
        ("preProduction", "Preproduction"),
        ("development", "Development"),
        ("SUSPENDED", "Suspended"),
        # status() accepts the SOAP interconnect words too (translated later).
        ("Pending", "Pending"),
        ("completed", "Completed"),
        ("AUTHORIZATIONREQUIRED", "AuthorizationRequired"),
        ("problem", "Problem"),
        (None, None),
    ],
)
def test_status_accepts(value, expected):
    assert validation.status(value) == expected


@pytest.mark.parametrize("value", ["", "Live", "Activ", "Pendin", "Active!", "NoStatusChange"])
def test_status_rejects(value):
    with pytest.raises(UsageError) as info:
        validation.status(value)
    for name in STATUSES + SOAP_INTERCONNECT_STATUSES:
        assert name in info.value.message


def test_at_least_one():
    assert validation.at_least_one(1, "--limit") == 1
    with pytest.raises(UsageError, match="--limit"):
        validation.at_least_one(0, "--limit")


# -- properties: any text either validates or is a UsageError ----------------------------


def _value_or_usage_error(check, value):
    try:
        return check(value)
    except UsageError:
        return None


@given(st.text())
def test_qualifier_property(value):
    result = _value_or_usage_error(validation.qualifier, value)
    if result is not None:
        assert len(result) == 2
        assert result.isascii()
        assert result.isalnum()
        assert result == result.upper()
        assert result == value.strip().upper()


@given(st.text())
def test_isa_id_property(value):
    result = _value_or_usage_error(validation.isa_id, value)
    if result is not None:
        assert 1 <= len(result) <= 15
        assert all(" " <= ch <= "~" for ch in result)
        assert not result.endswith(" ")
        assert value.startswith(result)


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20))
def test_isa_id_property_printable_ascii(value):
    stripped = value.rstrip(" ")
    if 1 <= len(stripped) <= 15:
        assert validation.isa_id(value) == stripped
    else:
        with pytest.raises(UsageError):
            validation.isa_id(value)


@given(st.text())
def test_positive_id_property_text(value):
    result = _value_or_usage_error(lambda v: validation.positive_id(v, "--id"), value)
    if result is not None:
        assert 1 <= result <= 2**63 - 1
        assert str(result) == value.strip().lstrip("0")


@given(st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), st.binary()))
def test_positive_id_property_other_values(value):
    result = _value_or_usage_error(lambda v: validation.positive_id(v, "--id"), value)
    if result is not None:
        assert isinstance(result, int)
        assert 1 <= result <= 2**63 - 1


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_positive_id_round_trips_every_valid_integer(number):
    assert validation.positive_id(number, "--id") == number
    assert validation.positive_id(str(number), "--id") == number


@given(st.text())
def test_status_property(value):
    result = _value_or_usage_error(validation.status, value)
    if result is not None:
        assert result in ALL_INTERCONNECT_WORDS
        assert result.lower() == value.strip().lower()


@given(
    st.sampled_from(ALL_INTERCONNECT_WORDS),
    st.sampled_from([str.lower, str.upper, str.title, str]),
)
def test_status_accepts_any_case(name, case):
    assert validation.status(case(name)) == name
