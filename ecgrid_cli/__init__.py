"""ecgrid-cli: EDI partner administration on the ECGrid network."""

__version__ = "0.1.0"
