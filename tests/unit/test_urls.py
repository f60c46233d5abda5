"""Base URLs: plain http only to loopback, no credentials in URLs, SOAP endpoints."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ecgrid_cli.api import factory
from ecgrid_cli.errors import UsageError
from ecgrid_cli.urls import (
    REST_BASE_URL,
    SOAP_BASE_URL,
    check_base_url,
    endpoint_for,
    is_loopback_host,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://example.com:8765",
        "http://10.0.0.5",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "HTTP://EXAMPLE.COM",
        "ftp://api.test",
        "api.test",
        "",
        "https://",
        "https://api.test:99999",
    ],
)
def test_check_base_url_refuses(url):
    with pytest.raises(UsageError):
        check_base_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost", "http://localhost"),
        ("http://[::1]", "http://[::1]"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("http://127.0.0.2:1", "http://127.0.0.2:1"),
        ("https://api.test/", "https://api.test"),
        ("  https://rest.ecgrid.io  ", "https://rest.ecgrid.io"),
    ],
)
def test_check_base_url_allows(url, expected):
    assert check_base_url(url) == expected


@pytest.mark.parametrize("url", ["http://[::1", "https://[api.test]/"])
def test_check_base_url_malformed_brackets_is_usage_error(url):
    with pytest.raises(UsageError):
        check_base_url(url)


def test_credentials_in_the_url_are_refused_without_showing_them():
    with pytest.raises(UsageError) as info:
        check_base_url("https://user:hunter2-secret@api.test")
    assert "hunter2" not in info.value.message
    assert "credentials never go in the URL" in info.value.message


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("[::1]", True),
        ("LOCALHOST", True),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        ("example.com", False),
    ],
)
def test_is_loopback_host(host, loopback):
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("api", "url", "expected"),
    [
        (None, None, ("rest", REST_BASE_URL)),
        ("soap", None, ("soap", SOAP_BASE_URL)),
        (
            None,
            "https://x.test/v4.1/prod/ECGridOS.asmx",
            ("soap", "https://x.test/v4.1/prod/ECGridOS.asmx"),
        ),
        (
            "soap",
            "http://127.0.0.1:8765/",
            ("soap", "http://127.0.0.1:8765/v4.1/prod/ECGridOS.asmx"),
        ),
        ("rest", "https://api.test/", ("rest", "https://api.test")),
    ],
)
def test_endpoint_for(api, url, expected):
    assert endpoint_for(api, url) == expected


def test_rest_on_an_asmx_url_is_a_usage_error():
    with pytest.raises(UsageError):
        endpoint_for("rest", "https://x.test/ECGridOS.asmx")


def test_factory_refuses_plain_http_off_loopback():
    resolved = SimpleNamespace(
        settings=SimpleNamespace(endpoint=lambda: ("rest", "http://example.com"))
    )
    with pytest.raises(UsageError) as info:
        factory.endpoint(resolved)  # type: ignore[arg-type]
    assert "plain http" in info.value.message
