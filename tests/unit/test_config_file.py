"""config_file: the fast read path, locked format-preserving edits, the doc helpers."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest
import tomlkit

from ecgrid_cli import config_file
from ecgrid_cli.errors import EcgridError, UsageError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def edit(text: str, change) -> str:
    """Apply a doc helper to ``text`` in memory and return the new text."""
    doc = tomlkit.parse(text)
    change(doc)
    out = doc.as_string()
    tomllib.loads(out)  # every result is valid TOML
    return out


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "ecgrid" / "config.toml"


# --- config_path / load / insecure_mode_warning (unchanged behaviour) ------------------


def test_config_path_prefers_ecgrid_config(monkeypatch, tmp_path):
    monkeypatch.setenv("ECGRID_CONFIG", str(tmp_path / "x.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_file.config_path() == tmp_path / "x.toml"


def test_config_path_uses_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("ECGRID_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_file.config_path() == tmp_path / "xdg" / "ecgrid" / "config.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_file.config_path() == tmp_path / ".config" / "ecgrid" / "config.toml"


def test_load_missing_file_is_empty(cfg):
    assert config_file.load(cfg) == {}


def test_load_parses_file(cfg):
    cfg.parent.mkdir()
    cfg.write_text('default_profile = "p"\n[profiles.p]\napi_key = "k"\ntimeout = 2.5\n')
    assert config_file.load(cfg) == {
        "default_profile": "p",
        "profiles": {"p": {"api_key": "k", "timeout": 2.5}},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml = = =", "is not valid TOML"),
        ("profiles = 3\n", "[profiles.NAME] must be tables"),
        ('[profiles]\nprod = "x"\n', "[profiles.NAME] must be tables"),
    ],
)
def test_load_rejects_bad_files_with_one_line(cfg, text, message):
    cfg.parent.mkdir()
    cfg.write_text(text)
    with pytest.raises(UsageError) as caught:
        config_file.load(cfg)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_load_unreadable_path_is_usage_error(cfg):
    cfg.mkdir(parents=True)  # a directory where the file should be
    with pytest.raises(UsageError, match="cannot read config file"):
        config_file.load(cfg)


def test_load_never_imports_tomlkit(cfg):
    cfg.parent.mkdir()
    cfg.write_text('[profiles.p]\napi_key = "k"\n')
    probe = (
        "import sys; from pathlib import Path; from ecgrid_cli import config_file;"
        "config_file.load(Path(sys.argv[1])); print('tomlkit' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(cfg)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_insecure_mode_warning(cfg):
    assert config_file.insecure_mode_warning(cfg) is None
    cfg.parent.mkdir()
    cfg.write_text("")
    cfg.chmod(0o600)
    assert config_file.insecure_mode_warning(cfg) is None
    cfg.chmod(0o644)
    warning = config_file.insecure_mode_warning(cfg)
    assert warning is not None
    assert "0644" in warning and f"chmod 600 {cfg}" in warning


# --- update ----------------------------------------------------------------------------


def test_update_creates_private_file_and_directory(cfg):
    result = config_file.update(
        cfg, lambda doc: config_file.set_profile_value(doc, "prod", "api_key", "k") or "done"
    )
    assert result == "done"
    assert cfg.read_text() == '[profiles.prod]\napi_key = "k"\n'
    assert mode(cfg) == 0o600
    assert mode(cfg.parent) == 0o700


def test_update_returns_what_change_returns(cfg):
    assert config_file.update(cfg, lambda doc: 42) == 42


def test_update_without_a_change_writes_nothing(cfg):
    config_file.update(cfg, lambda doc: None)
    assert not cfg.exists()
    cfg.parent.mkdir(exist_ok=True)
    cfg.write_text("# mine\n")
    cfg.chmod(0o600)
    before = cfg.stat()
    config_file.update(cfg, lambda doc: config_file.unset_profile_value(doc, "p", "api_key"))
    after = cfg.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_update_tightens_an_open_ecgrid_directory(cfg):
    cfg.parent.mkdir()
    cfg.parent.chmod(0o755)
    config_file.update(cfg, lambda doc: config_file.set_default_profile(doc, "p"))
    assert mode(cfg.parent) == 0o700


def test_update_leaves_other_directories_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    path = shared / "config.toml"
    config_file.update(path, lambda doc: config_file.set_default_profile(doc, "p"))
    assert mode(shared) == 0o755
    assert mode(path) == 0o600


def test_update_makes_an_open_file_private(cfg):
    cfg.parent.mkdir()
    cfg.write_text('[profiles.p]\napi_key = "k"\n')
    cfg.chmod(0o644)
    config_file.update(cfg, lambda doc: config_file.set_profile_value(doc, "p", "timeout", 5))
    assert mode(cfg) == 0o600


def test_update_leaves_no_temporary_files_and_a_private_lock(cfg):
    for n in range(3):
        config_file.update(cfg, lambda doc, n=n: config_file.set_profile_value(doc, "p", "n", n))
    names = sorted(p.name for p in cfg.parent.iterdir())
    assert names == [".config.toml.lock", "config.toml"]
    assert mode(cfg.parent / ".config.toml.lock") == 0o600


def test_update_on_invalid_toml_is_usage_error_and_keeps_the_file(cfg):
    cfg.parent.mkdir()
    cfg.write_bytes(b"api_key = = 'broken'\n")
    with pytest.raises(UsageError, match="is not valid TOML") as caught:
        config_file.update(cfg, lambda doc: config_file.set_default_profile(doc, "p"))
    assert "\n" not in str(caught.value)
    assert cfg.read_bytes() == b"api_key = = 'broken'\n"


def test_update_on_non_utf8_file_is_usage_error(cfg):
    cfg.parent.mkdir()
    cfg.write_bytes(b'x = "\xff"\n')
    with pytest.raises(UsageError, match="is not valid TOML"):
        config_file.update(cfg, lambda doc: None)


def test_update_on_bad_profiles_shape_is_usage_error(cfg):
    cfg.parent.mkdir()
    cfg.write_text("profiles = 3\n")
    with pytest.raises(UsageError, match=r"\[profiles.NAME\] must be tables"):
        config_file.update(cfg, lambda doc: config_file.set_default_profile(doc, "p"))


def test_update_on_unreadable_path_is_usage_error(cfg):
    cfg.mkdir(parents=True)
    with pytest.raises(UsageError, match="cannot read config file"):
        config_file.update(cfg, lambda doc: None)


@pytest.mark.parametrize("where", ["/proc/ecgrid-no-such-dir/config.toml", "file-as-dir"])
def test_update_unwritable_is_one_clean_line(tmp_path, where):
    if where == "file-as-dir":
        (tmp_path / "plain").write_text("")
        path = tmp_path / "plain" / "config.toml"
    else:
        path = Path(where)
    with pytest.raises(EcgridError) as caught:
        config_file.update(path, lambda doc: config_file.set_default_profile(doc, "p"))
    assert not isinstance(caught.value, UsageError)
    assert caught.value.code == "ConfigNotWritable"
    assert str(caught.value).startswith(f"cannot write the config file {path}: ")
    assert "\n" not in str(caught.value)


def test_update_change_that_raises_leaves_the_file_and_releases_the_lock(cfg):
    cfg.parent.mkdir()
    cfg.write_text('[profiles.p]\napi_key = "k"\n')

    def boom(doc):
        config_file.set_profile_value(doc, "p", "api_key", "half-done")
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        config_file.update(cfg, boom)
    assert cfg.read_text() == '[profiles.p]\napi_key = "k"\n'
    config_file.update(cfg, lambda doc: config_file.set_profile_value(doc, "p", "timeout", 1))
    assert config_file.load(cfg)["profiles"]["p"] == {"api_key": "k", "timeout": 1}


def test_update_refuses_an_edit_that_load_would_reject(cfg):
    cfg.parent.mkdir()
    cfg.write_text('[profiles.p]\napi_key = "k"\n')

    def breaks_shape(doc):
        doc["profiles"]["p"] = "not a table"

    with pytest.raises(EcgridError, match="refusing to write the config file") as caught:
        config_file.update(cfg, breaks_shape)
    assert caught.value.code == "ConfigNotWritable"
    assert cfg.read_text() == '[profiles.p]\napi_key = "k"\n'


def test_update_turns_tomlkit_errors_into_usage_errors(cfg):
    def duplicate(doc):
        doc.append("x", 1)
        doc.append("x", 2)

    with pytest.raises(UsageError, match="cannot edit the config file"):
        config_file.update(cfg, duplicate)


def test_update_value_toml_cannot_hold_is_a_usage_error(cfg):
    with pytest.raises(UsageError, match="cannot edit the config file"):
        config_file.update(cfg, lambda d: config_file.set_profile_value(d, "p", "x", object()))
    assert not cfg.exists()


def test_update_lets_the_callers_own_errors_through(cfg):
    def refuse(doc):
        raise ValueError("caller says no")

    with pytest.raises(ValueError, match="caller says no"):
        config_file.update(cfg, refuse)


def test_update_waits_for_the_lock_then_gives_up_cleanly(cfg, monkeypatch):
    cfg.parent.mkdir(mode=0o700)
    monkeypatch.setattr(config_file, "LOCK_TIMEOUT_SECONDS", 0.2)
    started = time.monotonic()
    with config_file.locked(cfg), pytest.raises(EcgridError) as caught:
        config_file.update(cfg, lambda doc: config_file.set_default_profile(doc, "p"))
    assert caught.value.code == "ConfigLocked"
    assert 0.15 < time.monotonic() - started < 5
    assert not cfg.exists()


def test_threads_serialise_on_the_lock(cfg):
    def writer(index: int) -> None:
        def change(doc):
            time.sleep(0.002)
            config_file.set_profile_value(doc, "p", f"k{index}", index)

        config_file.update(cfg, change)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert config_file.load(cfg)["profiles"]["p"] == {f"k{i}": i for i in range(8)}


# --- save (compatibility) ----------------------------------------------------------------


def test_save_round_trips_and_is_private(cfg):
    data = {
        "profiles": {"prod": {"api_key": 'we"ird\\key', "timeout": 2.5, "retries": 3}},
        "default_profile": "prod",
    }
    config_file.save(cfg, data)
    assert config_file.load(cfg) == data
    assert mode(cfg) == 0o600 and mode(cfg.parent) == 0o700
    text = cfg.read_text()
    assert text.index("default_profile") < text.index("[profiles.prod]")
    assert "[profiles]\n" not in text


def test_save_replaces_even_an_invalid_file(cfg):
    cfg.parent.mkdir()
    cfg.write_text("= broken")
    config_file.save(cfg, {"default_profile": "x"})
    assert config_file.load(cfg) == {"default_profile": "x"}


def test_save_unwritable_is_config_not_writable():
    with pytest.raises(EcgridError) as caught:
        config_file.save(Path("/proc/ecgrid-no-such-dir/config.toml"), {"a": 1})
    assert caught.value.code == "ConfigNotWritable"


def test_hand_written_toml_writer_is_gone():
    for name in ("dumps", "_key", "_value", "_string"):
        assert not hasattr(config_file, name), name


# --- set_profile_value -------------------------------------------------------------------


def test_set_value_in_an_empty_document_makes_a_proper_table():
    out = edit("", lambda d: config_file.set_profile_value(d, "prod", "api_key", "k"))
    assert out == '[profiles.prod]\napi_key = "k"\n'


def test_set_value_with_a_default_profile_keeps_top_level_keys_first():
    def change(doc):
        config_file.set_profile_value(doc, "prod", "api_key", "k")
        config_file.set_default_profile(doc, "prod")

    assert edit("", change) == 'default_profile = "prod"\n\n[profiles.prod]\napi_key = "k"\n'


def test_set_existing_value_keeps_its_place_and_comment():
    text = '[profiles.p]\napi_key = "old"  # rotated in May\ntimeout = 5\n'
    out = edit(text, lambda d: config_file.set_profile_value(d, "p", "api_key", "new"))
    assert out == '[profiles.p]\napi_key = "new"  # rotated in May\ntimeout = 5\n'


def test_new_key_goes_after_the_last_key_not_after_a_closing_comment():
    text = '[profiles.p]\napi_key = "k"\n\n# about the next table\n[other]\na = 1\n'
    out = edit(text, lambda d: config_file.set_profile_value(d, "p", "retries", 2))
    assert out == (
        '[profiles.p]\napi_key = "k"\nretries = 2\n\n# about the next table\n[other]\na = 1\n'
    )


def test_new_key_copies_the_indentation():
    text = '[profiles.p]\n  api_key = "k"\n'
    out = edit(text, lambda d: config_file.set_profile_value(d, "p", "timeout", 9.5))
    assert out == '[profiles.p]\n  api_key = "k"\n  timeout = 9.5\n'


def test_new_key_goes_before_a_sub_table():
    text = '[profiles.p]\napi_key = "k"\n\n[profiles.p.extra]\nx = 1\n'
    out = edit(text, lambda d: config_file.set_profile_value(d, "p", "retries", 1))
    assert out == '[profiles.p]\napi_key = "k"\nretries = 1\n\n[profiles.p.extra]\nx = 1\n'


def test_new_key_in_an_empty_profile_goes_first():
    text = "[profiles.p]\n\n# keep me\n[other]\na = 1\n"
    out = edit(text, lambda d: config_file.set_profile_value(d, "p", "retries", 1))
    assert out == "[profiles.p]\nretries = 1\n\n# keep me\n[other]\na = 1\n"


def test_file_without_final_newline():
    text = '[profiles.p]\napi_key = "k"'
    out = edit(text, lambda d: config_file.set_profile_value(d, "p", "r", 1))
    assert out == '[profiles.p]\napi_key = "k"\nr = 1\n'
    out = edit(text, lambda d: config_file.set_profile_value(d, "q", "r", 1))
    assert out == '[profiles.p]\napi_key = "k"\n\n[profiles.q]\nr = 1\n'


def test_new_profile_goes_after_the_last_profile_with_blank_lines():
    text = '[profiles.a]\nx = 1\n[other]\ny = 2\n[profiles.b]\nx = 3\n[[hooks]]\nname = "h"\n'
    out = edit(text, lambda d: config_file.set_profile_value(d, "c", "x", 4))
    assert out == (
        "[profiles.a]\nx = 1\n[other]\ny = 2\n[profiles.b]\nx = 3\n\n[profiles.c]\nx = 4\n\n"
        '[[hooks]]\nname = "h"\n'
    )


def test_new_profile_after_other_tables_when_there_are_no_profiles():
    out = edit("[other]\na = 1\n", lambda d: config_file.set_profile_value(d, "p", "x", 1))
    assert out == "[other]\na = 1\n\n[profiles.p]\nx = 1\n"


def test_new_profile_under_an_explicit_profiles_header():
    text = "[profiles]\n[profiles.a]\nx = 1\n"
    out = edit(text, lambda d: config_file.set_profile_value(d, "b", "x", 2))
    assert out == "[profiles]\n[profiles.a]\nx = 1\n\n[profiles.b]\nx = 2\n"


@pytest.mark.parametrize("name", ["my.profile", "with space", 'quote"d', "ünïcode", "1"])
def test_odd_profile_names_are_quoted_keys(name):
    out = edit("", lambda d: config_file.set_profile_value(d, name, "api_key", "k"))
    assert tomllib.loads(out) == {"profiles": {name: {"api_key": "k"}}}
    assert out.startswith("[profiles.")


@pytest.mark.parametrize(
    "value", ["plain", 'q"uo\\te\nnl\ttab\x7f\x00', "ünïcode", 7, 2.5, True, 0]
)
def test_values_of_every_kind_round_trip(value):
    out = edit("", lambda d: config_file.set_profile_value(d, "p", "v", value))
    assert tomllib.loads(out)["profiles"]["p"]["v"] == value


def test_inline_profiles_stay_inline():
    text = "profiles = { a = { x = 1 } }\n"
    out = edit(text, lambda d: config_file.set_profile_value(d, "b", "x", 2))
    assert tomllib.loads(out) == {"profiles": {"a": {"x": 1}, "b": {"x": 2}}}
    assert "[profiles" not in out


def test_dotted_profiles_get_a_new_profile_table():
    text = "profiles.a.x = 1\n\n[other]\ny = 2\n"
    out = edit(text, lambda d: config_file.set_profile_value(d, "a", "z", 3))
    assert out == "profiles.a.x = 1\nprofiles.a.z = 3\n\n[other]\ny = 2\n"
    out = edit(text, lambda d: config_file.set_profile_value(d, "b", "x", 2))
    assert tomllib.loads(out) == {
        "profiles": {"a": {"x": 1}, "b": {"x": 2}},
        "other": {"y": 2},
    }
    assert out.startswith(text)


@pytest.mark.parametrize(
    "text", ["profiles = 3\n", "[[profiles]]\nname = 'x'\n", 'profiles = "x"\n']
)
def test_profiles_that_are_not_a_table_are_usage_errors(text):
    doc = tomlkit.parse(text)
    with pytest.raises(UsageError, match="'profiles' must be a table"):
        config_file.set_profile_value(doc, "p", "x", 1)


def test_profile_that_is_not_a_table_is_a_usage_error():
    doc = tomlkit.parse('[profiles]\np = "x"\n')
    with pytest.raises(UsageError, match=r"profiles\.p is not a table"):
        config_file.set_profile_value(doc, "p", "x", 1)
    with pytest.raises(UsageError):
        config_file.unset_profile_value(doc, "p", "x")


# --- set_default_profile / unset_profile_value -----------------------------------------


def test_set_default_profile_replaces_in_place_keeping_the_comment():
    text = '# top\ndefault_profile = "a"  # mine\n\n[profiles.a]\nx = 1\n'
    out = edit(text, lambda d: config_file.set_default_profile(d, "b"))
    assert out == '# top\ndefault_profile = "b"  # mine\n\n[profiles.a]\nx = 1\n'


def test_set_default_profile_goes_before_the_first_table():
    text = "# top comment\n\n[profiles.a]\nx = 1\n"
    out = edit(text, lambda d: config_file.set_default_profile(d, "a"))
    assert tomllib.loads(out)["default_profile"] == "a"
    assert out.index("default_profile") < out.index("[profiles.a]")
    assert out.startswith("# top comment\n")
    assert out.endswith("[profiles.a]\nx = 1\n")


def test_unset_removes_only_that_key():
    text = '[profiles.p]\n# the key\napi_key = "k"  # secret\ntimeout = 5  # slow\n'
    doc = tomlkit.parse(text)
    assert config_file.unset_profile_value(doc, "p", "api_key") is True
    assert doc.as_string() == "[profiles.p]\n# the key\ntimeout = 5  # slow\n"


def test_unset_missing_key_or_profile_is_false():
    doc = tomlkit.parse("[profiles.p]\nx = 1\n")
    assert config_file.unset_profile_value(doc, "p", "y") is False
    assert config_file.unset_profile_value(doc, "q", "x") is False
    assert config_file.unset_profile_value(tomlkit.document(), "q", "x") is False
    assert doc.as_string() == "[profiles.p]\nx = 1\n"


def test_unset_through_update(cfg):
    cfg.parent.mkdir()
    cfg.write_text('[profiles.p]\napi_key = "k"\ntimeout = 5\n')
    removed = config_file.update(cfg, lambda d: config_file.unset_profile_value(d, "p", "timeout"))
    assert removed is True
    assert cfg.read_text() == '[profiles.p]\napi_key = "k"\n'


def test_locked_and_write_private_are_usable_on_their_own(tmp_path):
    target = tmp_path / "state.json"
    with config_file.locked(target):
        config_file.write_private(target, json.dumps({"a": 1}).encode())
    assert json.loads(target.read_text()) == {"a": 1}
    assert mode(target) == 0o600
    assert os.path.exists(tmp_path / ".state.json.lock")
