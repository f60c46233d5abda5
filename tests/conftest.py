"""Suite-wide set-up: bytecode for the package and the test modules; xdist workers.

Some environments set ``PYTHONDONTWRITEBYTECODE`` (this project's CI machines among
them). Then every ``ecgrid`` the end-to-end tests start would compile the package
from source again, and every pytest-xdist worker would redo pytest's assertion
rewriting of every test module: together a large share of the suite's time. The
package is compiled once here, before any worker starts, and pytest may cache its
rewritten test modules. Both caches live in ``__pycache__`` folders inside the
repository (ignored by git), as a normal run would leave them.
"""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ecgrid_cli"

sys.dont_write_bytecode = False  # before pytest rewrites and imports the test modules


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller has done it
    compileall.compile_dir(PACKAGE, quiet=1, workers=1)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per core. Many tests wait on servers, sleeps and
    subprocesses, so one worker per core would leave the cores idle half the time."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, min(8, 2 * (cores or 1)))
