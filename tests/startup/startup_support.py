"""What the start-up probes share: a fresh interpreter's environment, cut off from HOME."""

from __future__ import annotations

from pathlib import Path

CLI_TESTS = Path(__file__).resolve().parents[1] / "cli"  # where the fake backend lives


def probe_env(tmp_path: Path) -> dict[str, str]:
    """An environment with a key, no config file, and a base URL nothing listens on."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ECGRID_CONFIG": str(tmp_path / "config.toml"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "ECGRID_API_KEY": "start-up-test-key",
        # Nothing listens on the discard port: a real request fails fast (exit 7).
        "ECGRID_BASE_URL": "http://127.0.0.1:9",
        "ECGRID_RETRIES": "0",
    }
