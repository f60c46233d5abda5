"""IOStreams: test buffers, closed-stream stand-ins, prompting, redacted stderr, the pager."""

from __future__ import annotations

import io
import os
import shlex
import sys

import pytest

from ecgrid_cli import iostreams
from ecgrid_cli.iostreams import DEFAULT_PAGER, ClosedStreamError, IOStreams

SECRET = "sk-live-SECRET-0123"


# -- construction --------------------------------------------------------------------------


def test_test_streams_are_buffers_with_the_asked_terminal_facts():
    streams = IOStreams.test(stdin="y\n", tty=True, width=100)
    assert isinstance(streams.stdout, io.StringIO)
    assert (streams.stdin_tty, streams.stdout_tty, streams.stderr_tty) == (True, True, True)
    assert streams.width == 100
    assert streams.color is False
    assert streams.pager_command is None
    assert streams.stdin.read() == "y\n"


def test_stdin_tty_can_differ():
    streams = IOStreams.test(tty=True, stdin_tty=False)
    assert (streams.stdin_tty, streams.stdout_tty) == (False, True)


@pytest.mark.parametrize(
    ("stdin_tty", "stderr_tty", "can"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_can_prompt_needs_stdin_and_stderr_terminals(stdin_tty, stderr_tty, can):
    streams = IOStreams.test()
    streams.stdin_tty, streams.stderr_tty = stdin_tty, stderr_tty
    assert streams.can_prompt() is can


def test_closed_standard_streams_get_stand_ins(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.delenv("ECGRID_PAGER", raising=False)
    streams = IOStreams.system()
    assert streams.stdin.read() == ""
    assert streams.stdin.readline() == ""
    assert streams.read_stdin_line() == ""
    assert (streams.stdin_tty, streams.stdout_tty, streams.stderr_tty) == (False, False, False)
    assert streams.width == 80
    with pytest.raises(ClosedStreamError) as info:
        streams.out("x")
    assert str(info.value) == "standard output is closed"
    assert info.value.stream == "output"
    assert isinstance(info.value, OSError)
    streams.err("a note nobody can read")  # never raises
    assert streams.confirm("go on?") is False


def test_system_streams_on_a_terminal(monkeypatch):
    monkeypatch.setattr(iostreams, "_is_tty", lambda stream: True)
    monkeypatch.setattr(
        iostreams.shutil,
        "get_terminal_size",
        lambda fallback: os.terminal_size((132, 40)),
    )
    monkeypatch.delenv("NO_COLOR", raising=False)
    streams = IOStreams.system()
    assert streams.width == 132
    assert streams.color is True
    assert streams.can_prompt() is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert IOStreams.system().color is False


def test_narrow_terminals_get_at_least_40_columns(monkeypatch):
    monkeypatch.setattr(iostreams, "_is_tty", lambda stream: True)
    monkeypatch.setattr(
        iostreams.shutil,
        "get_terminal_size",
        lambda fallback: os.terminal_size((12, 40)),
    )
    assert IOStreams.system().width == 40


def test_is_tty_survives_odd_streams():
    class Broken:
        def isatty(self):
            raise ValueError("I/O operation on closed file")

    assert iostreams._is_tty(Broken()) is False
    assert iostreams._is_tty(None) is False
    assert iostreams._is_tty(object()) is False


# -- stderr is redacted --------------------------------------------------------------------


def test_err_redacts_each_line():
    streams = IOStreams.test()
    streams.redactor.add(SECRET)
    streams.err(f"key {SECRET}")
    streams.err(f"already clean {SECRET}", redacted=True)
    assert streams.stderr.getvalue() == f"key [REDACTED]\nalready clean {SECRET}\n"


def test_err_stream_redacts_what_rich_writes():
    streams = IOStreams.test(tty=True)
    streams.redactor.add(SECRET)
    writer = streams.err_stream()
    assert writer.write(f"progress {SECRET}") == len(f"progress {SECRET}")
    writer.flush()
    assert streams.stderr.getvalue() == "progress [REDACTED]"
    assert writer.isatty() is True


def test_out_is_raw():
    streams = IOStreams.test()
    streams.out("text")
    assert streams.stdout.getvalue() == "text"


def test_disable_colour_and_pager():
    streams = IOStreams.test()
    streams.color, streams.pager_command = True, "less"
    streams.disable_color()
    streams.disable_pager()
    assert (streams.color, streams.pager_command) == (False, None)


# -- prompting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "yes"),
    [("y\n", True), ("YES\n", True), (" yes \n", True), ("\n", False), ("n\n", False), ("", False)],
)
def test_confirm_defaults_to_no(answer, yes):
    streams = IOStreams.test(stdin=answer, tty=True)
    assert streams.confirm("Delete it?") is yes
    assert streams.stderr.getvalue() == "Delete it? [y/N]: "


def test_prompt_secret_reads_the_scripted_line():
    streams = IOStreams.test(stdin="hunter2-password\nnext\n", tty=True)
    assert streams.prompt_secret("Password: ") == "hunter2-password"
    assert streams.stderr.getvalue() == "Password: "
    assert streams.read_stdin_line() == "next\n"


# -- pager selection -----------------------------------------------------------------------


@pytest.fixture
def pager_env(monkeypatch):
    monkeypatch.delenv("ECGRID_PAGER", raising=False)
    monkeypatch.delenv("PAGER", raising=False)
    return monkeypatch


def test_ecgrid_pager_wins_over_pager(pager_env):
    pager_env.setenv("ECGRID_PAGER", "most -s")
    pager_env.setenv("PAGER", "more")
    assert iostreams._pager_from_environment() == "most -s"


def test_pager_is_used_when_ecgrid_pager_is_unset(pager_env):
    pager_env.setenv("PAGER", " more ")
    assert iostreams._pager_from_environment() == "more"


@pytest.mark.parametrize("value", ["", "  ", "cat"])
def test_empty_or_cat_means_no_pager(pager_env, value):
    pager_env.setenv("ECGRID_PAGER", value)
    pager_env.setenv("PAGER", "more")
    assert iostreams._pager_from_environment() is None


@pytest.mark.parametrize(("less", "expected"), [("/usr/bin/less", DEFAULT_PAGER), (None, None)])
def test_default_pager_is_less_when_installed(pager_env, less, expected):
    pager_env.setattr(iostreams.shutil, "which", lambda name: less if name == "less" else None)
    assert iostreams._pager_from_environment() == expected


# -- paging --------------------------------------------------------------------------------


def _upper_pager() -> str:
    code = "import sys; sys.stdout.write(sys.stdin.read().upper())"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def test_output_goes_through_the_pager_on_a_terminal(tmp_path):
    target = (tmp_path / "terminal").open("w+")
    streams = IOStreams(
        stdin=io.StringIO(),
        stdout=target,
        stderr=io.StringIO(),
        stdout_tty=True,
        pager_command=_upper_pager(),
    )
    try:
        streams.start_pager()
        assert streams.stdout is not target
        streams.out("paged text\n")
        streams.stop_pager()
        assert streams.stdout is target
        target.seek(0)
        assert target.read() == "PAGED TEXT\n"
    finally:
        target.close()


@pytest.mark.parametrize(
    ("tty", "command"),
    [(False, "less"), (True, None), (True, "cat"), (True, "cat -v"), (True, "'unbalanced")],
)
def test_no_pager_when_not_wanted(tty, command):
    streams = IOStreams.test(tty=tty)
    streams.pager_command = command
    before = streams.stdout
    streams.start_pager()
    assert streams.stdout is before
    streams.stop_pager()  # nothing to stop


def test_a_missing_pager_falls_back_to_stdout(tmp_path):
    streams = IOStreams.test(tty=True)
    streams.pager_command = str(tmp_path / "no-such-pager")
    before = streams.stdout
    streams.start_pager()
    assert streams.stdout is before
