"""Attacks on the config file that broke the old load/modify/save (and its writer).

* Concurrent writers: ten processes editing at once. The old unlocked
  read-modify-write lost about a third of the updates and could drop the API key.
* A symlinked config (dotfile managers): the old ``os.replace`` swapped the link for
  a plain file, so the real file never saw the change.
* A hand-edited config: the old writer re-serialised everything, dropping comments,
  unknown tables, arrays, dates and inline tables.
* Planted temporary files: the old writer used a predictable temp name and followed a
  symlink planted there, overwriting whatever it pointed at.

Everything runs against the module API (``config_file.update`` and its helpers),
bounded in time, without network.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from ecgrid_cli import config_file
from ecgrid_cli.errors import EcgridError, UsageError

API_KEY = "prod-api-key-0123456789"

WRITER = """
import sys, time
from pathlib import Path
from ecgrid_cli import config_file

path, index, go = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
deadline = time.monotonic() + 30
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
for round_ in range(3):
    def change(doc):
        time.sleep(0.005)  # widen the read-modify-write window
        config_file.set_profile_value(doc, "prod", f"writer_{index}_{round_}", index)
    config_file.update(path, change)
"""

RICH = """\
# ecgrid settings -- edited by hand, keep these notes!
default_profile = "prod"  # the one scripts use

[profiles.prod]
api_key = "prod-api-key-0123456789"  # rotated 2024-05-01
base_url = "https://rest.ecgrid.io"
timeout = 30.5
tags = ["edi", "x12",]   # trailing comma on purpose
since = 2024-01-02
window = { start = 08:00:00, end = 17:30:00 }

# partner-specific overrides the tool does not know about
[plugins.audit]
enabled = true
when = 1979-05-27T07:32:00-08:00
matrix = [[1, 2], [3, 4]]
ratio = 6.626e-34
hex = 0xDEADBEEF
'quoted key' = '''literal
multi-line'''

[profiles.staging]
base_url = "https://staging.example"

[[hooks]]
name = "first"
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def config_in_ecgrid_dir(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "ecgrid" / "config.toml"
    path.parent.mkdir(parents=True, mode=0o700)
    return path


# --- concurrency -----------------------------------------------------------------------


def test_ten_concurrent_writer_processes_lose_nothing(config_in_ecgrid_dir, tmp_path):
    path = config_in_ecgrid_dir
    path.write_text(f'[profiles.prod]\napi_key = "{API_KEY}"\n')
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(index), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(10)
    ]
    try:
        time.sleep(0.3)  # let every interpreter start and wait at the line
        go.write_text("")
        for writer in writers:
            _, err = writer.communicate(timeout=90)
            assert writer.returncode == 0, err
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    prod = config_file.load(path)["profiles"]["prod"]
    assert prod["api_key"] == API_KEY
    expected = {f"writer_{i}_{r}": i for i in range(10) for r in range(3)}
    missing = sorted(set(expected) - set(prod))
    assert not missing, f"{len(missing)} of {len(expected)} updates lost: {missing}"
    assert {k: v for k, v in prod.items() if k != "api_key"} == expected
    assert mode(path) == 0o600
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# --- symlinks --------------------------------------------------------------------------


def set_timeout(doc) -> None:
    config_file.set_profile_value(doc, "prod", "timeout", 12)


def test_symlinked_config_is_written_through_to_its_target(tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "ecgrid.toml"
    target.write_text(f'# mine\n[profiles.prod]\napi_key = "{API_KEY}"\n')
    link = tmp_path / "home" / "ecgrid" / "config.toml"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)

    config_file.update(link, set_timeout)

    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text() == f'# mine\n[profiles.prod]\napi_key = "{API_KEY}"\ntimeout = 12\n'
    assert mode(target) == 0o600
    assert config_file.load(link)["profiles"]["prod"]["timeout"] == 12
    # The temporary file and the lock live beside the target, not beside the link.
    assert sorted(p.name for p in link.parent.iterdir()) == ["config.toml"]
    assert sorted(p.name for p in dotfiles.iterdir()) == [".ecgrid.toml.lock", "ecgrid.toml"]


def test_relative_and_chained_symlinks(tmp_path):
    real = tmp_path / "real" / "config.toml"
    real.parent.mkdir()
    real.write_text("[profiles.prod]\n")
    hop = tmp_path / "hop.toml"
    hop.symlink_to(Path("real") / "config.toml")  # relative
    link = tmp_path / "ecgrid" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "hop.toml")  # relative, to another link

    config_file.update(link, set_timeout)

    assert link.is_symlink() and hop.is_symlink()
    assert real.read_text() == "[profiles.prod]\ntimeout = 12\n"


def test_dangling_symlink_creates_its_target(tmp_path):
    target = tmp_path / "elsewhere" / "config.toml"
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    config_file.update(link, set_timeout)
    assert link.is_symlink()
    assert target.read_text() == "[profiles.prod]\ntimeout = 12\n"
    assert mode(target) == 0o600


def test_save_keeps_the_symlink_too(tmp_path):
    target = tmp_path / "target.toml"
    target.write_text("")
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    config_file.save(link, {"default_profile": "prod"})
    assert link.is_symlink()
    assert tomllib.loads(target.read_text()) == {"default_profile": "prod"}


# --- byte-for-byte preservation ------------------------------------------------------


def edit_file(path: Path, change) -> str:
    path.write_text(RICH)
    config_file.update(path, change)
    return path.read_text()


def test_adding_a_key_changes_nothing_else(config_in_ecgrid_dir):
    out = edit_file(
        config_in_ecgrid_dir,
        lambda doc: config_file.set_profile_value(doc, "prod", "ecgrid_id", 111111),
    )
    anchor = "window = { start = 08:00:00, end = 17:30:00 }\n"
    assert out == RICH.replace(anchor, anchor + "ecgrid_id = 111111\n")


def test_replacing_a_key_changes_only_its_value(config_in_ecgrid_dir):
    out = edit_file(
        config_in_ecgrid_dir,
        lambda doc: config_file.set_profile_value(doc, "prod", "api_key", "new-key-9876543210"),
    )
    assert out == RICH.replace(API_KEY, "new-key-9876543210")


def test_replacing_a_float_keeps_its_comment_free_line(config_in_ecgrid_dir):
    out = edit_file(
        config_in_ecgrid_dir,
        lambda doc: config_file.set_profile_value(doc, "prod", "timeout", 60.0),
    )
    assert out == RICH.replace("timeout = 30.5\n", "timeout = 60.0\n")


def test_unsetting_a_key_removes_only_its_line(config_in_ecgrid_dir):
    out = edit_file(
        config_in_ecgrid_dir,
        lambda doc: config_file.unset_profile_value(doc, "prod", "base_url"),
    )
    assert out == RICH.replace('base_url = "https://rest.ecgrid.io"\n', "")


def test_new_profile_lands_after_the_last_profile(config_in_ecgrid_dir):
    out = edit_file(
        config_in_ecgrid_dir,
        lambda doc: config_file.set_profile_value(doc, "dev", "api_key", "dev-key"),
    )
    anchor = '[profiles.staging]\nbase_url = "https://staging.example"\n\n'
    assert out == RICH.replace(anchor, anchor + '[profiles.dev]\napi_key = "dev-key"\n\n')


def test_changing_the_default_profile_keeps_its_comment(config_in_ecgrid_dir):
    out = edit_file(
        config_in_ecgrid_dir, lambda doc: config_file.set_default_profile(doc, "staging")
    )
    assert out == RICH.replace('default_profile = "prod"', 'default_profile = "staging"')


def test_every_value_survives_an_edit(config_in_ecgrid_dir):
    out = edit_file(
        config_in_ecgrid_dir,
        lambda doc: config_file.set_profile_value(doc, "prod", "retries", 2),
    )
    before, after = tomllib.loads(RICH), tomllib.loads(out)
    after["profiles"]["prod"].pop("retries")
    assert after == before


# --- hostile files and planted paths ---------------------------------------------------


def test_planted_symlink_at_the_old_temp_name_is_not_followed(config_in_ecgrid_dir, tmp_path):
    path = config_in_ecgrid_dir
    path.write_text(f'[profiles.prod]\napi_key = "{API_KEY}"\n')
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    planted = path.parent / f".{path.name}.{os.getpid()}.tmp"
    planted.symlink_to(victim)

    config_file.update(path, set_timeout)

    assert victim.read_text() == "precious\n"
    assert not path.is_symlink()
    assert config_file.load(path)["profiles"]["prod"] == {"api_key": API_KEY, "timeout": 12}


def test_planted_symlink_at_the_lock_path_is_refused(config_in_ecgrid_dir, tmp_path):
    path = config_in_ecgrid_dir
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (path.parent / f".{path.name}.lock").symlink_to(victim)
    with pytest.raises(EcgridError) as caught:
        config_file.update(path, set_timeout)
    assert caught.value.code == "ConfigNotWritable"
    assert "cannot write the config file" in str(caught.value)
    assert victim.read_text() == "precious\n"


def test_broken_config_is_never_overwritten(config_in_ecgrid_dir):
    path = config_in_ecgrid_dir
    broken = b'[profiles.prod]\napi_key = "unterminated\n'
    path.write_bytes(broken)
    with pytest.raises(UsageError, match="is not valid TOML"):
        config_file.update(path, set_timeout)
    assert path.read_bytes() == broken
