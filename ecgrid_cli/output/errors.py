"""The one place errors are shown: a JSON object on stderr, or one ``error:`` line."""

from __future__ import annotations

import json

from ecgrid_cli.iostreams import IOStreams

_ONE_LINE = {code: " " for code in (10, 11, 12, 13, 0x85, 0x2028, 0x2029)}
_INVISIBLE = {
    code: None
    for code in [
        *range(32),
        127,
        *range(0x80, 0xA0),
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
    ]
    if code not in (9, 10, 11, 12, 13, 0x85)
}


def one_line(text: str) -> str:
    """A message as one clean line: no escape sequences, no line breaks, no bidi tricks."""
    return text.translate(_ONE_LINE).translate(_INVISIBLE).strip()


def show_error(
    io: IOStreams,
    code: str,
    message: str,
    http_status: int | None,
    *,
    json_mode: bool,
    details: dict[str, object] | None = None,
) -> None:
    message = one_line(message)
    if json_mode:
        document = {
            "error": {
                "code": one_line(code),
                "message": message,
                "httpStatus": http_status,
                "details": details,
            }
        }
        io.err(json.dumps(io.redactor.json(document), ensure_ascii=False), redacted=True)
    else:
        io.err(f"error: {message}")
