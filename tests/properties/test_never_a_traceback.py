"""Property tests: whatever the arguments or the server's answer, the tool ends with a
documented exit code and one-line errors, never a traceback."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecgrid_cli.app import run

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 7, 130}
BASE = "https://api.test"
KEY = "prop-test-key-Q9x2"
COMMANDS = [
    ["ids", "find", "--qualifier"],
    ["ids", "get"],
    ["partners", "count"],
    ["partners", "get"],
    ["partners", "list"],
    ["partners", "create", "--to"],
]


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    for name in ("ECGRID_PROFILE", "ECGRID_TIMEOUT", "ECGRID_RETRIES", "ECGRID_ECGRID_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ECGRID_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ECGRID_API_KEY", KEY)
    monkeypatch.setenv("ECGRID_BASE_URL", BASE)
    monkeypatch.setattr("ecgrid_cli.api.transport.time.sleep", lambda s: None)


def _check(code: int, err: str, out: str) -> None:
    assert code in DOCUMENTED_EXIT_CODES
    assert "Traceback" not in err and "Traceback" not in out
    assert KEY not in err and KEY not in out
    if code != 0 and code != 130:
        assert err.strip(), "a failure must say why on stderr"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"success": st.booleans(), "data": json_values},
        optional={"errorCode": st.none() | st.text(max_size=20), "message": json_values},
    ).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from([200, 201, 400, 401, 403, 404, 409, 429, 500, 502, 503]),
    body=bodies,
    command=st.sampled_from(COMMANDS),
    json_flag=st.booleans(),
)
def test_any_server_answer_ends_cleanly(capsys, status, body, command, json_flag):
    args = [*command, "01" if command[-1] == "--qualifier" else "123456"]
    if command[:2] == ["ids", "find"]:
        args += ["--id", "PARTNERCO"]
    if command[:2] == ["partners", "create"]:
        args += ["--from", "111111"]
    if json_flag:
        args.append("--json")
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.route().mock(return_value=httpx.Response(status, content=body))
        code = run(["--retries", "1", *args])
    captured = capsys.readouterr()
    _check(code, captured.err, captured.out)
    if json_flag and code not in (0, 130):
        assert set(json.loads(captured.err.strip().splitlines()[-1])) == {"error"}


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(COMMANDS),
    values=st.lists(st.text(max_size=20), min_size=1, max_size=3),
    json_flag=st.booleans(),
)
def test_any_argument_values_end_cleanly(capsys, command, values, json_flag):
    args = [*command, *values] + (["--json"] if json_flag else [])
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.route().mock(
            return_value=httpx.Response(200, json={"success": True, "data": [], "errorCode": None})
        )
        code = run(args)
    captured = capsys.readouterr()
    _check(code, captured.err, captured.out)
