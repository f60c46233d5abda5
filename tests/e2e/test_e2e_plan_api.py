"""`ecgrid plan` / `ecgrid apply` (partner sets as code) over both APIs, and the raw
`ecgrid api` (REST only), against a sandbox.

How plans and reports are shown to people is proven in-process
(``tests/cli/test_plan_apply.py``); the README's own examples run in ``tests/readme``.
"""

from __future__ import annotations

import json

import pytest
from e2e_support import (
    NOT_FOUND,
    OWN_ID,
    PARTNERCO_ID,
    assert_json_error,
    ic_status,
    live_pairs,
    request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e

DESIRED = f"""version = 1
[[ids]]
ecgrid_id = {OWN_ID}
partners = [
  {{ qualifier = "01", id = "PARTNERCO" }},
  {{ qualifier = "ZZ", id = "HEALTHYCO", status = "Active" }},
  {{ qualifier = "ZZ", id = "HELDCO", status = "Active" }},
  {{ qualifier = "ZZ", id = "INITECH", onboard = {{ mailbox = 1002, description = "Initech" }} }},
]
"""
UNMANAGED = [87002, 87004, 87005, 87006]  # the seed's other interconnects of 111111


def test_plan_then_apply(cli, api, tmp_path) -> None:
    desired = tmp_path / "partners.toml"
    desired.write_text(DESIRED, encoding="utf-8")
    saved = tmp_path / "plan.json"
    plan = cli(
        "-v", "plan", "-f", str(desired), "--detailed-exitcode", "--json", "--out", str(saved)
    )
    assert plan.code == 8, plan.describe()  # changes pending
    doc = plan.json()
    assert doc["api"] == api
    assert doc["summary"] == {
        "create": 1,
        "onboard": 1,
        "unchanged": 1,
        "drift": 1,
        "unmanaged": 4,
        "errors": 0,
        "changes": 2,
    }
    by_action: dict[str, list] = {}
    for item in doc["items"]:
        by_action.setdefault(item["action"], []).append(item)
    assert [i["partner"]["ecGridId"] for i in by_action["create"]] == [PARTNERCO_ID]
    assert [i["interconnectId"] for i in by_action["unchanged"]] == [87001]
    assert [i["interconnectId"] for i in by_action["drift"]] == [87003]
    assert by_action["drift"][0]["status"] == ic_status(api, "Suspended")
    assert [i["partner"]["id"] for i in by_action["onboard"]] == ["INITECH"]
    assert sorted(i["interconnectId"] for i in by_action["unmanaged"]) == UNMANAGED
    assert json.loads(saved.read_text(encoding="utf-8"))["items"] == doc["items"]

    applied = cli("-v", "apply", str(saved), "--yes", "--json")
    assert applied.code == 0, applied.describe()
    report = applied.json()
    assert report["summary"]["created"] == 2 and report["summary"]["failed"] == 0
    outcomes = {item["action"]: item for item in report["applied"]}
    assert outcomes["create"]["outcome"] == "created"
    assert (outcomes["onboard"]["outcome"], outcomes["onboard"]["partnerCreated"]) == (
        "created",
        True,
    )

    # The same file again, with --prune: nothing to create, the unmanaged ones end.
    pruned = cli("apply", "-f", str(desired), "--prune", "--yes", "--json")
    assert pruned.code == 0, pruned.describe()
    assert pruned.json()["summary"]["created"] == 0
    assert pruned.json()["summary"]["terminated"] == 4

    listed = cli("partners", "list", str(OWN_ID), "--all", "--json")
    assert listed.code == 0, listed.describe()
    live = live_pairs(listed.json())
    new = {
        outcomes["create"]["interconnectId"]: PARTNERCO_ID,
        outcomes["onboard"]["interconnectId"]: outcomes["onboard"]["partner"]["ecGridId"],
    }
    assert live == {
        frozenset((OWN_ID, 700001)): [87001],
        frozenset((OWN_ID, 700003)): [87003],  # drift is reported, never "fixed"
        **{frozenset((OWN_ID, partner)): [ic] for ic, partner in new.items()},
    }
    ended = {ic["interconnectId"]: ic["status"] for ic in listed.json()}
    assert {ended[ic] for ic in UNMANAGED} == {ic_status(api, "Terminated")}


def test_api_raw_requests(reader, api) -> None:
    if api == "soap":
        refused = reader("api", "/v2/ids/334455")
        assert (refused.code, refused.out) == (2, ""), refused.describe()
        assert "SOAP" in refused.err
        return
    description, count, paged, missing = run_parallel(
        reader,
        ("api", "/v2/ids/334455", "--jq", ".description"),
        ("-v", "api", "POST", "/v2/partners/count", "-F", "ecGridId=123456", "-f",
         "status=Active"),
        ("api", "/v2/partners/list", "-F", "ecGridId=123456", "-F", "recordsPerPage=5",
         "--paginate", "--jq", "length"),
        ("-v", "api", "/v2/ids/999", "--json"),
    )  # fmt: skip
    assert (description.code, description.out) == (0, "Partner Company Inc.\n")
    assert (count.code, count.out.strip()) == (0, "14"), count.describe()  # envelope unwrapped
    assert any(line.startswith("> POST") for line in request_lines(count.err)), count.err
    assert (paged.code, paged.out) == (0, "18\n"), paged.describe()  # every page, one array
    assert missing.code == 4, missing.describe()
    assert_json_error(missing, *NOT_FOUND["rest"])
