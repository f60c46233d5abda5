"""Redaction: every shape a server might echo a secret in is hidden; JSON stays JSON."""

from __future__ import annotations

import base64
import contextlib
import json
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecgrid_cli.redaction import (
    MIN_SECRET_LENGTH,
    REDACTED,
    Redactor,
    encoded_forms,
    is_redactable,
    redact,
)

SECRET = 'k3y/w+th sp@ce "q" \\ SECRET-0123'


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        SECRET.upper(),
        SECRET.lower(),
        SECRET.swapcase(),
        quote(SECRET, safe=""),
        quote(SECRET, safe="").lower(),
        quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
    ],
    ids=["verbatim", "upper", "lower", "swapcase", "url", "url-lower-hex", "url-plus", "json"],
)
def test_text_forms_are_redacted(form):
    text = f"before {form} after"
    assert redact(text, [SECRET]) == f"before {REDACTED} after"


@pytest.mark.parametrize("offset", range(6))
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_at_any_alignment_is_redacted(offset, encode):
    blob = encode(b"p" * offset + SECRET.encode() + b"|tail-bytes").decode()
    result = redact(f"auth={blob}", [SECRET])
    assert REDACTED in result
    # Whatever is left of the blob cannot be decoded back to the secret.
    leftover = result.replace(REDACTED, "")
    assert SECRET.encode() not in _loose_b64decode(leftover)


def _loose_b64decode(text: str) -> bytes:
    decoded = b""
    for shift in range(4):
        chunk = text[shift:]
        chunk = chunk[: len(chunk) - len(chunk) % 4]
        with contextlib.suppress(ValueError):
            decoded += base64.b64decode(chunk.replace("-", "+").replace("_", "/"))
    return decoded


@pytest.mark.parametrize("secret", [SECRET, SECRET + "x", SECRET + "xy"])
def test_base64_of_the_secret_alone_is_redacted(secret):
    # At most the last group (which would mix with a neighbour's bytes) is left.
    result = redact(base64.b64encode(secret.encode()).decode(), [secret])
    assert result.startswith(REDACTED)
    assert len(result) <= len(REDACTED) + 4


@given(st.binary(max_size=8), st.binary(max_size=8))
@settings(max_examples=60)
def test_base64_inside_any_blob_is_redacted(before, after):
    blob = base64.b64encode(before + SECRET.encode() + after).decode()
    assert REDACTED in redact(blob, [SECRET])


def test_short_secrets_are_not_redactable():
    assert not is_redactable("short")
    assert not is_redactable(None)
    assert not is_redactable("")
    assert is_redactable("x" * MIN_SECRET_LENGTH)
    assert redact("the word short appears", ["short"]) == "the word short appears"


def test_encoded_forms_have_no_short_fragments():
    for form in encoded_forms("abcdefgh"):
        assert len(form) >= 8


def test_longest_secret_wins_when_secrets_overlap():
    long_secret, short_secret = "abcdefgh-ijklmnop", "abcdefgh"
    text = redact(f"x {long_secret} y", [short_secret, long_secret])
    assert text == f"x {REDACTED} y"


def test_redactor_adds_secrets_once_and_keeps_them():
    redactor = Redactor()
    assert redactor.text(SECRET) == SECRET
    redactor.add(SECRET)
    redactor.add(SECRET)
    redactor.add("tiny")
    redactor.add(None)
    assert redactor.text(f"a {SECRET} b tiny") == f"a {REDACTED} b tiny"


def test_json_redacts_strings_only():
    redactor = Redactor(["12345678"])
    document = {
        "12345678": 12345678,  # a key and a number that look like the secret
        "list": ["x 12345678 y", 12345678, None, True],
        "nested": {"k": "12345678"},
        "tuple": ("12345678",),
    }
    assert redactor.json(document) == {
        "12345678": 12345678,
        "list": [f"x {REDACTED} y", 12345678, None, True],
        "nested": {"k": REDACTED},
        "tuple": [REDACTED],
    }


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
@settings(max_examples=80)
def test_json_redaction_keeps_the_document_valid_and_shaped(document):
    redactor = Redactor(["secret-value-1"])
    redacted = redactor.json(document)
    json.dumps(redacted)  # still serialisable

    def shape(value):
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [shape(item) for item in value]
        return type(value).__name__

    assert shape(redacted) == shape(document)


def test_no_secret_means_no_change():
    redactor = Redactor()
    value = {"a": ["b"]}
    assert redactor.json(value) is value
