"""RestTransport: credentials in headers, the envelope, typed errors, secrets kept out of
messages, and the shared retry layer seen through real HTTP answers (respx)."""

from __future__ import annotations

import base64
import email.utils
import json
import time
from urllib.parse import quote, quote_plus

import httpx
import pytest
from unit_support import API_KEY, fail, ok

from ecgrid_cli.api import http
from ecgrid_cli.api.auth import ApiKey, LoginToken, NoCredentials
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

PATH = "/v2/ids/42"
WRITE = "/v2/partners"
HTML_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


# -- the envelope --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{"ecGridId": 42}, [1, 2, 3], 7, "text", True, None],
    ids=["object", "list", "int", "str", "bool", "null"],
)
def test_success_envelope_unwraps_to_data(rest_api, make_rest_transport, data):
    rest_api.get(PATH).respond(200, json=ok(data))
    assert make_rest_transport().call("GET", PATH) == data


def test_envelope_extra_fields_are_ignored(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(200, json={"success": True, "data": 5, "traceId": "x"})
    assert make_rest_transport().call("GET", PATH) == 5


def test_parse_is_applied_to_data(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(200, json=ok({"n": 2}))
    assert make_rest_transport().call("GET", PATH, parse=lambda d: d["n"] * 10) == 20


def test_params_and_json_body_are_sent(rest_api, make_rest_transport):
    route = rest_api.post("/v2/ids/list").respond(200, json=ok([]))
    make_rest_transport().call("POST", "/v2/ids/list", body={"a": 1}, params={"q": "x y"})
    request = route.calls.last.request
    assert json.loads(request.content) == {"a": 1}
    assert request.url.params["q"] == "x y"
    assert request.headers["Content-Type"] == "application/json"


def test_get_without_body_sends_no_content(rest_api, make_rest_transport):
    route = rest_api.get(PATH).respond(200, json=ok(1))
    make_rest_transport().call("GET", PATH)
    assert route.calls.last.request.content == b""


# -- error statuses and codes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error_type", "kind"),
    [
        (400, "InvalidParameter", ApiError, "api"),
        (400, "DuplicateObject", ConflictError, "conflict"),
        (401, "InvalidAPIKey", AuthError, "auth"),
        (401, "InvalidSession", AuthError, "auth"),
        (403, "AccessDenied", AuthError, "auth"),
        (404, "ObjectNotFound", NotFoundError, "not_found"),
        (409, "Whatever", ConflictError, "conflict"),
        (422, "Unprocessable", ApiError, "api"),
    ],
)
def test_error_envelopes_map_to_typed_errors(
    rest_api, make_rest_transport, sleeps, status, code, error_type, kind
):
    route = rest_api.get(PATH).respond(status, json=fail(code, f"server says {code}"))
    with pytest.raises(EcgridError) as info:
        make_rest_transport().call("GET", PATH)
    err = info.value
    assert type(err) is error_type
    assert err.kind == kind
    assert err.code == code
    assert err.http_status == status
    assert err.message.startswith(f"server says {code}")
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "RateLimitExceeded"), (500, "InternalError"), (503, "ServiceUnavailable")],
)
def test_transient_statuses_are_retried_then_exhausted(
    rest_api, make_rest_transport, sleeps, status, code
):
    route = rest_api.get(PATH).respond(status, json=fail(code, "busy"))
    with pytest.raises(RetriesExhaustedError) as info:
        make_rest_transport(retries=3, deadline_seconds=1000).call("GET", PATH)
    assert route.call_count == 4
    assert len(sleeps) == 3
    assert info.value.code == code
    assert info.value.http_status == status
    assert info.value.message == "gave up after 4 attempts: busy"


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("InvalidParameter", ApiError),
        ("DuplicateObject", ConflictError),
        ("AccessDenied", AuthError),
        ("InvalidAPIKey", AuthError),
        ("ObjectNotFound", NotFoundError),
        (None, ApiError),
    ],
)
def test_success_false_with_http_200_is_an_error(rest_api, make_rest_transport, code, error_type):
    route = rest_api.get(PATH).respond(200, json=fail(code, "nope"))
    with pytest.raises(error_type) as info:
        make_rest_transport().call("GET", PATH)
    assert type(info.value) is error_type
    assert info.value.http_status == 200
    assert info.value.code == (code or "HTTP200")
    assert route.call_count == 1


@pytest.mark.parametrize("code", ["InternalError", "RateLimitExceeded"])
def test_success_false_with_a_transient_code_is_retried(rest_api, make_rest_transport, code):
    route = rest_api.get(PATH).mock(
        side_effect=[httpx.Response(200, json=fail(code, "later")), httpx.Response(200, json=ok(1))]
    )
    assert make_rest_transport().call("GET", PATH) == 1
    assert route.call_count == 2


@pytest.mark.parametrize("success", ["true", 1, None, False])
def test_success_must_be_literally_true(rest_api, make_rest_transport, success):
    rest_api.get(PATH).respond(200, json={"success": success, "data": 1})
    with pytest.raises(ApiError):
        make_rest_transport().call("GET", PATH)


def test_error_envelope_without_message_gets_a_readable_one(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(400, json=fail("InvalidParameter", None))
    with pytest.raises(ApiError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.message == "HTTP 400"
    assert info.value.code == "InvalidParameter"


def test_long_server_messages_are_cut(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(400, json=fail("InvalidParameter", "x" * 5000))
    with pytest.raises(ApiError) as info:
        make_rest_transport().call("GET", PATH)
    assert len(info.value.message) == 500


# -- bodies that are not the envelope ------------------------------------------------------


def test_404_without_envelope_is_not_found(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(404, text="Not Found", headers={"Content-Type": "text/plain"})
    with pytest.raises(NotFoundError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.http_status == 404
    assert info.value.code == "HTTP404"
    assert info.value.message == "HTTP 404 Not Found (non-JSON text/plain body)"


def test_html_error_page_retried_then_clean_error(rest_api, make_rest_transport):
    route = rest_api.get(PATH).respond(
        502, text=HTML_PAGE, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    with pytest.raises(RetriesExhaustedError) as info:
        make_rest_transport(deadline_seconds=1000).call("GET", PATH)
    assert route.call_count == 4
    assert info.value.http_status == 502
    assert info.value.message == (
        "gave up after 4 attempts: HTTP 502 Bad Gateway (non-JSON text/html body)"
    )


def test_html_error_page_then_success(rest_api, make_rest_transport):
    route = rest_api.get(PATH).mock(
        side_effect=[
            httpx.Response(502, text=HTML_PAGE, headers={"Content-Type": "text/html"}),
            httpx.Response(200, json=ok(3)),
        ]
    )
    assert make_rest_transport().call("GET", PATH) == 3
    assert route.call_count == 2


def test_html_with_200_is_invalid_response(rest_api, make_rest_transport):
    route = rest_api.get(PATH).respond(200, text=HTML_PAGE, headers={"Content-Type": "text/html"})
    with pytest.raises(InvalidResponseError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.message == (
        "the server answered HTTP 200 with a body that is not JSON (text/html)"
    )
    assert route.call_count == 1


def test_truncated_json_with_200_is_invalid_response(rest_api, make_rest_transport, sleeps):
    route = rest_api.get(PATH).respond(
        200,
        content=b'{"success": true, "data": {"ecGridId": 4',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(InvalidResponseError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.http_status == 200
    assert route.call_count == 1
    assert sleeps == []


def test_body_that_is_not_utf8_is_invalid_response(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(200, content=b"\xff\xfe\x00{", headers={"Content-Type": "x/y"})
    with pytest.raises(InvalidResponseError):
        make_rest_transport().call("GET", PATH)


@pytest.mark.parametrize(
    "document",
    [[1, 2], {"data": 1}, {"result": "ok"}, "success", 12, None],
    ids=["list", "data-only", "other-object", "string", "number", "null"],
)
def test_json_that_is_not_an_envelope_is_invalid_response(rest_api, make_rest_transport, document):
    route = rest_api.get(PATH).respond(200, json=document)
    with pytest.raises(InvalidResponseError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.message == "the server answered HTTP 200 without the ECGrid envelope"
    assert route.call_count == 1


def test_empty_200_body_is_invalid_response(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(200, content=b"")
    with pytest.raises(InvalidResponseError):
        make_rest_transport().call("GET", PATH)


def test_redirect_is_not_followed_and_is_invalid_response(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(302, headers={"Location": "https://elsewhere.test/"})
    with pytest.raises(InvalidResponseError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.http_status == 302


def test_absurdly_nested_json_is_invalid_response(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(200, content=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(InvalidResponseError):
        make_rest_transport().call("GET", PATH)


def test_oversized_body_is_invalid_response_and_not_retried(
    rest_api, make_rest_transport, monkeypatch, sleeps
):
    monkeypatch.setattr(http, "MAX_BODY_BYTES", 64)
    route = rest_api.get(PATH).respond(200, json=ok("x" * 1000))
    with pytest.raises(InvalidResponseError) as info:
        make_rest_transport().call("GET", PATH)
    assert "exceeds" in info.value.message
    assert route.call_count == 1
    assert sleeps == []


def test_body_at_the_limit_is_read(rest_api, make_rest_transport, monkeypatch):
    body = json.dumps(ok("x" * 100)).encode()
    monkeypatch.setattr(http, "MAX_BODY_BYTES", len(body))
    rest_api.get(PATH).respond(200, content=body, headers={"Content-Type": "application/json"})
    assert make_rest_transport().call("GET", PATH) == "x" * 100


# -- 429 and Retry-After through real answers ----------------------------------------------


def test_429_retry_after_seconds_is_honoured(rest_api, make_rest_transport, sleeps):
    route = rest_api.get(PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("done")),
        ]
    )
    assert make_rest_transport().call("GET", PATH) == "done"
    assert route.call_count == 2
    assert sleeps == [2.0]


def test_429_retry_after_http_date_is_honoured(rest_api, make_rest_transport, sleeps):
    when = email.utils.formatdate(time.time() + 4, usegmt=True)
    rest_api.get(PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": when}, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("done")),
        ]
    )
    assert make_rest_transport().call("GET", PATH) == "done"
    assert len(sleeps) == 1
    assert 2.0 <= sleeps[0] <= 4.0  # HTTP dates have one-second resolution


def test_429_retry_after_past_the_deadline_gives_up_at_once(rest_api, make_rest_transport, sleeps):
    route = rest_api.get(PATH).respond(
        429, headers={"Retry-After": "60"}, json=fail("RateLimitExceeded", "slow down")
    )
    with pytest.raises(RetriesExhaustedError) as info:
        make_rest_transport(deadline_seconds=5).call("GET", PATH)
    assert route.call_count == 1
    assert sleeps == []
    assert "deadline" in info.value.message


def test_429_on_a_write_is_retried_without_reconcile(rest_api, make_rest_transport, sleeps):
    route = rest_api.post(WRITE).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("made")),
        ]
    )
    calls: list[int] = []
    result = make_rest_transport().call(
        "POST", WRITE, body={}, write=True, reconcile=lambda: calls.append(1)
    )
    assert result == "made"
    assert route.call_count == 2
    assert calls == []
    assert sleeps == [1.0]


def test_rate_limit_code_with_503_is_not_taken_as_applied(rest_api, make_rest_transport):
    route = rest_api.post(WRITE).mock(
        side_effect=[
            httpx.Response(503, json=fail("RateLimitExceeded")),
            httpx.Response(200, json=ok("made")),
        ]
    )
    assert make_rest_transport().call("POST", WRITE, body={}, write=True) == "made"
    assert route.call_count == 2


# -- the never-retry-other-4xx rule --------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 415, 422])
@pytest.mark.parametrize("write", [False, True])
def test_other_4xx_are_sent_exactly_once(rest_api, make_rest_transport, sleeps, status, write):
    route = rest_api.post("/v2/ids").respond(status, json=fail("Whatever", "no"))
    calls: list[int] = []
    with pytest.raises(ApiError):
        make_rest_transport().call(
            "POST", "/v2/ids", body={}, write=write, reconcile=lambda: calls.append(1)
        )
    assert route.call_count == 1
    assert sleeps == []
    assert calls == []


# -- connection failures -------------------------------------------------------------------


def test_connect_error_retried_then_unreachable(rest_api, make_rest_transport, sleeps):
    route = rest_api.get(PATH).mock(side_effect=httpx.ConnectError("[Errno 111] refused"))
    with pytest.raises(UnreachableError) as info:
        make_rest_transport(deadline_seconds=1000).call("GET", PATH)
    assert route.call_count == 4
    assert len(sleeps) == 3
    assert info.value.message == (
        "could not reach https://api.test after 4 attempts: could not connect: [Errno 111] refused"
    )


def test_dns_failure_is_not_retried(rest_api, make_rest_transport, sleeps):
    route = rest_api.get(PATH).mock(side_effect=httpx.ConnectError("Name or service not known"))
    with pytest.raises(UnreachableError):
        make_rest_transport().call("GET", PATH)
    assert route.call_count == 1
    assert sleeps == []


def test_read_timeouts_exhaust_retries(rest_api, make_rest_transport):
    route = rest_api.get(PATH).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(RetriesExhaustedError) as info:
        make_rest_transport(deadline_seconds=1000).call("GET", PATH)
    assert route.call_count == 4
    assert info.value.code == "Timeout"


def test_request_that_cannot_be_sent_is_not_retried(rest_api, make_rest_transport, sleeps):
    route = rest_api.get(PATH).mock(side_effect=httpx.LocalProtocolError("Illegal header"))
    with pytest.raises(UsageError):
        make_rest_transport().call("GET", PATH)
    assert route.call_count == 1
    assert sleeps == []


# -- writes: exactly once ------------------------------------------------------------------


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
def test_write_that_may_have_landed_returns_reconcile_result(
    rest_api, make_rest_transport, sleeps, failure
):
    route = rest_api.post(WRITE).mock(side_effect=[failure])
    calls: list[int] = []

    def reconcile():
        calls.append(1)
        return {"interconnectId": 7}

    result = make_rest_transport().call(
        "POST", WRITE, body={"a": 1}, write=True, reconcile=reconcile
    )
    assert result == {"interconnectId": 7}
    assert route.call_count == 1
    assert calls == [1]
    assert sleeps == []


def test_write_resent_with_the_same_body_after_reconcile_says_not_applied(
    rest_api, make_rest_transport
):
    route = rest_api.post(WRITE).mock(
        side_effect=[
            httpx.RemoteProtocolError("Server disconnected"),
            httpx.Response(200, json=ok("made")),
        ]
    )
    result = make_rest_transport().call(
        "POST", WRITE, body={"a": 1}, write=True, reconcile=lambda: None
    )
    assert result == "made"
    assert [json.loads(c.request.content) for c in route.calls] == [{"a": 1}, {"a": 1}]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"success": False, "errorCode": "InternalError"}),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
    ],
    ids=["500", "remote-protocol-error", "read-timeout"],
)
def test_write_without_reconcile_surfaces_after_one_send(
    rest_api, make_rest_transport, sleeps, failure
):
    route = rest_api.post(WRITE).mock(side_effect=[failure])
    with pytest.raises(TransientError) as info:
        make_rest_transport().call("POST", WRITE, body={}, write=True)
    assert route.call_count == 1
    assert sleeps == []
    assert "not sent again" in info.value.message


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("Connection refused"), httpx.ConnectTimeout("connect timeout")],
    ids=["refused", "timed-out"],
)
def test_connection_not_made_on_write_is_retried_without_reconcile(
    rest_api, make_rest_transport, failure
):
    route = rest_api.post(WRITE).mock(side_effect=[failure, httpx.Response(200, json=ok(1))])
    calls: list[int] = []
    result = make_rest_transport().call(
        "POST", WRITE, body={}, write=True, reconcile=lambda: calls.append(1)
    )
    assert result == 1
    assert route.call_count == 2
    assert calls == []


# -- credentials ---------------------------------------------------------------------------


def test_api_key_header_is_sent(rest_api, make_rest_transport):
    route = rest_api.get(PATH).respond(200, json=ok(1))
    make_rest_transport().call("GET", PATH)
    request = route.calls.last.request
    assert request.headers["X-API-Key"] == API_KEY
    assert "Authorization" not in request.headers
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("ecgrid-cli/")
    assert API_KEY not in str(request.url)


def test_login_token_is_sent_as_bearer(rest_api, make_rest_transport):
    token = LoginToken("jwt-token-abcdefgh", method="jwt", origin="the login of profile 'p'")
    route = rest_api.get(PATH).respond(200, json=ok(1))
    make_rest_transport(credentials=token).call("GET", PATH)
    headers = route.calls.last.request.headers
    assert headers["Authorization"] == "Bearer jwt-token-abcdefgh"
    assert "X-API-Key" not in headers


def test_unauthenticated_calls_send_no_credentials(rest_api, make_rest_transport):
    route = rest_api.get("/v2/auth/version").respond(200, json=ok({"version": "2.6"}))
    make_rest_transport().call("GET", "/v2/auth/version", authenticated=False)
    headers = route.calls.last.request.headers
    assert "X-API-Key" not in headers
    assert "Authorization" not in headers


def test_401_names_where_the_key_came_from(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(401, json=fail("InvalidAPIKey", "Invalid API key"))
    with pytest.raises(AuthError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.message == "Invalid API key (API key ****T123 from profile 'prod')"
    assert API_KEY not in str(info.value)


def test_401_names_the_environment_key(rest_api, make_rest_transport):
    key = ApiKey("env-key-abcdefgh-wxyz", "the environment (ECGRID_API_KEY)")
    rest_api.get(PATH).respond(401, json=fail("InvalidAPIKey", "bad key"))
    with pytest.raises(AuthError) as info:
        make_rest_transport(credentials=key).call("GET", PATH)
    assert info.value.message == "bad key (API key ****wxyz from the environment (ECGRID_API_KEY))"


def test_401_with_a_login_token_says_to_log_in_again(rest_api, make_rest_transport):
    token = LoginToken("jwt-token-abcdefgh", method="jwt", origin="the login of profile 'p'")
    rest_api.get(PATH).respond(401, json=fail("InvalidSession", "expired"))
    with pytest.raises(AuthError) as info:
        make_rest_transport(credentials=token).call("GET", PATH)
    assert info.value.message == (
        "expired (login token from the login of profile 'p'; "
        "run 'ecgrid auth login' again if it has ended)"
    )


def test_403_is_not_amended(rest_api, make_rest_transport):
    rest_api.get(PATH).respond(403, json=fail("AccessDenied", "not yours"))
    with pytest.raises(AuthError) as info:
        make_rest_transport().call("GET", PATH)
    assert info.value.message == "not yours"


def test_401_on_an_unauthenticated_call_is_not_amended(rest_api, make_rest_transport):
    rest_api.post("/v2/auth/login").respond(401, json=fail("InvalidLogin", "wrong password"))
    with pytest.raises(AuthError) as info:
        make_rest_transport(credentials=NoCredentials()).call(
            "POST", "/v2/auth/login", body={}, authenticated=False
        )
    assert info.value.message == "wrong password"


SPECIAL_KEY = 'k3y/with+sp@ce "quoted" \\ SECRET-0123'


def _b64_inside(prefix: bytes, secret: str) -> str:
    return base64.b64encode(prefix + secret.encode() + b"|trailer").decode()


@pytest.mark.parametrize(
    "echo",
    [
        lambda k: k,
        str.upper,
        str.lower,
        lambda k: quote(k, safe=""),
        quote_plus,
        lambda k: json.dumps(k)[1:-1],
        lambda k: base64.b64encode(k.encode()).decode(),
        lambda k: _b64_inside(b"u:", k),
        lambda k: _b64_inside(b"user:", k),
        lambda k: _b64_inside(b"ab:", k),
        lambda k: base64.urlsafe_b64encode(b"x" + k.encode()).decode(),
    ],
    ids=[
        "verbatim",
        "upper",
        "lower",
        "url-encoded",
        "url-plus",
        "json-escaped",
        "base64",
        "base64-offset-2",
        "base64-offset-5",
        "base64-offset-3",
        "base64url-offset-1",
    ],
)
def test_key_echoed_by_the_server_is_redacted_in_any_encoding(rest_api, make_rest_transport, echo):
    key = ApiKey(SPECIAL_KEY, "profile 'prod'")
    echoed = echo(SPECIAL_KEY)
    rest_api.get(PATH).respond(
        400, json=fail("InvalidParameter", f"your key [{echoed}] is not valid here")
    )
    with pytest.raises(ApiError) as info:
        make_rest_transport(credentials=key).call("GET", PATH)
    text = info.value.message
    assert "[REDACTED]" in text
    assert echoed not in text
    assert text.startswith("your key [")


def _scenario(rest_api, name, monkeypatch):
    route = rest_api.route(method="POST", path=WRITE)
    if name == "401":
        route.respond(401, json={"success": False, "errorCode": "InvalidAPIKey"})
    elif name == "401-echo":
        route.respond(401, json=fail("InvalidAPIKey", f"key {API_KEY} unknown"))
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
        monkeypatch.setattr(http, "MAX_BODY_BYTES", 8)
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
        "401-echo",
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
    rest_api, make_rest_transport, monkeypatch, log_lines, scenario
):
    _scenario(rest_api, scenario, monkeypatch)
    with pytest.raises(EcgridError) as info:
        make_rest_transport(log=log_lines.append).call("POST", WRITE, body={}, write=True)
    err = info.value
    for text in (str(err), err.message, repr(err), str(err.args), err.code):
        assert API_KEY not in text
    assert "SECRET" not in "\n".join(log_lines)


# -- the log -------------------------------------------------------------------------------


def test_log_receives_request_and_response_lines(rest_api, make_rest_transport, log_lines):
    rest_api.get(PATH).respond(200, json=ok(1))
    make_rest_transport(log=log_lines.append).call("GET", PATH, params={"q": "1"})
    assert log_lines[0] == "> GET https://api.test/v2/ids/42?q=1"
    assert log_lines[1].startswith("< 200 OK (")
    assert all(API_KEY not in line for line in log_lines)


def test_log_reports_retries_and_reconcile(rest_api, make_rest_transport, log_lines):
    rest_api.post(WRITE).mock(
        side_effect=[
            httpx.Response(500, json=fail("InternalError", "boom")),
            httpx.Response(200, json=ok(1)),
        ]
    )
    make_rest_transport(log=log_lines.append).call(
        "POST", WRITE, body={}, write=True, reconcile=lambda: None
    )
    text = "\n".join(log_lines)
    assert "POST /v2/partners may have been applied; checking" in text
    assert "retrying POST /v2/partners" in text
    assert "attempt 2 of 4" in text


def test_close_closes_the_client(make_rest_transport):
    transport = make_rest_transport()
    transport.close()
    assert transport._client.is_closed
