"""One object for the process's streams and terminal facts, built once per run.

Like gh's ``iostreams``: stdin, stdout and stderr; whether each is a terminal; whether
the tool may prompt; the width; colour; the pager. Everything written to stderr is
redacted here. Tests build one with :meth:`IOStreams.test` (string buffers and
whatever terminal facts the test wants) instead of faking the environment.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TextIO

from ecgrid_cli.redaction import Redactor

DEFAULT_WIDTH = 80
MAX_STDIN_LINE = 64 * 1024  # a key, a login name, a password
DEFAULT_PAGER = "less -FRX"


def _is_tty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class _Closed(io.TextIOBase):
    """Stands in for a stream the process was started without (``<&-``, ``>&-``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def read(self, size: int | None = -1) -> str:
        return ""

    def readline(self, size: int | None = -1) -> str:
        return ""

    def write(self, text: str) -> int:
        raise ClosedStreamError(self.name)


class ReaderGone(Exception):
    """The reader of stdout went away (``ecgrid ... | head -1``): it has what it wanted.

    Not an OSError on purpose: Click turns a broken pipe into exit 1 before the
    application sees it, and a closed pipe is a normal end of a run, not a failure.
    ``finish``: the result's verdict when it was already known (it sets the exit code).
    """

    finish = None


class ClosedStreamError(OSError):
    def __init__(self, name: str) -> None:
        super().__init__(f"standard {name} is closed")
        self.stream = name


class _RedactingWriter(io.TextIOBase):
    def __init__(self, streams: IOStreams) -> None:
        self._streams = streams

    def write(self, text: str) -> int:
        with contextlib.suppress(OSError, ValueError):
            self._streams.stderr.write(self._streams.redactor.text(text))
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._streams.stderr.flush()

    def isatty(self) -> bool:
        return self._streams.stderr_tty


@dataclass
class IOStreams:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    stdin_tty: bool = False
    stdout_tty: bool = False
    stderr_tty: bool = False
    width: int = DEFAULT_WIDTH
    color: bool = False
    pager_command: str | None = None  # None: never page
    redactor: Redactor = field(default_factory=Redactor)
    _pager: subprocess.Popen[str] | None = None
    _real_stdout: TextIO | None = None

    # -- construction ---------------------------------------------------------------

    @classmethod
    def system(cls) -> IOStreams:
        stdin = sys.stdin if sys.stdin is not None else _Closed("input")
        stdout = sys.stdout if sys.stdout is not None else _Closed("output")
        stderr = sys.stderr if sys.stderr is not None else _Closed("error")
        stdout_tty = _is_tty(stdout)
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if stdout_tty else 80
        return cls(
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            stdin_tty=_is_tty(stdin),
            stdout_tty=stdout_tty,
            stderr_tty=_is_tty(stderr),
            width=max(40, width),
            color=stdout_tty and not os.environ.get("NO_COLOR"),
            pager_command=_pager_from_environment(),
        )

    @classmethod
    def test(
        cls,
        *,
        stdin: str = "",
        tty: bool = False,
        stdin_tty: bool | None = None,
        width: int = DEFAULT_WIDTH,
    ) -> IOStreams:
        """String buffers with the terminal facts a test asks for (never a pager)."""
        return cls(
            stdin=io.StringIO(stdin),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin_tty=tty if stdin_tty is None else stdin_tty,
            stdout_tty=tty,
            stderr_tty=tty,
            width=width,
            color=False,
            pager_command=None,
        )

    # -- facts ----------------------------------------------------------------------

    @property
    def stdin_closed(self) -> bool:
        """The process was started without a standard input (``<&-``)."""
        return isinstance(self.stdin, _Closed)

    def can_prompt(self) -> bool:
        """Someone is there to answer: stdin and stderr (where prompts go) are terminals."""
        return self.stdin_tty and self.stderr_tty

    def disable_color(self) -> None:
        self.color = False

    def disable_pager(self) -> None:
        self.pager_command = None

    # -- writing ----------------------------------------------------------------------

    def out(self, text: str) -> None:
        """Raw stdout (the output layer redacts before it calls this)."""
        with self._writing_stdout():
            self.stdout.write(text)

    def flush_out(self) -> None:
        """Flush stdout at the end of a run, so a failed write is reported, not lost."""
        with self._writing_stdout():
            self.stdout.flush()

    @contextlib.contextmanager
    def _writing_stdout(self):
        try:
            yield
        except BrokenPipeError:
            raise ReaderGone from None
        except ClosedStreamError:
            raise
        except OSError as exc:  # a full disk (> /dev/full), a quota, an I/O error
            from ecgrid_cli.errors import EcgridError

            message = f"cannot write the output: {exc.strerror or exc}"
            raise EcgridError(message, code="OutputError") from None

    def err(self, line: str, *, redacted: bool = False) -> None:
        """One line on stderr, redacted (unless the caller already redacted it: JSON)."""
        try:
            self.stderr.write((line if redacted else self.redactor.text(line)) + "\n")
            self.stderr.flush()
        except (OSError, ValueError):
            pass

    def err_stream(self) -> TextIO:
        """A file-like stderr that redacts whatever is written (for rich's live views)."""
        return _RedactingWriter(self)  # type: ignore[return-value]

    # -- prompting --------------------------------------------------------------------

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question on stderr (default no); only call when can_prompt()."""
        try:
            self.stderr.write(f"{question} [y/N]: ")
            self.stderr.flush()
            answer = self.stdin.readline()
        except (OSError, ValueError):
            return False
        return answer.strip().lower() in ("y", "yes")

    def prompt_secret(self, label: str) -> str:
        """A hidden prompt on the terminal (no echo); only call when can_prompt()."""
        if not isinstance(self.stdin, io.StringIO):
            import getpass

            try:
                return getpass.getpass(label, stream=self.stderr)
            except EOFError:
                return ""
        self.stderr.write(label)  # tests: read the scripted answer
        return self.stdin.readline().rstrip("\n")

    def read_stdin_line(self) -> str:
        """One line of stdin, bounded: ``< /dev/zero`` is refused, not read forever."""
        line = self.stdin.readline(MAX_STDIN_LINE + 1)
        if len(line) > MAX_STDIN_LINE:
            from ecgrid_cli.errors import UsageError

            raise UsageError(f"a line on stdin is longer than {MAX_STDIN_LINE // 1024} KiB")
        return line

    # -- paging -----------------------------------------------------------------------

    def start_pager(self) -> None:
        """Send stdout through the pager (a terminal only); failures fall back to stdout."""
        if self.pager_command is None or not self.stdout_tty or self._pager is not None:
            return
        try:
            argv = shlex.split(self.pager_command)
        except ValueError:
            return
        if not argv or argv[0] == "cat":
            return
        env = dict(os.environ)
        env.setdefault("LESS", "FRX")
        try:
            self._pager = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=self.stdout, text=True, env=env
            )
        except OSError:
            return
        self._real_stdout, self.stdout = self.stdout, self._pager.stdin  # type: ignore[assignment]

    def stop_pager(self) -> None:
        if self._pager is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self.stdout.close()
        self._pager.wait()
        assert self._real_stdout is not None
        self.stdout, self._pager, self._real_stdout = self._real_stdout, None, None


def _pager_from_environment() -> str | None:
    """``ECGRID_PAGER``, else ``PAGER``, else ``less -FRX``; empty or ``cat``: no pager."""
    for name in ("ECGRID_PAGER", "PAGER"):
        value = os.environ.get(name)
        if value is not None:
            value = value.strip()
            return value if value and value != "cat" else None
    return DEFAULT_PAGER if shutil.which("less") else None
