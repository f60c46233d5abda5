"""The TOML config file: where it lives, reading it, and editing it safely.

The file holds API keys. Reading (``load``) is on every command's hot path, so it
uses the standard library's ``tomllib`` and nothing else. Writing goes through
``update``: an exclusive ``flock`` on a sibling lock file for the whole
read-modify-write (so concurrent ``config set`` runs never lose each other's
changes), a format-preserving edit with ``tomlkit`` (comments, layout, key order and
keys the tool does not know survive byte for byte), and an atomic replace (a private
temporary file next to the target, fsync, ``os.replace``). Files are written with
mode 0600 inside a 0700 directory; a symlinked config file is written through to its
target and the link stays a link.

``locked`` and ``write_private`` are shared with ``credentials.py``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ecgrid_cli.errors import EcgridError, UsageError

if TYPE_CHECKING:
    from tomlkit import TOMLDocument
    from tomlkit.items import Table

T = TypeVar("T")

# How long a writer waits for another ecgrid process to finish its edit.
LOCK_TIMEOUT_SECONDS = 30.0


def config_path() -> Path:
    explicit = os.environ.get("ECGRID_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ecgrid" / "config.toml"


def load(path: Path) -> dict[str, Any]:
    """The parsed file, or {} when it does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    return _parse_plain(raw, path)


def insecure_mode_warning(path: Path) -> str | None:
    """A warning line when the file is readable or writable by group or others."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"warning: config file {path} is accessible by other users (mode {mode:04o}); "
            f"it holds API keys: run chmod 600 {path}"
        )
    return None


# --- editing ---------------------------------------------------------------------------


def update(path: Path, change: Callable[[TOMLDocument], T]) -> T:
    """Edit the config under an exclusive lock and write it atomically; ``change``'s result.

    ``change`` receives the parsed document (a ``tomlkit.TOMLDocument``; empty when the
    file does not exist) and edits it in place, ideally with ``set_profile_value``,
    ``set_default_profile`` and ``unset_profile_value``. Nothing outside what it
    changes is reformatted. When ``change`` raises, the file is left untouched. When
    the text comes out identical, nothing is written.

    Raises ``UsageError`` when the current file cannot be read, is not valid TOML or
    its ``[profiles.NAME]`` are not tables, and ``EcgridError`` (code
    ``ConfigNotWritable``) when it cannot be written; every message is one line.
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    result: list[T] = []

    def rewrite(old: str | None) -> str | None:
        text = old or ""
        if old is not None:
            _parse_plain(old.encode("utf-8"), path)
        try:
            doc = tomlkit.parse(text)
        except (TOMLKitError, ValueError) as exc:
            raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
        try:
            result.append(change(doc))
            new = doc.as_string()
        except TOMLKitError as exc:  # e.g. a duplicate key, a value TOML cannot hold
            raise UsageError(f"cannot edit the config file {path}: {exc}") from None
        if new == text:
            return None
        _check_edit(new, path)
        return new

    _rewrite(path, rewrite)
    return result[0]


def save(path: Path, data: dict[str, Any]) -> None:
    """Replace the whole config with ``data`` (locked and atomic; kept for compatibility).

    Prefer ``update``: this loses comments and anything else ``data`` does not hold.
    """
    import tomlkit

    scalars = {key: value for key, value in data.items() if not isinstance(value, dict)}
    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    try:
        text = tomlkit.dumps({**scalars, **tables})
    except (TypeError, ValueError) as exc:
        raise EcgridError(
            f"cannot write the config file {path}: {exc}", code="ConfigNotWritable"
        ) from None
    _check_edit(text, path)
    _rewrite(path, lambda _old: text)


def set_profile_value(doc: TOMLDocument, profile: str, key: str, value: Any) -> None:
    """Set ``key`` in ``[profiles.<profile>]``, creating that table when needed.

    An existing key keeps its place and its trailing comment; a new key goes after the
    table's last key (before any blank lines or comments that close the table); a new
    profile becomes a ``[profiles.NAME]`` table after the last existing profile.
    """
    table = _profile_table(doc, profile, create=True)
    assert table is not None
    _set_in_table(table, key, value)


def set_default_profile(doc: TOMLDocument, name: str) -> None:
    """Set the top-level ``default_profile`` (before the first table when it is new)."""
    doc["default_profile"] = name


def unset_profile_value(doc: TOMLDocument, profile: str, key: str) -> bool:
    """Remove ``key`` from ``[profiles.<profile>]``; whether it was there.

    The (possibly empty) profile table stays, so does everything else in it.
    """
    table = _profile_table(doc, profile, create=False)
    if table is None or key not in table:
        return False
    del table[key]
    return True


# --- locking and atomic writes (shared with credentials.py) -----------------------------


def resolve_target(path: Path) -> Path:
    """The file that really gets written: ``path`` with every symlink followed."""
    return Path(os.path.realpath(path))


def private_directory(directory: Path) -> None:
    """Create ``directory`` with mode 0700; tighten an existing group/world-open ``ecgrid``."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.name == "ecgrid" and stat.S_IMODE(directory.stat().st_mode) & 0o077:
        directory.chmod(0o700)


@contextlib.contextmanager
def locked(target: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``.<name>.lock`` (0600) next to ``target``.

    The lock file is never deleted (deleting it would let two writers lock two
    different files). Raises ``TimeoutError`` after ``timeout`` seconds of waiting
    (default ``LOCK_TIMEOUT_SECONDS``).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no advisory locks to take
        yield
        return
    lock_path = target.parent / f".{target.name}.lock"
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(lock_path, flags, 0o600)
    try:
        deadline = time.monotonic() + (LOCK_TIMEOUT_SECONDS if timeout is None else timeout)
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"{lock_path} is held by another process") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def write_private(target: Path, data: bytes) -> None:
    """Atomically replace ``target`` with ``data``: 0600 temp file beside it, fsync, rename."""
    import tempfile

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- internals -------------------------------------------------------------------------


def _parse_plain(raw: bytes, path: Path) -> dict[str, Any]:
    import tomllib  # only when a config file exists: most CI runs have none

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise UsageError(f"config file {path}: [profiles.NAME] must be tables")
    return data


def _check_edit(text: str, path: Path) -> None:
    """Never write a file that ``load`` would refuse."""
    try:
        _parse_plain(text.encode("utf-8"), path)
    except UsageError as exc:
        raise EcgridError(
            f"refusing to write the config file {path}: the edit would break it ({exc})",
            code="ConfigNotWritable",
        ) from None


def _rewrite(path: Path, produce: Callable[[str | None], str | None]) -> None:
    """Under the lock: read the target (None when missing), write what ``produce`` returns."""
    target = resolve_target(path)
    try:
        private_directory(target.parent)
        with locked(target):
            _rewrite_locked(path, target, produce)
    except TimeoutError:
        raise EcgridError(
            f"cannot write the config file {path}: another ecgrid process is editing it",
            code="ConfigLocked",
        ) from None
    except OSError as exc:
        raise _cannot_write(path, exc) from None


def _rewrite_locked(path: Path, target: Path, produce: Callable[[str | None], str | None]) -> None:
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    else:
        try:
            old = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    new = produce(old)
    if new is not None:
        write_private(target, new.encode("utf-8"))


def _cannot_write(path: Path, exc: OSError) -> EcgridError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return EcgridError(f"cannot write the config file {path}: {reason}", code="ConfigNotWritable")


def _profiles(doc: TOMLDocument, create: bool) -> Any:
    """The ``profiles`` table (a Table, InlineTable or out-of-order proxy), or None."""
    import tomlkit
    from tomlkit.container import OutOfOrderTableProxy
    from tomlkit.items import InlineTable, Table

    if "profiles" not in doc:
        if not create:
            return None
        doc.append("profiles", tomlkit.table(is_super_table=True))
    profiles = doc["profiles"]
    if not isinstance(profiles, Table | InlineTable | OutOfOrderTableProxy):
        raise UsageError("the config file's 'profiles' must be a table of [profiles.NAME] tables")
    return profiles


def _profile_table(doc: TOMLDocument, profile: str, create: bool) -> Any:
    import tomlkit
    from tomlkit.container import OutOfOrderTableProxy
    from tomlkit.items import InlineTable, Table

    profiles = _profiles(doc, create)
    if profiles is None:
        return None
    if profile in profiles:
        table = profiles[profile]
        if not isinstance(table, Table | InlineTable | OutOfOrderTableProxy):
            raise UsageError(f"the config file's profiles.{profile} is not a table")
        return table
    if not create:
        return None
    if isinstance(profiles, InlineTable):
        profiles[profile] = tomlkit.inline_table()
        return profiles[profile]
    chunk, followed = _last_profiles_chunk(doc)
    new = tomlkit.table()
    if followed:
        # Keep a blank line between the new table and whatever table follows it.
        new.add(tomlkit.ws("\n"))
    if chunk is None:  # profiles only as dotted keys: add an out-of-order [profiles] part
        chunk = tomlkit.table(is_super_table=True)
        chunk.append(profile, new)
        doc.append("profiles", chunk)
    else:
        before = chunk.as_string()
        # A blank line between the previous profile and the new one.
        if before.strip() and not before.endswith("\n\n"):
            new.trivia.indent = "\n" if before.endswith("\n") else "\n\n"
        chunk.append(profile, new)
    return new


def _last_profiles_chunk(doc: TOMLDocument) -> tuple[Table | None, bool]:
    """The last ``[profiles...]`` part of the document and whether anything follows it."""
    from tomlkit.items import Comment, Table, Whitespace

    body = doc.body
    parts = [
        index
        for index, (key, item) in enumerate(body)
        if key is not None and key.key == "profiles" and not key.is_dotted()
        if isinstance(item, Table)
    ]
    last = parts[-1] if parts else None
    if last is None:
        return None, False
    followed = any(
        not (key is None and isinstance(item, Whitespace | Comment))
        for key, item in body[last + 1 :]
    )
    return body[last][1], followed


def _set_in_table(table: Any, key: str, value: Any) -> None:
    import tomlkit
    from tomlkit.items import AoT, Table

    if key in table or not isinstance(table, Table):
        table[key] = value
        return
    body = table.value.body
    last_key_index = None
    for index, (body_key, item) in enumerate(body):
        if body_key is None:
            continue
        if isinstance(item, AoT) or (isinstance(item, Table) and not body_key.is_dotted()):
            # Sub-tables follow: tomlkit already puts a plain key before them.
            table[key] = value
            return
        last_key_index = index
    item = tomlkit.item(value)
    if last_key_index is None:
        insert_at = getattr(table.value, "_insert_at", None)
        if body and insert_at is not None:  # only blank lines or comments: the key goes first
            insert_at(0, key, item)
        else:
            table.append(key, item)
        return
    item.trivia.indent = body[last_key_index][1].trivia.indent
    if last_key_index == len(body) - 1:
        table.append(key, item)
    else:
        # Blank lines or comments close the table: insert after its last key, not after them.
        insert_after = getattr(table.value, "_insert_after", None)
        if insert_after is None:  # pragma: no cover - a tomlkit without it: still valid TOML
            table.append(key, item)
        else:
            insert_after(body[last_key_index][0], key, item)
