"""What the CLI tests share: the API key, config files, terminal replay, output checks."""

from __future__ import annotations

import re

from rich.cells import cell_len

KEY = "cli-test-key-Zq8v71"

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Box drawing and block elements (U+2500-U+259F): rich's borders and rules.
BOX = re.compile(r"[\u2500-\u259f]")


def assert_plain(text: str) -> None:
    """Piped output: no escape sequences, no box drawing, no carriage returns."""
    assert not ANSI.search(text), f"ANSI escapes in piped output: {text!r}"
    assert not BOX.search(text), f"box drawing in piped output: {text!r}"
    assert "\r" not in text


def assert_tsv(text: str, columns: int) -> list[list[str]]:
    """Every line has exactly ``columns`` tab-separated cells; returns the cells."""
    assert_plain(text)
    assert text.endswith("\n") or text == ""
    rows = [line.split("\t") for line in text.splitlines()]
    for row in rows:
        assert len(row) == columns, f"{len(row)} cells, expected {columns}: {row!r}"
    return rows


def assert_fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert cell_len(line) <= width, f"{cell_len(line)} > {width} columns: {line!r}"


def assert_whole(text: str, *tokens: str) -> None:
    """Each token appears whole, as one word (not cut by an ellipsis or a wrap)."""
    for token in tokens:
        assert re.search(rf"(?<!\w){re.escape(token)}(?![\w…])", text), (
            f"{token!r} is not shown whole in:\n{text}"
        )


def write_config(path, text: str) -> None:
    """A config file written the way the tool writes one (0600 in a 0700 directory)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(text)
    path.chmod(0o600)


_CONTROL = re.compile(r"\x1b\[(\??)([0-9;]*)([A-Za-z])|\r|\n")


def terminal_lines(text: str) -> list[str]:
    """Replay what a terminal understands of ``text`` (line feed, carriage return, cursor
    up, erase line); other escape sequences are dropped. Trailing blanks are trimmed."""
    lines, row, column, position = [""], 0, 0, 0

    def write(chunk: str) -> None:
        nonlocal column
        line = lines[row].ljust(column)
        lines[row] = line[:column] + chunk + line[column + len(chunk) :]
        column += len(chunk)

    for match in _CONTROL.finditer(text):
        write(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token == "\n":
            row, column = row + 1, 0
            if row == len(lines):
                lines.append("")
        elif token == "\r":
            column = 0
        elif match.group(3) == "K":
            lines[row] = ""
        elif match.group(3) == "A":
            row = max(0, row - int(match.group(2) or 1))
    write(text[position:])
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.rstrip() for line in lines]
