"""Property tests run the CLI in-process: against the CLI suite's fake backend (imported
from ``tests/cli``) or the real REST backend over respx. Nothing here is autouse
beyond making ``fake_backend`` importable."""

from __future__ import annotations

import sys
from pathlib import Path

CLI_TESTS = str(Path(__file__).resolve().parents[1] / "cli")
if CLI_TESTS not in sys.path:
    sys.path.insert(0, CLI_TESTS)
