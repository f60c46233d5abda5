"""The ``ecgrid`` console script: start-up with the cycle collector paused, then the CLI."""

from __future__ import annotations

from ecgrid_cli.startup import pause_collector


def main() -> None:
    pause_collector()
    from ecgrid_cli.app import main as run_cli

    run_cli()
