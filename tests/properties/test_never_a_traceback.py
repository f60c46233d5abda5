"""Property tests: whatever the arguments, the backend's errors or the server's answer,
the tool ends with a documented exit code and one-line errors, never a traceback, and
never shows the API key."""

from __future__ import annotations

import json
from contextlib import contextmanager

import httpx
import pytest
import respx
from cli_support import terminal_lines
from fake_backend import FakeBackend, demo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecgrid_cli.api.resilience import Resilience, RetryPolicy
from ecgrid_cli.app import run
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    EcgridError,
    InterruptedByUser,
    InvalidResponseError,
    NotFoundError,
    RetriesExhaustedError,
    TransientError,
    UnreachableError,
    UsageError,
)
from ecgrid_cli.exit_codes import for_kind
from ecgrid_cli.iostreams import IOStreams

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 130}
KEY = "prop-test-key-Q9x2"
BASE = "https://api.test"
PROTOCOL_METHODS = (
    "version",
    "whoami",
    "login",
    "logout",
    "find_ids",
    "get_id",
    "create_id",
    "tp_move",
    "create_interconnect",
    "get_interconnect",
    "list_interconnects",
    "iter_interconnects",
    "count_interconnects",
    "interconnects_between",
    "cancel_interconnect",
    "add_note",
    "list_notes",
    "send_test_file",
    "get_parcel",
)
# Commands that reach the backend, with valid arguments (so the backend's answer decides).
BACKEND_COMMANDS = [
    ["ids", "find", "-q", "01", "-i", "PARTNERCO"],
    ["ids", "get", "334455"],
    ["ids", "create", "-q", "ZZ", "-i", "NEWCO", "--mailbox", "3001"],
    ["ids", "tp-move", "123456", "--mailbox", "1002", "--yes"],
    ["partners", "create", "--from", "111111", "--to", "334455"],
    ["partners", "get", "88001"],
    ["partners", "list", "111111"],
    ["partners", "list", "111111", "--all"],
    ["partners", "count", "111111", "--status", "active"],
    ["partners", "delete", "88001", "--yes"],
    ["partners", "note", "add", "88001", "hello"],
    ["partners", "note", "list", "88001"],
    ["interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111"],
    [
        "interconnect",
        "setup",
        "-q",
        "ZZ",
        "-i",
        "NEWCO",
        "--from",
        "111111",
        "--onboard",
        "-m",
        "3001",
    ],
    ["interconnect", "setup", "--file", "-", "--from", "111111"],
    ["interconnect", "check", "88001", "--deliver", "--verify-timeout", "0.01"],
    ["auth", "status"],
]
BULK_STDIN = "qualifier,id\n01,PARTNERCO\n12,5551234567\n"


@contextmanager
def isolated(tmp_path_factory, fake: FakeBackend | None = None):
    """A clean environment for one example, with ``fake`` as the backend (if given)."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "ECGRID_PROFILE",
            "ECGRID_API",
            "ECGRID_TIMEOUT",
            "ECGRID_RETRIES",
            "ECGRID_ECGRID_ID",
            "ECGRID_BASE_URL",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("HOME", str(home))
        patch.setenv("ECGRID_CONFIG", str(home / "config.toml"))
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        patch.setenv("XDG_STATE_HOME", str(home / "state"))
        patch.setenv("ECGRID_CREDENTIAL_STORE", "file")
        patch.setenv("ECGRID_API_KEY", KEY)
        # A closed pipe must not swap the test process's real stdout for /dev/null.
        patch.setattr("ecgrid_cli.app._silence_stdout", lambda stream=None: None)
        if fake is not None:
            from ecgrid_cli.api import factory

            def build_backend(resolved, *, log=None, throttle=None, **kwargs):
                fake.resilience = Resilience(
                    RetryPolicy(retries=resolved.settings.retries, sleep=fake.sleeps.append),
                    target=BASE,
                    log=log,
                    throttle=throttle,
                )
                return fake

            patch.setattr(factory, "build_backend", build_backend)
        else:
            patch.setenv("ECGRID_BASE_URL", BASE)
            patch.setattr("ecgrid_cli.api.resilience.time.sleep", lambda seconds: None)
        yield


def invoke(argv: list[str], *, stdin: str = "", tty: bool = False) -> tuple[int, str, str]:
    io = IOStreams.test(stdin=stdin, tty=tty)
    code = run(argv, io)
    return code, io.stdout.getvalue(), io.stderr.getvalue()


def check_ending(code: int, out: str, err: str, *, json_mode: bool) -> None:
    assert code in DOCUMENTED_EXIT_CODES, (code, err)
    assert "Traceback" not in out + err
    assert KEY not in out + err
    if code not in (0, 8, 130):
        assert err.strip(), "a failure must say why on stderr"
        last = terminal_lines(err)[-1]  # what stays on screen once live progress is erased
        if json_mode:
            document = json.loads(last)
            assert set(document) == {"error"}
            assert set(document["error"]) == {"code", "message", "httpStatus", "details"}
        else:
            assert last.startswith("error:"), err


# -- the backend raises anything the errors module knows ----------------------------------------

# Printable messages: control characters in a server's message are a known bug, pinned by
# test_control_characters_in_an_error_message_never_reach_the_terminal (tests/cli).
printable = st.characters(blacklist_categories=("Cs", "Cc"))
texts = st.text(printable, max_size=40) | st.sampled_from([KEY, f"key {KEY} refused"])
json_leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
details = st.none() | st.dictionaries(st.text(max_size=8), json_leaves, max_size=3)
ERROR_CLASSES = [
    EcgridError,
    UsageError,
    ApiError,
    AuthError,
    NotFoundError,
    ConflictError,
    InvalidResponseError,
    RetriesExhaustedError,
    UnreachableError,
    InterruptedByUser,
]


@st.composite
def typed_errors(draw) -> EcgridError:
    message = draw(texts)
    code = draw(st.none() | st.sampled_from(["X", "ConnectFailed", "DuplicateObject"]) | texts)
    status = draw(st.none() | st.integers(100, 599))
    if draw(st.booleans()):
        return TransientError(
            message,
            code=code,
            http_status=status,
            retry_after=draw(st.none() | st.floats(0, 1000)),
            maybe_applied=draw(st.booleans()),
            details=draw(details),
        )
    cls = draw(st.sampled_from(ERROR_CLASSES))
    return cls(message, code=code, http_status=status, details=draw(details))


failures = typed_errors() | st.sampled_from(
    [KeyboardInterrupt(), BrokenPipeError(), RuntimeError("boom"), ValueError(KEY)]
)


def expected_code(error: BaseException) -> set[int]:
    """The exit codes a command may end with when every backend call raises ``error``."""
    if isinstance(error, KeyboardInterrupt):
        return {130}
    if isinstance(error, BrokenPipeError):
        return {0}
    if isinstance(error, TransientError):
        # Retried, then given up (6), or unreachable (7) for connect failures; bulk
        # reports rows, all of the same kind.
        return {6, 7} if error.code == "ConnectFailed" else {6}
    assert not isinstance(error, EcgridError)
    return {1}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(BACKEND_COMMANDS),
    failure=failures,
    every_call=st.booleans(),
    json_flag=st.booleans(),
    tty=st.booleans(),
)
def test_any_backend_error_ends_cleanly(
    tmp_path_factory, command, failure, every_call, json_flag, tty
):
    fake = demo()
    fake.add_interconnect(88001, 111111, 334455)
    fake.retries = 2
    for method in PROTOCOL_METHODS:
        fake.fail(method, failure, times=None if every_call else 1)  # type: ignore[arg-type]
    argv = [*command, "--json"] if json_flag else command
    with isolated(tmp_path_factory, fake):
        code, out, err = invoke(argv, stdin=BULK_STDIN, tty=tty)
    check_ending(code, out, err, json_mode=json_flag)
    if every_call and (isinstance(failure, TransientError) or not isinstance(failure, EcgridError)):
        assert code in expected_code(failure), (code, err)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(failure=typed_errors(), json_flag=st.booleans())
def test_a_read_that_fails_exits_with_the_code_of_its_kind(tmp_path_factory, failure, json_flag):
    fake = demo()
    fake.retries = 1
    fake.fail("get_id", failure, times=None)
    argv = ["ids", "get", "334455", *(["--json"] if json_flag else [])]
    with isolated(tmp_path_factory, fake):
        code, out, err = invoke(argv)
    check_ending(code, out, err, json_mode=json_flag)
    if isinstance(failure, TransientError):
        assert code in expected_code(failure)
    else:
        assert code == for_kind(failure.kind)
    assert out == ""


# -- any argument values ----------------------------------------------------------------------

PREFIXES = [
    ["ids", "find", "--qualifier"],
    ["ids", "find", "-q", "01", "--id"],
    ["ids", "get"],
    ["ids", "create", "-q", "ZZ", "-i", "X", "--mailbox"],
    ["ids", "tp-move", "123456", "--yes", "--mailbox"],
    ["partners", "count"],
    ["partners", "get"],
    ["partners", "list"],
    ["partners", "list", "123456", "--status"],
    ["partners", "list", "123456", "--page"],
    ["partners", "create", "--from", "111111", "--to"],
    ["partners", "note", "add", "88001"],
    ["interconnect", "setup", "--from", "111111", "-q", "01", "-i"],
    ["interconnect", "setup", "--partner-ecgrid-id"],
    ["interconnect", "check"],
    ["config", "get"],
    ["config", "use"],
    ["ids", "get", "334455", "--jq"],
]
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20) | st.sampled_from(
    ["-1", "0", "9" * 30, "--json", "-", "Active", "problem", ".[", "true"]
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prefix=st.sampled_from(PREFIXES),
    args=st.lists(values, min_size=1, max_size=3),
    json_flag=st.booleans(),
    tty=st.booleans(),
)
def test_any_argument_values_end_cleanly(tmp_path_factory, prefix, args, json_flag, tty):
    fake = demo()
    fake.add_interconnect(88001, 111111, 334455)
    argv = [*(["--json"] if json_flag else []), *prefix, *args]
    with isolated(tmp_path_factory, fake):
        code, out, err = invoke(argv, tty=tty, stdin="n\n")
    assert code in DOCUMENTED_EXIT_CODES, (argv, code, err)
    assert "Traceback" not in out + err
    assert KEY not in out + err
    if code not in (0, 8, 130):
        assert err.strip(), (argv, code)


# -- the real REST backend, any answer on the wire -------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"success": st.booleans(), "data": json_values},
        optional={"errorCode": st.none() | st.text(max_size=20), "message": json_values},
    ).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)
WIRE_COMMANDS = [
    ["ids", "find", "--qualifier", "01", "--id", "PARTNERCO"],
    ["ids", "get", "123456"],
    ["partners", "count", "123456"],
    ["partners", "get", "123456"],
    ["partners", "list", "123456"],
    ["partners", "create", "--from", "111111", "--to", "123456"],
    ["interconnect", "check", "123456"],
]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    status=st.sampled_from([200, 201, 400, 401, 403, 404, 409, 429, 500, 502, 503]),
    body=bodies,
    command=st.sampled_from(WIRE_COMMANDS),
    json_flag=st.booleans(),
)
def test_any_server_answer_ends_cleanly(tmp_path_factory, status, body, command, json_flag):
    argv = ["--retries", "1", "--timeout", "5", *command, *(["--json"] if json_flag else [])]
    with isolated(tmp_path_factory), respx.mock(base_url=BASE, assert_all_called=True) as mock:
        mock.route().mock(return_value=httpx.Response(status, content=body))
        code, out, err = invoke(argv)
    check_ending(code, out, err, json_mode=json_flag)
