"""http.py: proxy rules, the deadline-bounded network backend, one attempt's error mapping,
and the 8 MiB body cap.

Network use is loopback only: small servers on 127.0.0.1 started in a thread, bounded
in time and always stopped; everything else goes through respx.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import httpx
import pytest
import respx

from ecgrid_cli import __version__
from ecgrid_cli.api import http
from ecgrid_cli.errors import InvalidResponseError, TransientError, UnreachableError, UsageError

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD")


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


# -- proxy_for ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://localhost:8765",
        "http://[::1]:8765",
        "https://127.0.0.1:8443",
        "https://localhost",
    ],
)
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"])
def test_loopback_and_plain_http_are_never_proxied(clean_proxy_env, url, variable):
    clean_proxy_env.setenv(variable, "http://proxy.test:3128")
    assert http.proxy_for(url) is None


def test_plain_http_is_never_proxied_even_with_every_variable_set(clean_proxy_env):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        clean_proxy_env.setenv(name, "http://proxy.test:3128")
    assert http.proxy_for("http://127.0.0.1:9999") is None


def test_https_uses_https_proxy(clean_proxy_env):
    clean_proxy_env.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    clean_proxy_env.setenv("ALL_PROXY", "http://other.test:1")
    assert http.proxy_for("https://api.test") == "http://proxy.test:3128"


def test_https_falls_back_to_all_proxy(clean_proxy_env):
    clean_proxy_env.setenv("ALL_PROXY", "http://proxy.test:3128")
    assert http.proxy_for("https://api.test") == "http://proxy.test:3128"


def test_https_ignores_an_http_only_proxy(clean_proxy_env):
    clean_proxy_env.setenv("HTTP_PROXY", "http://proxy.test:3128")
    assert http.proxy_for("https://api.test") is None


def test_no_proxy_environment_means_direct(clean_proxy_env):
    assert http.proxy_for("https://api.test") is None


@pytest.mark.parametrize("no_proxy", ["api.test", ".test", "other.test,api.test", "*"])
def test_no_proxy_is_honoured(clean_proxy_env, no_proxy):
    clean_proxy_env.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    clean_proxy_env.setenv("NO_PROXY", no_proxy)
    assert http.proxy_for("https://api.test") is None


def test_no_proxy_for_another_host_keeps_the_proxy(clean_proxy_env):
    clean_proxy_env.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    clean_proxy_env.setenv("NO_PROXY", "elsewhere.test")
    assert http.proxy_for("https://api.test") == "http://proxy.test:3128"


def test_socks_proxy_goes_direct_rather_than_failing(clean_proxy_env):
    clean_proxy_env.setenv("HTTPS_PROXY", "socks5://proxy.test:1080")
    assert http.proxy_for("https://api.test") is None


# -- build_client ---------------------------------------------------------------------------


def test_build_client_installs_the_deadline_backend_in_httpx_internals(clean_proxy_env):
    """Guard: build_client reaches httpx's private ``_pool._network_backend``.

    If an httpx/httpcore upgrade renames these, this fails loudly instead of the
    ``--timeout`` deadline silently no longer bounding slow servers.
    """
    client = http.build_client("https://api.test", headers={}, max_connections=4, timeout=5)
    try:
        transport = client._transport
        assert isinstance(transport, httpx.HTTPTransport)
        pool = transport._pool
        assert type(pool) is httpcore.ConnectionPool
        assert isinstance(pool._network_backend, http._DeadlineBackend)
        assert isinstance(pool._network_backend, httpcore.NetworkBackend)
    finally:
        client.close()


def test_httpcore_pool_still_reads_network_backend_attribute():
    pool = httpcore.ConnectionPool()
    assert isinstance(pool._network_backend, httpcore.NetworkBackend)


def test_build_client_https_with_proxy_keeps_the_deadline_backend(clean_proxy_env):
    clean_proxy_env.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    client = http.build_client("https://api.test", headers={}, max_connections=4, timeout=5)
    try:
        pool = client._transport._pool
        assert isinstance(pool, httpcore.HTTPProxy)
        assert pool._proxy_url.host == b"proxy.test"
        assert isinstance(pool._network_backend, http._DeadlineBackend)
    finally:
        client.close()


def test_build_client_loopback_ignores_proxy_variables(clean_proxy_env):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        clean_proxy_env.setenv(name, "http://proxy.test:3128")
    client = http.build_client("http://127.0.0.1:1", headers={}, max_connections=4, timeout=5)
    try:
        assert type(client._transport._pool) is httpcore.ConnectionPool
    finally:
        client.close()


def test_build_client_settings(clean_proxy_env):
    client = http.build_client(
        "https://api.test", headers={"Accept": "application/json"}, max_connections=7, timeout=9
    )
    try:
        assert client.headers["User-Agent"] == f"ecgrid-cli/{__version__}"
        assert client.headers["Accept"] == "application/json"
        assert client.follow_redirects is False
        assert client.trust_env is False
        assert client.timeout.read == 9
        assert client._transport._pool._max_connections == 7
    finally:
        client.close()


def test_httpx_import_leaves_no_placeholders():
    for name in ("trio", "anyio", "httpx._main"):
        assert sys.modules.get(name, "absent") is not None


# -- local servers ---------------------------------------------------------------------------


@contextmanager
def trickling_server(payload: bytes, *, interval: float = 1.0, head: bytes = b"") -> Iterator[int]:
    """A server on 127.0.0.1 that sends ``head`` at once, then ``payload`` one byte per
    ``interval`` seconds. Always stopped (and its thread joined) on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(0.05)
                received = b""
                while b"\r\n\r\n" not in received and not stop.is_set():
                    try:
                        chunk = conn.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    received += chunk
                try:
                    if head:
                        conn.sendall(head)
                    for byte in payload:
                        if stop.wait(interval):
                            break
                        conn.sendall(bytes([byte]))
                except OSError:
                    pass

    thread = threading.Thread(target=serve, name="trickling-server", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    assert not thread.is_alive()


@contextmanager
def json_server(body: bytes = b'{"success": true, "data": 1}') -> Iterator[tuple[int, list]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_trickled_status_line_cannot_outlast_the_deadline(clean_proxy_env):
    slow = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    with trickling_server(slow, interval=1.0) as port:
        base = f"http://127.0.0.1:{port}"
        # httpx's own per-read timeout is 30 s: only the deadline can stop this call.
        client = http.build_client(base, headers={}, max_connections=2, timeout=30)
        try:
            started = time.monotonic()
            with pytest.raises(TransientError) as info:
                http.send_once(
                    client,
                    client.build_request("GET", "/v2/x"),
                    deadline=started + 1.5,
                    target=base,
                )
            elapsed = time.monotonic() - started
        finally:
            client.close()
    assert info.value.code == "Timeout"
    assert info.value.maybe_applied is True
    assert elapsed < 2.5


def test_trickled_body_cannot_outlast_the_deadline(clean_proxy_env):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n"
    with trickling_server(b"x" * 64, interval=1.0, head=head) as port:
        base = f"http://127.0.0.1:{port}"
        client = http.build_client(base, headers={}, max_connections=2, timeout=30)
        try:
            started = time.monotonic()
            with pytest.raises(TransientError) as info:
                http.send_once(
                    client,
                    client.build_request("GET", "/v2/x"),
                    deadline=started + 1.2,
                    target=base,
                )
            elapsed = time.monotonic() - started
        finally:
            client.close()
    assert info.value.code == "Timeout"
    assert "reading the response" in info.value.message
    assert info.value.maybe_applied is True
    assert elapsed < 2.5


def test_deadline_already_passed_fails_without_waiting(clean_proxy_env):
    with json_server() as (port, seen):
        base = f"http://127.0.0.1:{port}"
        client = http.build_client(base, headers={}, max_connections=2, timeout=30)
        try:
            with pytest.raises(TransientError):
                http.send_once(
                    client,
                    client.build_request("GET", "/v2/x"),
                    deadline=time.monotonic() - 1,
                    target=base,
                )
        finally:
            client.close()
    assert seen == []


def test_loopback_request_goes_direct_despite_proxy_variables(clean_proxy_env):
    # A proxy on a closed port: if it were used, the request would fail.
    for name in ("HTTP_PROXY", "ALL_PROXY", "http_proxy"):
        clean_proxy_env.setenv(name, "http://127.0.0.1:9")
    with json_server() as (port, seen):
        base = f"http://127.0.0.1:{port}"
        client = http.build_client(base, headers={}, max_connections=2, timeout=5)
        try:
            answer = http.send_once(
                client,
                client.build_request("GET", "/v2/ping"),
                deadline=time.monotonic() + 5,
                target=base,
            )
        finally:
            client.close()
    assert answer.status == 200
    assert answer.body == b'{"success": true, "data": 1}'
    assert answer.content_type == "application/json"
    assert seen == ["/v2/ping"]


def test_deadline_scope_nests_and_restores():
    with http.deadline_scope(100.0):
        with http.deadline_scope(50.0):
            assert http._current.deadline == 50.0
        assert http._current.deadline == 100.0
    assert getattr(http._current, "deadline", None) is None


def test_bounded_cuts_timeouts_to_the_time_left():
    assert http._bounded(7.0, httpcore.ReadTimeout) == 7.0  # no deadline in force
    with http.deadline_scope(time.monotonic() + 2):
        assert http._bounded(30.0, httpcore.ReadTimeout) <= 2.0
        assert http._bounded(None, httpcore.ReadTimeout) <= 2.0
        assert http._bounded(0.5, httpcore.ReadTimeout) == 0.5
    with http.deadline_scope(time.monotonic() - 1), pytest.raises(httpcore.ReadTimeout):
        http._bounded(30.0, httpcore.ReadTimeout)


# -- send_once over respx ----------------------------------------------------------------------

TARGET = "https://api.test"


@pytest.fixture
def client(clean_proxy_env) -> Iterator[httpx.Client]:
    made = http.build_client(TARGET, headers={}, max_connections=2, timeout=5)
    yield made
    made.close()


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=TARGET, assert_all_called=True) as router:
        yield router


def send(client: httpx.Client, **kwargs) -> http.Answer:
    return http.send_once(
        client,
        client.build_request("GET", "/v2/x"),
        deadline=time.monotonic() + 5,
        target=TARGET,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("failure", "code", "maybe_applied"),
    [
        (httpx.ConnectTimeout("connect timeout"), "ConnectFailed", False),
        (httpx.ConnectError("[Errno 111] Connection refused"), "ConnectFailed", False),
        (httpx.ReadTimeout("timed out"), "Timeout", True),
        (httpx.WriteTimeout("timed out"), "Timeout", True),
        (httpx.PoolTimeout("no connection free"), "Timeout", False),
        (httpx.RemoteProtocolError("Server disconnected"), "ConnectionDropped", True),
        (httpx.ReadError("connection reset by peer"), "ConnectionDropped", True),
        (httpx.WriteError("broken pipe"), "ConnectionDropped", True),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_send_once_maps_transport_failures(client, mock, failure, code, maybe_applied):
    mock.get("/v2/x").mock(side_effect=failure)
    with pytest.raises(TransientError) as info:
        send(client)
    assert info.value.code == code
    assert info.value.maybe_applied is maybe_applied


@pytest.mark.parametrize(
    "text",
    [
        "[Errno -2] Name or service not known",
        "[Errno -3] Temporary failure in name resolution",
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
        "[SSL: WRONG_VERSION_NUMBER] wrong version number",
    ],
)
def test_permanent_connect_failures_are_unreachable_at_once(client, mock, text):
    mock.get("/v2/x").mock(side_effect=httpx.ConnectError(text))
    with pytest.raises(UnreachableError) as info:
        send(client)
    assert info.value.code == "Unreachable"
    assert info.value.message == f"could not reach {TARGET}: {text}"


@pytest.mark.parametrize(
    "failure",
    [httpx.LocalProtocolError("Illegal header value"), httpx.UnsupportedProtocol("ftp")],
)
def test_a_request_that_cannot_be_sent_is_a_usage_error(client, mock, failure):
    mock.get("/v2/x").mock(side_effect=failure)
    with pytest.raises(UsageError):
        send(client)


def test_send_once_returns_the_answer_and_logs(client, mock):
    mock.get("/v2/x").respond(201, content=b"hello", headers={"Content-Type": "text/plain; a=b"})
    lines: list[str] = []
    answer = send(client, log=lines.append, label="Op")
    assert (answer.status, answer.reason, answer.body) == (201, "Created", b"hello")
    assert answer.content_type == "text/plain"
    assert lines[0] == f"> GET {TARGET}/v2/x (Op)"
    assert lines[1].startswith("< 201 Created (")


def test_answer_without_content_type(client, mock):
    mock.get("/v2/x").respond(204)
    assert send(client).content_type == "no content type"


def test_body_over_8_mib_is_refused(client, mock):
    assert http.MAX_BODY_BYTES == 8 * 1024 * 1024
    mock.get("/v2/x").respond(200, content=b"x" * (http.MAX_BODY_BYTES + 1))
    with pytest.raises(InvalidResponseError) as info:
        send(client)
    assert info.value.message == "response body exceeds 8 MiB; refusing to read it"
    assert info.value.http_status == 200


def test_body_of_exactly_8_mib_is_read(client, mock):
    mock.get("/v2/x").respond(200, content=b"x" * http.MAX_BODY_BYTES)
    assert len(send(client).body) == http.MAX_BODY_BYTES


def test_body_cap_counts_every_chunk(client, mock, monkeypatch):
    monkeypatch.setattr(http, "MAX_BODY_BYTES", 10)
    chunks = iter([b"123456", b"789012"])
    mock.get("/v2/x").mock(return_value=httpx.Response(200, content=chunks))
    with pytest.raises(InvalidResponseError):
        send(client)
