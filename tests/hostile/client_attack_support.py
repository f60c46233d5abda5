"""Plumbing for the client attack suite (``test_client_*.py``): no fixtures, no tests.

* ``ecgrid_command()``: the installed ``ecgrid`` beside ``sys.executable`` (else on
  PATH). ``ECGRID_HOSTILE_EXE`` (split like a shell word list) replaces it; it exists
  only to prove the suite fails on an older release, e.g.
  ``ECGRID_HOSTILE_EXE="env PYTHONPATH=/tmp/old /path/to/python -m ecgrid_cli"``.
* ``isolated_env(home)``: the caller's environment without any ``ECGRID_*`` or proxy
  variable; HOME, every XDG directory and the config file under the test's directory;
  the file credential store.
* ``run_cli(...)``: one bounded run of the client, checked for tracebacks.
* ``SandboxProcess``: ``python -m ecgrid_cli sandbox serve --port 0`` of this checkout
  (never the executable under test), its URL read from the first stdout line; ``stop``
  always leaves no process behind.
* ``HostileServer``: a tiny HTTP server on 127.0.0.1 whose every connection is handled
  by a test-supplied function on its own thread; bounded and always stopped.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.client
import json
import os
import queue
import re
import shlex
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import sandbox_process
from process_env import installed_ecgrid, private_env

import ecgrid_cli

RUN_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0
TRACEBACK = "Traceback (most recent call last)"
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)
ATTACK_API_KEY = "attack-Key-5f0c2a9e"
# Seed data of the sandbox (ecgrid_cli/sandbox/seed.py).
OWN_ID = 111111
PARTNERCO_ID = 334455
WIDGET_ID = 445566


def ecgrid_command() -> list[str]:
    override = os.environ.get("ECGRID_HOSTILE_EXE", "").strip()
    if override:
        return shlex.split(override)
    found = installed_ecgrid()
    if found is None:
        raise RuntimeError("the 'ecgrid' console script is not installed: pip install -e .")
    return [found]


def isolated_env(home: Path, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment of every process: nothing of the caller's ECGrid set-up."""
    return private_env(home, drop=PROXY_VARIABLES, settings=extra)


class Run(NamedTuple):
    code: int
    out: str
    err: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.out)

    def describe(self) -> str:
        return (
            f"exit {self.code} after {self.seconds:.2f}s\n--- stdout ---\n{self.out[:4000]}"
            f"\n--- stderr ---\n{self.err[:4000]}"
        )

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path,
    input: str | None = None,
    timeout: float = RUN_TIMEOUT,
    preexec_fn: Callable[[], None] | None = None,
) -> Run:
    """``ecgrid ARGS`` once; stdin is /dev/null unless ``input``; never a traceback."""
    started = time.monotonic()
    done = subprocess.run(
        [*ecgrid_command(), *args],
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env=dict(env),
        cwd=cwd,
        preexec_fn=preexec_fn,
        check=False,
    )
    run = Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    assert TRACEBACK not in run.err, run.describe()
    return run


# -- the sandbox of this checkout ------------------------------------------------------


def checkout_env(home: Path) -> dict[str, str]:
    """An isolated environment that imports this checkout's ecgrid_cli (for the sandbox)."""
    root = str(Path(ecgrid_cli.__file__).resolve().parent.parent)
    env = isolated_env(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return env


@dataclass
class SandboxProcess:
    proc: subprocess.Popen[str]
    url: str = ""
    stderr_path: Path | None = None

    @classmethod
    def start(cls, home: Path, db: Path, api_key: str, *flags: str) -> SandboxProcess:
        stderr_path = db.with_suffix(".stderr")
        proc, url = sandbox_process.launch(
            ("--api-key", api_key, *flags),
            db,
            env=checkout_env(home),
            cwd=db.parent,
            stderr_path=stderr_path,
        )
        return cls(proc, url, stderr_path)

    def stop(self) -> None:
        sandbox_process.stop(self.proc)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


class SandboxAdmin:
    """Direct REST calls to a sandbox (never through a proxy): set-up and server state."""

    def __init__(self, url: str, api_key: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port, self.api_key = host, int(port), api_key

    def call(self, method: str, path: str, body: Any = None) -> Any:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"X-API-Key": self.api_key, "Content-Type": "application/json"}
            connection.request(method, path, body=payload, headers=headers)
            answer = connection.getresponse()
            document = json.loads(answer.read() or b"null")
        finally:
            connection.close()
        if answer.status != 200 or not document.get("success"):
            raise AssertionError(f"{method} {path} -> {answer.status} {document}")
        return document["data"]

    def create_id(self, qualifier: str, isa_id: str, mailbox_id: int = 3001) -> int:
        body = {"mailboxId": mailbox_id, "qualifier": qualifier, "id": isa_id}
        return int(self.call("POST", "/v2/ids", body)["ecGridId"])

    def interconnects_of(self, ecgrid_id: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = {"ecGridId": ecgrid_id, "pageNo": page, "recordsPerPage": 500}
            batch = self.call("POST", "/v2/partners/list", body)
            found.extend(batch)
            if len(batch) < 500:
                return found
            page += 1

    def live_between(self, a: int, b: int) -> list[dict[str, Any]]:
        return [
            ic
            for ic in self.interconnects_of(a)
            if {ic["ecGridIdFrom"], ic["ecGridIdTo"]} == {a, b} and ic["status"] != "Terminated"
        ]

    def interconnect(self, interconnect_id: int) -> dict[str, Any]:
        return self.call("GET", f"/v2/partners/{interconnect_id}")


# -- hostile servers ---------------------------------------------------------------------


@dataclass
class Connection:
    """One accepted connection, handed to the server's handler on its own thread."""

    sock: socket.socket
    server: HostileServer

    def read_request(self, limit: int = 1 << 20) -> bytes:
        """One HTTP request (head and Content-Length body), or b"" if none came."""
        data = b""
        while b"\r\n\r\n" not in data and len(data) < limit:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
        wanted = int(match.group(1)) if match else 0
        while len(body) < wanted and len(body) < limit:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            body += chunk
        request = head + b"\r\n\r\n" + body
        self.server.requests.put(request)
        return request

    def trickle(self, data: bytes, interval: float, limit: float) -> None:
        """Send ``data`` one byte per ``interval`` for at most ``limit`` seconds."""
        ends = time.monotonic() + limit
        for index in range(len(data)):
            if self.server.stopping.is_set() or time.monotonic() > ends:
                return
            try:
                self.sock.sendall(data[index : index + 1])
            except OSError:
                return
            self.server.stopping.wait(interval)


@dataclass
class HostileServer:
    """``with HostileServer(handler) as server:`` -> ``server.url``; stops on exit."""

    handler: Callable[[Connection], None]
    connections: int = 0
    requests: queue.Queue[bytes] = field(default_factory=queue.Queue)
    stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _sockets: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> HostileServer:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        accepting = threading.Thread(target=self._accept, daemon=True)
        accepting.start()
        self._threads.append(accepting)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        with self._lock:
            for sock in self._sockets:  # wakes handlers blocked in recv
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(timeout=STOP_TIMEOUT)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._sockets.append(sock)
            worker = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(STOP_TIMEOUT)
        try:
            self.handler(Connection(sock, self))
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def wait_for_request(self, timeout: float) -> bytes | None:
        try:
            return self.requests.get(timeout=timeout)
        except queue.Empty:
            return None


def close_at_once(connection: Connection) -> None:
    """Accept, then hang up: a listener that must never be used."""


def http_response(status: int, reason: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def rewriting_proxy(
    upstream: str, rewrite: Callable[[bytes], bytes], reason: Callable[[str], str] | None = None
) -> Callable[[Connection], None]:
    """A handler that forwards a request to ``upstream`` and rewrites the answer (then
    closes the connection, so every request is rewritten)."""
    host, port = upstream.removeprefix("http://").split(":")

    def handle(connection: Connection) -> None:
        request = connection.read_request()
        if not request:
            return
        head, _, body = request.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() not in ("host", "connection", "content-length"):
                headers[name.strip()] = value.strip()
        upstream_connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            upstream_connection.request(method, path, body=body or None, headers=headers)
            answer = upstream_connection.getresponse()
            answer_body = rewrite(answer.read())
            content_type = answer.getheader("Content-Type", "application/json")
            status, phrase = answer.status, answer.reason
        finally:
            upstream_connection.close()
        phrase = reason(phrase) if reason is not None else phrase
        connection.sock.sendall(http_response(status, phrase, answer_body, content_type))

    return handle


# -- looking for a secret in output --------------------------------------------------------

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


def base64_hides(text: str, secret: bytes) -> bool:
    """True unless some base64 run in ``text`` (any alignment) decodes to ``secret``."""
    for run in _BASE64_RUN.findall(text):
        core = run.rstrip("=")
        for start in range(4):
            piece = core[start:]
            piece = piece[: len(piece) - len(piece) % 4]
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    decoded = decode(piece)
                except (binascii.Error, ValueError):
                    continue
                if secret in decoded:
                    return False
    return True


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.exists():
            yield from (path for path in root.rglob("*") if path.is_file())
