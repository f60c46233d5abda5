"""`ids find` against servers that speak only one of the three documented find forms.

Each style starts with an empty cache: the first run may probe several forms, the
next runs (setup, and a find that finds nothing) send exactly one find request, in
the form that worked.
"""

from __future__ import annotations

import pytest
from e2e_support import (
    ECGRID_ID_KEYS,
    OWN_ID,
    PARTNERCO_DOC,
    PARTNERCO_ID,
    find_request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e

# The guide's GET isaQualifier/isaId form answers without routingGroup and ediStandard:
# the document keeps its keys and says null rather than costing a second request per ID.
NARROW_FORM_DOC = {**PARTNERCO_DOC, "routingGroup": None, "ediStandard": None}
EXPECTED = {"post": PARTNERCO_DOC, "get-isa": NARROW_FORM_DOC, "get-qual": PARTNERCO_DOC}


def _start(start_sandbox, runner_for, tmp_path, style: str):
    sandbox = start_sandbox("--find-style", style)
    cache = tmp_path / f"cache-{style}"
    assert not cache.exists()
    run = runner_for(sandbox.url)

    def run_with_cache(*args: str):
        return run(*args, env_extra={"XDG_CACHE_HOME": str(cache)})

    return run_with_cache


@pytest.mark.parametrize("style", list(EXPECTED))
def test_find_style_works_and_is_remembered(start_sandbox, runner_for, tmp_path, style) -> None:
    run = _start(start_sandbox, runner_for, tmp_path, style)
    find = ("-v", "ids", "find", "-q", "01", "-i", "PARTNERCO", "--json")

    first = run(*find)
    assert first.code == 0, first.describe()
    probes = find_request_lines(first.err)
    assert 1 <= len(probes) <= 3, first.err
    docs = first.json()
    assert docs == [EXPECTED[style]]  # the same canonical document, keys in order
    assert list(docs[0]) == list(PARTNERCO_DOC)
    assert set(docs[0]) == ECGRID_ID_KEYS

    # Setup uses the remembered form too: one find request, then the interconnect. A
    # find that finds nothing does not start probing again.
    setup, nothing = run_parallel(
        run,
        ("-v", "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", str(OWN_ID),
         "--json"),
        ("-v", "ids", "find", "-q", "ZZ", "-i", "NOBODYHERE", "--json"),
    )  # fmt: skip
    assert setup.code == 0, setup.describe()
    assert find_request_lines(setup.err) == probes[-1:], setup.err  # the form that worked
    assert setup.json()["created"] is True
    assert setup.json()["partner"]["ecGridId"] == PARTNERCO_ID

    assert nothing.code == 0, nothing.describe()
    assert nothing.json() == []
    assert len(find_request_lines(nothing.err)) == 1, nothing.err
