"""plan / apply: the desired-state file, the plan against a (fake) server, saved plans,
what moved since a plan was made, and applying it exactly once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from unit_fakes import FakeBackend

from ecgrid_cli.domain import plan_file
from ecgrid_cli.domain.apply import ALREADY_ENDED, TERMINATED, apply_plan, work_items
from ecgrid_cli.domain.concurrency import AdaptiveGate
from ecgrid_cli.domain.desired_state import load
from ecgrid_cli.domain.plan import (
    CREATE,
    DRIFT,
    ERROR,
    ONBOARD,
    UNCHANGED,
    UNMANAGED,
    make_plan,
    moved_since,
    summary,
)
from ecgrid_cli.domain.setup import Onboarding
from ecgrid_cli.errors import EcgridError, UsageError

ME, OTHER = 111111, 222222

TOML = """version = 1
[[ids]]
ecgrid_id = 111111
partners = [
  { qualifier = "01", id = "PARTNERCO" },
  { ecgrid_id = 445566, status = "Active" },
  { qualifier = "ZZ", id = "NEWPARTNER", onboard = { mailbox = 3001, description = "New" } },
]

[[ids]]
ecgrid_id = 222222

[[ids.partners]]
qualifier = "01"
id = "PARTNERCO"
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# -- the desired-state file ----------------------------------------------------------------


def test_toml_inline_and_table_partners_with_their_lines(tmp_path):
    desired = load(write(tmp_path, "p.toml", TOML), default_sender=None)
    assert desired.senders == (ME, OTHER)
    assert [(p.sender, p.partner.qid, p.status, p.where) for p in desired.partners] == [
        (ME, "01/PARTNERCO", None, "line 5 (ids[0].partners[0])"),
        (ME, "445566", "Active", "line 6 (ids[0].partners[1])"),
        (ME, "ZZ/NEWPARTNER", None, "line 7 (ids[0].partners[2])"),
        (OTHER, "01/PARTNERCO", None, "line 13 (ids[1].partners[0])"),
    ]
    assert desired.partners[2].onboard == Onboarding(3001, "New", None)


def test_yaml(tmp_path):
    text = (
        "version: 1\nids:\n  - ecgrid_id: 111111\n    partners:\n"
        "      - {qualifier: '01', id: PARTNERCO}\n"
        "      - ecgrid_id: 445566\n        status: completed\n"
    )
    desired = load(write(tmp_path, "p.yaml", text), default_sender=None)
    assert [(p.partner.qid, p.status, p.where) for p in desired.partners] == [
        ("01/PARTNERCO", None, "line 5 (ids[0].partners[0])"),
        ("445566", "Completed", "line 6 (ids[0].partners[1])"),
    ]


def test_bulk_rows_with_the_default_sender(tmp_path):
    text = "qualifier,id,from,mailbox\n01,PARTNERCO,,\nZZ,NEW,222222,3001\n"
    desired = load(write(tmp_path, "p.csv", text), default_sender=ME)
    assert desired.senders == (ME, OTHER)
    assert [(p.sender, p.partner.qid, p.where) for p in desired.partners] == [
        (ME, "01/PARTNERCO", "line 2 (row 1)"),
        (OTHER, "ZZ/NEW", "line 3 (row 2)"),
    ]
    assert desired.partners[1].onboard == Onboarding(3001, None, None)


def test_every_problem_is_listed_with_its_place(tmp_path):
    text = """version = 2
color = "blue"
[[ids]]
ecgrid_id = 111111
partners = [
  { qualifier = "1", id = "A" },
  { ecgrid_id = 111111 },
  { qualifier = "01", id = "B", colour = "x" },
  { id = "C" },
  { qualifier = "01", id = "B" },
  { qualifier = "01", id = "b" },
  { ecgrid_id = 5, onboard = { mailbox = 1 } },
]
"""
    with pytest.raises(UsageError) as info:
        load(write(tmp_path, "p.toml", text), default_sender=None)
    message = info.value.message
    assert message.startswith("8 problem(s) in -f ")
    for expected in (
        "version: unknown format version 2 (this tool reads 1)",
        "top level: unknown key(s) color",
        "line 6 (ids[0].partners[0]): invalid qualifier '1'",
        "line 7 (ids[0].partners[1]): a partner cannot be your own ECGrid ID",
        "line 8 (ids[0].partners[2]): unknown key(s) colour",
        "line 9 (ids[0].partners[3]): name the partner by qualifier + id, or by ecgrid_id",
        "line 11 (ids[0].partners[5]): the same partner as line 10 (ids[0].partners[4])",
        "line 12 (ids[0].partners[6]): onboarding needs the partner's qualifier and id",
    ):
        assert expected in message
    assert info.value.details == {"problems": 8}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("p.toml", "ids = [", "is not valid TOML"),
        ("p.yaml", "ids: [", "is not valid YAML"),
        ("p.yaml", "- 1\n- 2\n", "expected a table with 'ids'"),
        ("p.toml", "version = 1\n", "ids: must be a non-empty list"),
        ("p.csv", "qualifier,id\n", "holds no partners"),
    ],
)
def test_unusable_files(tmp_path, name, text, expected):
    with pytest.raises(UsageError) as info:
        load(write(tmp_path, name, text), default_sender=ME)
    assert expected in info.value.message


def test_missing_file(tmp_path):
    with pytest.raises(UsageError) as info:
        load(str(tmp_path / "nope.toml"), default_sender=None)
    assert info.value.message.startswith("cannot read -f ")


# -- making a plan -------------------------------------------------------------------------


@pytest.fixture
def server() -> FakeBackend:
    fake = FakeBackend()
    fake.add_id(ME, "ZZ", "MINE")
    fake.add_id(OTHER, "ZZ", "MINETOO")
    fake.add_id(333, "01", "PARTNERCO")
    fake.add_id(445566, "12", "5551234567")
    fake.add_id(777, "ZZ", "STRANGER")
    return fake


def plan_for(server, tmp_path, text=TOML):
    return make_plan(
        server,
        load(write(tmp_path, "p.toml", text), default_sender=None),
        gate=AdaptiveGate(4, 4, pinned=True),
    )


class GrowingWindowServer(FakeBackend):
    """Each find takes a moment and counts as a clean answer for the gate (as the retry
    layer reports them), and the server remembers how many finds were in flight at once."""

    def __init__(self, gate: AdaptiveGate) -> None:
        super().__init__()
        self.gate = gate
        self.in_flight = self.peak = 0

    def find_ids(self, qualifier, isa_id, *, include_inactive=True):
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.02)
        with self._lock:
            self.in_flight -= 1
        self.gate.clean()
        return super().find_ids(qualifier, isa_id, include_inactive=include_inactive)


def test_plan_resolves_as_many_partners_at_once_as_the_window_has_grown_to(tmp_path):
    """The adaptive window grows past its start while answers are clean: planning must
    use it (it ran on as many threads as the window had at the start, so never grew)."""
    gate = AdaptiveGate(2, 6)
    fake = GrowingWindowServer(gate)
    rows = ["qualifier,id", *(f"ZZ,P{n:04d}" for n in range(60))]
    for n in range(60):
        fake.add_id(500_000 + n, "ZZ", f"P{n:04d}")
    path = write(tmp_path, "p.csv", "\n".join(rows) + "\n")
    plan = make_plan(fake, load(path, default_sender=ME), gate=gate)
    assert [item.action for item in plan.items] == [CREATE] * 60
    assert gate.peak == 6
    assert fake.peak > 2, f"never more than {fake.peak} finds at once"


def test_plan_of_an_empty_server(server, tmp_path):
    plan = plan_for(server, tmp_path)
    assert [(i.action, i.sender, i.partner_id) for i in plan.items] == [
        (CREATE, ME, 333),
        (CREATE, ME, 445566),
        (ONBOARD, ME, None),
        (CREATE, OTHER, 333),
    ]
    assert plan.changes == 4
    assert plan.errors == []
    assert plan.snapshot == []
    assert summary(plan) == {
        "create": 3,
        "onboard": 1,
        "unchanged": 0,
        "drift": 0,
        "unmanaged": 0,
        "errors": 0,
        "changes": 4,
    }


def test_unchanged_drift_and_unmanaged(server, tmp_path):
    server.add_interconnect(10, 333, ME)  # present, either orientation
    server.add_interconnect(11, ME, 445566, "Suspended")  # expected Active: drift
    server.add_interconnect(12, ME, 777)  # not in the file: unmanaged
    server.add_interconnect(13, ME, 777, "Terminated")  # ended: ignored
    plan = plan_for(server, tmp_path)
    by_partner = {(i.sender, i.partner_id): i for i in plan.items}
    assert by_partner[(ME, 333)].action == UNCHANGED
    assert by_partner[(ME, 333)].interconnect_id == 10
    assert by_partner[(ME, 445566)].action == DRIFT
    assert by_partner[(ME, 445566)].status == "Suspended"
    assert by_partner[(ME, 777)].action == UNMANAGED
    assert by_partner[(ME, 777)].interconnect_id == 12
    assert plan.snapshot == [
        (10, 333, ME, "Active"),
        (11, ME, 445566, "Suspended"),
        (12, ME, 777, "Active"),
    ]


def test_expected_status_is_compared_in_the_servers_words(server, tmp_path):
    server.api = "soap"
    server.add_interconnect(11, ME, 445566, "Completed")
    plan = plan_for(server, tmp_path)
    item = next(i for i in plan.items if i.partner_id == 445566)
    assert (item.action, item.expected_status) == (UNCHANGED, "Completed")


def test_unresolvable_partners_are_errors(server, tmp_path):
    server.add_id(334, "01", "PARTNERCO")  # now ambiguous
    plan = plan_for(server, tmp_path)
    errors = [i for i in plan.items if i.action == ERROR]
    assert len(errors) == 2
    assert {i.error.code for i in errors} == {"AmbiguousMatch"}


def test_onboard_only_when_no_live_id_holds_the_qid(server, tmp_path):
    server.add_id(888, "ZZ", "NEWPARTNER")
    plan = plan_for(server, tmp_path)
    item = next(i for i in plan.items if i.isa_id == "NEWPARTNER")
    assert (item.action, item.partner_id) == (CREATE, 888)


def test_a_partner_ecgrid_id_that_does_not_exist_is_an_error(server, tmp_path):
    text = "version = 1\n[[ids]]\necgrid_id = 111111\npartners = [{ ecgrid_id = 999999 }]\n"
    plan = plan_for(server, tmp_path, text)
    assert [i.action for i in plan.items] == [ERROR]


# -- what moved since ----------------------------------------------------------------------


def test_nothing_moved(server, tmp_path):
    server.add_interconnect(10, 333, ME)
    plan = plan_for(server, tmp_path)
    assert moved_since(server, plan, prune=False, workers=2) == []


def test_ended_changed_and_appeared_interconnects_are_named(server, tmp_path):
    server.add_interconnect(10, 333, ME)
    server.add_interconnect(11, ME, 445566)
    plan = plan_for(server, tmp_path)
    del server.interconnects[10]
    server.add_interconnect(11, ME, 445566, "Suspended")
    server.add_interconnect(12, ME, 777)
    assert moved_since(server, plan, prune=False, workers=2) == [
        f"interconnect 10 (333 ↔ {ME}) ended",
        f"interconnect 11 ({ME} ↔ 445566) was Active, is now Suspended",
        f"interconnect 12 ({ME} ↔ 777, Active) appeared",
    ]


def test_the_plans_own_progress_is_not_movement(server, tmp_path):
    server.add_interconnect(12, ME, 777)
    plan = plan_for(server, tmp_path)
    server.add_interconnect(20, ME, 333)  # a planned create, done
    server.add_id(888, "ZZ", "NEWPARTNER")  # a planned onboarding, done
    server.add_interconnect(21, ME, 888)
    server.add_interconnect(12, ME, 777, "Terminated")  # a planned termination, done
    assert moved_since(server, plan, prune=True, workers=2) == []
    assert moved_since(server, plan, prune=False, workers=2) == [
        f"interconnect 12 ({ME} ↔ 777) ended"
    ]


# -- saved plans ---------------------------------------------------------------------------


def test_a_saved_plan_reads_back_the_same(server, tmp_path):
    server.add_interconnect(12, ME, 777)
    plan = plan_for(server, tmp_path)
    path = str(tmp_path / "plan.json")
    plan_file.save(plan, path)
    document = json.loads(Path(path).read_text())
    assert (document["format"], document["formatVersion"]) == ("ecgrid-plan", 1)
    assert document["summary"]["changes"] == 4
    again = plan_file.load(path, api=server.api, base_url=server.base_url)
    assert again.senders == plan.senders
    assert again.snapshot == plan.snapshot
    assert [(i.action, i.sender, i.partner_id, i.onboard) for i in again.items] == [
        (i.action, i.sender, i.partner_id, i.onboard) for i in plan.items
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(api="soap"), "was made for soap at"),
        (lambda d: d.update(baseUrl="https://other.test"), "make a new plan"),
        (lambda d: d.update(format="other"), "is not a plan saved by 'ecgrid plan --out'"),
        (lambda d: d.update(formatVersion=2), "is a plan of format 2; this tool reads 1"),
        (lambda d: d.pop("items"), "is a damaged plan (KeyError"),
        (lambda d: d["state"].update(interconnects=[[1, 2]]), "is a damaged plan"),
    ],
)
def test_a_saved_plan_for_elsewhere_or_damaged_is_refused(server, tmp_path, change, expected):
    path = tmp_path / "plan.json"
    plan_file.save(plan_for(server, tmp_path), str(path))
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(UsageError) as info:
        plan_file.load(str(path), api=server.api, base_url=server.base_url)
    assert expected in info.value.message


def test_a_file_that_is_not_json_is_not_a_plan(tmp_path):
    path = write(tmp_path, "plan.json", "{nope")
    with pytest.raises(UsageError) as info:
        plan_file.load(path, api="rest", base_url="x")
    assert "is not a plan (not JSON" in info.value.message


def test_an_unwritable_plan_is_a_clear_error(server, tmp_path):
    with pytest.raises(EcgridError) as info:
        plan_file.save(plan_for(server, tmp_path), str(tmp_path / "no" / "plan.json"))
    assert info.value.code == "PlanNotWritable"
    assert list(tmp_path.glob("**/*.tmp")) == []


# -- applying ------------------------------------------------------------------------------


def test_apply_creates_and_onboards_once_and_leaves_unmanaged_alone(server, tmp_path):
    server.add_interconnect(12, ME, 777)
    plan = plan_for(server, tmp_path)
    applied = list(apply_plan(server, plan, prune=False, gate=AdaptiveGate(4, 4)))
    assert sorted(a.outcome for a in applied) == ["created"] * 4
    onboarded = next(a for a in applied if a.item.action == ONBOARD)
    assert onboarded.partner_created is True
    assert set(server.created_pairs().values()) == {1}
    assert server.interconnects[12].status == "Active"
    again = plan_for(server, tmp_path)
    assert again.changes == 0


def test_apply_with_prune_terminates_unmanaged(server, tmp_path):
    server.add_interconnect(12, ME, 777)
    server.add_interconnect(13, OTHER, 777)
    plan = plan_for(server, tmp_path)
    server.add_interconnect(13, OTHER, 777, "Terminated")  # ended meanwhile
    applied = {
        a.item.interconnect_id: a
        for a in apply_plan(server, plan, prune=True, gate=AdaptiveGate(2, 2))
        if a.item.action == UNMANAGED
    }
    assert applied[12].outcome == TERMINATED
    assert applied[12].interconnect.status == "Terminated"
    assert applied[13].outcome == ALREADY_ENDED
    assert server.count("cancel_interconnect") == 1


def test_work_items_leave_unmanaged_out_without_prune(server, tmp_path):
    server.add_interconnect(12, ME, 777)
    server.add_interconnect(10, 333, ME)
    plan = plan_for(server, tmp_path)
    assert [i.action for i in work_items(plan, prune=False)] == [CREATE, ONBOARD, CREATE]
    assert [i.action for i in work_items(plan, prune=True)][-1] == UNMANAGED


def test_a_failing_item_is_reported_and_the_rest_run(server, tmp_path):
    plan = plan_for(server, tmp_path)
    server.errors[("create_interconnect", OTHER)] = EcgridError("refused", code="AccessDenied")
    applied = list(apply_plan(server, plan, prune=False, gate=AdaptiveGate(2, 2)))
    failed = [a for a in applied if a.outcome == "failed"]
    assert len(failed) == 1
    assert failed[0].item.sender == OTHER
    assert failed[0].error.code == "AccessDenied"
    assert sum(a.outcome == "created" for a in applied) == 3


def test_applying_a_plan_twice_changes_nothing_the_second_time(server, tmp_path):
    plan = plan_for(server, tmp_path)
    list(apply_plan(server, plan, prune=False, gate=AdaptiveGate(2, 2)))
    creates = server.count("create_interconnect")
    second = list(apply_plan(server, plan, prune=False, gate=AdaptiveGate(2, 2)))
    assert {a.outcome for a in second} == {"existing"}
    assert server.count("create_interconnect") == creates


def test_a_create_in_a_status_the_api_cannot_create_is_an_error_item(server, tmp_path):
    """It said "would create", and apply then failed on the server (exit 1, "re-run")."""
    text = (
        "version = 1\n[[ids]]\necgrid_id = 111111\npartners = [\n"
        '  { qualifier = "01", id = "PARTNERCO", status = "Terminated" },\n'
        '  { qualifier = "12", id = "5551234567", status = "Suspended" },\n]\n'
    )
    plan = plan_for(server, tmp_path, text)
    first, second = plan.items[:2]
    assert (first.action, first.error.code, first.error.kind) == (
        ERROR,
        "StatusNotCreatable",
        "usage",
    )
    assert first.error.message == (
        "the REST API cannot create an interconnect in status Terminated: "
        "choose one of Development, Active, Preproduction, Suspended"
    )
    assert second.action == CREATE  # REST can create a Suspended interconnect
