"""Transport: the envelope, error mapping, retries, deadlines and exactly-once writes."""

from __future__ import annotations

import email.utils
import json
import time

import httpx
import pytest

from ecgrid_cli.api import transport as transport_module
from ecgrid_cli.api.transport import RetryPolicy, Transport, parse_retry_after
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    EcgridError,
    InvalidResponseError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
    UnreachableError,
    UsageError,
)
from ecgrid_cli.urls import check_base_url

PATH = "/v2/ids/42"


# -- envelope ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{"ecGridId": 42}, [1, 2, 3], 7, "text", True, None],
    ids=["object", "list", "int", "str", "bool", "null"],
)
def test_success_envelope_unwraps_to_data(api, make_transport, ok, data):
    api.get(PATH).respond(200, json=ok(data))
    assert make_transport().call("GET", PATH) == data


def test_envelope_extra_fields_are_ignored(api, make_transport):
    api.get(PATH).respond(200, json={"success": True, "data": 5, "traceId": "x", "extra": {}})
    assert make_transport().call("GET", PATH) == 5


def test_parse_is_applied_to_data(api, make_transport, ok):
    api.get(PATH).respond(200, json=ok({"n": 2}))
    assert make_transport().call("GET", PATH, parse=lambda d: d["n"] * 10) == 20


def test_params_and_json_body_are_sent(api, make_transport, ok):
    route = api.post("/v2/ids/list").respond(200, json=ok([]))
    make_transport().call("POST", "/v2/ids/list", body={"a": 1}, params={"q": "x y"})
    request = route.calls.last.request
    assert json.loads(request.content) == {"a": 1}
    assert request.url.params["q"] == "x y"
    assert request.headers["Content-Type"] == "application/json"


# -- error mapping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error_type", "kind"),
    [
        (400, "InvalidParameter", ApiError, "api"),
        (400, "DuplicateObject", ConflictError, "conflict"),
        (401, "InvalidAPIKey", AuthError, "auth"),
        (401, "InvalidSession", AuthError, "auth"),
        (403, "AccessDenied", AuthError, "auth"),
        (404, "ObjectNotFound", NotFoundError, "not_found"),
    ],
)
def test_error_envelopes_map_to_typed_errors(
    api, make_transport, fail, sleeps, status, code, error_type, kind
):
    route = api.get(PATH).respond(status, json=fail(code, f"server says {code}"))
    with pytest.raises(EcgridError) as info:
        make_transport().call("GET", PATH)
    err = info.value
    assert type(err) is error_type
    assert err.kind == kind
    assert err.code == code
    assert err.http_status == status
    assert err.message == f"server says {code}"
    assert route.call_count == 1
    assert sleeps == []


def test_404_without_envelope_is_not_found(api, make_transport):
    api.get(PATH).respond(404, text="Not Found", headers={"Content-Type": "text/plain"})
    with pytest.raises(NotFoundError) as info:
        make_transport().call("GET", PATH)
    assert info.value.http_status == 404
    assert info.value.code == "HTTP404"


def test_error_envelope_without_message_gets_a_readable_one(api, make_transport, fail):
    api.get(PATH).respond(400, json=fail("InvalidParameter", None))
    with pytest.raises(ApiError) as info:
        make_transport().call("GET", PATH)
    assert info.value.message
    assert info.value.code == "InvalidParameter"


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("InvalidParameter", ApiError),
        ("DuplicateObject", ConflictError),
        ("AccessDenied", AuthError),
        ("ObjectNotFound", NotFoundError),
        (None, ApiError),
    ],
)
def test_success_false_with_http_200_is_an_error(api, make_transport, fail, code, error_type):
    route = api.get(PATH).respond(200, json=fail(code, "nope"))
    with pytest.raises(error_type) as info:
        make_transport().call("GET", PATH)
    assert type(info.value) is error_type
    assert info.value.http_status == 200
    assert route.call_count == 1


@pytest.mark.parametrize("success", ["true", 1, None])
def test_success_must_be_literally_true(api, make_transport, success):
    api.get(PATH).respond(200, json={"success": success, "data": 1})
    with pytest.raises(ApiError):
        make_transport().call("GET", PATH)


# -- 429 and Retry-After -------------------------------------------------------------


def test_429_retry_after_seconds_is_honoured(api, make_transport, ok, fail, sleeps):
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("done")),
        ]
    )
    assert make_transport().call("GET", PATH) == "done"
    assert route.call_count == 2
    assert sleeps == [2.0]


def test_429_retry_after_http_date_is_honoured(api, make_transport, ok, fail, sleeps):
    when = email.utils.formatdate(time.time() + 4, usegmt=True)
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": when}, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("done")),
        ]
    )
    assert make_transport().call("GET", PATH) == "done"
    assert route.call_count == 2
    assert len(sleeps) == 1
    # HTTP dates have one-second resolution: between 3 and 4 seconds from "now".
    assert 2.0 <= sleeps[0] <= 4.0


def test_429_without_retry_after_uses_bounded_backoff(api, make_transport, ok, fail, sleeps):
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(429, json=fail("RateLimitExceeded")),
            httpx.Response(429, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok(1)),
        ]
    )
    assert make_transport().call("GET", PATH) == 1
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= transport_module.BACKOFF_BASE_SECONDS
    assert 0 <= sleeps[1] <= transport_module.BACKOFF_BASE_SECONDS * 2


def test_retry_after_longer_than_deadline_gives_up_immediately(api, make_transport, fail, sleeps):
    route = api.get(PATH).respond(
        429, headers={"Retry-After": "10"}, json=fail("RateLimitExceeded")
    )
    with pytest.raises(RetriesExhaustedError) as info:
        make_transport().call("GET", PATH)
    assert route.call_count == 1
    assert sleeps == []
    assert info.value.http_status == 429
    assert "deadline" in info.value.message


def test_deadline_bounds_total_waiting(api, make_transport, fail, sleeps):
    route = api.get(PATH).respond(429, headers={"Retry-After": "2"}, json=fail("RateLimitExceeded"))
    with pytest.raises(RetriesExhaustedError):
        make_transport(retries=10).call("GET", PATH)
    # 5 s deadline: waits 2 + 2, then the next 2 s wait would pass it.
    assert sleeps == [2.0, 2.0]
    assert route.call_count == 3


# -- 5xx, HTML pages, unparseable bodies ---------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(500, "InternalError"), (503, "ServiceUnavailable")])
def test_5xx_retried_then_retries_exhausted(api, make_transport, fail, sleeps, status, code):
    route = api.get(PATH).respond(status, json=fail(code, "boom"))
    with pytest.raises(RetriesExhaustedError) as info:
        make_transport().call("GET", PATH)
    assert route.call_count == 4  # retries=3: one try and three retries
    assert len(sleeps) == 3
    assert info.value.http_status == status
    assert info.value.kind == "transient"


def test_5xx_then_success_returns_data(api, make_transport, ok, fail):
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError")),
            httpx.Response(503, text="unavailable"),
            httpx.Response(200, json=ok({"x": 1})),
        ]
    )
    assert make_transport().call("GET", PATH) == {"x": 1}
    assert route.call_count == 3


def test_retries_zero_sends_once(api, make_transport, fail, sleeps):
    route = api.get(PATH).respond(500, json=fail("InternalError"))
    with pytest.raises(RetriesExhaustedError):
        make_transport(retries=0).call("GET", PATH)
    assert route.call_count == 1
    assert sleeps == []


HTML_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def test_html_error_page_retried_then_clean_error(api, make_transport, sleeps):
    route = api.get(PATH).respond(
        502, text=HTML_PAGE, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    with pytest.raises(RetriesExhaustedError) as info:
        make_transport().call("GET", PATH)
    assert route.call_count == 4
    assert info.value.http_status == 502
    message = info.value.message
    assert "502" in message
    assert "text/html" in message
    assert "<html" not in message
    assert "nginx" not in message


def test_html_error_page_then_success(api, make_transport, ok):
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(502, text=HTML_PAGE, headers={"Content-Type": "text/html"}),
            httpx.Response(200, json=ok(3)),
        ]
    )
    assert make_transport().call("GET", PATH) == 3
    assert route.call_count == 2


def test_truncated_json_with_200_is_invalid_response(api, make_transport, sleeps):
    route = api.get(PATH).respond(
        200,
        content=b'{"success": true, "data": {"ecGridId": 4',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(InvalidResponseError) as info:
        make_transport().call("GET", PATH)
    assert info.value.http_status == 200
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "document",
    [[1, 2], {"data": 1}, {"result": "ok"}, "success", 12, None],
    ids=["list", "data-only", "other-object", "string", "number", "null"],
)
def test_json_that_is_not_an_envelope_is_invalid_response(api, make_transport, document):
    route = api.get(PATH).respond(200, json=document)
    with pytest.raises(InvalidResponseError):
        make_transport().call("GET", PATH)
    assert route.call_count == 1


def test_empty_200_body_is_invalid_response(api, make_transport):
    api.get(PATH).respond(200, content=b"")
    with pytest.raises(InvalidResponseError):
        make_transport().call("GET", PATH)


def test_html_with_200_is_invalid_response(api, make_transport):
    api.get(PATH).respond(200, text=HTML_PAGE, headers={"Content-Type": "text/html"})
    with pytest.raises(InvalidResponseError) as info:
        make_transport().call("GET", PATH)
    assert "text/html" in info.value.message


def test_redirect_is_not_followed_and_is_invalid_response(api, make_transport):
    api.get(PATH).respond(302, headers={"Location": "https://elsewhere.test/"})
    with pytest.raises(InvalidResponseError) as info:
        make_transport().call("GET", PATH)
    assert info.value.http_status == 302


def test_oversized_body_is_invalid_response(api, make_transport, ok, monkeypatch, sleeps):
    monkeypatch.setattr(transport_module, "MAX_BODY_BYTES", 64)
    route = api.get(PATH).respond(200, json=ok("x" * 1000))
    with pytest.raises(InvalidResponseError) as info:
        make_transport().call("GET", PATH)
    assert "exceeds" in info.value.message
    assert route.call_count == 1
    assert sleeps == []


def test_body_at_the_limit_is_read(api, make_transport, ok, monkeypatch):
    body = json.dumps(ok("x" * 100)).encode()
    monkeypatch.setattr(transport_module, "MAX_BODY_BYTES", len(body))
    api.get(PATH).respond(200, content=body, headers={"Content-Type": "application/json"})
    assert make_transport().call("GET", PATH) == "x" * 100


# -- the never-retry-other-4xx rule --------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 415, 422])
@pytest.mark.parametrize("write", [False, True])
def test_other_4xx_are_sent_exactly_once(api, make_transport, fail, sleeps, status, write):
    route = api.post("/v2/ids").respond(status, json=fail("Whatever", "no"))
    calls = []
    with pytest.raises(ApiError):
        make_transport().call(
            "POST", "/v2/ids", body={}, write=write, reconcile=lambda: calls.append(1)
        )
    assert route.call_count == 1
    assert sleeps == []
    assert calls == []


# -- connection failures and timeouts ------------------------------------------------


def test_connect_error_retried_then_unreachable(api, make_transport, sleeps):
    route = api.get(PATH).mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(UnreachableError) as info:
        make_transport().call("GET", PATH)
    assert route.call_count == 4
    assert len(sleeps) == 3
    assert info.value.code == "Unreachable"
    assert info.value.kind == "unreachable"
    assert "api.test" in info.value.message


def test_connect_timeout_retried_then_unreachable(api, make_transport, sleeps):
    route = api.get(PATH).mock(side_effect=httpx.ConnectTimeout("timed out"))
    with pytest.raises(UnreachableError) as info:
        make_transport().call("GET", PATH)
    assert route.call_count == 4
    assert info.value.kind == "unreachable"
    assert "after 4 attempts" in info.value.message


def test_one_attempt_is_singular(api, make_transport):
    api.get(PATH).mock(side_effect=httpx.ConnectError("Connection refused"))
    with pytest.raises(UnreachableError) as info:
        make_transport(retries=0).call("GET", PATH)
    assert "after 1 attempt:" in info.value.message


def test_request_that_cannot_be_sent_is_not_retried(api, make_transport, sleeps):
    route = api.get(PATH).mock(side_effect=httpx.LocalProtocolError("Illegal header value"))
    with pytest.raises(UsageError):
        make_transport().call("GET", PATH)
    assert route.call_count == 1
    assert sleeps == []


def test_absurdly_nested_json_is_invalid_response(api, make_transport):
    api.get(PATH).respond(200, content=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(InvalidResponseError):
        make_transport().call("GET", PATH)


def test_connect_error_then_success(api, make_transport, ok):
    route = api.get(PATH).mock(
        side_effect=[httpx.ConnectError("Connection refused"), httpx.Response(200, json=ok(1))]
    )
    assert make_transport().call("GET", PATH) == 1
    assert route.call_count == 2


@pytest.mark.parametrize(
    "text",
    [
        "[Errno -2] Name or service not known",
        "[Errno -3] Temporary failure in name resolution",
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
    ],
)
def test_permanent_connect_errors_are_not_retried(api, make_transport, sleeps, text):
    route = api.get(PATH).mock(side_effect=httpx.ConnectError(text))
    with pytest.raises(UnreachableError) as info:
        make_transport().call("GET", PATH)
    assert route.call_count == 1
    assert sleeps == []
    assert info.value.code == "Unreachable"


def test_read_timeout_on_get_is_retried(api, make_transport, ok, sleeps):
    route = api.get(PATH).mock(
        side_effect=[httpx.ReadTimeout("timed out"), httpx.Response(200, json=ok("late"))]
    )
    assert make_transport().call("GET", PATH) == "late"
    assert route.call_count == 2
    assert len(sleeps) == 1


def test_read_timeouts_exhaust_retries(api, make_transport):
    route = api.get(PATH).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(RetriesExhaustedError) as info:
        make_transport().call("GET", PATH)
    assert route.call_count == 4
    assert info.value.code == "Timeout"


def test_dropped_connection_on_get_is_retried(api, make_transport, ok):
    route = api.get(PATH).mock(
        side_effect=[
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            httpx.Response(200, json=ok(9)),
        ]
    )
    assert make_transport().call("GET", PATH) == 9
    assert route.call_count == 2


# -- writes: exactly once ------------------------------------------------------------

WRITE = "/v2/partners"


class Reconcile:
    """A reconcile function that records its calls and answers from a script."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.answers.pop(0) if self.answers else None


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"success": False, "errorCode": "InternalError"}),
        httpx.Response(502, text=HTML_PAGE, headers={"Content-Type": "text/html"}),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
        httpx.ReadError("connection reset by peer"),
    ],
    ids=["500", "502-html", "remote-protocol-error", "read-timeout", "read-error"],
)
def test_write_that_may_have_landed_returns_reconcile_result(api, make_transport, sleeps, failure):
    route = api.post(WRITE).mock(side_effect=[failure])
    reconcile = Reconcile({"interconnectId": 7})
    result = make_transport().call("POST", WRITE, body={"a": 1}, write=True, reconcile=reconcile)
    assert result == {"interconnectId": 7}
    assert route.call_count == 1
    assert reconcile.calls == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"success": False, "errorCode": "InternalError"}),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=["500", "remote-protocol-error"],
)
def test_write_resent_only_after_reconcile_says_not_applied(api, make_transport, ok, failure):
    route = api.post(WRITE).mock(side_effect=[failure, httpx.Response(200, json=ok("made"))])
    reconcile = Reconcile(None)
    result = make_transport().call("POST", WRITE, body={"a": 1}, write=True, reconcile=reconcile)
    assert result == "made"
    assert route.call_count == 2
    assert reconcile.calls == 1
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert bodies == [{"a": 1}, {"a": 1}]


def test_write_reconciled_before_every_resend(api, make_transport, fail):
    route = api.post(WRITE).respond(500, json=fail("InternalError"))
    reconcile = Reconcile()
    with pytest.raises(RetriesExhaustedError):
        make_transport().call("POST", WRITE, body={}, write=True, reconcile=reconcile)
    assert route.call_count == 4
    assert reconcile.calls == 4


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"success": False, "errorCode": "InternalError"}),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
    ],
    ids=["500", "remote-protocol-error", "read-timeout"],
)
def test_write_without_reconcile_surfaces_after_one_send(api, make_transport, sleeps, failure):
    route = api.post(WRITE).mock(side_effect=[failure])
    with pytest.raises(TransientError) as info:
        make_transport().call("POST", WRITE, body={}, write=True)
    assert route.call_count == 1
    assert sleeps == []
    assert "not sent again" in info.value.message


def test_429_on_write_is_retried_without_reconcile(api, make_transport, ok, fail, sleeps):
    route = api.post(WRITE).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("made")),
        ]
    )
    reconcile = Reconcile({"should": "not be used"})
    result = make_transport().call("POST", WRITE, body={}, write=True, reconcile=reconcile)
    assert result == "made"
    assert route.call_count == 2
    assert reconcile.calls == 0
    assert sleeps == [1.0]


def test_429_on_write_without_reconcile_is_still_retried(api, make_transport, ok, fail):
    route = api.post(WRITE).mock(
        side_effect=[
            httpx.Response(429, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("made")),
        ]
    )
    assert make_transport().call("POST", WRITE, body={}, write=True) == "made"
    assert route.call_count == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("Connection refused"), httpx.ConnectTimeout("connect timeout")],
    ids=["refused", "timed-out"],
)
def test_connection_not_made_on_write_is_retried_without_reconcile(
    api, make_transport, ok, failure
):
    route = api.post(WRITE).mock(side_effect=[failure, httpx.Response(200, json=ok(1))])
    reconcile = Reconcile({"unused": True})
    assert make_transport().call("POST", WRITE, body={}, write=True, reconcile=reconcile) == 1
    assert route.call_count == 2
    assert reconcile.calls == 0


def test_read_side_5xx_is_retried_without_reconcile(api, make_transport, ok, fail):
    route = api.post("/v2/ids/list").mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError")),
            httpx.Response(200, json=ok([])),
        ]
    )
    reconcile = Reconcile({"unused": True})
    assert make_transport().call("POST", "/v2/ids/list", body={}, reconcile=reconcile) == []
    assert route.call_count == 2
    assert reconcile.calls == 0


# -- the API key -------------------------------------------------------------------------


def test_api_key_header_is_sent(api, make_transport, ok, api_key):
    route = api.get(PATH).respond(200, json=ok(1))
    make_transport().call("GET", PATH)
    headers = route.calls.last.request.headers
    assert headers["X-API-Key"] == api_key
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("ecgrid-cli/")
    assert api_key not in str(route.calls.last.request.url)


def _scenario(api, name, monkeypatch):
    route = api.route(method="POST", path=WRITE)
    if name == "401":
        route.respond(401, json={"success": False, "errorCode": "InvalidAPIKey"})
    elif name == "500-exhausted":
        route.respond(500, json={"success": False, "errorCode": "InternalError", "message": "x"})
    elif name == "html-502":
        route.respond(502, text=HTML_PAGE, headers={"Content-Type": "text/html"})
    elif name == "connect-refused":
        route.mock(side_effect=httpx.ConnectError("Connection refused"))
    elif name == "dns":
        route.mock(side_effect=httpx.ConnectError("Name or service not known"))
    elif name == "truncated":
        route.respond(200, content=b'{"success": tr')
    elif name == "oversized":
        monkeypatch.setattr(transport_module, "MAX_BODY_BYTES", 8)
        route.respond(200, json={"success": True, "data": "x" * 100})
    elif name == "write-no-reconcile":
        route.mock(side_effect=httpx.RemoteProtocolError("dropped"))
    elif name == "429-deadline":
        route.respond(429, headers={"Retry-After": "60"}, json={"success": False})
    return route


@pytest.mark.parametrize(
    "scenario",
    [
        "401",
        "500-exhausted",
        "html-502",
        "connect-refused",
        "dns",
        "truncated",
        "oversized",
        "write-no-reconcile",
        "429-deadline",
    ],
)
def test_api_key_never_in_exception_or_log(
    api, make_transport, api_key, monkeypatch, log_lines, scenario
):
    _scenario(api, scenario, monkeypatch)
    with pytest.raises(EcgridError) as info:
        make_transport(log=log_lines.append).call("POST", WRITE, body={}, write=True)
    err = info.value
    for text in (str(err), err.message, repr(err), str(err.args), err.code):
        assert api_key not in text
    assert "SECRET" not in "\n".join(log_lines)


def test_api_key_echoed_by_server_is_redacted(api, make_transport, api_key, log_lines):
    api.get(PATH).respond(
        401,
        json={
            "success": False,
            "errorCode": "InvalidAPIKey",
            "message": f"API key '{api_key}' is not valid",
        },
    )
    with pytest.raises(AuthError) as info:
        make_transport(log=log_lines.append).call("GET", PATH)
    assert api_key not in str(info.value)


# -- base URL safety ---------------------------------------------------------------------


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


def test_transport_refuses_plain_http_off_loopback(api_key):
    with pytest.raises(UsageError) as info:
        Transport("http://example.com", api_key)
    assert api_key not in str(info.value)


# -- the log callback ----------------------------------------------------------------------


def test_log_receives_request_and_response_lines(api, make_transport, ok, log_lines, api_key):
    api.get(PATH).respond(200, json=ok(1))
    make_transport(log=log_lines.append).call("GET", PATH, params={"q": "1"})
    assert log_lines[0] == "> GET https://api.test/v2/ids/42?q=1"
    assert log_lines[1].startswith("< 200 OK")
    assert all(api_key not in line for line in log_lines)


def test_log_reports_retries_and_reconcile(api, make_transport, ok, fail, log_lines, api_key):
    api.post(WRITE).mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError", "boom")),
            httpx.Response(200, json=ok(1)),
        ]
    )
    make_transport(log=log_lines.append).call(
        "POST", WRITE, body={}, write=True, reconcile=lambda: None
    )
    text = "\n".join(log_lines)
    assert "may have been applied" in text
    assert "retrying POST /v2/partners" in text
    assert "attempt 2 of 4" in text
    assert api_key not in text


# -- retry arithmetic --------------------------------------------------------------------


def test_backoff_honours_retry_after_and_caps_jitter():
    policy = RetryPolicy()
    assert policy.backoff(1, 3.5) == 3.5
    assert policy.backoff(1, -1.0) == 0.0
    for attempt in range(1, 30):
        delay = policy.backoff(attempt, None)
        ceiling = min(
            transport_module.BACKOFF_CAP_SECONDS,
            transport_module.BACKOFF_BASE_SECONDS * 2 ** (attempt - 1),
        )
        assert 0 <= delay <= ceiling


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_relative_to_now():
    now = 1_700_000_000.0
    value = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(value, now=lambda: now) == pytest.approx(30.0)
