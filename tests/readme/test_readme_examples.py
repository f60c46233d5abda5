"""Every command example of the README, run verbatim, in order, against a sandbox.

The README promises that its examples run as written against the sandbox. This test
takes every ```bash block from "## Commands" on and runs the blocks in order, each in a
subshell of one bash script, every command line checked for its exit code: 0, or the
code its comment names ("# exit 8: ..."); lines that say "0 ... 8" accept both. The
installed `ecgrid` runs against a sandbox started for the test on a free loopback port
(ECGRID_BASE_URL points the built-in `sandbox` profile there), in a private HOME. Lines
that start or stop sandboxes, install packages, or need a person at a hidden prompt are
skipped.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import sandbox_process
from process_env import installed_ecgrid, private_env

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SKIPPED_PREFIXES = ("pip ", "source ", "cp ", "python ", "ruff ")
# The README's key for the `--profile prod` examples (any key of 8+ characters).
EXAMPLE_KEY = "readme-example-key-0001"


def _ecgrid() -> str:
    found = installed_ecgrid()
    if found is None:
        pytest.fail("the 'ecgrid' console script is not installed: pip install -e .")
    return found


def bash_blocks(text: str) -> list[tuple[int, list[str]]]:
    """``(first line number, lines)`` of every ```bash block after "## Commands"."""
    start = text.index("\n## Commands")
    blocks: list[tuple[int, list[str]]] = []
    lines = text.splitlines()
    offset = text[:start].count("\n") + 1
    inside: list[str] | None = None
    first = 0
    for number, line in enumerate(lines[offset:], start=offset + 1):
        if inside is None and line.strip() == "```bash":
            inside, first = [], number + 1
        elif inside is not None and line.strip() == "```":
            blocks.append((first, inside))
            inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


# What SOAP cannot do (README, "What SOAP cannot do"): these examples are refused there.
SOAP_REFUSES = (re.compile(r"^ecgrid api "), re.compile(r"--use-type"))


def expected_codes(line: str, api: str = "rest") -> set[int]:
    if api == "soap" and any(pattern.search(line.strip()) for pattern in SOAP_REFUSES):
        return {2}
    comment = line.split("  #", 1)[1] if "  #" in line else ""
    numbers = {int(n) for n in re.findall(r"\b(?:exits?|code)\s+(\d+)", comment)}
    if re.search(r"\b0\b.*\b8\b", comment):
        numbers |= {0, 8}
    return numbers or {0}


def runnable(line: str) -> bool:
    text = line.strip()
    if not text or text.startswith("#"):
        return False
    if text.startswith(SKIPPED_PREFIXES) or "sandbox serve" in text or "sandbox stop" in text:
        return False
    # `config set api-key` without '-' asks at a hidden prompt: a person's job.
    return not re.search(r"config set api-key\s*(#|$)", text)


def script_for(first: int, lines: list[str], api: str = "rest") -> str:
    """The block as bash, each command line followed by a check of its exit code."""
    out = ["set -u"]
    for index, line in enumerate(lines):
        if not runnable(line):
            continue
        codes = " ".join(str(code) for code in sorted(expected_codes(line, api)))
        where = f"README line {first + index}"
        if line.lstrip().startswith("case "):
            out.append(line)  # reads the previous command's $?, which the check keeps
            continue
        out.append(line)
        out.append(
            f'rc=$?; case " {codes} " in *" $rc "*) ;; '
            f"*) echo {shlex.quote(where)}: exit $rc, expected {codes} >&2; exit 99 ;; esac; "
            "(exit $rc)"
        )
    out.append("exit 0")  # every line was checked; the last one's own code does not count
    return "\n".join(out) + "\n"


@pytest.fixture
def sandbox(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECGRID_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    try:
        proc, url = sandbox_process.launch(
            ("--parcel-seconds", "0.3"),
            tmp_path / "sandbox.db",
            env=env,
            cwd=tmp_path,
            stderr_path=tmp_path / "sandbox.stderr",
        )
    except sandbox_process.SandboxDidNotStart as error:
        pytest.fail(str(error))
    try:
        yield url
    finally:
        sandbox_process.stop(proc)


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
@pytest.mark.parametrize("api", ["rest", "soap"])
def test_every_readme_example_runs_verbatim(api: str, sandbox: str, tmp_path: Path) -> None:
    """With ECGRID_API=soap the same examples run over SOAP (the README's promise)."""
    text = README.read_text(encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    # The files the examples name: partners.toml is the README's own block.
    toml = re.search(r"```toml\n(# partners\.toml\n.*?)```", text, re.S)
    assert toml is not None, "the README's partners.toml example is missing"
    (work / "partners.toml").write_text(toml.group(1), encoding="utf-8")
    (work / "note.json").write_text('{"interconnectId": 87001, "note": "from a file"}\n')
    home = tmp_path / "home"
    env = private_env(
        home,
        settings={
            "ECGRID_BASE_URL": sandbox,
            "ECGRID_PAGER": "cat",
            "KEY": EXAMPLE_KEY,
            "ECGRID_API": api,
            "PATH": f"{Path(_ecgrid()).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        },
    )
    blocks = bash_blocks(text)
    assert len(blocks) >= 10, "the README lost its examples"
    # One bash for the whole README: each block in a subshell of its own (its variables
    # and directory changes stay in it), in README order; the first failing line stops it.
    scripts = [script_for(first, lines, api) for first, lines in blocks]
    script = "".join(
        f"(\n{block})\nrc=$?; [ $rc -eq 0 ] || exit $rc\n"
        for block in scripts
        if block.count("\n") > 2
    )
    ran = sum(1 for _, lines in blocks for line in lines if runnable(line))
    done = subprocess.run(
        ["bash", "-c", script + "exit 0\n"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"a README example failed (its line is named above):\n{done.stderr[-3000:]}\n"
        f"--- stdout ---\n{done.stdout[-2000:]}"
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert ran >= 45, f"only {ran} README lines ran"
