"""The one place that writes results: JSON (and ``--jq``), terminal views, or TSV.

* ``--json``: exactly one JSON document on stdout; string values are redacted before
  it is serialised; ``--jq EXPR`` filters it (strings printed raw, like ``gh --jq``).
* A terminal: rich tables fitted to the width (less important columns dropped, free
  text shortened, IDs never broken), key/value panels, long listings through a pager.
* Piped: tab-separated lines, no colour, no decoration; ``--header`` adds a header row.
* Human notes go to stderr, and not at all with ``--json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ecgrid_cli.iostreams import IOStreams, ReaderGone
from ecgrid_cli.output.views import (
    Document,
    Finish,
    OutputOptions,
    Record,
    Result,
    Stream,
    Table,
    Value,
)

_CONTROL = {code: None for code in range(32) if code not in (9, 10)} | {127: None, 9: " "}
_TSV_UNSAFE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def render(result: Result, io: IOStreams, options: OutputOptions) -> Finish:
    """Write ``result``; return what is known only at the end (notes, error, code)."""
    if result.terminal_only and (options.wants_json or not io.stdout_tty):
        return result.finish() if result.finish is not None else Finish()
    if isinstance(result.view, Document) and not options.wants_json:
        options = OutputOptions(json=True, header=options.header, pager=options.pager)
        for note in result.notes:
            io.err(note)
    elif not options.wants_json:
        for note in result.notes:
            io.err(note)
    try:
        if isinstance(result.data, Stream):
            _render_stream(result, io, options)
        elif result.data is None and result.view is None:
            pass  # a command that only reports (config set): notes, no document
        elif options.wants_json:
            _write_json(io, result.data, options.jq)
        else:
            _render_human(result, io, options)
    except ReaderGone as gone:
        # `| head -1`: the reader has what it wanted. A document's verdict is already
        # known (a plan with errors, drift for --detailed-exitcode): it still decides the
        # exit code. A stream's is not: it stopped being produced.
        if not isinstance(result.data, Stream):
            gone.finish = result.finish() if result.finish else Finish(exit_code=result.exit_code)
        raise
    finish = result.finish() if result.finish is not None else Finish(exit_code=result.exit_code)
    if not options.wants_json:
        for note in finish.notes:
            io.err(note)
    return finish


def lines(io: IOStreams, *texts: str, flush: bool = False) -> None:
    """Plain text for people and pipes alike (a banner, a version, a completion script)."""
    for text in texts:
        io.out(text if text.endswith("\n") else text + "\n")
    if flush:
        io.stdout.flush()


# -- JSON ------------------------------------------------------------------------------------


def _dumps(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False)


def _write_json(io: IOStreams, document: Any, jq: str | None) -> None:
    if jq is None:
        _write_document(io, document)
        return
    document = io.redactor.json(document)
    from ecgrid_cli.output.jq_filter import apply_jq

    for value in apply_jq(jq, document):
        value = io.redactor.json(value)  # what jq made from elsewhere ($ENV) is checked too
        io.out((value if isinstance(value, str) else _dumps(value)) + "\n")


def _write_document(io: IOStreams, document: Any) -> None:
    """``json.dumps(document, indent=2)``, byte for byte, written a part at a time: the
    members of an object and the items of its arrays are redacted and encoded one by
    one, so a large document (a plan of many partners) is never copied whole."""
    if not isinstance(document, dict) or not document:
        io.out(_dumps(io.redactor.json(document)) + "\n")
        return
    io.out("{")
    for number, (key, value) in enumerate(document.items()):
        io.out(("," if number else "") + f"\n  {_dumps(key)}: ")
        if isinstance(value, list) and value:
            for position, item in enumerate(value):
                text = _dumps(io.redactor.json(item)).replace("\n", "\n    ")
                io.out(("," if position else "[") + "\n    " + text)
            io.out("\n  ]")
        else:
            io.out(_dumps(io.redactor.json(value)).replace("\n", "\n  "))
    io.out("\n}\n")


def _render_stream(result: Result, io: IOStreams, options: OutputOptions) -> None:
    stream: Stream = result.data
    if options.wants_json and options.jq is not None:
        items = list(stream.items)  # jq needs the whole document
        document: Any = items if stream.key is None else {stream.key: items}
        if stream.footer is not None and stream.key is not None:
            document.update(stream.footer())
        _write_json(io, document, options.jq)
    elif options.wants_json:
        _write_json_stream(io, stream)
    else:
        to_row = result.display if callable(result.display) else (lambda item: item)
        rows = (to_row(item) for item in stream.items)
        if io.stdout_tty and result.terminal_filter is not None and options.show != "all":
            keep = result.terminal_filter
            rows = (row for row in rows if keep(row))
        _render_rows(result.view, rows, io, options, streaming=True)


def _write_json_stream(io: IOStreams, stream: Stream) -> None:
    """Write items as they arrive; nothing at all until the first one (or the end)."""
    indent = "    " if stream.key else "  "
    count = 0
    for item in stream.items:
        text = _dumps(io.redactor.json(item), indent=None)
        if count == 0:
            opening = f'{{\n  "{stream.key}": [' if stream.key else "["
            io.out(opening + "\n" + indent + text)
        else:
            io.out(",\n" + indent + text)
        count += 1
    if stream.key is None:
        io.out("\n]\n" if count else "[]\n")
        return
    if count == 0:
        io.out(f'{{\n  "{stream.key}": [')
    io.out("\n  ]" if count else "]")
    footer = io.redactor.json(stream.footer()) if stream.footer is not None else {}
    for key, value in footer.items():
        body = _dumps(value).replace("\n", "\n  ")
        io.out(f",\n  {json.dumps(key)}: {body}")
    io.out("\n}\n")


# -- people -----------------------------------------------------------------------------------


def _render_human(result: Result, io: IOStreams, options: OutputOptions) -> None:
    view = result.view
    if view is None:
        return
    if isinstance(view, Value):
        value = result.data.get(view.key) if isinstance(result.data, dict) else result.data
        io.out(shown(io, value) + "\n")
    elif isinstance(view, Record):
        record = result.display if isinstance(result.display, dict) else result.data
        _render_record(view, record, io, options)
    else:
        rows = iter(result.rows())
        if io.stdout_tty and result.terminal_filter is not None and options.show != "all":
            keep = result.terminal_filter
            rows = (row for row in rows if keep(row))
        _render_rows(view, rows, io, options, streaming=False)


def _render_record(view: Record, record: dict[str, Any], io: IOStreams, options) -> None:
    pairs = [(field.label, record.get(field.key)) for field in view.fields]
    if io.stdout_tty:
        from ecgrid_cli.output.terminal import print_record

        print_record(io, pairs, view.title)
        return
    if options.header:
        io.out("FIELD\tVALUE\n")
    for label, value in pairs:
        io.out(f"{label}\t{tsv_cell(io, value)}\n")


def _render_rows(
    view: Any, rows: Iterable[dict[str, Any]], io: IOStreams, options, *, streaming: bool
) -> None:
    table: Table = view
    if not io.stdout_tty:
        columns = [column for column in table.columns if not column.terminal_only]
        if options.header:
            io.out("\t".join(column.header for column in columns) + "\n")
        count = 0
        for row in rows:
            io.out("\t".join(tsv_cell(io, row.get(c.key)) for c in columns) + "\n")
            count += 1
        if count == 0 and table.empty_note:
            io.err(table.empty_note)
        return
    from ecgrid_cli.output.terminal import print_table

    materialised = list(rows)
    if not materialised:
        if table.empty_note:
            io.err(table.empty_note)
        return
    paged = table.paged and options.pager
    if paged:
        io.start_pager()
    try:
        print_table(io, table, materialised)
    finally:
        if paged:
            io.stop_pager()


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).translate(_CONTROL)


def shown(io: IOStreams, value: Any) -> str:
    """A cell as text; strings are redacted, numbers never rewritten."""
    return io.redactor.text(cell(value)) if isinstance(value, str) else cell(value)


def tsv_cell(io: IOStreams, value: Any) -> str:
    return shown(io, value).translate(_TSV_UNSAFE)
