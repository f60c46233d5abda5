"""Assertions the CLI tests share: clean piped text, tables that fit, whole IDs."""

from __future__ import annotations

import re

from rich.cells import cell_len

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
