"""`ecgrid interconnect setup --file` (bulk) and streamed `partners list --all`."""

from __future__ import annotations

import io
import json
import sys

import pytest
from cli_support import PARTNER, fail, interconnect, ok, refuse_get_find

PARTNERS = {
    ("01", "PARTNERCO"): {**PARTNER},
    ("12", "5551234567"): {**PARTNER, "ecGridId": 445566, "qualifier": "12", "id": "5551234567"},
    ("ZZ", "TP200001"): {**PARTNER, "ecGridId": 200001, "qualifier": "ZZ", "id": "TP200001"},
}


class FakeNetwork:
    """Just enough server state for bulk setup: find, count, list, create."""

    def __init__(self, api, existing=(), refuse_create_for=()):
        self.interconnects = [interconnect(*args) for args in existing]
        self.refuse = set(refuse_create_for)
        self.creates = 0
        api.post("/v2/ids/find").mock(side_effect=self.find)
        refuse_get_find(api)
        api.post("/v2/partners/count").mock(side_effect=self.count)
        api.post("/v2/partners/list").mock(side_effect=self.list)
        api.post("/v2/partners").mock(side_effect=self.create)

    def _of(self, ecgrid_id):
        return [
            ic for ic in self.interconnects if ecgrid_id in (ic["ecGridIdFrom"], ic["ecGridIdTo"])
        ]

    def find(self, request):
        body = json.loads(request.content)
        found = PARTNERS.get((body["qualifier"], body["id"]))
        return ok([found] if found else [])

    def count(self, request):
        return ok(len(self._of(json.loads(request.content)["ecGridId"])))

    def list(self, request):
        body = json.loads(request.content)
        rows = self._of(body["ecGridId"])
        start = (body["pageNo"] - 1) * body["recordsPerPage"]
        return ok(rows[start : start + body["recordsPerPage"]])

    def create(self, request):
        body = json.loads(request.content)
        if body["ecGridIdTo"] in self.refuse:
            return fail(403, "AccessDenied", "not allowed")
        self.creates += 1
        record = interconnect(88100 + self.creates, body["ecGridIdFrom"], body["ecGridIdTo"])
        self.interconnects.append(record)
        return ok(record)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


CSV = "qualifier,id,status\n01,PARTNERCO,Active\n12,5551234567,\nZZ,TP200001,active\n"


def test_csv_bulk_creates_each_row_and_reports_json(cli, api, tmp_path):
    net = FakeNetwork(api, existing=[(88001, 334455, 111111)])
    path = write(tmp_path, "rows.csv", CSV)
    result = cli("interconnect", "setup", "--file", path, "--from", "111111", "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["summary"] == {"total": 3, "created": 2, "existing": 1, "failed": 0}
    assert [row["row"] for row in report["rows"]] == [1, 2, 3]
    first = report["rows"][0]
    assert first["created"] is False and first["interconnect"]["interconnectId"] == 88001
    assert first["input"] == {
        "qualifier": "01",
        "id": "PARTNERCO",
        "from": 111111,
        "partnerEcGridId": None,
        "status": "Active",
    }
    assert first["error"] is None
    assert net.creates == 2
    assert result.err == ""


def test_rerun_completes_only_what_is_missing(cli, api, tmp_path):
    net = FakeNetwork(api, refuse_create_for={200001})
    path = write(tmp_path, "rows.csv", CSV)
    first = cli("interconnect", "setup", "--file", path, "--from", "111111", "--json")
    assert first.code == 3  # the only failure is a permission refusal
    assert first.json()["summary"]["failed"] == 1
    failed = first.json()["rows"][2]["error"]
    assert failed == {"code": "AccessDenied", "message": "not allowed", "httpStatus": 403}
    assert json.loads(first.err)["error"]["code"] == "BulkIncomplete"
    net.refuse.clear()
    second = cli("interconnect", "setup", "--file", path, "--from", "111111", "--json")
    assert second.code == 0
    assert second.json()["summary"] == {"total": 3, "created": 1, "existing": 2, "failed": 0}
    assert net.creates == 3  # nothing was created twice


def test_json_array_from_stdin(cli, api, monkeypatch):
    net = FakeNetwork(api)
    rows = [
        {"qualifier": "01", "id": "PARTNERCO", "from": 111111},
        {"partner_ecgrid_id": 200001, "qualifier": "ZZ", "id": "TP200001", "from": "111111"},
    ]
    api.get("/v2/ids/200001").mock(return_value=ok(PARTNERS[("ZZ", "TP200001")]))
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(rows)))
    result = cli("interconnect", "setup", "--file", "-", "--json")
    assert result.code == 0, result.err
    assert result.json()["summary"]["created"] == 2
    assert net.creates == 2


def test_duplicate_rows_in_one_file_create_once(cli, api, tmp_path):
    net = FakeNetwork(api)
    path = write(tmp_path, "rows.csv", "qualifier,id\n" + "01,PARTNERCO\n" * 6)
    result = cli(
        "interconnect", "setup", "--file", path, "--from", "111111", "--json", "--concurrency", "1"
    )
    assert result.code == 0
    assert net.creates == 1
    assert result.json()["summary"] == {"total": 6, "created": 1, "existing": 5, "failed": 0}


def test_one_failing_row_does_not_stop_the_others(cli, api, tmp_path):
    net = FakeNetwork(api)
    path = write(tmp_path, "rows.csv", "qualifier,id\nZZ,NOBODY\n01,PARTNERCO\n")
    result = cli("interconnect", "setup", "--file", path, "--from", "111111")
    assert result.code == 4
    assert net.creates == 1
    lines = result.out.splitlines()
    assert lines[0].split("\t")[:2] == ["1", "ZZ/NOBODY"] and "failed" in lines[0]
    assert lines[1].split("\t")[3] == "created"
    assert "row 1: PartnerNotFound" in result.err
    assert "1 of 2 rows failed" in result.err
    # stderr is not a terminal: nothing but the errors (no summary line, no progress).
    assert len(result.err.strip().splitlines()) == 2
    assert "created" not in result.err


def test_bulk_on_a_terminal_shows_whole_ids_and_a_summary(cli, api, tmp_path, monkeypatch):
    monkeypatch.setenv("ECGRID_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("ecgrid_cli.bulk_setup._stderr_is_tty", lambda: True)
    FakeNetwork(api)
    path = write(tmp_path, "rows.csv", "qualifier,id\nZZ,NOBODY\n01,PARTNERCO\n")
    result = cli("--no-color", "interconnect", "setup", "--file", path, "--from", "111111")
    assert result.code == 4
    for text in ("ROW", "OUTCOME", "ZZ/NOBODY", "01/PARTNERCO", "334455", "created", "failed"):
        assert text in result.out, result.out
    assert "…" not in result.out
    assert "2 rows: 1 created, 0 already existed, 1 failed" in result.err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("qualifier,id\n0,X\n", "row 1: invalid qualifier"),
        ("qualifier,id,status\n01,A,Live\n", "row 1: invalid status"),
        ("name,value\nA,B\n", "header must name the columns qualifier,id"),
        ("[1, 2]", "array of objects"),
        ("[{", "not valid JSON"),
        ("qualifier,id\n", "holds no rows"),
        ("qualifier,id,from\n01,A,abc\n", "row 1: invalid from"),
    ],
)
def test_bad_files_are_refused_before_anything_is_sent(cli, api, tmp_path, content, fragment):
    route = api.route().mock(return_value=ok([]))
    path = write(tmp_path, "rows.csv", content)
    result = cli("interconnect", "setup", "--file", path, "--from", "111111")
    assert result.code == 2
    assert fragment in result.err
    assert route.call_count == 0


def test_missing_file_is_usage_error(cli, tmp_path):
    result = cli("interconnect", "setup", "--file", str(tmp_path / "none.csv"), "--from", "1")
    assert result.code == 2
    assert "cannot read" in result.err


def test_file_with_qualifier_flag_is_usage_error(cli, tmp_path):
    path = write(tmp_path, "rows.csv", CSV)
    assert cli("interconnect", "setup", "--file", path, "-q", "01", "-i", "X").code == 2


def test_dry_run_bulk_creates_nothing(cli, api, tmp_path):
    net = FakeNetwork(api, existing=[(88001, 111111, 334455)])
    path = write(tmp_path, "rows.csv", CSV)
    result = cli("interconnect", "setup", "--file", path, "--from", "111111", "--dry-run", "--json")
    assert result.code == 0
    assert result.json()["summary"] == {
        "total": 3,
        "created": 0,
        "existing": 1,
        "failed": 0,
        "wouldCreate": 2,
        "dryRun": True,
    }
    assert net.creates == 0


def test_list_all_streams_rows_before_the_last_page_is_fetched(cli, api, capsys):
    seen_before_page: dict[int, str] = {}

    def answer(request):
        page = json.loads(request.content)["pageNo"]
        seen_before_page[page] = capsys.readouterr().out  # what was printed so far
        if page > 3:
            return ok([])
        return ok([interconnect(page * 10 + i, 123456, 200000 + i) for i in range(2)])

    api.post("/v2/partners/list").mock(side_effect=answer)
    result = cli("partners", "list", "123456", "--all", "--per-page", "2", "--json")
    assert result.code == 0
    assert "10" in seen_before_page[2] and "20" in seen_before_page[3]
    whole = "".join(seen_before_page[page] for page in sorted(seen_before_page)) + result.out
    assert [ic["interconnectId"] for ic in json.loads(whole)] == [10, 11, 20, 21, 30, 31]
