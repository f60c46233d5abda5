"""The one place errors are shown: a JSON object on stderr, or one ``error:`` line."""

from __future__ import annotations

import json

from ecgrid_cli.iostreams import IOStreams


def show_error(
    io: IOStreams,
    code: str,
    message: str,
    http_status: int | None,
    *,
    json_mode: bool,
    details: dict[str, object] | None = None,
) -> None:
    if json_mode:
        document = {
            "error": {
                "code": code,
                "message": message,
                "httpStatus": http_status,
                "details": details,
            }
        }
        io.err(json.dumps(io.redactor.json(document), ensure_ascii=False), redacted=True)
    else:
        io.err(f"error: {message}")
