"""credentials: the metadata file, the keyring path (a fake in-memory backend), fallbacks."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat.properties import classproperty
from keyring.errors import KeyringError, PasswordDeleteError

from ecgrid_cli import credentials
from ecgrid_cli.credentials import CredentialStore, StoredCredential
from ecgrid_cli.errors import EcgridError, UsageError

KEY = "prod|rest|https://rest.ecgrid.io"
JWT = "eyJhbGciOiJIUzI1NiJ9.payload.SIGNATURE-SECRET-1234"
REFRESH = "refresh-SECRET-5678"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def jwt(**overrides) -> StoredCredential:
    values = {
        "kind": "jwt",
        "secret": JWT,
        "expires_at": "2030-01-01T00:00:00+00:00",
        "user": "alice",
        "refresh_secret": REFRESH,
        "obtained_at": "2025-01-01T00:00:00+00:00",
    }
    values.update(overrides)
    return StoredCredential(**values)


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring; ``broken`` makes the named operations raise."""

    priority = 1  # type: ignore[assignment]
    viable = False  # never picked by keyring's own detection, only by set_keyring()

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.broken: set[str] = set()

    def _check(self, operation: str) -> None:
        if operation in self.broken:
            raise KeyringError(f"{operation} failed")

    def get_password(self, service: str, username: str) -> str | None:
        self._check("get")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check("set")
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._check("delete")
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class EmptyChainer(chainer.ChainerBackend):
    """A chainer with nothing to chain (what a desktop-less machine can end up with)."""

    viable = False

    @classproperty
    def backends(cls):
        return []


@pytest.fixture(autouse=True)
def credentials_env(monkeypatch, tmp_path) -> None:
    """Never reach a real keyring or the real state directory."""
    monkeypatch.setenv(credentials.STORE_ENV, "file")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    fake = MemoryKeyring()
    keyring.set_keyring(fake)
    try:
        yield fake
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "state" / "ecgrid" / "credentials.json"


def file_document(path: Path) -> dict:
    return json.loads(path.read_text())


# --- StoredCredential ---------------------------------------------------------------


def test_repr_and_str_never_show_secrets():
    cred = jwt()
    for text in (repr(cred), str(cred), f"{cred}", f"{cred!r}", repr([cred])):
        assert JWT not in text and REFRESH not in text
        assert "SECRET" not in text
    assert "alice" in repr(cred) and "jwt" in repr(cred)


def test_credential_is_frozen_and_validated():
    cred = jwt()
    with pytest.raises(AttributeError):
        cred.secret = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        StoredCredential(kind="password", secret="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        StoredCredential(kind="jwt", secret="")


def test_obtained_at_defaults_to_now_in_utc():
    cred = StoredCredential(kind="soap-session", secret="SESSION-1")
    obtained = datetime.fromisoformat(cred.obtained_at)
    assert obtained.tzinfo is not None
    assert abs((datetime.now(UTC) - obtained).total_seconds()) < 5


def test_is_expired():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert jwt(expires_at=None).is_expired(now) is False
    assert jwt(expires_at="2025-12-31T23:59:59Z").is_expired(now) is True
    assert jwt(expires_at="2026-01-01T00:00:30+00:00").is_expired(now) is False
    assert jwt(expires_at="2026-01-01T00:00:30+00:00").is_expired(now, leeway_seconds=60)
    assert jwt(expires_at="2026-01-01T00:10:00").is_expired(now) is False  # naive = UTC
    assert jwt(expires_at="soon").is_expired(now) is True
    assert (
        jwt(expires_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()).is_expired() is False
    )


# --- paths and mode --------------------------------------------------------------------


def test_credentials_path_follows_xdg_state_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    assert credentials.credentials_path() == tmp_path / "s" / "ecgrid" / "credentials.json"


@pytest.mark.parametrize("value", [None, "", "relative/dir"])
def test_credentials_path_default(monkeypatch, tmp_path, value):
    monkeypatch.setenv("HOME", str(tmp_path))
    if value is None:
        monkeypatch.delenv("XDG_STATE_HOME")
    else:
        monkeypatch.setenv("XDG_STATE_HOME", value)
    expected = tmp_path / ".local" / "state" / "ecgrid" / "credentials.json"
    assert credentials.credentials_path() == expected


def test_store_uses_the_default_path(store_path):
    assert CredentialStore().path == store_path


@pytest.mark.parametrize("value", ["File", " keyring ", "AUTO", ""])
def test_store_mode_from_env(monkeypatch, value):
    monkeypatch.setenv(credentials.STORE_ENV, value)
    assert CredentialStore().mode == (value.strip().lower() or "auto")


def test_unknown_store_mode_is_usage_error(monkeypatch):
    monkeypatch.setenv(credentials.STORE_ENV, "vault")
    with pytest.raises(UsageError, match="ECGRID_CREDENTIAL_STORE"):
        CredentialStore()


def test_mode_warning(store_path):
    assert credentials.mode_warning(store_path) is None
    CredentialStore().save(KEY, jwt())
    assert credentials.mode_warning(store_path) is None
    assert credentials.mode_warning() is None
    store_path.chmod(0o640)
    warning = credentials.mode_warning(store_path)
    assert warning is not None and "0640" in warning and f"chmod 600 {store_path}" in warning


# --- file storage ----------------------------------------------------------------------


def test_file_round_trip(store_path):
    store = CredentialStore()
    assert store.load(KEY) is None
    assert store.save(KEY, jwt()) == str(store_path)
    assert store.load(KEY) == jwt()
    assert mode(store_path) == 0o600
    assert mode(store_path.parent) == 0o700
    entry = file_document(store_path)["credentials"][KEY]
    assert entry == {
        "kind": "jwt",
        "storage": "file",
        "secret": JWT,
        "refresh_secret": REFRESH,
        "expires_at": "2030-01-01T00:00:00+00:00",
        "user": "alice",
        "obtained_at": "2025-01-01T00:00:00+00:00",
    }
    assert sorted(p.name for p in store_path.parent.iterdir()) == [
        ".credentials.json.lock",
        "credentials.json",
    ]


def test_soap_session_without_optional_fields(store_path):
    store = CredentialStore(store_path)
    cred = StoredCredential(kind="soap-session", secret="SESSION-ID", obtained_at="t")
    store.save("prod|soap|https://os.ecgrid.io", cred)
    assert store.load("prod|soap|https://os.ecgrid.io") == cred


def test_keys_are_independent_and_overwritable(store_path):
    store = CredentialStore()
    store.save("a", jwt(secret="A1"))
    store.save("b", jwt(secret="B1"))
    store.save("a", jwt(secret="A2"))
    assert store.load("a").secret == "A2"
    assert store.load("b").secret == "B1"
    assert store.delete("a") is True
    assert store.delete("a") is False
    assert store.load("a") is None
    assert store.load("b").secret == "B1"


def test_delete_without_a_file_creates_nothing(store_path):
    assert CredentialStore().delete(KEY) is False
    assert not store_path.parent.exists()


def test_invalid_key_is_refused():
    with pytest.raises(ValueError):
        CredentialStore().save("", jwt())


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe", b"[]", b'{"credentials": []}', b""],
    ids=["syntax", "binary", "list", "bad-credentials", "empty"],
)
def test_corrupt_file_counts_as_empty_and_is_kept_as_bad(store_path, content):
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(content)
    store = CredentialStore()
    assert store.load(KEY) is None
    assert store.delete(KEY) is False
    assert store_path.read_bytes() == content  # delete did not rewrite it
    store.save(KEY, jwt())
    bad = store_path.with_name("credentials.json.bad")
    assert bad.read_bytes() == content
    assert mode(bad) == 0o600
    assert store.load(KEY) == jwt()


def test_malformed_entries_are_ignored_but_kept(store_path):
    store_path.parent.mkdir(parents=True)
    document = {
        "version": 1,
        "credentials": {
            "not-a-dict": 3,
            "no-secret": {"kind": "jwt", "storage": "file"},
            "bad-kind": {"kind": "cookie", "storage": "file", "secret": "x"},
            "odd-types": {"kind": "jwt", "storage": "file", "secret": "x", "user": 5},
        },
        "extra": {"kept": True},
    }
    store_path.write_text(json.dumps(document))
    store = CredentialStore()
    for key in ("not-a-dict", "no-secret", "bad-kind", "missing"):
        assert store.load(key) is None
    odd = store.load("odd-types")
    assert odd is not None and odd.user is None and odd.secret == "x"
    store.save(KEY, jwt())
    after = file_document(store_path)
    assert after["extra"] == {"kept": True}
    assert after["credentials"]["not-a-dict"] == 3


def test_unreadable_file_loads_as_none_and_save_is_one_clean_line(store_path):
    store_path.mkdir(parents=True)  # a directory where the file should be
    store = CredentialStore()
    assert store.load(KEY) is None
    with pytest.raises(EcgridError) as caught:
        store.save(KEY, jwt())
    assert caught.value.code == "CredentialsNotWritable"
    assert "\n" not in str(caught.value)


def test_unwritable_location_is_one_clean_line():
    store = CredentialStore(Path("/proc/ecgrid-no-such-dir/credentials.json"))
    with pytest.raises(EcgridError) as caught:
        store.save(KEY, jwt())
    assert caught.value.code == "CredentialsNotWritable"
    assert str(caught.value).startswith("cannot write the credentials file /proc/")


def test_file_mode_ignores_a_keyring_entry(store_path):
    store_path.parent.mkdir(parents=True)
    entry = {"kind": "jwt", "storage": "keyring", "obtained_at": "t"}
    store_path.write_text(json.dumps({"version": 1, "credentials": {KEY: entry}}))
    assert CredentialStore(mode="file").load(KEY) is None


def test_concurrent_savers_lose_nothing(store_path):
    store = CredentialStore()

    def saver(index: int) -> None:
        store.save(f"profile-{index}", jwt(secret=f"S{index}"))

    threads = [threading.Thread(target=saver, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {key: store.load(key).secret for key in file_document(store_path)["credentials"]} == {
        f"profile-{i}": f"S{i}" for i in range(10)
    }


# --- keyring storage (fake backend) ---------------------------------------------------


@pytest.mark.parametrize("store_mode", ["auto", "keyring"])
def test_keyring_round_trip_keeps_secrets_out_of_the_file(store_path, memory_keyring, store_mode):
    store = CredentialStore(mode=store_mode)
    assert store.save(KEY, jwt()) == "keyring"
    text = store_path.read_text()
    assert JWT not in text and REFRESH not in text
    entry = json.loads(text)["credentials"][KEY]
    assert entry == {
        "kind": "jwt",
        "storage": "keyring",
        "expires_at": "2030-01-01T00:00:00+00:00",
        "user": "alice",
        "obtained_at": "2025-01-01T00:00:00+00:00",
    }
    assert (credentials.KEYRING_SERVICE, KEY) in memory_keyring.items
    assert store.load(KEY) == jwt()
    assert store.delete(KEY) is True
    assert memory_keyring.items == {}
    assert store.load(KEY) is None


def test_env_auto_uses_the_keyring(monkeypatch, memory_keyring):
    monkeypatch.setenv(credentials.STORE_ENV, "auto")
    assert CredentialStore().save(KEY, jwt()) == "keyring"


def test_moving_from_file_to_keyring_drops_the_file_secret(store_path, memory_keyring):
    CredentialStore(mode="file").save(KEY, jwt())
    assert JWT in store_path.read_text()
    assert CredentialStore(mode="auto").save(KEY, jwt()) == "keyring"
    assert JWT not in store_path.read_text()


def test_keyring_set_failure_falls_back_to_the_file(store_path, memory_keyring):
    memory_keyring.broken.add("set")
    store = CredentialStore(mode="keyring")
    assert store.save(KEY, jwt()) == str(store_path)
    assert file_document(store_path)["credentials"][KEY]["storage"] == "file"
    assert store.load(KEY) == jwt()


def test_falling_back_to_the_file_removes_a_stale_keyring_secret(store_path, memory_keyring):
    store = CredentialStore(mode="auto")
    store.save(KEY, jwt(secret="OLD"))
    memory_keyring.broken.add("set")
    store.save(KEY, jwt(secret="NEW"))
    assert memory_keyring.items == {}
    assert store.load(KEY).secret == "NEW"


def test_keyring_get_failure_is_none_without_traceback(memory_keyring):
    store = CredentialStore(mode="auto")
    store.save(KEY, jwt())
    memory_keyring.broken.add("get")
    assert store.load(KEY) is None


def test_keyring_secret_gone_or_garbled_is_none(memory_keyring):
    store = CredentialStore(mode="auto")
    store.save(KEY, jwt())
    memory_keyring.items[(credentials.KEYRING_SERVICE, KEY)] = "not json"
    assert store.load(KEY) is None
    memory_keyring.items.clear()
    assert store.load(KEY) is None


def test_keyring_delete_failure_still_forgets_the_metadata(store_path, memory_keyring):
    store = CredentialStore(mode="auto")
    store.save(KEY, jwt())
    memory_keyring.broken.add("delete")
    assert store.delete(KEY) is True
    assert KEY not in file_document(store_path)["credentials"]


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring, EmptyChainer])
@pytest.mark.parametrize("store_mode", ["auto", "keyring"])
def test_unusable_backends_mean_the_file(store_path, backend, store_mode):
    previous = keyring.get_keyring()
    keyring.set_keyring(backend())
    try:
        store = CredentialStore(mode=store_mode)
        assert store.save(KEY, jwt()) == str(store_path)
        assert store.load(KEY) == jwt()
    finally:
        keyring.set_keyring(previous)


def test_file_mode_never_touches_the_keyring(store_path, memory_keyring):
    store = CredentialStore(mode="file")
    assert store.save(KEY, jwt()) == str(store_path)
    assert memory_keyring.items == {}


# --- start-up cost: keyring is imported only for keyring entries ----------------------

PROBE = """
import json, sys
from pathlib import Path
from ecgrid_cli.credentials import CredentialStore
cred = CredentialStore(Path(sys.argv[1]), mode="auto").load(sys.argv[2])
print(json.dumps({"found": cred is not None, "keyring": "keyring" in sys.modules}))
"""


def probe_load(path: Path, key: str) -> dict:
    env = {
        **os.environ,
        credentials.STORE_ENV: "auto",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), key],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_load_of_a_file_entry_does_not_import_keyring(store_path):
    CredentialStore(mode="file").save(KEY, jwt())
    assert probe_load(store_path, KEY) == {"found": True, "keyring": False}
    assert probe_load(store_path, "other") == {"found": False, "keyring": False}
    assert probe_load(store_path.with_name("missing.json"), KEY) == {
        "found": False,
        "keyring": False,
    }


def test_load_of_a_keyring_entry_imports_keyring(store_path):
    store_path.parent.mkdir(parents=True)
    entry = {"kind": "jwt", "storage": "keyring", "obtained_at": "t"}
    store_path.write_text(json.dumps({"version": 1, "credentials": {KEY: entry}}))
    # The fail backend holds nothing: not found, and no traceback.
    assert probe_load(store_path, KEY) == {"found": False, "keyring": True}
