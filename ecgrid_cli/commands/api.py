"""`ecgrid api [METHOD] PATH`: an authenticated request to any REST endpoint, like `gh api`.

The ~110 endpoints the tool has no command for are reachable with the same
credentials, retries, redaction, envelope unwrapping, exit codes and ``--jq``.
``-f key=value`` adds a string field and ``-F key=value`` a typed one (numbers,
true/false, null, or ``@file``): in the JSON body, or the query string of a GET.
``--paginate`` follows ``pageNo`` until a short page and streams one JSON array.
Only REST paths: the SOAP API has no raw mode here (use the commands, or --api rest).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from ecgrid_cli import context
from ecgrid_cli.commands.framework import command, single
from ecgrid_cli.errors import UsageError
from ecgrid_cli.output.views import Document, Result, Stream

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_INPUT_BYTES = 1024 * 1024
MAX_PAGES = 10_000


app = single()


def register() -> None:
    command(
        app,
        "api",
        examples=[
            "ecgrid api /v2/ids/334455",
            "ecgrid api POST /v2/partners/count -F ecGridId=123456 -f status=Active",
            "ecgrid api /v2/partners/list -F ecGridId=123456 --paginate --jq '.[].interconnectId'",
            "ecgrid api POST /v2/partners/note --input note.json",
        ],
    )(api)


def api(
    ctx: typer.Context,
    words: Annotated[
        list[str], typer.Argument(metavar="[METHOD] PATH", help="e.g. GET /v2/ids/334455")
    ],
    raw_fields: Annotated[
        list[str] | None,
        typer.Option("--raw-field", "-f", metavar="KEY=VALUE", help="A string field."),
    ] = None,
    typed_fields: Annotated[
        list[str] | None,
        typer.Option(
            "--field", "-F", metavar="KEY=VALUE", help="A typed field (number, true, null, @file)."
        ),
    ] = None,
    input_file: Annotated[
        str | None,
        typer.Option("--input", metavar="FILE|-", help="The JSON body from a file or stdin."),
    ] = None,
    paginate: Annotated[
        bool, typer.Option("--paginate", help="Follow pageNo to the last page; one JSON array.")
    ] = False,
) -> Result:
    """Send an authenticated request to any REST v2 endpoint and print its data."""
    app_ctx = context.get(ctx)
    method, path = _method_and_path(words, bool(raw_fields or typed_fields or input_file))
    fields = {**_fields(raw_fields, typed=False), **_fields(typed_fields, typed=True)}
    body: Any = None
    if input_file is not None:
        if fields:
            raise UsageError("--input cannot be combined with -f/-F fields")
        body = _read_input(app_ctx, input_file)
    backend = app_ctx.backend()
    if not backend.capabilities.raw_paths:
        raise UsageError(
            "ecgrid api sends REST paths; the SOAP API has no raw mode here: "
            "use the commands, or --api rest"
        )
    query = fields if method == "GET" else None
    if body is None and method != "GET" and fields:
        body = fields
    if not paginate:
        return Result(backend.raw(method, path, body=body, params=query), Document())
    return Result(Stream(_pages(backend, method, path, body, query)), Document())


def _method_and_path(words: list[str], has_body: bool) -> tuple[str, str]:
    if len(words) == 1:
        method, path = ("POST" if has_body else "GET"), words[0]
    elif len(words) == 2:
        method, path = words[0].upper(), words[1]
        if method not in METHODS:
            raise UsageError(f"invalid METHOD {words[0]!r}: choose one of {', '.join(METHODS)}")
    else:
        raise UsageError("give [METHOD] PATH, e.g. 'ecgrid api GET /v2/ids/334455'")
    if not path.startswith("/") or path.startswith("//") or "://" in path:
        raise UsageError(
            f"invalid PATH {path!r}: a path on the API server starting with /, e.g. /v2/ids/1 "
            "(never a URL: the credentials go only to the configured server)"
        )
    if any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in path):
        raise UsageError(f"invalid PATH {path!r}: printable characters without spaces only")
    return method, path


def _fields(pairs: list[str] | None, *, typed: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            option = "-F" if typed else "-f"
            raise UsageError(f"invalid {option} {pair!r}: expected KEY=VALUE")
        fields[key.strip()] = _typed(pair, value) if typed else value
    return fields


def _typed(pair: str, value: str) -> Any:
    if value.startswith("@"):
        return _read_field_file(value[1:])
    if value in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[value]
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value
    if math.isfinite(number):
        return number
    if value.strip().lstrip("+-").lower() in ("nan", "inf", "infinity"):
        return value  # words, not JSON numbers: sent as text
    raise UsageError(f"invalid -F {pair!r}: the number is out of range for JSON")


def _read_field_file(path: str) -> str:
    return _read_bounded(path, cannot=f"cannot read {path}", named=f"-F @{path}")


def _read_bounded(source: str, *, cannot: str, named: str, stdin: Any = None) -> str:
    """A file (or stdin for '-') of at most MAX_INPUT_BYTES: /dev/zero is refused."""
    try:
        if source == "-" and stdin is not None:
            text = stdin.read(MAX_INPUT_BYTES + 1)
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read(MAX_INPUT_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{cannot}: {exc}") from None
    if len(text) > MAX_INPUT_BYTES:
        raise UsageError(f"{named} is larger than {MAX_INPUT_BYTES // 2**20} MiB")
    return text


def _read_input(app_ctx: context.AppContext, source: str) -> Any:
    text = _read_bounded(
        source,
        cannot=f"cannot read --input {source}",
        named=f"--input {source}",
        stdin=app_ctx.io.stdin,
    )
    try:
        return (
            json.loads(text, parse_constant=_not_json, parse_float=_finite)
            if text.strip()
            else None
        )
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--input {source} is not valid JSON: {exc}") from None


def _not_json(word: str) -> Any:
    raise ValueError(f"{word} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text} is out of range for JSON")
    return number


def _pages(backend: Any, method: str, path: str, body: Any, query: Any) -> Iterator[Any]:
    """Every item of every page; stops at a short, empty or repeated page."""
    from ecgrid_cli.api.rest.parsing import page_items

    carrier = query if method == "GET" else body
    if carrier is None:
        carrier = {}
        if method == "GET":
            query = carrier
        else:
            body = carrier
    if not isinstance(carrier, dict):
        raise UsageError("--paginate needs the body to be a JSON object (it sets pageNo)")
    size = carrier.get("recordsPerPage")
    previous: Any = object()
    for number in range(int(carrier.get("pageNo", 1)), MAX_PAGES):
        carrier["pageNo"] = number
        # Paging is reading (the vendor's list endpoints are POSTs): retried like a GET.
        items = page_items(backend.raw(method, path, body=body, params=query, read=True))
        if not items or items[0] == previous:
            return
        previous = items[0]
        yield from items
        size = size or len(items)
        if len(items) < size:
            return


register()
