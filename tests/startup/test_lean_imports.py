"""lean_imports keeps asyncio and importlib.metadata unloaded while pydantic-settings loads,
however the library takes them (newer pydantic: ``from importlib.metadata import
entry_points`` at module level), and the real module still answers when first used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# A stand-in for pydantic-settings that imports the way the newer releases do.
FAKE_PYDANTIC_SETTINGS = """
import asyncio
from importlib.metadata import entry_points

def first_use():
    return asyncio.iscoroutinefunction(first_use), list(entry_points(group="no-such-group"))
"""

PROBE = """
import json, sys
from ecgrid_cli import lean_imports
lean_imports.pydantic_settings()
import pydantic_settings
before = sorted(name for name in ("asyncio", "importlib.metadata") if name in sys.modules)
used = pydantic_settings.first_use()
after = sorted(name for name in ("asyncio", "importlib.metadata") if name in sys.modules)
print(json.dumps({"before": before, "used": used, "after": after}))
"""


def test_deferred_modules_stay_unloaded_until_first_use(tmp_path: Path) -> None:
    (tmp_path / "pydantic_settings.py").write_text(FAKE_PYDANTIC_SETTINGS, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": f"{tmp_path}:{root}"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report == {
        "before": [],
        "used": [False, []],
        "after": ["asyncio", "importlib.metadata"],
    }
