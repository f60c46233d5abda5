"""Bulk `interconnect setup --file`: validation first, rows once, an honest report."""

from __future__ import annotations

import json

import pytest
from cli_support import assert_fits, assert_plain, assert_tsv

from ecgrid_cli.errors import AuthError, TransientError

FILE_ROWS = "qualifier,id\n01,PARTNERCO\n12,5551234567\n01,PARTNER001\n"
PINNED = ("--from", "111111", "--concurrency", "1")


def bulk(cli, path, *extra, **kwargs):
    return cli("interconnect", "setup", "--file", path, *PINNED, *extra, **kwargs)


def unavailable() -> TransientError:
    return TransientError("HTTP 503", code="ServiceUnavailable", http_status=503)


def to(partner):
    return lambda a, b, **kwargs: b == partner


# -- the report ------------------------------------------------------------------------------


def test_json_report_rows_and_summary(cli, backend, rows_file):
    backend.add_interconnect(88001, 334455, 111111)
    result = bulk(cli, rows_file(FILE_ROWS), "--json")
    assert (result.code, result.err) == (0, "")
    report = result.json()
    assert report["summary"] == {
        "total": 3,
        "created": 2,
        "existing": 1,
        "unconfirmed": 0,
        "duplicates": 0,
        "failed": 0,
        "retryable": 0,
        "partnersCreated": 0,
        "concurrency": {
            "mode": "pinned",
            "start": 1,
            "cap": 1,
            "peak": 1,
            "final": 1,
            "halvings": 0,
        },
    }
    first = report["rows"][0]
    assert first == {
        "row": 1,
        "line": 2,
        "input": {
            "qualifier": "01",
            "id": "PARTNERCO",
            "from": 111111,
            "partnerEcGridId": None,
            "status": None,
            "mailbox": None,
        },
        "outcome": "existing",
        "created": False,
        "interconnect": {
            "interconnectId": 88001,
            "ecGridIdFrom": 334455,
            "ecGridIdTo": 111111,
            "status": "Active",
            "created": "2026-05-07T11:00:00Z",
            "modified": "2026-05-07T11:00:00Z",
        },
        "partner": first["partner"],
        "testParcelId": None,
        "duplicateOf": None,
        "error": None,
    }
    assert first["partner"]["ecGridId"] == 334455
    assert [(r["row"], r["outcome"]) for r in report["rows"]] == [
        (1, "existing"),
        (2, "created"),
        (3, "created"),
    ]
    assert [call.args for call in backend.writes()] == [(111111, 445566), (111111, 123456)]


def test_piped_report_is_one_tsv_row_per_input_row(cli, backend, rows_file):
    backend.add_interconnect(88001, 334455, 111111)
    result = bulk(cli, rows_file(FILE_ROWS))
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "1\t01/PARTNERCO\t334455\texists\t88001\t\n"
        "2\t12/5551234567\t445566\tcreated\t88200\t\n"
        "3\t01/PARTNER001\t123456\tcreated\t88201\t\n"
    )
    assert_tsv(result.out, 6)


def test_piped_report_with_header(cli, backend, rows_file):
    result = bulk(cli, rows_file(FILE_ROWS), "--header")
    assert result.out_lines[0] == "ROW\tPARTNER QID\tPARTNER\tOUTCOME\tINTERCONNECT\tDETAIL"
    assert len(result.out_lines) == 4


def test_terminal_lists_only_failed_rows_and_a_summary(cli, backend, rows_file):
    path = rows_file("qualifier,id\nZZ,NOBODY\n01,PARTNERCO\n")
    result = bulk(cli, path, tty=True)
    assert result.code == 4
    # Columns with nothing to say (PARTNER, INTERCONNECT of a failed row) give way first.
    assert result.screen == [
        "ROW   PARTNER QID   OUTCOME   DETAIL",
        "─" * 80,
        "1     ZZ/NOBODY     failed    PartnerNotFound: no ECGrid ID is registered for Z…",
    ]
    assert_fits(result.out, 80)
    assert result.err_screen[-2:] == [
        "2 rows: 1 created, 0 already existed, 1 failed",
        "error: 1 of 2 rows failed: 1 never will until fixed (not found: rows 1)",
    ]


def test_terminal_show_all_lists_every_row(cli, backend, rows_file):
    result = bulk(cli, rows_file(FILE_ROWS), "--show", "all", tty=True)
    assert result.code == 0
    assert result.screen == [
        "ROW   PARTNER QID     PARTNER   OUTCOME   INTERCONNECT   DETAIL",
        "─" * 63,
        "1     01/PARTNERCO    334455    created   88200",
        "2     12/5551234567   445566    created   88201",
        "3     01/PARTNER001   123456    created   88202",
    ]
    assert result.err_screen[-1] == "3 rows: 3 created, 0 already existed, 0 failed"


def test_terminal_with_nothing_failed_prints_no_table(cli, backend, rows_file):
    result = bulk(cli, rows_file(FILE_ROWS), tty=True)
    assert (result.code, result.out) == (0, "")
    assert result.err_screen[-1] == "3 rows: 3 created, 0 already existed, 0 failed"


def test_show_takes_all_or_failed(cli, backend, rows_file):
    result = bulk(cli, rows_file(FILE_ROWS), "--show", "some")
    assert (result.code, result.err) == (
        2,
        "error: invalid --show 'some': choose one of all, failed\n",
    )


# -- failures, advice and exit codes ---------------------------------------------------------


def test_piped_failures_go_to_stderr_one_line_each_and_rows_still_run(cli, backend, rows_file):
    result = bulk(cli, rows_file("qualifier,id\nZZ,NOBODY\n01,PARTNERCO\n"))
    assert result.code == 4
    assert result.out == (
        "1\tZZ/NOBODY\t\tfailed\t\tPartnerNotFound: no ECGrid ID is registered for ZZ/NOBODY; "
        "onboard the partner first (ecgrid ids create, or setup --onboard --mailbox N)\n"
        "2\t01/PARTNERCO\t334455\tcreated\t88200\t\n"
    )
    assert result.err_lines == [
        "row 1: PartnerNotFound: no ECGrid ID is registered for ZZ/NOBODY; onboard the partner "
        "first (ecgrid ids create, or setup --onboard --mailbox N)",
        "error: 1 of 2 rows failed: 1 never will until fixed (not found: rows 1)",
    ]
    assert len(backend.writes("create_interconnect")) == 1


def test_advice_separates_rows_a_rerun_can_finish_from_rows_it_never_will(cli, backend, rows_file):
    backend.fail("create_interconnect", unavailable(), times=None, when=to(123456))
    path = rows_file(
        "qualifier,id\n01,PARTNERCO\nZZ,NOBODY\nZZ,TWINCO\n01,PARTNER001\n12,5551234567\n"
    )
    result = bulk(cli, path, "--json")
    assert result.code == 1  # two kinds of permanent failure
    assert result.err_json() == {
        "error": {
            "code": "BulkIncomplete",
            "message": "3 of 5 rows failed: 1 can be finished by re-running the same file "
            "(transient failures: rows 4); 1 never will until fixed (not found: rows 2); "
            "1 never will until fixed (ambiguous or conflicting: rows 3)",
            "httpStatus": None,
            "details": {"failed": 3, "retryable": 1},
        }
    }
    summary = result.json()["summary"]
    assert (summary["failed"], summary["retryable"], summary["created"]) == (3, 1, 2)
    errors = {row["row"]: row["error"] for row in result.json()["rows"] if row["error"]}
    assert errors[4] == {
        "code": "ServiceUnavailable",
        "message": "gave up after 6 attempts: HTTP 503",
        "httpStatus": 503,
        "details": None,
    }
    assert errors[3]["details"] == {"qid": "ZZ/TWINCO", "candidates": [600001, 600002]}


@pytest.mark.parametrize(
    ("rows", "fault", "code"),
    [
        ("01,PARTNER001\n01,PARTNERCO\n", "transient", 6),
        ("ZZ,NOBODY\n01,PARTNERCO\n", None, 4),
        ("ZZ,TWINCO\n01,PARTNERCO\n", None, 5),
        ("ZZ,REUSEDCO\n01,PARTNERCO\n", "auth", 3),
        ("ZZ,NOBODY\nZZ,TWINCO\n", None, 1),
    ],
    ids=["transient-6", "not-found-4", "ambiguous-5", "auth-3", "mixed-1"],
)
def test_exit_code_says_what_kind_of_failure_remains(cli, backend, rows_file, rows, fault, code):
    if fault == "transient":
        backend.fail("create_interconnect", unavailable(), times=None, when=to(123456))
    if fault == "auth":
        backend.fail(
            "find_ids",
            AuthError("access denied to ZZ", code="AccessDenied", http_status=403),
            times=None,
            when=lambda qualifier, isa_id, **kwargs: qualifier == "ZZ",
        )
    result = bulk(cli, rows_file("qualifier,id\n" + rows))
    assert result.code == code, result.err


def test_transient_failures_retried_within_a_row_succeed(cli, backend, rows_file):
    backend.fail("create_interconnect", unavailable(), times=2)
    result = bulk(cli, rows_file(FILE_ROWS), "--json")
    assert result.code == 0, result.err
    assert result.json()["summary"]["created"] == 3
    assert len(backend.writes("create_interconnect")) == 3
    assert len(backend.sleeps) == 2


def test_a_rerun_completes_only_what_is_missing(cli, backend, rows_file):
    path = rows_file(FILE_ROWS)
    backend.fail("create_interconnect", unavailable(), times=None, when=to(123456))
    first = bulk(cli, path, "--json")
    assert first.code == 6
    assert first.json()["summary"]["retryable"] == 1
    backend._faults.clear()
    second = bulk(cli, path, "--json")
    assert second.code == 0, second.err
    summary = second.json()["summary"]
    assert (summary["created"], summary["existing"]) == (1, 2)
    assert sorted(call.args for call in backend.writes("create_interconnect")) == [
        (111111, 123456),
        (111111, 334455),
        (111111, 445566),
    ]


def test_a_lost_create_answer_in_bulk_is_unconfirmed_not_resent(cli, backend, rows_file):
    backend.lose_answer("create_interconnect", when=to(445566))
    result = bulk(cli, rows_file(FILE_ROWS), "--json")
    assert result.code == 0, result.err
    assert result.json()["summary"]["unconfirmed"] == 1
    assert len(backend.writes("create_interconnect")) == 3


# -- duplicates ------------------------------------------------------------------------------


def test_repeated_rows_run_once_and_report_duplicates_of_the_first(cli, backend, rows_file):
    path = rows_file("qualifier,id\n01,PARTNERCO\n01,partnerco\n12,5551234567\n01,PARTNERCO\n")
    result = bulk(cli, path, "--json")
    assert result.code == 0, result.err
    rows = {row["row"]: row for row in result.json()["rows"]}
    assert (rows[2]["outcome"], rows[2]["duplicateOf"]) == ("duplicate", 1)
    assert (rows[4]["outcome"], rows[4]["duplicateOf"]) == ("duplicate", 1)
    assert result.json()["summary"]["duplicates"] == 2
    assert len(backend.writes("create_interconnect")) == 2


def test_the_same_partner_named_two_ways_is_a_duplicate(cli, backend, rows_file):
    path = rows_file("qualifier,id,partner_ecgrid_id\n01,PARTNERCO,\n,,334455\n")
    result = bulk(cli, path)
    assert result.code == 0, result.err
    assert result.out == (
        "1\t01/PARTNERCO\t334455\tcreated\t88200\t\n2\t\t\tduplicate\t\tsame pair as row 1\n"
    )
    assert len(backend.writes("create_interconnect")) == 1


def test_duplicates_on_a_terminal_are_counted_not_listed(cli, backend, rows_file):
    result = bulk(cli, rows_file("qualifier,id\n01,PARTNERCO\n01,PARTNERCO\n"), tty=True)
    assert (result.code, result.out) == (0, "")
    assert result.err_screen[-1] == "2 rows: 1 created, 0 already existed, 1 duplicates, 0 failed"


def test_a_duplicate_row_still_reports_its_input(cli, backend, rows_file):
    result = bulk(cli, rows_file("qualifier,id\n01,PARTNERCO\n01,PARTNERCO\n"), "--json")
    duplicate = result.json()["rows"][1]
    assert duplicate["input"]["qualifier"] == "01"
    assert duplicate["input"]["id"] == "PARTNERCO"


# -- dry run ---------------------------------------------------------------------------------


def test_dry_run_piped_says_what_it_would_create(cli, backend, rows_file):
    backend.add_interconnect(88001, 334455, 111111)
    result = bulk(cli, rows_file(FILE_ROWS), "--dry-run")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "1\t01/PARTNERCO\t334455\texists\t88001\t\n"
        "2\t12/5551234567\t445566\twould create\t\twould create interconnect 111111 → 445566\n"
        "3\t01/PARTNER001\t123456\twould create\t\twould create interconnect 111111 → 123456\n"
    )
    assert backend.writes() == []


def test_dry_run_json(cli, backend, rows_file):
    result = bulk(cli, rows_file(FILE_ROWS), "--dry-run", "--json")
    assert result.code == 0
    summary = result.json()["summary"]
    assert (summary["dryRun"], summary["wouldCreate"], summary["created"]) == (True, 3, 0)
    row = result.json()["rows"][0]
    assert (row["outcome"], row["dryRun"], row["wouldCreate"]) == ("would-create", True, True)
    assert backend.writes() == []


def test_dry_run_on_a_terminal_lists_the_plan_and_summarises(cli, backend, rows_file):
    result = bulk(cli, rows_file(FILE_ROWS), "--dry-run", "--show", "all", tty=True, width=120)
    assert result.code == 0
    assert result.screen[2:] == [
        "1     01/PARTNERCO    334455    would create                  "
        "would create interconnect 111111 → 334455",
        "2     12/5551234567   445566    would create                  "
        "would create interconnect 111111 → 445566",
        "3     01/PARTNER001   123456    would create                  "
        "would create interconnect 111111 → 123456",
    ]
    assert result.err_screen[-2:] == [
        "3 rows: 0 created, 0 already existed, 3 would be created (dry run), 0 failed",
        "dry run: nothing changed",
    ]
    assert backend.writes() == []


def test_dry_run_on_an_80_column_terminal_shows_the_whole_plan(cli, backend, rows_file):
    result = bulk(cli, rows_file(FILE_ROWS), "--dry-run", tty=True)
    assert_fits(result.out, 80)
    assert "would create interconnect 111111 → 445566" in result.out


# -- input -----------------------------------------------------------------------------------


def test_json_lines_from_stdin(cli, backend):
    rows = [
        {"qualifier": "01", "id": "PARTNERCO"},
        {"partner_ecgrid_id": 445566, "status": "pending"},
    ]
    stdin = "".join(json.dumps(row) + "\n" for row in rows)
    result = cli("interconnect", "setup", "--file", "-", *PINNED, "--json", stdin=stdin)
    assert result.code == 0, result.err
    assert result.json()["summary"]["created"] == 2
    statuses = [call.kwargs["status"] for call in backend.writes("create_interconnect")]
    assert statuses == [None, "Development"]


def test_json_array_from_stdin_with_its_own_from(cli, backend):
    stdin = json.dumps([{"qualifier": "01", "id": "PARTNERCO", "from": 123456}])
    result = cli("interconnect", "setup", "--file", "-", "--json", stdin=stdin)
    assert result.code == 0, result.err
    assert backend.writes("create_interconnect")[0].args == (123456, 334455)


def test_csv_from_stdin_with_aliased_columns(cli, backend):
    stdin = "ISAQualifier,ISAID,ECGridIDFrom\n01,PARTNERCO,123456\n"
    result = cli("interconnect", "setup", "--file", "-", "--json", stdin=stdin)
    assert result.code == 0, result.err
    assert backend.writes("create_interconnect")[0].args == (123456, 334455)


def test_onboarding_rows_with_a_mailbox_column(cli, backend, rows_file):
    path = rows_file("qualifier,id,mailbox,description\nZZ,NEWPARTNER,3001,New Partner\n")
    result = bulk(cli, path, "--json")
    assert result.code == 0, result.err
    assert result.json()["summary"]["partnersCreated"] == 1
    assert [call.method for call in backend.writes()] == ["create_id", "create_interconnect"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "qualifier,id\n0,X\n",
            "1 invalid row(s) in --file {path}, nothing was sent: line 2 (row 1): "
            "invalid qualifier '0': an ISA qualifier is 2 letters or digits",
        ),
        (
            "qualifier,id,from\n01,A,abc\n",
            "1 invalid row(s) in --file {path}, nothing was sent: line 2 (row 1): "
            "invalid from 'abc': expected a positive integer",
        ),
        ("[1, 2]", "--file {path} line 1: JSON input must be an array of objects"),
        (
            "[{",
            "--file {path} line 1: is not valid JSON: "
            "Expecting property name enclosed in double quotes",
        ),
        ("qualifier,id\n", "--file {path} holds no rows"),
        (
            "qualifier,Qualifier,id\n01,01,A\n",
            "--file {path} line 1: the CSV header names twice (case or alias) the column "
            "'Qualifier' ('qualifier')",
        ),
        ("qualifier,id\n01,A,extra\n", "--file {path} line 2: has 3 fields but the header names 2"),
    ],
)
def test_bad_files_are_refused_before_anything_is_sent(cli, backend, rows_file, content, message):
    path = rows_file(content)
    result = bulk(cli, path)
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: " + message.format(path=path) + "\n"
    assert backend.calls == []


def test_a_bad_row_late_in_the_file_stops_everything_before_sending(cli, backend, rows_file):
    path = rows_file(FILE_ROWS + "01,PARTNERCO,extra-field\n")
    result = bulk(cli, path, "--json")
    assert result.code == 2
    assert result.err_json()["error"]["code"] == "UsageError"
    assert backend.calls == []


def test_many_invalid_rows_are_listed_up_to_ten(cli, backend, rows_file):
    result = bulk(cli, rows_file("qualifier,id\n" + "0,X\n" * 12), "--json")
    error = result.err_json()["error"]
    assert error["details"] == {"invalidRows": 12}
    assert error["message"].endswith("; and 2 more")
    assert error["message"].count("invalid qualifier") == 10


def test_a_missing_file_is_a_usage_error(cli, backend, tmp_path):
    path = tmp_path / "none.csv"
    result = bulk(cli, str(path))
    assert (result.code, result.err) == (
        2,
        f"error: cannot read --file {path}: No such file or directory\n",
    )


@pytest.mark.parametrize("flag", [["-q", "01", "-i", "X"], ["--partner-ecgrid-id", "334455"]])
def test_file_with_a_single_partner_flag_is_a_usage_error(cli, backend, rows_file, flag):
    result = cli("interconnect", "setup", "--file", rows_file(FILE_ROWS), *flag)
    assert result.code == 2
    assert result.err == (
        "error: --file cannot be combined with --qualifier, --id or --partner-ecgrid-id\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--concurrency", "0"], "invalid --concurrency 0: must be from 1 to 64"),
        (["--max-concurrency", "65"], "invalid --max-concurrency 65: must be from 1 to 64"),
    ],
)
def test_concurrency_bounds(cli, backend, rows_file, args, message):
    result = cli("interconnect", "setup", "--file", rows_file(FILE_ROWS), "--from", "1", *args)
    assert (result.code, result.err) == (2, f"error: {message}\n")


# -- concurrency -----------------------------------------------------------------------------


@pytest.fixture
def forty_partners(backend):
    for n in range(40):
        backend.add_id(200001 + n, "ZZ", f"TP{200001 + n}", f"Trading partner {n}")
    return "qualifier,id\n" + "".join(f"ZZ,TP{200001 + n}\n" for n in range(40))


def test_default_concurrency_is_adaptive_and_creates_each_pair_once(
    cli, backend, rows_file, forty_partners
):
    path = rows_file(forty_partners)
    result = cli("interconnect", "setup", "--file", path, "--from", "111111", "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert sorted(row["row"] for row in report["rows"]) == list(range(1, 41))
    assert report["summary"]["created"] == 40
    assert report["summary"]["concurrency"]["mode"] == "adaptive"
    assert report["summary"]["concurrency"]["start"] == 16
    created = sorted(call.args[1] for call in backend.writes("create_interconnect"))
    assert created == list(range(200001, 200041))


def test_rate_limits_halve_the_window_and_every_row_still_finishes(
    cli, backend, rows_file, forty_partners
):
    backend.fail(
        "create_interconnect",
        TransientError("HTTP 429", code="RateLimitExceeded", http_status=429, retry_after=0.0),
        times=3,
    )
    path = rows_file(forty_partners)
    result = cli("interconnect", "setup", "--file", path, "--from", "111111", "--json")
    assert result.code == 0, result.err
    summary = result.json()["summary"]
    assert summary["created"] == 40
    assert summary["concurrency"]["halvings"] >= 1
    assert len(backend.writes("create_interconnect")) == 40


def test_piped_bulk_output_is_plain(cli, backend, rows_file):
    path = rows_file("qualifier,id\nZZ,NOBODY\n01,PARTNERCO\n")
    result = bulk(cli, path)
    assert_plain(result.out)
    assert_plain(result.err)


def test_an_ambiguous_row_names_the_column_that_settles_it(cli, backend, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("qualifier,id\nZZ,TWINCO\n")
    result = cli("interconnect", "setup", "--file", str(rows), "--from", "111111", "--json")
    assert result.code == 5
    (row,) = result.json()["rows"]
    assert row["error"]["message"].endswith("choose one with a partner_ecgrid_id column")
    assert backend.writes() == []
