"""The desired-state file of ``plan``/``apply``: which partners each of your IDs must have.

Accepted forms (README, "Partner sets as code"):

* TOML or YAML::

    version = 1
    [[ids]]
    ecgrid_id = 111111
    partners = [
      { qualifier = "01", id = "PARTNERCO" },
      { ecgrid_id = 445566, status = "Active" },
      { qualifier = "ZZ", id = "NEWPARTNER", onboard = { mailbox = 3001, description = "New" } },
    ]

  (``[[ids.partners]]`` tables work too);
* the bulk CSV / JSON rows of ``interconnect setup --file`` (``from`` or the profile's
  ``ecgrid_id`` names your side; ``mailbox``/``description`` onboard).

The whole file is validated before any request, and every problem is reported with
its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecgrid_cli import validation
from ecgrid_cli.domain.queries import BY_COLUMN, BY_KEY, PartnerRef
from ecgrid_cli.domain.setup import Onboarding
from ecgrid_cli.errors import UsageError

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 10
_PARTNER_KEYS = {"qualifier", "id", "ecgrid_id", "status", "onboard"}
_ONBOARD_KEYS = {"mailbox", "description", "use_type"}
_SENDER_KEYS = {"ecgrid_id", "partners"}


@dataclass(frozen=True)
class DesiredPartner:
    sender: int
    partner: PartnerRef
    status: str | None  # expected status, canonical (either vocabulary)
    onboard: Onboarding | None
    where: str  # "line 7 (ids[0].partners[2])" or "line 4 (row 3)"


@dataclass(frozen=True)
class DesiredState:
    source: str
    senders: tuple[int, ...]
    partners: tuple[DesiredPartner, ...]


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.shown: list[str] = []
        self.count = 0

    def add(self, where: str, message: str) -> None:
        self.count += 1
        if len(self.shown) < MAX_PROBLEMS_SHOWN:
            self.shown.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.count:
            more = self.count - len(self.shown)
            listed = "; ".join(self.shown) + (f"; and {more} more" if more else "")
            raise UsageError(
                f"{self.count} problem(s) in {self.source}, nothing was sent: {listed}",
                details={"problems": self.count},
            )


def load(path: str, *, default_sender: int | None, stdin: Any = None) -> DesiredState:
    suffix = Path(path).suffix.lower()
    if suffix in (".toml", ".yaml", ".yml"):
        text = _read_text(path)
        if suffix == ".toml":
            document, lines = _toml(text, path), _toml_partner_lines(text)
        else:
            document, lines = _yaml(text, path)
        return _from_document(document, lines, path)
    return _from_rows(path, default_sender, stdin)


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read -f {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UsageError(f"-f {path} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"-f {path} is not UTF-8 text") from None


def _toml(text: str, path: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"-f {path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"-f {path} is nested too deeply") from None


_HEADER = re.compile(r"^\s*\[\[\s*ids\s*\]\]")
_PARTNER_HEADER = re.compile(r"^\s*\[\[\s*ids\s*\.\s*partners\s*\]\]")
_INLINE_START = re.compile(r"^\s*partners\s*=\s*\[")


def _toml_partner_lines(text: str) -> dict[tuple[int, int], int]:
    """Line of each partner entry ``(sender index, partner index)`` in the usual layouts:
    ``[[ids.partners]]`` tables, or inline tables in a ``partners = [...]`` array."""
    lines: dict[tuple[int, int], int] = {}
    sender, partner = -1, 0
    brackets = braces = 0  # depth inside the partners array / inline tables
    for number, line in enumerate(text.splitlines(), start=1):
        if not brackets and _HEADER.match(line):
            sender, partner = sender + 1, 0
            continue
        if not brackets and _PARTNER_HEADER.match(line):
            lines[(sender, partner)] = number
            partner += 1
            continue
        if not brackets:
            if not _INLINE_START.match(line):
                continue
            line = line.split("[", 1)[1]
            brackets = 1
        quote = ""
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == "#":
                break
            elif char == "{":
                if braces == 0 and brackets == 1:
                    lines[(sender, partner)] = number
                    partner += 1
                braces += 1
            elif char == "}":
                braces -= 1
            elif char == "[":
                brackets += 1
            elif char == "]":
                brackets -= 1
                if brackets == 0:
                    break
    return lines


def _yaml(text: str, path: str) -> tuple[Any, dict[tuple[int, int], int]]:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"-f {path} is not valid YAML: {exc}") from None
    except RecursionError:
        raise UsageError(f"-f {path} is nested too deeply") from None
    return document, _yaml_partner_lines(node)


def _yaml_partner_lines(node: Any) -> dict[tuple[int, int], int]:
    import yaml

    lines: dict[tuple[int, int], int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        if getattr(key, "value", None) == "ids" and isinstance(value, yaml.SequenceNode):
            for s, sender in enumerate(value.value):
                if not isinstance(sender, yaml.MappingNode):
                    continue
                for skey, svalue in sender.value:
                    if skey.value == "partners" and isinstance(svalue, yaml.SequenceNode):
                        for p, entry in enumerate(svalue.value):
                            lines[(s, p)] = entry.start_mark.line + 1
    return lines


def _from_document(document: Any, lines: dict[tuple[int, int], int], path: str) -> DesiredState:
    problems = _Problems(f"-f {path}")
    if not isinstance(document, dict):
        raise UsageError(f"-f {path}: expected a table with 'ids' (see the README)")
    version = document.get("version", 1)
    if version != 1:
        problems.add("version", f"unknown format version {version!r} (this tool reads 1)")
    unknown = set(document) - {"version", "ids"}
    if unknown:
        problems.add("top level", f"unknown key(s) {', '.join(sorted(unknown))}")
    senders_in = document.get("ids")
    if not isinstance(senders_in, list) or not senders_in:
        problems.add("ids", "must be a non-empty list of your ECGrid IDs with their partners")
        problems.raise_if_any()
    senders: list[int] = []
    partners: list[DesiredPartner] = []
    for s, sender_doc in enumerate(senders_in):
        label = f"ids[{s}]"
        if not isinstance(sender_doc, dict):
            problems.add(label, "must be a table with ecgrid_id and partners")
            continue
        for key in sorted(set(sender_doc) - _SENDER_KEYS):
            problems.add(label, f"unknown key {key!r}")
        try:
            sender = validation.positive_id(sender_doc.get("ecgrid_id"), f"{label}.ecgrid_id")
        except UsageError as err:
            problems.add(label, err.message)
            continue
        if sender in senders:
            problems.add(label, f"ECGrid ID {sender} is listed twice")
        senders.append(sender)
        entries = sender_doc.get("partners", [])
        if not isinstance(entries, list):
            problems.add(label, "partners must be a list")
            continue
        for p, entry in enumerate(entries):
            line = lines.get((s, p))
            where = f"{'line ' + str(line) + ' ' if line else ''}({label}.partners[{p}])"
            try:
                partners.append(_partner(entry, sender, where))
            except UsageError as err:
                problems.add(where, err.message)
    _check_duplicates(partners, problems)
    problems.raise_if_any()
    return DesiredState(path, tuple(senders), tuple(partners))


def _partner(entry: Any, sender: int, where: str, choose_with: str = BY_KEY) -> DesiredPartner:
    if not isinstance(entry, dict):
        raise UsageError("a partner must be a table (qualifier + id, or ecgrid_id)")
    unknown = sorted(set(entry) - _PARTNER_KEYS)
    if unknown:
        raise UsageError(f"unknown key(s) {', '.join(unknown)}")
    ecgrid_id = entry.get("ecgrid_id")
    qualifier, isa_id = entry.get("qualifier"), entry.get("id")
    if ecgrid_id is None and (qualifier is None or isa_id is None):
        raise UsageError("name the partner by qualifier + id, or by ecgrid_id")
    ref = PartnerRef(
        validation.qualifier(str(qualifier), "qualifier") if qualifier is not None else None,
        validation.isa_id(str(isa_id), "id") if isa_id is not None else None,
        validation.positive_id(ecgrid_id, "ecgrid_id") if ecgrid_id is not None else None,
        choose_with=choose_with,
    )
    if ref.ecgrid_id == sender:
        raise UsageError("a partner cannot be your own ECGrid ID")
    status = entry.get("status")
    onboard = entry.get("onboard")
    return DesiredPartner(
        sender,
        ref,
        validation.status(str(status), "status") if status is not None else None,
        _onboard(onboard, ref) if onboard is not None else None,
        where,
    )


def _onboard(value: Any, ref: PartnerRef) -> Onboarding:
    if not isinstance(value, dict):
        raise UsageError("onboard must be a table with mailbox (and description, use_type)")
    unknown = sorted(set(value) - _ONBOARD_KEYS)
    if unknown:
        raise UsageError(f"unknown onboard key(s) {', '.join(unknown)}")
    if ref.qualifier is None:
        raise UsageError("onboarding needs the partner's qualifier and id")
    description = value.get("description")
    if description is not None and not isinstance(description, str):
        raise UsageError(f"onboard.description must be text, not {description!r}")
    return Onboarding(
        mailbox_id=validation.positive_id(value.get("mailbox"), "onboard.mailbox"),
        description=validation.free_text(str(description), "onboard.description")
        if description is not None
        else None,
        use_type=validation.choice(
            value.get("use_type"), "onboard.use_type", ("Test", "Production", "TestAndProduction")
        ),
    )


def _check_duplicates(partners: list[DesiredPartner], problems: _Problems) -> None:
    seen: dict[tuple[Any, ...], str] = {}
    for desired in partners:
        ref = desired.partner
        key = (
            (desired.sender, ref.ecgrid_id)
            if ref.ecgrid_id
            else (
                desired.sender,
                (ref.qualifier or "").upper(),
                (ref.isa_id or "").upper(),
            )
        )
        if key in seen:
            problems.add(desired.where, f"the same partner as {seen[key]}")
        else:
            seen[key] = desired.where


def _from_rows(path: str, default_sender: int | None, stdin: Any) -> DesiredState:
    from ecgrid_cli.domain.bulk_rows import COLUMNS
    from ecgrid_cli.domain.rows_file import RowsFile

    problems = _Problems(f"-f {path}")
    partners: list[DesiredPartner] = []
    senders: list[int] = []
    with RowsFile(path, stdin=stdin, option="-f") as source:
        for raw in source.rows(columns=COLUMNS):
            where = f"line {raw.line} (row {raw.number})"
            try:
                desired = _row(raw.values, default_sender, where)
            except UsageError as err:
                problems.add(where, err.message)
                continue
            partners.append(desired)
            if desired.sender not in senders:
                senders.append(desired.sender)
    _check_duplicates(partners, problems)
    problems.raise_if_any()
    if not partners:
        raise UsageError(f"-f {path} holds no partners")
    return DesiredState(path, tuple(senders), tuple(partners))


def _row(values: dict[str, Any], default_sender: int | None, where: str) -> DesiredPartner:
    def given(key: str) -> Any:
        value = values.get(key)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    sender = given("from")
    if sender is None and default_sender is None:
        raise UsageError("no from: give a 'from' column, --from, or set ecgrid-id in the profile")
    entry: dict[str, Any] = {
        key: given(column)
        for key, column in (
            ("qualifier", "qualifier"),
            ("id", "id"),
            ("ecgrid_id", "partner_ecgrid_id"),
            ("status", "status"),
        )
        if given(column) is not None
    }
    if given("mailbox") is not None:
        entry["onboard"] = {
            key: given(key) for key in ("mailbox", "description", "use_type") if given(key)
        }
    number = validation.positive_id(sender, "from") if sender is not None else default_sender
    assert number is not None
    return _partner(entry, number, where, BY_COLUMN)
