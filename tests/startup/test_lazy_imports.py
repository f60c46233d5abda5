"""Start-up stays light: each path imports only what it needs (modules, not timings).

Each case runs the CLI in a fresh interpreter and lists the modules loaded at the end
(``sys.modules``). ``python -X importtime`` was used to find what to assert, but its
report also lists imports that were only attempted (httpx's lean import plants
placeholders for trio, anyio and httpx._main; h2 is probed and missing), so the test
reads ``sys.modules``. Timings live in bench/benchmark.py; here we check the cause of
slowness, not its size. Terminal cases run with test IO streams
(``IOStreams.test(tty=True)``), and the ``fake`` cases with the CLI suite's fake
backend, so a command can succeed without any server.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from startup_support import CLI_TESTS, probe_env

PROBE = """
import contextlib, io, json, sys
from ecgrid_cli.app import run
from ecgrid_cli.iostreams import IOStreams
mode, fake, argv = sys.argv[1], sys.argv[2] == "fake", sys.argv[3:]
if fake:
    sys.path.insert(0, %(cli_tests)r)
    from fake_backend import demo
    from ecgrid_cli.api import factory
    backend = demo()
    factory.build_backend = lambda resolved, **kwargs: backend
streams = IOStreams.test(tty=mode == "tty")
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = run(argv, streams)
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

HTTP = {"httpx", "httpcore", "h11", "ecgrid_cli.api.http"}
SETTINGS = {"pydantic_settings", "ecgrid_cli.settings"}
RICH = {"rich", "rich.console", "rich.table", "rich.panel", "rich.progress"}
NEVER_ON_A_CLIENT_PATH = {
    "httpx._main",  # httpx's own CLI (pulls in click and pygments)
    "trio",
    "anyio",
    "h2",
    "sqlite3",
    "ecgrid_cli.sandbox.server",
    "yaml",
    "keyring",
}


def imported_by(args: list[str], tmp_path, *, tty: bool = False, fake: bool = False):
    env = probe_env(tmp_path)
    probe = PROBE % {"cli_tests": str(CLI_TESTS)}
    mode = ("tty" if tty else "pipe", "fake" if fake else "real")
    done = subprocess.run(
        [sys.executable, "-c", probe, *mode, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    modules = set(report["modules"])
    assert "ecgrid_cli.app" in modules
    return report["code"], modules


def test_version_imports_no_library_beyond_typer(tmp_path):
    code, modules = imported_by(["--version"], tmp_path)
    assert code == 0
    assert not modules & (HTTP | SETTINGS | RICH | NEVER_ON_A_CLIENT_PATH)
    assert not modules & {"pydantic", "jq", "tomlkit", "defusedxml"}
    assert not {m for m in modules if m.startswith(("ecgrid_cli.api.", "ecgrid_cli.domain"))}


def test_piped_help_is_plain_text_without_rich(tmp_path):
    code, modules = imported_by(["--help"], tmp_path)
    assert code == 0
    assert not modules & (HTTP | SETTINGS | RICH | NEVER_ON_A_CLIENT_PATH)
    assert "pydantic" not in modules


def test_help_on_a_terminal_uses_rich_but_no_http_or_settings(tmp_path):
    code, modules = imported_by(["interconnect", "setup", "--help"], tmp_path, tty=True)
    assert code == 0
    assert {"rich.console", "typer.rich_utils"} <= modules
    assert not modules & (HTTP | SETTINGS | NEVER_ON_A_CLIENT_PATH)


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_config_list_needs_no_http_and_no_settings(tmp_path, tty):
    code, modules = imported_by(["config", "list"], tmp_path, tty=tty)
    assert code == 0
    assert not modules & (HTTP | SETTINGS | NEVER_ON_A_CLIENT_PATH)
    assert "tomlkit" not in modules  # reading needs only tomllib
    assert ("rich.table" in modules) is tty


def test_config_set_loads_the_toml_editor_but_no_http(tmp_path):
    code, modules = imported_by(["config", "set", "timeout", "5"], tmp_path)
    assert code == 0
    assert "tomlkit" in modules
    assert not modules & (HTTP | SETTINGS | RICH | NEVER_ON_A_CLIENT_PATH)


def test_config_list_does_not_import_pydantic(tmp_path):
    code, modules = imported_by(["config", "list"], tmp_path)
    assert code == 0
    assert "pydantic" not in modules


@pytest.mark.parametrize(
    "args",
    [
        ["partners", "count", "123456", "--json"],
        ["ids", "find", "-q", "01", "-i", "PARTNERCO", "--json"],
        ["--json", "ids", "get", "334455"],
        ["ids", "get", "334455"],
    ],
    ids=["count-json", "find-json", "global-json", "get-piped"],
)
def test_api_command_loads_http_and_settings_only(tmp_path, args):
    code, modules = imported_by(args, tmp_path)
    assert code == 7  # unreachable: the request was really attempted
    assert {"httpx", "pydantic_settings", "ecgrid_cli.api.rest.backend"} <= modules
    assert not modules & (RICH | NEVER_ON_A_CLIENT_PATH)
    assert not modules & {"jq", "tomlkit", "defusedxml", "ecgrid_cli.api.soap.backend"}
    assert not {m for m in modules if m.startswith("ecgrid_cli.domain.bulk")}
    # pydantic's plugin scan is off, so the package-metadata reader is never loaded; no
    # config file exists, so no TOML parser either.
    assert not modules & {"importlib.metadata", "tomllib"}


def test_soap_command_loads_the_soap_backend_not_the_rest_one(tmp_path):
    code, modules = imported_by(["--api", "soap", "ids", "get", "334455", "--json"], tmp_path)
    assert code == 7
    assert {"ecgrid_cli.api.soap.backend", "defusedxml"} <= modules
    assert "ecgrid_cli.api.rest.backend" not in modules
    assert not modules & (RICH | NEVER_ON_A_CLIENT_PATH)


def test_jq_is_loaded_only_with_jq(tmp_path):
    code, modules = imported_by(["ids", "get", "334455", "--jq", ".id"], tmp_path)
    assert code == 7
    assert "jq" in modules


def test_json_on_a_terminal_renders_without_rich(tmp_path):
    code, modules = imported_by(["ids", "get", "334455", "--json"], tmp_path, tty=True, fake=True)
    assert code == 0
    assert not modules & RICH


def test_the_same_command_without_json_on_a_terminal_does_use_rich(tmp_path):
    code, modules = imported_by(["ids", "get", "334455"], tmp_path, tty=True, fake=True)
    assert code == 0
    assert {"rich.console", "rich.panel", "ecgrid_cli.output.terminal"} <= modules


def test_piped_table_renders_without_rich(tmp_path):
    code, modules = imported_by(["partners", "list", "123456"], tmp_path, tty=False, fake=True)
    assert code == 0
    assert not modules & RICH


def test_bad_input_is_refused_before_http_is_even_imported(tmp_path):
    code, modules = imported_by(["ids", "find", "-q", "TOOLONG", "-i", "X"], tmp_path)
    assert code == 2
    assert not modules & (HTTP | SETTINGS | RICH)
