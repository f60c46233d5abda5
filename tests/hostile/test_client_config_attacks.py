"""Config edits through the installed ``ecgrid config set`` ("Hardening, round two", 4).

``test_config_attacks.py`` attacks the config module in-process; these run the CLI:

* ten ``ecgrid --profile pN config set ...`` processes released at the same moment
  lose no update and keep the API key that lives in one of the edited profiles;
* a symlinked config file stays a symlink and its target gets the change;
* a hand-written config (comments, an unknown table, arrays, dates, an inline table)
  comes back byte for byte, except the one changed line.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from client_attack_support import ecgrid_command, isolated_env

API_KEY = "p0-api-key-0123456789"
WRITERS = 10
# (key, value) for writer N; every key the old release knew too.
SETTINGS = [
    ("timeout", "1{n}.5"),
    ("retries", "{n}"),
    ("ecgrid-id", "10000{n}"),
    ("base-url", "https://p{n}.example.com"),
]
EXPECTED = {"timeout": float, "retries": int, "ecgrid_id": int, "base_url": str}
# Waits for the go file, then becomes ``ecgrid ...``: all writers start at once.
RELEASE = """
import os, sys, time
go, deadline = sys.argv[1], time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.001)
os.execvp(sys.argv[2], sys.argv[2:])
"""


def config_env(home: Path, config: Path) -> dict[str, str]:
    return isolated_env(home, {"ECGRID_CONFIG": str(config)})


def config_set(home: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*ecgrid_command(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=config_env(home, config),
        cwd=home,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    return done


def test_ten_concurrent_config_set_processes_lose_nothing(attack_home, tmp_path):
    config = tmp_path / "ecgrid" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'[profiles.p0]\napi_key = "{API_KEY}"\n')
    go = tmp_path / "go"
    writers = []
    for n in range(WRITERS):
        key, value = SETTINGS[n % len(SETTINGS)]
        command = [*ecgrid_command(), "--profile", f"p{n}", "config", "set", key]
        writers.append(
            subprocess.Popen(
                [sys.executable, "-c", RELEASE, str(go), *command, value.format(n=n)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=config_env(attack_home, config),
                cwd=tmp_path,
            )
        )
    try:
        time.sleep(0.5)  # every launcher waits at the line
        go.write_text("")
        for writer in writers:
            _, err = writer.communicate(timeout=120)
            assert "Traceback" not in err, err
            assert writer.returncode == 0, err
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.communicate(timeout=10)
    profiles = tomllib.loads(config.read_text())["profiles"]
    assert profiles["p0"]["api_key"] == API_KEY
    lost = []
    for n in range(WRITERS):
        key = SETTINGS[n % len(SETTINGS)][0].replace("-", "_")
        stored = profiles.get(f"p{n}", {}).get(key)
        if stored is None:
            lost.append(f"p{n}.{key}")
            continue
        assert isinstance(stored, EXPECTED[key]), (n, stored)
        assert str(stored).removesuffix(".0") == SETTINGS[n % len(SETTINGS)][1].format(n=n)
    assert not lost, f"{len(lost)} of {WRITERS} updates lost: {lost}"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_a_symlinked_config_stays_a_symlink(attack_home, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "ecgrid.toml"
    original = f'# mine\n[profiles.prod]\napi_key = "{API_KEY}"\n'
    target.write_text(original)
    link = tmp_path / "ecgrid" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(target)

    config_set(attack_home, link, "--profile", "prod", "config", "set", "retries", "2")

    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text() == original + "retries = 2\n"


HAND_WRITTEN = """\
# ecgrid settings -- edited by hand, keep these notes!
default_profile = "prod"  # the one scripts use

[profiles.prod]
api_key = "p0-api-key-0123456789"  # rotated 2024-05-01
base_url = "https://rest.ecgrid.io"
timeout = 30.5   # seconds
retries = 5
tags = ["edi", "x12",]   # trailing comma on purpose
since = 2024-01-02
window = { start = 08:00:00, end = 17:30:00 }

# partner-specific overrides the tool does not know about
[plugins.audit]
enabled = true
when = 1979-05-27T07:32:00-08:00
matrix = [[1, 2], [3, 4]]
"""


def test_a_hand_written_config_survives_byte_for_byte(attack_home, tmp_path):
    config = tmp_path / "ecgrid" / "config.toml"
    config.parent.mkdir()
    config.write_text(HAND_WRITTEN)

    config_set(attack_home, config, "--profile", "prod", "config", "set", "retries", "2")

    assert config.read_text() == HAND_WRITTEN.replace("retries = 5\n", "retries = 2\n")
