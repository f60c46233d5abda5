"""Bulk setup: rows validated (every problem with its line) before anything is sent,
duplicates found, rows run concurrently exactly once with outcomes streamed, the tally
and its advice, and the shared index of existing interconnects."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from unit_fakes import FakeBackend

from ecgrid_cli.domain import bulk_rows
from ecgrid_cli.domain.bulk import RowOutcome, run_bulk
from ecgrid_cli.domain.bulk_rows import RowDefaults, normal_column, pair_key, request_for
from ecgrid_cli.domain.bulk_tally import BulkIncomplete, Tally, outcome_word
from ecgrid_cli.domain.concurrency import AdaptiveGate
from ecgrid_cli.domain.delivery import Delivery
from ecgrid_cli.domain.existing_index import PREFETCH_FLOOR, ExistingIndex
from ecgrid_cli.domain.queries import PartnerRef
from ecgrid_cli.domain.rows_file import RawRow, RowsFile
from ecgrid_cli.domain.setup import CREATED, EXISTING, UNCONFIRMED, WOULD_CREATE, SetupResult
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    TransientError,
    UnreachableError,
    UsageError,
)
from ecgrid_cli.statuses import SOAP, interconnect_status_for

ME = 1001


def defaults(**overrides) -> RowDefaults:
    fields = {"from_id": ME, "status": None, "status_for": lambda word: word}
    fields.update(overrides)
    return RowDefaults(**fields)


def raw(values: dict, number: int = 1, line: int = 2) -> RawRow:
    return RawRow(number, line, {normal_column(k): v for k, v in values.items()})


def rows_file(tmp_path: Path, text: str) -> RowsFile:
    path = tmp_path / "rows.csv"
    path.write_text(text)
    return RowsFile(str(path))


# -- one row -> a setup request ------------------------------------------------------------


def test_row_by_qid_uses_the_default_sender():
    request = request_for(raw({"qualifier": "zz", "id": "ACME"}), defaults())
    assert request.from_id == ME
    assert request.partner == PartnerRef("ZZ", "ACME", None)
    assert request.onboard is None
    assert request.status is None


def test_row_by_partner_ecgrid_id_only():
    request = request_for(raw({"partner_ecgrid_id": "2002", "from": "7"}), defaults())
    assert request.partner == PartnerRef(None, None, 2002)
    assert request.from_id == 7


def test_row_by_both_keeps_both():
    request = request_for(raw({"qualifier": "01", "id": "P", "ecgridid": 5}), defaults())
    assert request.partner == PartnerRef("01", "P", 5)


def test_row_without_a_sender_anywhere():
    with pytest.raises(UsageError) as info:
        request_for(raw({"qualifier": "01", "id": "P"}), defaults(from_id=None))
    assert info.value.message.startswith("no from: give a 'from' column, --from")


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"qualifier": "1", "id": "P"}, "qualifier"),
        ({"qualifier": "01", "id": ""}, "id"),
        ({"qualifier": "01"}, "id"),
        ({"qualifier": "01", "id": "X" * 16}, "id"),
        ({"partner_ecgrid_id": "abc"}, "partner_ecgrid_id"),
        ({"partner_ecgrid_id": "0"}, "partner_ecgrid_id"),
        ({"qualifier": "01", "id": "P", "from": "-1"}, "from"),
        ({"qualifier": "01", "id": "P", "status": "Live"}, "status"),
        ({"qualifier": "01", "id": "P", "mailbox": "x"}, "mailbox"),
        ({"qualifier": "01", "id": "P", "mailbox": "3", "use_type": "Sometimes"}, "use_type"),
        ({"qualifier": "01", "id": "P", "mailbox": "3", "description": "a\x00b"}, "description"),
    ],
)
def test_invalid_values_name_their_column(values, column):
    with pytest.raises(UsageError) as info:
        request_for(raw(values), defaults())
    assert column in info.value.message


def test_row_status_is_validated_and_translated():
    to_soap = defaults(status="Completed", status_for=lambda w: interconnect_status_for(SOAP, w))
    assert request_for(raw({"qualifier": "01", "id": "P"}), to_soap).status == "Completed"
    row = raw({"qualifier": "01", "id": "P", "status": "development"})
    assert request_for(row, to_soap).status == "Pending"


def test_onboarding_columns():
    row = raw(
        {
            "qualifier": "01",
            "id": "P",
            "mailboxid": "3001",
            "description": " New Co ",
            "usetype": "test",
        }
    )
    onboard = request_for(row, defaults()).onboard
    assert (onboard.mailbox_id, onboard.description, onboard.use_type) == (3001, "New Co", "Test")


def test_default_onboarding_mailbox():
    onboard = request_for(raw({"qualifier": "01", "id": "P"}), defaults(onboard_mailbox=9)).onboard
    assert (onboard.mailbox_id, onboard.description, onboard.use_type) == (9, None, None)


def test_run_options_reach_every_row():
    request = request_for(
        raw({"qualifier": "01", "id": "P"}),
        defaults(verify=True, verify_timeout=5.0, dry_run=True),
    )
    assert (request.verify, request.verify_timeout, request.dry_run) == (True, 5.0, True)


def test_pair_key_ignores_case_and_separates_senders_and_naming():
    a = request_for(raw({"qualifier": "zz", "id": "acme"}), defaults())
    b = request_for(raw({"qualifier": "ZZ", "id": "ACME"}), defaults())
    c = request_for(raw({"qualifier": "ZZ", "id": "ACME", "from": "7"}), defaults())
    d = request_for(raw({"partner_ecgrid_id": "5"}), defaults())
    assert pair_key(a) == pair_key(b)
    assert len({pair_key(a), pair_key(c), pair_key(d)}) == 3


# -- validating the whole file -------------------------------------------------------------


def test_validate_counts_rows_senders_and_duplicates(tmp_path):
    source = rows_file(
        tmp_path,
        "qualifier,id,from\n"
        "ZZ,A,\n"  # row 1
        "ZZ,B,\n"  # row 2
        "zz,a,\n"  # row 3: row 1 again
        "ZZ,A,7\n"  # row 4: another sender
        "ZZ,A,\n",  # row 5: row 1 again
    )
    checked = bulk_rows.validate(source, defaults())
    assert checked.total == 5
    assert checked.rows_per_sender == {ME: 4, 7: 1}
    assert checked.duplicate_of == {3: 1, 5: 1}


def test_validate_lists_every_problem_with_its_line(tmp_path):
    source = rows_file(
        tmp_path,
        "qualifier,id,from\n"
        "ZZ,A,\n"
        "1,B,\n"  # line 3
        "\n"
        "ZZ,,x\n"  # line 5
        "ZZ,C,\n",
    )
    with pytest.raises(UsageError) as info:
        bulk_rows.validate(source, defaults())
    message = info.value.message
    assert message.startswith(f"2 invalid row(s) in --file {source.name}, nothing was sent: ")
    assert "line 3 (row 2): invalid qualifier '1'" in message
    assert "line 5 (row 3): invalid id ''" in message
    assert info.value.details == {"invalidRows": 2}


def test_validate_shows_ten_problems_and_counts_the_rest(tmp_path):
    bad = "".join(f"Q{n:02d},A\n" for n in range(13))
    with pytest.raises(UsageError) as info:
        bulk_rows.validate(rows_file(tmp_path, "qualifier,id\n" + bad), defaults())
    message = info.value.message
    assert message.startswith("13 invalid row(s)")
    assert message.count("line ") == 10
    assert message.endswith("; and 3 more")


def test_validate_an_empty_file(tmp_path):
    with pytest.raises(UsageError) as info:
        bulk_rows.validate(rows_file(tmp_path, "qualifier,id\n"), defaults())
    assert info.value.message.endswith("holds no rows")


# -- running the rows ----------------------------------------------------------------------


def partners(backend: FakeBackend, count: int, start: int = 5000) -> list[int]:
    numbers = [start + n for n in range(count)]
    for n, number in enumerate(numbers):
        backend.add_id(number, "ZZ", f"P{n}")
    return numbers


def run(backend, tmp_path, text, *, gate=None, **row_defaults):
    source = rows_file(tmp_path, text)
    chosen = defaults(**row_defaults)
    checked = bulk_rows.validate(source, chosen)
    gate = gate or AdaptiveGate(4, 4)
    return list(run_bulk(backend, source, chosen, checked, gate))


def test_every_row_runs_once_and_each_pair_is_created_once(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    numbers = partners(backend, 30)
    backend.create_delay = 0.002  # widen the race windows
    text = "qualifier,id\n" + "".join(f"ZZ,P{n % 30}\n" for n in range(60))
    outcomes = run(backend, tmp_path, text, gate=AdaptiveGate(8, 8))
    assert sorted(o.row for o in outcomes) == list(range(1, 61))
    assert set(backend.created_pairs().values()) == {1}
    assert set(backend.created_pairs()) == {frozenset((ME, n)) for n in numbers}
    words = [outcome_word(o) for o in outcomes]
    assert words.count(CREATED) == 30
    assert words.count("duplicate") == 30
    for outcome in outcomes:
        if outcome.duplicate_of is not None:
            assert outcome.duplicate_of == outcome.row - 30


def test_the_same_pair_named_two_ways_or_reversed_runs_once(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    (partner,) = partners(backend, 1)
    backend.create_delay = 0.01
    text = (
        "qualifier,id,partner_ecgrid_id,from\n"
        "ZZ,P0,,\n"  # by QID
        f",,{partner},\n"  # by ECGrid ID
        f",,{ME},{partner}\n"  # reversed
    )
    outcomes = run(backend, tmp_path, text)
    assert backend.created_pairs() == {frozenset((ME, partner)): 1}
    first = [o for o in outcomes if o.duplicate_of is None]
    assert len(first) == 1
    assert first[0].result.outcome == CREATED
    dups = [o for o in outcomes if o.duplicate_of is not None]
    assert {o.duplicate_of for o in dups} == {first[0].row}
    assert all(o.error is None for o in outcomes)


def test_existing_pairs_are_found_in_one_listing(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    numbers = partners(backend, 5)
    backend.add_interconnect(1, numbers[0], ME)
    backend.add_interconnect(2, ME, numbers[1], "Terminated")
    text = "qualifier,id\n" + "".join(f"ZZ,P{n}\n" for n in range(5))
    outcomes = {o.row: o for o in run(backend, tmp_path, text)}
    assert outcomes[1].result.outcome == EXISTING
    assert outcomes[1].result.interconnect.interconnect_id == 1
    assert [outcomes[n].result.outcome for n in (2, 3, 4, 5)] == [CREATED] * 4
    assert backend.count("count_interconnects") == 1
    assert backend.count("iter_interconnects") == 1
    assert backend.count("interconnects_between") == 0


def test_a_sender_without_interconnects_costs_no_listing(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    partners(backend, 3)
    run(backend, tmp_path, "qualifier,id\nZZ,P0\nZZ,P1\nZZ,P2\n")
    assert backend.count("count_interconnects") == 1
    assert backend.count("iter_interconnects") == 0


def test_one_failing_row_does_not_stop_the_others(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    partners(backend, 3)
    backend.errors[("find_ids", "ZZ", "P1")] = TransientError("busy", code="RateLimitExceeded")
    outcomes = {o.row: o for o in run(backend, tmp_path, "qualifier,id\nZZ,P0\nZZ,P1\nZZ,NOPE\n")}
    assert outcomes[1].result.outcome == CREATED
    assert outcomes[2].failed and outcomes[2].retryable
    assert isinstance(outcomes[3].error, NotFoundError)
    assert outcomes[3].failed and not outcomes[3].retryable
    assert outcomes[3].error.code == "PartnerNotFound"


def test_dry_run_writes_nothing(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    partners(backend, 2)
    outcomes = run(backend, tmp_path, "qualifier,id\nZZ,P0\nZZ,P1\n", dry_run=True)
    assert {o.result.outcome for o in outcomes} == {WOULD_CREATE}
    assert backend.count("create_interconnect") == 0


def test_outcomes_stream_while_other_rows_are_still_running(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    numbers = partners(backend, 6)
    release = threading.Event()
    slow = numbers[0]

    def hold_the_first_partner(a: int, b: int) -> None:
        if slow in (a, b):
            assert release.wait(timeout=10), "the test never released the slow row"

    backend.before_create = hold_the_first_partner
    text = "qualifier,id\n" + "".join(f"ZZ,P{n}\n" for n in range(6))
    source = rows_file(tmp_path, text)
    checked = bulk_rows.validate(source, defaults())
    done: list[int] = []
    stream = run_bulk(
        backend,
        source,
        defaults(),
        checked,
        AdaptiveGate(3, 3),
        on_done=lambda o: done.append(o.row),
    )
    try:
        seen = [next(stream).row for _ in range(5)]  # every row but the held one
        assert 1 not in seen
        assert sorted(seen) == [2, 3, 4, 5, 6]
        assert done == seen
    finally:
        release.set()
    rest = list(stream)
    assert [o.row for o in rest] == [1]
    assert rest[0].result.outcome == CREATED


def test_a_bug_in_a_worker_is_raised_not_swallowed(tmp_path):
    backend = FakeBackend()
    backend.add_id(ME, "ZZ", "MYCOMPANY")
    partners(backend, 1)
    backend.errors[("find_ids",)] = RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        run(backend, tmp_path, "qualifier,id\nZZ,P0\n")


# -- the tally -----------------------------------------------------------------------------


def done(row: int, outcome: str, **kwargs) -> RowOutcome:
    result = SetupResult(outcome, None, None, **kwargs)
    return RowOutcome(row, row + 1, None, result=result)


def failed(row: int, error) -> RowOutcome:
    return RowOutcome(row, row + 1, None, error=error)


def test_tally_summary_counts_every_outcome():
    tally = Tally()
    for outcome in [
        done(1, CREATED, partner_created=True, delivery=Delivery("delivered", 5)),
        done(2, EXISTING, delivery=Delivery("failed", 6)),
        done(3, UNCONFIRMED),
        RowOutcome(4, 5, None, duplicate_of=1),
        failed(5, TransientError("busy")),
        failed(6, UnreachableError("down")),
        failed(7, NotFoundError("gone")),
    ]:
        tally.add(outcome)
    concurrency = {"mode": "adaptive"}
    assert tally.summary(concurrency) == {
        "total": 7,
        "created": 1,
        "existing": 1,
        "unconfirmed": 1,
        "duplicates": 1,
        "failed": 3,
        "retryable": 2,
        "partnersCreated": 1,
        "concurrency": concurrency,
        "deliveries": {"delivered": 1, "failed": 1},
    }
    assert tally.summary_line() == (
        "7 rows: 1 created, 1 already existed, 1 unconfirmed, 1 duplicates, 3 failed"
    )


def test_tally_dry_run_summary():
    tally = Tally(dry_run=True)
    tally.add(done(1, WOULD_CREATE))
    tally.add(done(2, EXISTING))
    summary = tally.summary({})
    assert (summary["dryRun"], summary["wouldCreate"]) == (True, 1)
    assert "1 would be created (dry run)" in tally.summary_line()
    assert tally.verdict() is None


def test_verdict_when_every_failure_is_transient():
    tally = Tally()
    tally.add(done(1, CREATED))
    tally.add(failed(2, TransientError("busy")))
    tally.add(failed(3, UnreachableError("down")))
    verdict = tally.verdict()
    assert isinstance(verdict, BulkIncomplete)
    assert verdict.kind == "transient"
    assert verdict.code == "BulkIncomplete"
    assert verdict.details == {"failed": 2, "retryable": 2}
    assert verdict.message == (
        "2 of 3 rows failed: 2 can be finished by re-running the same file "
        "(transient failures: rows 2, 3)"
    )


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (NotFoundError("x"), "not_found", "not found"),
        (ConflictError("x"), "conflict", "ambiguous or conflicting"),
        (AuthError("x"), "auth", "refused (authentication)"),
        (ApiError("x"), "api", "refused by the API"),
        (UsageError("x"), "usage", "invalid"),
    ],
)
def test_verdict_takes_the_kind_of_the_permanent_failures(error, kind, words):
    tally = Tally()
    tally.add(failed(1, TransientError("busy")))
    tally.add(failed(2, error))
    verdict = tally.verdict()
    assert verdict.kind == kind
    assert f"1 never will until fixed ({words}: rows 2)" in verdict.message


def test_verdict_of_mixed_permanent_kinds_is_a_plain_error():
    tally = Tally()
    tally.add(failed(1, NotFoundError("x")))
    tally.add(failed(2, ConflictError("x")))
    assert tally.verdict().kind == "error"


def test_verdict_lists_ten_rows_then_an_ellipsis():
    tally = Tally()
    for row in range(12, 0, -1):
        tally.add(failed(row, NotFoundError("x")))
    assert "rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...)" in tally.verdict().message


# -- the existing index --------------------------------------------------------------------


def test_index_lists_a_sender_once_and_keeps_the_oldest_live_record():
    backend = FakeBackend()
    backend.add_interconnect(9, ME, 2)
    backend.add_interconnect(4, 2, ME)
    backend.add_interconnect(3, ME, 2, "Terminated")
    backend.add_interconnect(10, ME, 3, "Canceled")
    index = ExistingIndex(backend, {ME: 2})
    assert index.lookup(ME, 2).interconnect_id == 4
    assert index.lookup(ME, 3) is None
    assert index.lookup(ME, 4) is None
    assert (backend.count("count_interconnects"), backend.count("iter_interconnects")) == (1, 1)
    assert index.lookup(ME, 2) is not None


def test_index_asks_no_list_after_a_count_of_zero():
    backend = FakeBackend()
    index = ExistingIndex(backend, {ME: 5})
    assert index.lookup(ME, 2) is None
    assert index.lookup(ME, 3) is None
    assert backend.count("count_interconnects") == 1
    assert backend.count("iter_interconnects") == 0


def test_index_falls_back_to_pair_queries_for_a_hub():
    backend = FakeBackend()
    for n in range(PREFETCH_FLOOR + 1):
        backend.add_interconnect(100 + n, ME, 10_000 + n)
    index = ExistingIndex(backend, {ME: 1})
    assert index.lookup(ME, 10_000).interconnect_id == 100
    assert index.lookup(ME, 3) is None
    assert backend.count("iter_interconnects") == 0
    assert backend.count("interconnects_between") == 2


def test_index_prefetch_limit_grows_with_the_rows():
    backend = FakeBackend()
    for n in range(PREFETCH_FLOOR + 1):
        backend.add_interconnect(100 + n, ME, 10_000 + n)
    index = ExistingIndex(backend, {ME: 60})  # 60 rows x 20 > 1001
    assert index.lookup(ME, 10_000).interconnect_id == 100
    assert backend.count("iter_interconnects") == 1


def test_index_keeps_compact_records_that_read_back_whole():
    backend = FakeBackend()
    made = backend.add_interconnect(7, ME, 3)
    index = ExistingIndex(backend, {ME: 1})
    found = index.lookup(ME, 3)
    assert (found.interconnect_id, found.ecgrid_id_from, found.ecgrid_id_to) == (7, ME, 3)
    assert (found.status, found.created, found.modified) == (
        made.status,
        made.created,
        made.modified,
    )
    assert backend.count("iter_interconnects") == 1


def test_index_does_not_cache_errors():
    backend = FakeBackend()
    backend.errors[("count_interconnects", 404)] = NotFoundError("no such ID")
    index = ExistingIndex(backend, {404: 2})
    for _ in range(2):
        with pytest.raises(NotFoundError):
            index.lookup(404, 2)
    assert backend.count("count_interconnects") == 2


def test_index_fetches_a_sender_once_under_concurrency():
    backend = FakeBackend()
    backend.add_interconnect(1, ME, 2)
    index = ExistingIndex(backend, {ME: 50})
    barrier = threading.Barrier(8)

    def look() -> None:
        barrier.wait(timeout=5)
        index.lookup(ME, 2)

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert backend.count("count_interconnects") == 1
    assert backend.count("iter_interconnects") == 1
