"""``--json`` as scripts use it: piped through jq in bash, with pipefail, over both
APIs (the script chooses the API with ``ECGRID_API``)."""

from __future__ import annotations

import shutil

import pytest
from e2e_support import OWN_ID, PARTNERCO_ID, ic_status

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed"),
]

SETUP = f"ecgrid interconnect setup -q 01 -i PARTNERCO --from {OWN_ID} --json"
SCRIPT = f"""
ecgrid ids find -q 01 -i PARTNERCO --json | jq -r '.[0].ecGridId'
ecgrid ids find -q ZZ -i NOBODYHERE --json | jq -r '.[0].ecGridId // empty'
ecgrid partners list 123456 --all --per-page 5 --json | jq length
{SETUP} | jq -e '.created == true and .outcome == "created"' >/dev/null && echo created
# README recipe: keep the interconnect ID, then use it.
ic=$({SETUP} | jq -er 'select(.outcome == "existing") | .interconnect.interconnectId')
ecgrid partners get "$ic" --json | jq -r '"\\(.interconnectId) \\(.status)"'
# The error document is on stderr, nothing on stdout, and the exit code says what failed.
rc=0; ecgrid interconnect setup -q ZZ -i TWINCO --from {OWN_ID} --json \\
  >out.json 2>err.json || rc=$?
echo "rc=$rc"; jq -r .error.code err.json; jq -s length out.json
rc=0; ecgrid interconnect setup -q ZZ -i NOBODYHERE --from {OWN_ID} --json 2>&1 >/dev/null \\
  | jq -r '.error | "\\(.code) \\(.httpStatus)"' || rc=$?
echo "rc=$rc"  # pipefail: the pipeline fails with ecgrid's exit code 4
"""


def test_scripts_read_json_with_jq(cli, api) -> None:
    result = cli.shell(SCRIPT)
    assert result.code == 0, result.describe()
    lines = result.out.splitlines()
    assert len(lines) == 9, result.describe()
    found, listed, created, got, *errors = lines
    assert found == str(PARTNERCO_ID)  # and nothing at all for NOBODYHERE
    assert listed == "18"  # one JSON array over every page
    assert created == "created"
    ic, status = got.split()
    assert status == ic_status(api, "Active") and int(ic) > 0
    assert errors == ["rc=5", "AmbiguousMatch", "0", "PartnerNotFound null", "rc=4"]
