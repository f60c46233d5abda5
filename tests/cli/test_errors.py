"""Exit codes, error rendering, retries as the user sees them, and the API key's safety."""

from __future__ import annotations

import json

import httpx
import pytest
from cli_support import KEY, fail, ok

from ecgrid_cli import __version__


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.out == f"ecgrid {__version__}\n"


def test_unknown_option_is_one_line_exit_2(cli):
    result = cli("ids", "find", "--bogus")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "--bogus" in result.err


def test_usage_error_with_json_is_a_json_object_on_stderr(cli):
    result = cli("ids", "find", "--qualifier", "01", "--json")
    assert result.code == 2
    assert result.out == ""
    error = json.loads(result.err)["error"]
    assert error["code"] == "UsageError" and error["httpStatus"] is None


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (400, "InvalidParameter", 1),
        (401, "InvalidAPIKey", 3),
        (401, "InvalidSession", 3),
        (403, "AccessDenied", 3),
        (404, "ObjectNotFound", 4),
        (400, "DuplicateObject", 5),
    ],
)
def test_api_errors_map_to_documented_exit_codes(cli, api, status, code, exit_code):
    route = api.post("/v2/partners/count").mock(return_value=fail(status, code, "nope"))
    result = cli("partners", "count", "1", "--json")
    assert result.code == exit_code
    assert json.loads(result.err) == {
        "error": {"code": code, "message": "nope", "httpStatus": status}
    }
    assert route.call_count == 1  # 4xx is never retried


def test_rate_limit_retried_then_succeeds(cli, api):
    answers = iter([fail(429, "RateLimitExceeded", headers={"Retry-After": "1"}), ok(7)])
    route = api.post("/v2/partners/count").mock(side_effect=lambda request: next(answers))
    result = cli("partners", "count", "1")
    assert result.code == 0
    assert result.out == "7\n"
    assert route.call_count == 2


def test_retries_exhausted_exit_6(cli, api):
    route = api.post("/v2/partners/count").mock(return_value=fail(503, "ServiceUnavailable"))
    result = cli("--retries", "2", "partners", "count", "1", "--json")
    assert result.code == 6
    assert route.call_count == 3
    assert json.loads(result.err)["error"]["httpStatus"] == 503


def test_retry_after_beyond_deadline_gives_up_at_once(cli, api):
    route = api.post("/v2/partners/count").mock(
        return_value=fail(429, "RateLimitExceeded", headers={"Retry-After": "120"})
    )
    result = cli("--timeout", "5", "partners", "count", "1")
    assert result.code == 6
    assert route.call_count == 1
    assert "deadline" in result.err


def test_unreachable_exit_7(cli, api):
    api.post("/v2/partners/count").mock(side_effect=httpx.ConnectError("Connection refused"))
    result = cli("--retries", "1", "partners", "count", "1")
    assert result.code == 7
    assert "could not reach" in result.err


def test_html_error_page_is_a_clean_error(cli, api):
    api.post("/v2/partners/count").mock(
        return_value=httpx.Response(
            502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}
        )
    )
    result = cli("--retries", "0", "partners", "count", "1")
    assert result.code == 6
    assert "502" in result.err and "Traceback" not in result.err


def test_truncated_json_is_exit_1(cli, api):
    api.post("/v2/partners/count").mock(
        return_value=httpx.Response(
            200, text='{"success": true, "data": 1', headers={"Content-Type": "application/json"}
        )
    )
    result = cli("partners", "count", "1")
    assert result.code == 1
    assert "not JSON" in result.err


def test_success_false_with_http_200(cli, api):
    api.post("/v2/partners/count").mock(
        return_value=httpx.Response(
            200, json={"success": False, "data": None, "errorCode": "AccessDenied", "message": "no"}
        )
    )
    assert cli("partners", "count", "1").code == 3


def test_plain_http_to_a_remote_host_is_refused_before_sending(cli, api, monkeypatch):
    monkeypatch.setenv("ECGRID_BASE_URL", "http://rest.ecgrid.io")
    route = api.route().mock(return_value=ok(1))
    result = cli("partners", "count", "1")
    assert result.code == 2
    assert "plain http" in result.err
    assert route.call_count == 0


def test_verbose_logs_requests_without_the_key(cli, api):
    api.post("/v2/partners/count").mock(return_value=ok(1))
    result = cli("-v", "partners", "count", "1")
    assert result.code == 0
    assert "> POST https://api.test/v2/partners/count" in result.err
    assert "< 200" in result.err
    assert KEY not in result.err


def test_key_echoed_by_a_hostile_server_is_redacted(cli, api):
    api.post("/v2/partners/count").mock(
        return_value=fail(400, "InvalidParameter", f"bad key {KEY}\x1b[31m!")
    )
    result = cli("partners", "count", "1")
    assert result.code == 1
    assert KEY not in result.err
    assert "[REDACTED]" in result.err
    assert "\x1b" not in result.err


def test_unexpected_exception_is_one_line_not_a_traceback(cli, api, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ecgrid_cli.api.client.EcgridClient.count_interconnects", explode)
    result = cli("partners", "count", "1")
    assert result.code == 1
    assert result.err == "error: unexpected error: RuntimeError: boom\n"
