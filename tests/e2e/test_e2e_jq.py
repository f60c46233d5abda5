"""``--json`` as scripts use it: piped through jq in bash, with pipefail, over both
APIs (the scripts choose the API with ``ECGRID_API``)."""

from __future__ import annotations

import shutil

import pytest
from e2e_support import HUB_ID, OWN_ID, PARTNERCO_ID, ic_status

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed"),
]


@pytest.fixture
def sh(cli):
    return cli.shell


def test_find_partner_id_with_jq(sh) -> None:
    result = sh("ecgrid ids find -q 01 -i PARTNERCO --json | jq -r '.[0].ecGridId'")
    assert (result.code, result.out) == (0, f"{PARTNERCO_ID}\n"), result.describe()
    empty = sh("ecgrid ids find -q ZZ -i NOBODYHERE --json | jq -r '.[0].ecGridId // empty'")
    assert (empty.code, empty.out) == (0, ""), empty.describe()


def test_setup_created_flag_with_jq_e(sh, api) -> None:
    setup = f"ecgrid interconnect setup -q 01 -i PARTNERCO --from {OWN_ID} --json"
    first = sh(f"{setup} | jq -e '.created == true and .outcome == \"created\"'")
    assert first.code == 0, first.describe()
    second = sh(f"{setup} | jq -e '.created == false and .outcome == \"existing\"'")
    assert second.code == 0, second.describe()
    # README recipe: keep the interconnect ID, then use it.
    chained = sh(
        f"ic=$({setup} | jq -r '.interconnect.interconnectId')\n"
        'ecgrid partners get "$ic" --json | jq -r \'"\\(.interconnectId) \\(.status)"\''
    )
    assert chained.code == 0, chained.describe()
    ic, status = chained.out.split()
    assert status == ic_status(api, "Active") and int(ic) > 0


def test_list_count_and_single_document(run_ecgrid) -> None:
    sh = run_ecgrid.shell  # REST only: the listings themselves run on both APIs elsewhere
    length = sh(f"ecgrid partners list {HUB_ID} --all --json | jq length")
    assert (length.code, length.out) == (0, "18\n"), length.describe()
    count = sh(f"ecgrid partners count {HUB_ID} --status Active --json | jq '.count'")
    assert (count.code, count.out) == (0, "14\n"), count.describe()
    suspended = sh(
        f"ecgrid partners list {HUB_ID} --all --status Suspended --json"
        " | jq -r '.[].interconnectId' | wc -l"
    )
    assert (suspended.code, suspended.out.strip()) == (0, "2"), suspended.describe()
    # Exactly one JSON document on stdout, whatever the command.
    docs = sh(
        "for args in 'ids get 334455' 'partners list 123456 --all' 'partners count 123456'"
        " 'auth status' 'ids find -q 01 -i PARTNERCO'; do"
        " ecgrid $args --json | jq -s length; done"
    )
    assert (docs.code, docs.out) == (0, "1\n" * 5), docs.describe()


def test_error_document_on_stderr_and_exit_code(sh) -> None:
    script = (
        f"rc=0; ecgrid interconnect setup -q ZZ -i TWINCO --from {OWN_ID} --json"
        " >out.json 2>err.json || rc=$?\n"
        'echo "rc=$rc"; jq -r .error.code err.json; jq -s length out.json'
    )
    result = sh(script)
    assert result.code == 0, result.describe()
    assert result.out.splitlines() == ["rc=5", "AmbiguousMatch", "0"]
    missing = sh(
        "rc=0; ecgrid interconnect setup -q ZZ -i NOBODYHERE --from 111111 --json"
        " 2>&1 >/dev/null | jq -r '.error | \"\\(.code) \\(.httpStatus)\"' || rc=$?\n"
        'echo "rc=$rc"'
    )
    # pipefail: the pipeline fails with ecgrid's exit code 4.
    assert missing.out.splitlines() == ["PartnerNotFound null", "rc=4"], missing.describe()
