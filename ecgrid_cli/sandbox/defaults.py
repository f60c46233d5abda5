"""Sandbox constants shared by the CLI's built-in ``sandbox`` profile (stdlib only)."""

DEFAULT_PORT = 8765
DEFAULT_API_KEY = "sandbox-key-0000"
DEMO_OWN_ECGRID_ID = 111111
