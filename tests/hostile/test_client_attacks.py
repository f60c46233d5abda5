"""Attacks on the installed ``ecgrid`` over the network ("Hardening, round two", 1, 2, 6, 8).

1. Proxy variables pointing at a listener of the test: a plain-http loopback base URL
   must reach the server directly; the listener sees no connection.
2. A server trickling its answer (status line and headers, or the body) one byte a
   second: ``--timeout 2`` ends the call in about two seconds, exit 6, one line.
6. A server echoing the API key back verbatim, upper-cased, URL-encoded and inside a
   larger base64 blob, in data fields, error messages and the HTTP reason phrase: no
   form reaches stdout or stderr. Keys shorter than 8 characters are refused before
   anything is sent, and ``--json`` is never corrupted by redaction.
8. A user name and password in the base URL: refused before anything is sent and never
   repeated; every file the tool writes under the cache and state directories is 0600,
   even under ``umask 000``.

Every attack on the wire runs on REST and on SOAP; checks made before anything is sent
(short keys, credentials in the URL) alternate between them. Only loopback is used;
every server and process is bounded in time and stopped.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from client_attack_support import (
    ATTACK_API_KEY,
    OWN_ID,
    PARTNERCO_ID,
    Connection,
    HostileServer,
    Run,
    SandboxProcess,
    base64_hides,
    close_at_once,
    files_under,
    rewriting_proxy,
)

APIS = ("rest", "soap")


@pytest.fixture(scope="module")
def read_only_sandbox(tmp_path_factory) -> Iterator[Callable[..., SandboxProcess]]:
    """``read_only_sandbox(api_key)``: one sandbox per key for this module's tests, which
    only read from it (or log in), so they can share it; stopped after the module."""
    root = tmp_path_factory.mktemp("read-only-sandbox")
    started: dict[str, SandboxProcess] = {}

    def get(api_key: str = ATTACK_API_KEY) -> SandboxProcess:
        if api_key not in started:
            db = root / f"sandbox-{len(started)}.db"
            started[api_key] = SandboxProcess.start(root, db, api_key)
        return started[api_key]

    try:
        yield get
    finally:
        for sandbox in started.values():
            sandbox.stop()


def api_flags(api: str) -> list[str]:
    """REST is the default for a plain base URL (and all the old release spoke)."""
    return ["--api", "soap"] if api == "soap" else []


def key_env(key: str = ATTACK_API_KEY) -> dict[str, str]:
    return {"ECGRID_API_KEY": key}


def one_error_line(run: Run) -> str:
    lines = run.error_lines()
    assert len(lines) == 1, run.describe()
    assert lines[0].startswith("error: "), run.describe()
    assert len(lines[0]) < 500, run.describe()
    return lines[0]


# -- 1. proxies are never used for plain-http loopback -----------------------------------


# Each run sets two variables, upper case or lower case; every proxy is the same listener.
PROXY_SETS = {
    "upper": {"HTTP_PROXY": "http", "ALL_PROXY": "http"},
    "lower": {"http_proxy": "http", "all_proxy": "socks5"},
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("variables", list(PROXY_SETS))
def test_proxy_variables_are_ignored_for_plain_http_loopback(
    api, variables, attack_cli, read_only_sandbox
):
    sandbox = read_only_sandbox()
    with HostileServer(close_at_once) as proxy:
        env = key_env()
        for variable, scheme in PROXY_SETS[variables].items():
            env[variable] = f"{scheme}://127.0.0.1:{proxy.port}"
        run = attack_cli(
            *api_flags(api),
            "--base-url",
            sandbox.url,
            "--timeout",
            "10",
            "ids",
            "get",
            str(PARTNERCO_ID),
            "--json",
            env_extra=env,
        )
        assert proxy.connections == 0, f"{proxy.connections} connection(s) went to the proxy"
    assert run.code == 0, run.describe()
    assert run.json()["ecGridId"] == PARTNERCO_ID


# -- 2. one deadline for the whole call ----------------------------------------------------

TRICKLE_LIMIT = 15.0  # seconds a trickling connection lasts at most
DEADLINE_BOUND = 8.0  # --timeout 2 plus generous slack for start-up and a slow machine


def _answer_head(api: str, length: int) -> bytes:
    content_type = "text/xml; charset=utf-8" if api == "soap" else "application/json"
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def trickle_head(api: str) -> Callable[[Connection], None]:
    def handle(connection: Connection) -> None:
        connection.read_request()
        connection.trickle(_answer_head(api, 2) + b"{}", 1.0, TRICKLE_LIMIT)

    return handle


def trickle_body(api: str) -> Callable[[Connection], None]:
    def handle(connection: Connection) -> None:
        connection.read_request()
        connection.sock.sendall(_answer_head(api, 64))
        connection.trickle(b"x" * 64, 1.0, TRICKLE_LIMIT)

    return handle


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("trickle", [trickle_head, trickle_body], ids=["head", "body"])
def test_a_trickling_server_cannot_outlast_the_timeout(api, trickle, attack_cli):
    with HostileServer(trickle(api)) as server:
        run = attack_cli(
            *api_flags(api),
            "--base-url",
            server.url,
            "--timeout",
            "2",
            "ids",
            "get",
            "1",
            env_extra=key_env(),
            timeout=TRICKLE_LIMIT + 30,
        )
        assert server.connections >= 1
    assert run.seconds < DEADLINE_BOUND, run.describe()
    assert run.code == 6, run.describe()
    assert run.out == ""
    one_error_line(run)


# -- 6. the API key never comes back out ---------------------------------------------------

ECHO_KEY = "Hx9/Key+Secret=42~z"
ECHO_FORMS = {
    "verbatim": ECHO_KEY,
    "upper-cased": ECHO_KEY.upper(),
    "URL-encoded": quote(ECHO_KEY, safe=""),
    "form-encoded": quote_plus(ECHO_KEY),
    "base64 inside a blob": base64.b64encode(
        b"\x00\x01blob:" + ECHO_KEY.encode() + b":more-bytes\xfe"
    ).decode(),
}
ECHOED = " ".join(ECHO_FORMS.values()).encode()


def echo_key(body: bytes) -> bytes:
    """The sandbox's answer with the key planted in a data field and in error messages."""
    body = body.replace(b"Partner Company Inc.", b"Partner Company " + ECHOED)
    return body.replace(b"not found", b"not found " + ECHOED)


def assert_key_hidden(run: Run) -> None:
    for where, text in (("stdout", run.out), ("stderr", run.err)):
        folded = text.lower()
        for name, form in ECHO_FORMS.items():
            if name != "base64 inside a blob":
                assert form.lower() not in folded, f"{name} key on {where}\n{run.describe()}"
        assert base64_hides(text, ECHO_KEY.encode()), f"base64 key on {where}\n{run.describe()}"
        assert ECHO_FORMS["base64 inside a blob"] not in text


# Human output, and -v lines with a JSON document; -v with human output is the next
# test's (whose answer carries the planted key too).
MODES = {
    "plain": ([], []),
    "verbose-json": (["-v"], ["--json"]),
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("mode", list(MODES))
def test_an_echoed_api_key_never_reaches_the_output(api, mode, attack_cli, read_only_sandbox):
    sandbox = read_only_sandbox(ECHO_KEY)
    before, after = MODES[mode]
    with HostileServer(rewriting_proxy(sandbox.url, echo_key)) as hostile:
        base = [*before, *api_flags(api), "--base-url", hostile.url]
        found = attack_cli(
            *base, "ids", "get", str(PARTNERCO_ID), *after, env_extra=key_env(ECHO_KEY)
        )
        missing = attack_cli(*base, "ids", "get", "999999", *after, env_extra=key_env(ECHO_KEY))
    assert found.code == 0, found.describe()
    assert missing.code == 4, missing.describe()
    for run in (found, missing):
        assert_key_hidden(run)
    assert "Partner Company [REDACTED]" in found.out  # the key was planted, and hidden
    assert "not found [REDACTED]" in missing.err
    if "--json" in after:
        document = found.json()
        assert document["ecGridId"] == PARTNERCO_ID
        assert document["description"].startswith("Partner Company ")
        error = json.loads(missing.error_lines()[-1])["error"]
        assert "not found" in error["message"]


@pytest.mark.parametrize("api", APIS)
def test_a_key_in_the_reason_phrase_is_hidden_from_the_verbose_log(
    api, attack_cli, read_only_sandbox
):
    sandbox = read_only_sandbox(ECHO_KEY)
    proxy = rewriting_proxy(sandbox.url, echo_key, reason=lambda phrase: f"{phrase} {ECHO_KEY}")
    with HostileServer(proxy) as hostile:
        run = attack_cli(
            "-v",
            *api_flags(api),
            "--base-url",
            hostile.url,
            "ids",
            "get",
            str(PARTNERCO_ID),
            env_extra=key_env(ECHO_KEY),
        )
    assert run.code == 0, run.describe()
    assert any(line.startswith("< 200 OK [REDACTED]") for line in run.err.splitlines()), (
        run.describe()
    )
    assert_key_hidden(run)


@pytest.mark.parametrize(("api", "key"), [("rest", "1"), ("soap", "1234567")])
def test_a_key_too_short_to_redact_is_refused_before_sending(api, key, attack_cli):
    with HostileServer(close_at_once) as server:
        run = attack_cli(
            *api_flags(api),
            "--base-url",
            server.url,
            "ids",
            "get",
            str(PARTNERCO_ID),
            env_extra=key_env(key),
        )
        assert server.connections == 0
    assert run.code == 2, run.describe()
    assert run.out == ""
    line = one_error_line(run)
    assert "API key" in line and "8" in line, line


DIGIT_KEY = "11111111"


def ids_become_the_key(body: bytes) -> bytes:
    """PartnerCo's ECGrid ID as the digits of the key, and the key in its description."""
    body = body.replace(str(PARTNERCO_ID).encode(), DIGIT_KEY.encode())
    return body.replace(b"Partner Company Inc.", b"Partner " + DIGIT_KEY.encode() + b" Inc.")


@pytest.mark.parametrize("api", APIS)
def test_redaction_never_corrupts_json(api, attack_cli, read_only_sandbox):
    sandbox = read_only_sandbox(DIGIT_KEY)
    with HostileServer(rewriting_proxy(sandbox.url, ids_become_the_key)) as hostile:
        run = attack_cli(
            *api_flags(api),
            "--base-url",
            hostile.url,
            "ids",
            "get",
            str(PARTNERCO_ID),
            "--json",
            env_extra=key_env(DIGIT_KEY),
        )
    assert run.code == 0, run.describe()
    document = run.json()  # still valid JSON
    assert document["ecGridId"] == int(DIGIT_KEY)  # a number is never rewritten
    assert document["mailboxId"] == 3001
    assert DIGIT_KEY not in document["description"]  # the string still is
    assert DIGIT_KEY not in run.err


# -- 8. credentials in the base URL --------------------------------------------------------

URL_USER = "mallory"
URL_PASSWORD = "Pw-7x9qZ"


def credential_leaks(text: str) -> bool:
    return URL_PASSWORD.lower() in text.lower() or f"{URL_USER}:".lower() in text.lower()


def assert_refused_unseen(run: Run, home: Path) -> None:
    assert run.code == 2, run.describe()
    assert "base URL" in one_error_line(run), run.describe()
    assert not credential_leaks(run.out + run.err), run.describe()
    for path in files_under(home):
        assert not credential_leaks(path.read_text(errors="replace")), path


@pytest.mark.parametrize(
    ("api", "where"), [("rest", "flag"), ("soap", "env"), ("soap", "verbose-flag")]
)
def test_credentials_in_the_base_url_are_refused_and_never_shown(
    api, where, attack_cli, attack_home
):
    with HostileServer(close_at_once) as server:
        url = f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{server.port}"
        env = key_env()
        flags = ["--base-url", url]
        if where == "env":
            env["ECGRID_BASE_URL"], flags = url, []
        verbose = ["-v"] if where == "verbose-flag" else []
        command = [*verbose, *api_flags(api), *flags, "ids", "get", str(PARTNERCO_ID)]
        run = attack_cli(*command, env_extra=env)
        assert server.connections == 0, "the request was sent"
    assert_refused_unseen(run, attack_home)


def test_credentials_in_the_base_url_are_never_stored(attack_cli, attack_home):
    url = f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:9"
    run = attack_cli("config", "set", "base-url", url, env_extra=key_env())
    assert_refused_unseen(run, attack_home)


def _private_umask() -> None:
    os.umask(0)  # the most permissive umask: every file mode comes from the tool itself


def assert_private(root: Path) -> list[Path]:
    """Every file under ``root`` is 0600 and the tool's own ``ecgrid`` directory 0700."""
    written = list(files_under(root))
    modes = {str(path): stat.S_IMODE(path.stat().st_mode) for path in written}
    assert {path: oct(mode) for path, mode in modes.items() if mode != 0o600} == {}
    if (root / "ecgrid").is_dir():
        assert stat.S_IMODE((root / "ecgrid").stat().st_mode) == 0o700
    return written


def test_the_cache_file_is_private_even_under_umask_000(attack_cli, read_only_sandbox, attack_home):
    sandbox = read_only_sandbox()
    found = attack_cli(
        "--base-url",
        sandbox.url,
        "ids",
        "find",
        "-q",
        "01",
        "-i",
        "PARTNERCO",
        "--json",
        env_extra=key_env(),
        preexec_fn=_private_umask,
    )
    assert found.code == 0, found.describe()
    assert assert_private(attack_home / "xdg-cache"), "the REST find form was not cached"
    assert_private(attack_home / "xdg-state")


@pytest.mark.parametrize("api", APIS)
def test_login_state_is_private_even_under_umask_000(
    api, attack_cli, read_only_sandbox, attack_home
):
    sandbox = read_only_sandbox()
    base = [*api_flags(api), "--base-url", sandbox.url]
    login = attack_cli(
        *base,
        "auth",
        "login",
        "--login",
        "sandbox",
        "--password-stdin",
        input="sandbox-password\n",
        env_extra=key_env(),
        preexec_fn=_private_umask,
    )
    assert login.code == 0, login.describe()
    used = attack_cli(
        *base,
        "partners",
        "count",
        str(OWN_ID),
        "--json",
        env_extra=key_env(),
        preexec_fn=_private_umask,
    )
    assert used.code == 0, used.describe()
    assert assert_private(attack_home / "xdg-state"), "the login was not stored in a file"
    assert_private(attack_home / "xdg-cache")
