"""What people see on a real terminal (a pseudo-terminal of its own per run): tables
fitted to the width, confirmations before moves and deletes, hidden prompts, the bulk
summary; and that piping the same commands gives plain text."""

from __future__ import annotations

import pytest
from e2e_support import (
    ANSI,
    BOX,
    HUB_ID,
    LOGIN,
    OWN_ID,
    PASSWORD,
    Reply,
    ic_status,
    plain,
)

pytestmark = pytest.mark.e2e


def test_tables_fit_the_terminal(cli, api) -> None:
    wide = cli.terminal("partners", "list", str(HUB_ID), "--page", "1", "--per-page", "3")
    assert wide.code == 0, wide.describe()
    assert BOX.search(wide.out) and ANSI.search(wide.out), wide.out  # rich, coloured
    text = plain(wide.out)
    for header in ("INTERCONNECT", "FROM", "TO", "STATUS", "CREATED", "MODIFIED"):
        assert header in text, text
    assert ic_status(api, "Active") in text

    narrow = cli.terminal(
        "--no-color", "partners", "list", str(HUB_ID), "--page", "1", "--per-page", "3",
        columns=50,
    )  # fmt: skip
    assert narrow.code == 0, narrow.describe()
    assert not ANSI.search(narrow.out), narrow.out  # --no-color: no escape sequences
    lines = narrow.out.splitlines()
    assert all(len(line) <= 50 for line in lines), narrow.out
    assert "CREATED" not in narrow.out  # timestamps go first
    for number in ("88001", "88002", "88003", str(HUB_ID), "200001"):
        assert number in narrow.out  # IDs are never cut

    panel = cli.terminal("ids", "get", "334455", env_extra={"NO_COLOR": "1"})
    assert panel.code == 0, panel.describe()
    assert "ECGrid ID 334455" in panel.out and BOX.search(panel.out)
    assert not ANSI.search(panel.out), panel.out

    as_json = cli.terminal("ids", "get", "334455", "--json")
    assert as_json.code == 0, as_json.describe()
    assert '"ecGridId": 334455' in plain(as_json.out)


def test_moves_and_deletes_ask_first(cli, api) -> None:
    declined = cli.terminal(
        "ids", "tp-move", str(HUB_ID), "--mailbox", "1002", replies=[Reply("[y/N]", "n\n")]
    )
    assert declined.code == 1, declined.describe()
    assert "Move ECGrid ID 123456" in declined.out
    assert "nothing was changed" in declined.out
    assert cli("ids", "get", str(HUB_ID), "--json").json()["mailboxId"] == 1001

    accepted = cli.terminal(
        "ids", "tp-move", str(HUB_ID), "--mailbox", "1002", replies=[Reply("[y/N]", "y\n")]
    )
    assert accepted.code == 0, accepted.describe()
    assert cli("ids", "get", str(HUB_ID), "--json").json()["mailboxId"] == 1002

    deleted = cli.terminal("partners", "delete", "88001", replies=[Reply("[y/N]", "yes\n")])
    assert deleted.code == 0, deleted.describe()
    assert "Terminate interconnect 88001?" in deleted.out
    got = cli("partners", "get", "88001", "--json")
    assert got.json()["status"] == ic_status(api, "Terminated")

    kept = cli.terminal("partners", "delete", "88002", replies=[Reply("[y/N]", "\n")])
    assert kept.code == 1, kept.describe()  # the default is no
    assert cli("partners", "get", "88002", "--json").json()["status"] == ic_status(api, "Active")


def test_login_prompts_without_echo(cli, api) -> None:
    no_key = {"ECGRID_API_KEY": None}
    login = cli.terminal(
        "auth", "login",
        replies=[Reply("Login: ", LOGIN + "\n"), Reply("Password: ", PASSWORD + "\n")],
        env_extra=no_key,
    )  # fmt: skip
    assert login.code == 0, login.describe()
    assert f"Login: {LOGIN}\n" in login.out  # the name is echoed as typed
    assert "Password: \n" in login.out  # the password is not
    assert f"logged in as {LOGIN} ({api})" in login.out
    status = cli("auth", "status", "--json", env_extra=no_key)
    assert status.code == 0, status.describe()
    assert status.json()["credentials"]["method"] == ("jwt" if api == "rest" else "soap-session")


def test_bulk_on_a_terminal_lists_failures_and_a_summary(cli, tmp_path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("qualifier,id\n01,PARTNERCO\nZZ,TWINCO\nZZ,HEALTHYCO\n", encoding="utf-8")
    shown = cli.terminal("--no-color", "interconnect", "setup", "--file", str(rows),
                         "--from", str(OWN_ID))  # fmt: skip
    assert shown.code == 5, shown.describe()
    text = plain(shown.out)
    assert "ZZ/TWINCO" in text and "AmbiguousMatch" in text
    assert "01/PARTNERCO" not in text  # created rows are not listed on a terminal
    assert "3 rows: 1 created, 1 already existed, 1 failed" in text
    assert "error: 1 of 3 rows failed" in text

    every = cli.terminal("--no-color", "interconnect", "setup", "--file", str(rows),
                         "--from", str(OWN_ID), "--show", "all")  # fmt: skip
    assert every.code == 5, every.describe()
    text = plain(every.out)
    assert "01/PARTNERCO" in text and "ZZ/HEALTHYCO" in text
    assert "3 rows: 0 created, 2 already existed, 1 failed" in text

    piped = cli("interconnect", "setup", "--file", str(rows), "--from", str(OWN_ID))
    assert piped.code == 5, piped.describe()
    assert len(piped.tsv()) == 3  # piped: every row, no summary line
    assert "3 rows:" not in piped.err
