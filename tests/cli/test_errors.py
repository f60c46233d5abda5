"""Errors as users and scripts see them: one line or one JSON object, a documented exit
code, retries that honour the budget, secrets never shown, never a traceback."""

from __future__ import annotations

import re

import pytest
from cli_support import KEY

from ecgrid_cli import __version__
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
    UnreachableError,
    UsageError,
)

GET = ("ids", "get", "334455")


@pytest.mark.parametrize(
    ("error", "code", "exit_code"),
    [
        (ApiError("refused", code="InvalidParameter", http_status=400), "InvalidParameter", 1),
        (InvalidResponseError("not the API"), "InvalidResponse", 1),
        (UsageError("bad value"), "UsageError", 2),
        (AuthError("key refused", code="InvalidAPIKey", http_status=401), "InvalidAPIKey", 3),
        (AuthError("no access", code="AccessDenied", http_status=403), "AccessDenied", 3),
        (NotFoundError("gone", http_status=404), "ObjectNotFound", 4),
        (ConflictError("twice", http_status=409), "DuplicateObject", 5),
        (RetriesExhaustedError("gave up", http_status=503), "RetriesExhausted", 6),
        (UnreachableError("no route"), "Unreachable", 7),
    ],
)
def test_typed_errors_map_to_documented_exit_codes(cli, backend, error, code, exit_code):
    backend.fail("get_id", error)
    result = cli(*GET, "--json")
    assert (result.code, result.out) == (exit_code, "")
    assert result.err_json() == {
        "error": {
            "code": code,
            "message": error.message,
            "httpStatus": error.http_status,
            "details": None,
        }
    }
    backend.fail("get_id", error)
    plain = cli(*GET)
    assert (plain.code, plain.out, plain.err) == (exit_code, "", f"error: {error.message}\n")


def test_a_client_error_is_not_retried(cli, backend):
    backend.fail("get_id", ApiError("refused", http_status=400), times=None)
    assert cli(*GET).code == 1
    assert backend.sleeps == []


def test_transient_failure_is_retried_then_succeeds(cli, backend):
    backend.fail("get_id", TransientError("HTTP 503", code="ServiceUnavailable", http_status=503))
    result = cli(*GET, "--jq", ".id")
    assert (result.code, result.out, result.err) == (0, "PARTNERCO\n", "")
    assert len(backend.sleeps) == 1


def test_verbose_says_when_it_retries(cli, backend):
    backend.fail("get_id", TransientError("HTTP 503", http_status=503))
    result = cli("-v", *GET, "--jq", ".id")
    assert result.code == 0
    assert re.fullmatch(
        r"retrying get_id in \d\.\d\ds after HTTP 503 \(attempt 2 of 6\)\n", result.err
    )


def test_retry_after_is_honoured(cli, backend):
    backend.fail(
        "get_id",
        TransientError("HTTP 429", code="RateLimitExceeded", http_status=429, retry_after=3),
    )
    assert cli(*GET).code == 0
    assert backend.sleeps == [3]


def test_gives_up_after_the_retry_budget_exit_6(cli, backend):
    backend.fail(
        "get_id",
        TransientError("HTTP 503", code="ServiceUnavailable", http_status=503),
        times=None,
    )
    result = cli("--retries", "2", *GET, "--json")
    assert result.code == 6
    assert result.err_json() == {
        "error": {
            "code": "ServiceUnavailable",
            "message": "gave up after 3 attempts: HTTP 503",
            "httpStatus": 503,
            "details": None,
        }
    }
    assert len(backend.sleeps) == 2


def test_retries_zero_tries_once(cli, backend):
    backend.fail("get_id", TransientError("HTTP 502", http_status=502), times=None)
    result = cli("--retries", "0", *GET)
    assert (result.code, result.err) == (6, "error: gave up after 1 attempt: HTTP 502\n")
    assert backend.sleeps == []


def test_a_retry_after_beyond_the_deadline_gives_up_at_once(cli, backend):
    backend.fail(
        "get_id",
        TransientError("HTTP 429", code="RateLimitExceeded", http_status=429, retry_after=120),
        times=None,
    )
    result = cli("--timeout", "5", *GET)
    assert result.code == 6
    assert result.err == (
        "error: gave up after the next retry (120.0s) would pass the 5s deadline: HTTP 429\n"
    )
    assert backend.sleeps == []


def test_connect_failures_end_as_unreachable_exit_7(cli, backend):
    backend.fail("get_id", TransientError("connection refused", code="ConnectFailed"), times=None)
    result = cli("--retries", "1", *GET)
    assert result.code == 7
    assert result.err == (
        "error: could not reach https://rest.ecgrid.io after 2 attempts: connection refused\n"
    )


def test_interrupt_exits_130(cli, backend):
    backend.fail("get_id", KeyboardInterrupt())
    result = cli(*GET)
    assert (result.code, result.out, result.err) == (130, "", "error: interrupted\n")


def test_interrupt_with_json(cli, backend):
    backend.fail("get_id", KeyboardInterrupt())
    result = cli(*GET, "--json")
    assert result.code == 130
    assert result.err_json()["error"]["code"] == "Interrupted"


def test_unexpected_exception_is_one_line_not_a_traceback(cli, backend):
    backend.fail("get_id", RuntimeError("boom"))
    result = cli(*GET)
    assert (result.code, result.err) == (1, "error: unexpected error: RuntimeError: boom\n")


def test_broken_pipe_exits_0_silently(cli, backend, monkeypatch):
    silenced = []
    monkeypatch.setattr("ecgrid_cli.app._silence_stdout", lambda stream=None: silenced.append(True))
    backend.fail("get_id", BrokenPipeError())
    result = cli(*GET)
    assert (result.code, result.err) == (0, "")
    assert silenced == [True]


# -- usage errors ----------------------------------------------------------------------------


def test_unknown_option_is_one_line_exit_2(cli, backend):
    result = cli("ids", "find", "--bogus")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: No such option: --bogus (see 'ecgrid ids find --help')\n"


def test_usage_error_with_global_json_is_a_json_object(cli, backend):
    result = cli("--json", "ids", "find", "-q", "01")
    assert (result.code, result.out) == (2, "")
    assert result.err_json() == {
        "error": {
            "code": "UsageError",
            "message": "Missing option '--id' / '-i'. (see 'ecgrid ids find --help')",
            "httpStatus": None,
            "details": None,
        }
    }


def test_usage_error_with_the_commands_json_flag_is_a_json_object(cli, backend):
    result = cli("ids", "find", "--qualifier", "01", "--json")
    assert result.code == 2
    assert result.err_json()["error"]["code"] == "UsageError"


def test_group_without_a_command_prints_its_help_on_stderr_exit_2(cli, backend):
    result = cli("ids")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("Usage: ecgrid ids [OPTIONS] COMMAND [ARGS]...\n")
    assert "  tp-move  Move an ECGrid ID to another mailbox of the same network.\n" in result.err


def test_no_arguments_prints_the_root_help_exit_2(cli, backend):
    result = cli()
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("Usage: ecgrid [OPTIONS] COMMAND [ARGS]...\n")


def test_version(cli, backend):
    result = cli("--version")
    assert (result.code, result.out, result.err) == (0, f"ecgrid {__version__}\n", "")
    assert backend.calls == []


@pytest.mark.parametrize("json_flag", [(), ("--json",), ("--json-before",)])
def test_invalid_jq_is_refused_before_anything_is_sent_as_a_json_error(cli, backend, json_flag):
    """--jq means JSON output, so its own syntax error is a JSON error like a jq run error,
    with --json given after the sub-command or before it, or not at all."""
    before = ("--json",) if json_flag == ("--json-before",) else ()
    after = json_flag if json_flag == ("--json",) else ()
    result = cli(*before, *GET, *after, "--jq", ".[")
    assert (result.code, result.out) == (2, "")
    assert result.err_json()["error"] == {
        "code": "UsageError",
        "message": "invalid --jq expression '.[': syntax error, unexpected end of file "
        "at <top-level>, line 1, column 2",
        "httpStatus": None,
        "details": None,
    }
    assert backend.calls == []


def test_jq_failing_on_the_output_is_a_json_error(cli, backend):
    result = cli(*GET, "--jq", 'error("no")')
    assert (result.code, result.out) == (1, "")
    assert result.err_json()["error"] == {
        "code": "JqError",
        "message": "--jq 'error(\"no\")' failed on the output: no",
        "httpStatus": None,
        "details": None,
    }


def test_jq_makes_errors_json_too(cli, backend):
    result = cli("ids", "get", "999", "--jq", ".id")
    assert result.code == 4
    assert result.err_json()["error"]["code"] == "ObjectNotFound"


# -- notes and errors on the right stream ------------------------------------------------------


def test_notes_go_to_stderr_and_json_silences_them(cli, backend):
    create = ("ids", "create", "-q", "ZZ", "-i", "NEWCO", "--mailbox", "3001")
    noted = cli(*create)
    assert noted.err == "created ECGrid ID 900100 for ZZ/NEWCO in mailbox 3001\n"
    assert "created" not in noted.out
    quiet = cli("ids", "create", "-q", "ZZ", "-i", "OTHERCO", "--mailbox", "3001", "--json")
    assert (quiet.code, quiet.err) == (0, "")
    global_quiet = cli("--json", "ids", "create", "-q", "ZZ", "-i", "THIRDCO", "--mailbox", "3001")
    assert (global_quiet.code, global_quiet.err) == (0, "")


def test_errors_never_write_stdout(cli, backend):
    for args in (("ids", "get", "999", "--json"), ("ids", "get", "999"), ("partners", "get", "1")):
        result = cli(*args)
        assert (result.code, result.out) == (4, "")


# -- secrets ---------------------------------------------------------------------------------


def test_a_key_echoed_in_an_error_is_redacted(cli, backend):
    backend.fail("get_id", ApiError(f"bad key {KEY}", code="InvalidParameter", http_status=400))
    result = cli(*GET)
    assert result.err == "error: bad key [REDACTED]\n"


def test_a_key_echoed_in_an_error_is_redacted_in_json(cli, backend):
    backend.fail("get_id", ApiError(f"bad key {KEY}", code="InvalidParameter", http_status=400))
    result = cli(*GET, "--json")
    assert result.err_json()["error"]["message"] == "bad key [REDACTED]"


def test_a_key_echoed_in_data_is_redacted_everywhere(cli, backend):
    backend.ids[334455]["description"] = f"owner {KEY}"
    for args, kwargs in (((*GET, "--json"), {}), (GET, {}), (GET, {"tty": True})):
        result = cli(*args, **kwargs)
        assert KEY not in result.out and "[REDACTED]" in result.out


def test_control_characters_in_data_never_reach_the_output(cli, backend):
    backend.ids[334455]["description"] = "evil \x1b[2J\x07 co"
    assert "Description\tevil [2J co\n" in cli(*GET).out
    assert "\x1b" not in cli(*GET, tty=True).out
    assert cli(*GET, "--json").json()["description"] == "evil \x1b[2J\x07 co"  # JSON escapes


@pytest.mark.parametrize(
    "message",
    ["bad \x1b[31mred\x07", "first\nsecond", "hidden\rerror: fake"],
    ids=["escape", "newline", "carriage-return"],
)
def test_control_characters_in_an_error_message_never_reach_the_terminal(cli, backend, message):
    backend.fail("get_id", ApiError(message, code="InvalidParameter"))
    result = cli(*GET, tty=True)
    assert result.code == 1
    assert len(result.err_lines) == 1  # one line, whatever the server said
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", result.err)


# -- settings problems -------------------------------------------------------------------------


def test_missing_api_key_exit_2_says_how(cli, backend, monkeypatch):
    monkeypatch.delenv("ECGRID_API_KEY")
    result = cli(*GET)
    assert result.code == 2
    assert result.err == (
        "error: no API key: set ECGRID_API_KEY, run 'ecgrid config set api-key' "
        "(profile 'default') or 'ecgrid auth login', or try the local sandbox with "
        "'--profile sandbox'\n"
    )
    assert backend.calls == []


def test_unknown_explicit_profile_exit_2(cli, backend):
    result = cli("--profile", "ghost", *GET)
    assert result.code == 2
    assert result.err.startswith("error: profile 'ghost' is not defined in ")
    assert result.err.endswith(
        " (profiles: none); create it with: ecgrid --profile ghost config set api-key\n"
    )


def test_invalid_env_timeout_names_the_variable(cli, backend, monkeypatch):
    monkeypatch.setenv("ECGRID_TIMEOUT", "soon")
    result = cli(*GET)
    assert result.code == 2
    assert result.err.startswith("error: invalid ECGRID_TIMEOUT: ")


@pytest.mark.parametrize("key", ["k\u00e9y-123456", "key\tx-123456"])
def test_an_api_key_http_cannot_carry_is_exit_2_and_never_echoed(cli, backend, monkeypatch, key):
    monkeypatch.setenv("ECGRID_API_KEY", key)
    result = cli(*GET)
    assert result.code == 2
    assert result.err == (
        "error: invalid ECGRID_API_KEY: the API key holds characters that cannot be sent "
        "in an HTTP header (only printable ASCII is allowed)\n"
    )
    assert backend.calls == []


def test_plain_http_to_a_remote_host_is_refused(cli, backend, monkeypatch):
    monkeypatch.setenv("ECGRID_BASE_URL", "http://rest.ecgrid.io")
    result = cli(*GET)
    assert result.code == 2
    assert result.err == (
        "error: refusing to send the API key over plain http to rest.ecgrid.io: use https "
        "(plain http is allowed only for loopback hosts)\n"
    )
    assert backend.calls == []


def test_a_soap_url_with_the_rest_api_is_refused(cli, backend):
    result = cli("--api", "rest", "--base-url", "https://x.test/ECGridOS.asmx", *GET)
    assert result.code == 2
    assert "is a SOAP service (.asmx) but the REST API was chosen" in result.err
