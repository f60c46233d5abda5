"""`ecgrid plan` and `ecgrid apply`: partner sets as code, against the fake backend."""

from __future__ import annotations

import io

import pytest
from cli_support import assert_fits, assert_tsv, assert_whole

from ecgrid_cli.iostreams import IOStreams

DESIRED = """version = 1
[[ids]]
ecgrid_id = 111111
partners = [
  { qualifier = "01", id = "PARTNERCO" },
  { ecgrid_id = 123456, status = "Active" },
  { qualifier = "12", id = "5551234567" },
]
"""


@pytest.fixture
def desired(tmp_path, backend):
    backend.add_interconnect(88001, 111111, 334455)
    backend.add_interconnect(88002, 111111, 123456, status="Suspended")
    backend.add_interconnect(88003, 111111, 500002)
    path = tmp_path / "partners.toml"
    path.write_text(DESIRED)
    return str(path)


def test_plan_piped_lists_every_partner_and_what_would_change(cli, backend, desired):
    result = cli("plan", "-f", desired)
    assert result.code == 0, result.err
    assert result.out == (
        "unchanged\t111111\t01/PARTNERCO (334455)\t88001\tActive\t\n"
        "drift\t111111\t123456\t88002\tSuspended\texpected Active, is Suspended "
        "(reported; the API cannot change it)\n"
        "create\t111111\t12/5551234567 (445566)\t\t\twould create the interconnect\n"
        "unmanaged\t111111\t500002\t88003\tActive\tnot in the file; 'apply --prune' terminates it\n"
    )
    assert_tsv(result.out, 6)
    assert result.err == (
        "Plan: 1 to create (0 with onboarding), 1 drifted, 1 unmanaged, 1 unchanged, "
        "0 unresolved.\n"
    )
    assert backend.writes() == []


def test_plan_detailed_exitcode_is_8_when_anything_is_pending(cli, backend, desired):
    assert cli("plan", "-f", desired, "--detailed-exitcode").code == 8


def test_plan_detailed_exitcode_is_0_when_the_server_matches(cli, backend, tmp_path):
    backend.add_interconnect(88001, 111111, 334455)
    path = tmp_path / "partners.toml"
    path.write_text(
        'version = 1\n[[ids]]\necgrid_id = 111111\npartners = [{ qualifier = "01", '
        'id = "PARTNERCO" }]\n'
    )
    result = cli("plan", "-f", str(path), "--detailed-exitcode")
    assert result.code == 0, result.err
    assert result.err == "No changes: the server matches the file (1 unchanged).\n"


def test_plan_json(cli, backend, desired):
    result = cli("plan", "-f", desired, "--json")
    assert (result.code, result.err) == (0, "")
    document = result.json()
    assert document["format"] == "ecgrid-plan"
    assert document["summary"] == {
        "create": 1,
        "onboard": 0,
        "unchanged": 1,
        "drift": 1,
        "unmanaged": 1,
        "errors": 0,
        "changes": 1,
    }
    assert [item["action"] for item in document["items"]] == [
        "unchanged",
        "drift",
        "create",
        "unmanaged",
    ]
    assert document["items"][1]["where"] == "line 6 (ids[0].partners[1])"


def test_plan_on_an_80_column_terminal_keeps_ids_whole(cli, backend, desired):
    result = cli("plan", "-f", desired, tty=True)
    assert_fits(result.out, 80)
    assert_whole(result.out, "111111", "123456", "500002", "unmanaged")


def test_plan_on_a_wide_terminal_shows_changes_only(cli, backend, desired):
    result = cli("plan", "-f", desired, tty=True, width=160)
    assert result.code == 0
    assert [line.split()[:3] for line in result.screen[2:]] == [
        ["~", "drift", "111111"],
        ["+", "create", "111111"],
        ["!", "unmanaged", "111111"],
    ]
    assert result.err_screen == [
        "Plan: 1 to create (0 with onboarding), 1 drifted, 1 unmanaged, 1 unchanged, 0 unresolved."
    ]


def test_plan_with_an_unresolvable_partner_exits_with_its_kind(cli, backend, tmp_path):
    path = tmp_path / "partners.toml"
    path.write_text(
        'version = 1\n[[ids]]\necgrid_id = 111111\npartners = [{ qualifier = "ZZ", '
        'id = "NOBODY" }]\n'
    )
    result = cli("plan", "-f", str(path))
    assert result.code == 4
    assert result.err_lines[-1] == (
        "error: 1 partner(s) of the file cannot be resolved: line 4 (ids[0].partners[0]): "
        "no ECGrid ID is registered for ZZ/NOBODY; onboard the partner first "
        "(ecgrid ids create, or setup --onboard --mailbox N)"
    )


def test_plan_refuses_a_bad_file_before_asking_the_server(cli, backend, tmp_path):
    path = tmp_path / "partners.toml"
    path.write_text(
        'version = 1\n[[ids]]\necgrid_id = 111111\npartners = [\n  { qualifier = "0", '
        'id = "X" },\n  { bogus = 1 },\n]\n'
    )
    result = cli("plan", "-f", str(path))
    assert result.code == 2
    assert result.err == (
        f"error: 2 problem(s) in -f {path}, nothing was sent: line 5 (ids[0].partners[0]): "
        "invalid qualifier '0': an ISA qualifier is 2 letters or digits; "
        "line 6 (ids[0].partners[1]): unknown key(s) bogus\n"
    )
    assert backend.calls == []


def test_plan_needs_a_file(cli, backend):
    result = cli("plan")
    assert (result.code, result.err) == (2, "error: give the desired state with -f FILE\n")


# -- apply -----------------------------------------------------------------------------------


def test_apply_piped_refuses_without_yes(cli, backend, desired):
    result = cli("apply", "-f", desired)
    assert (result.code, result.out) == (2, "")
    assert result.err_lines[-1] == (
        "error: refusing to continue without confirmation: no terminal; pass --yes"
    )
    assert backend.writes() == []


def test_apply_yes_creates_only_what_is_missing_and_says_so(cli, backend, desired):
    result = cli("apply", "-f", desired, "--yes")
    assert result.code == 0, result.err
    assert result.out == "create\t111111\t12/5551234567 (445566)\tcreated\t88200\t\n"
    assert result.err_lines[-1] == "Applied: 1 created."
    assert [call.args for call in backend.writes()] == [(111111, 445566)]
    again = cli("apply", "-f", desired, "--yes")
    assert (again.code, again.out, again.err_lines[-1]) == (0, "", "Nothing to apply.")
    assert len(backend.writes()) == 1


def test_apply_on_a_terminal_asks_first(cli, backend, desired):
    declined = cli("apply", "-f", desired, tty=True, width=160, stdin="n\n")
    assert declined.code == 1
    assert declined.err_screen[-1] == (
        "Apply 1 change(s)? [y/N]: error: cancelled: nothing was changed"
    )
    assert backend.writes() == []
    agreed = cli("apply", "-f", desired, tty=True, width=160, stdin="y\n")
    assert agreed.code == 0, agreed.err
    assert agreed.err_screen[-1] == "Applied: 1 created."


def test_apply_prune_asks_separately_and_terminates(cli, backend, desired):
    result = cli("apply", "-f", desired, "--prune", tty=True, width=160, stdin="y\ny\n")
    assert result.code == 0, result.err
    assert "Terminate 1 unmanaged interconnect(s) (88003)? This cannot be undone. [y/N]: " in (
        result.err
    )
    assert backend.interconnects[88003]["status"] == "Terminated"
    assert sorted(call.method for call in backend.writes()) == [
        "cancel_interconnect",
        "create_interconnect",
    ]


def test_apply_prune_without_a_terminal_needs_both_flags(cli, backend, desired):
    result = cli("apply", "-f", desired, "--prune")
    assert result.code == 2
    assert backend.writes() == []


def test_apply_json(cli, backend, desired):
    result = cli("apply", "-f", desired, "--yes", "--prune", "--json")
    assert (result.code, result.err) == (0, "")
    assert result.json()["summary"] == {
        "created": 1,
        "existing": 0,
        "unconfirmed": 0,
        "terminated": 1,
        "already-ended": 0,
        "failed": 0,
    }


def test_a_saved_plan_is_applied_as_made(cli, backend, desired, tmp_path):
    saved = str(tmp_path / "plan.json")
    made = cli("plan", "-f", desired, "--out", saved)
    assert made.code == 0, made.err
    assert made.err_lines[-1] == (
        f"saved the plan to {saved}; run 'ecgrid apply {saved}' to carry it out"
    )
    applied = cli("apply", saved, "--yes")
    assert applied.code == 0, applied.err
    assert [call.args for call in backend.writes()] == [(111111, 445566)]


def test_a_saved_plan_is_refused_when_the_server_moved(cli, backend, desired, tmp_path):
    saved = str(tmp_path / "plan.json")
    assert cli("plan", "-f", desired, "--out", saved).code == 0
    backend.interconnects[88001]["status"] = "Terminated"
    result = cli("apply", saved, "--yes", "--json")
    assert (result.code, result.out) == (5, "")
    error = result.err_json()["error"]
    assert error["code"] == "PlanStale"
    assert error["details"] == {"moved": ["interconnect 88001 (111111 ↔ 334455) ended"]}
    assert backend.writes() == []


def test_apply_takes_a_file_or_a_saved_plan_not_both(cli, backend, desired):
    for args in ([], ["plan.json", "-f", desired]):
        result = cli("apply", *args)
        assert (result.code, result.err) == (
            2,
            "error: give either -f FILE or a saved PLAN.json (not both)\n",
        )


def test_apply_failures_leave_what_a_rerun_can_finish(cli, backend, desired):
    from ecgrid_cli.errors import TransientError

    backend.fail("create_interconnect", TransientError("HTTP 503", http_status=503), times=None)
    result = cli("apply", "-f", desired, "--yes", "--json")
    assert result.code == 6
    assert result.json()["summary"]["failed"] == 1
    assert result.err_json()["error"]["code"] == "ApplyIncomplete"
    backend._faults.clear()
    assert cli("apply", "-f", desired, "--yes").code == 0
    assert len(backend.writes("create_interconnect")) == 1


ONBOARDING_WITH_USE_TYPE = """version = 1
[[ids]]
ecgrid_id = 111111
partners = [
  { qualifier = "01", id = "PARTNERCO" },
  { qualifier = "ZZ", id = "NEWCO", onboard = { mailbox = 1002, use_type = "Production" } },
]
"""


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_use_type_the_soap_api_cannot_set_is_refused_before_any_request(
    cli, soap, tmp_path, command
):
    path = tmp_path / "partners.toml"
    path.write_text(ONBOARDING_WITH_USE_TYPE)
    result = cli(command, "-f", str(path), *(["--yes"] if command == "apply" else []))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: 1 problem(s) in -f {path}, nothing was sent: line 6 (ids[0].partners[1]): "
        "the SOAP API has no use type for a new ECGrid ID; leave use_type out\n"
    )
    assert soap.calls == []


@pytest.mark.parametrize(
    ("name", "text", "hint"),
    [
        (
            "partners.toml",
            'version = 1\n[[ids]]\necgrid_id = 111111\npartners = [{ qualifier = "ZZ", '
            'id = "TWINCO" }]\n',
            "choose one with the partner's ecgrid_id",
        ),
        ("partners.csv", "qualifier,id\nZZ,TWINCO\n", "choose one with a partner_ecgrid_id column"),
    ],
)
def test_an_ambiguous_partner_in_a_file_names_the_field_that_settles_it(
    cli, backend, tmp_path, name, text, hint
):
    path = tmp_path / name
    path.write_text(text)
    result = cli("--json", "plan", "-f", str(path), "--from", "111111")
    assert result.code == 5
    (item,) = result.json()["items"]
    assert item["error"]["message"].endswith(hint), item["error"]


def test_plan_with_unresolvable_partners_of_mixed_kinds_exits_1(cli, backend, tmp_path):
    """Not found (4) and ambiguous (5) together: exit 1 and code PlanError, as bulk does."""
    path = tmp_path / "partners.toml"
    path.write_text(
        'version = 1\n[[ids]]\necgrid_id = 111111\npartners = [\n  { qualifier = "ZZ", '
        'id = "NOBODY" },\n  { qualifier = "ZZ", id = "TWINCO" },\n]\n'
    )
    result = cli("plan", "-f", str(path), "--json")
    assert result.code == 1
    assert result.err_json()["error"]["code"] == "PlanError"


@pytest.mark.parametrize(
    ("onboard", "problem"),
    [
        (
            "use_type = 1",
            "invalid onboard.use_type 1: choose one of Test, Production, TestAndProduction",
        ),
        ('description = ["x"]', "onboard.description must be text, not ['x']"),
    ],
)
def test_an_onboard_value_of_the_wrong_type_is_a_usage_error(
    cli, backend, tmp_path, onboard, problem
):
    """A number where a word belongs crashed with "unexpected error: AttributeError"."""
    path = tmp_path / "partners.toml"
    path.write_text(
        'version = 1\n[[ids]]\necgrid_id = 111111\npartners = [\n  { qualifier = "ZZ", '
        f'id = "NEWCO", onboard = {{ mailbox = 1002, {onboard} }} }},\n]\n'
    )
    result = cli("plan", "-f", str(path))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: 1 problem(s) in -f {path}, nothing was sent: "
        f"line 5 (ids[0].partners[0]): {problem}\n"
    )
    assert backend.calls == []


class _HeadOne(io.StringIO):
    """stdout read by `head -1`: the first line is taken, then the reader is gone."""

    def write(self, text: str) -> int:
        if "\n" in self.getvalue():
            raise BrokenPipeError
        return super().write(text)


def _piped_to_head() -> IOStreams:
    streams = IOStreams.test()
    streams.stdout = _HeadOne()
    return streams


@pytest.mark.parametrize(
    ("args", "code"),
    [(("plan",), 4), (("plan", "--detailed-exitcode"), 4), (("plan", "--json"), 4)],
)
def test_plan_piped_to_head_keeps_its_exit_code(cli, backend, tmp_path, args, code):
    """`ecgrid plan ... | head -1` exited 0 although the plan had failed (exit 4)."""
    path = tmp_path / "partners.toml"
    path.write_text(
        'version = 1\n[[ids]]\necgrid_id = 111111\npartners = [\n  { qualifier = "ZZ", '
        'id = "NOBODY" },\n  { qualifier = "01", id = "PARTNERCO" },\n  { qualifier = "12", '
        'id = "5551234567" },\n]\n'
    )
    streams = _piped_to_head()
    result = cli(args[0], "-f", str(path), *args[1:], io=streams)
    assert result.code == code
    assert "cannot be resolved" in result.err


def test_a_listing_piped_to_head_exits_0_silently(cli, backend, tmp_path):
    backend.add_interconnect(88001, 111111, 334455)
    backend.add_interconnect(88002, 111111, 123456)
    result = cli("partners", "list", "111111", io=_piped_to_head())
    assert (result.code, result.err) == (0, "")
    assert len(result.out.splitlines()) == 1
