"""What people see on a real terminal (a pseudo-terminal of its own per run): tables
fitted to the width, ``-v`` lines beside them, confirmations before moves and deletes,
hidden prompts, the bulk summary.

The layouts themselves are proven in-process (``tests/cli``); here the process finds
out for itself that it is on a terminal, how wide it is, whether colour is wanted, and
reads its answers from the terminal.
"""

from __future__ import annotations

from functools import partial

import pytest
from e2e_support import (
    ANSI,
    API_KEY,
    BOX,
    HUB_ID,
    LOGIN,
    OWN_ID,
    PASSWORD,
    Reply,
    ic_status,
    in_parallel,
    plain,
    request_lines,
    run_parallel,
)

pytestmark = pytest.mark.e2e


def test_tables_fit_the_terminal(reader, api) -> None:
    page = ("partners", "list", str(HUB_ID), "--page", "1", "--per-page", "3")
    # Colour off by flag over REST, by NO_COLOR over SOAP (either way works for both).
    no_color = {"rest": (("--no-color",), None), "soap": ((), {"NO_COLOR": "1"})}[api]
    wide, narrow = in_parallel(
        partial(reader.terminal, "-v", *page),
        partial(reader.terminal, *no_color[0], *page, columns=50, env_extra=no_color[1]),
    )
    assert wide.code == 0, wide.describe()
    assert BOX.search(wide.out) and ANSI.search(wide.out), wide.out  # rich, coloured
    assert request_lines(plain(wide.out)), wide.out  # -v lines on the same terminal
    text = plain(wide.out)
    for header in ("INTERCONNECT", "FROM", "TO", "STATUS", "CREATED", "MODIFIED"):
        assert header in text, text
    assert ic_status(api, "Active") in text

    assert narrow.code == 0, narrow.describe()
    assert not ANSI.search(narrow.out), narrow.out  # no escape sequences at all
    lines = narrow.out.splitlines()
    assert all(len(line) <= 50 for line in lines), narrow.out
    assert "CREATED" not in narrow.out  # timestamps go first
    for number in ("88001", "88002", "88003", str(HUB_ID), "200001"):
        assert number in narrow.out  # IDs are never cut


def test_prompts_on_a_terminal(cli, api, home, tmp_path) -> None:
    """Login asks without echoing the password; moves and deletes ask first (the
    default is no); a bulk run lists its failures and a summary."""
    rows = tmp_path / "rows.csv"
    rows.write_text("qualifier,id\n01,PARTNERCO\nZZ,TWINCO\nZZ,HEALTHYCO\n", encoding="utf-8")
    no_key = {"ECGRID_API_KEY": None}
    login, kept, moved, bulk = in_parallel(
        partial(
            cli.terminal, "-v", "auth", "login", env_extra=no_key,
            replies=[Reply("Login: ", LOGIN + "\n"), Reply("Password: ", PASSWORD + "\n")],
        ),
        partial(cli.terminal, "partners", "delete", "88002", replies=[Reply("[y/N]", "\n")]),
        partial(cli.terminal, "ids", "tp-move", str(HUB_ID), "--mailbox", "1002",
                replies=[Reply("[y/N]", "y\n")]),
        partial(cli.terminal, "--no-color", "interconnect", "setup", "--file", str(rows),
                "--from", str(OWN_ID)),
    )  # fmt: skip
    assert login.code == 0, login.describe()
    assert f"Login: {LOGIN}\n" in login.out  # the name is echoed as typed
    assert "Password: \n" in login.out  # the password is not
    assert f"logged in as {LOGIN} ({api})" in login.out
    stored = (home / "xdg-state" / "ecgrid" / "credentials.json").read_text(encoding="utf-8")
    assert PASSWORD not in stored and API_KEY not in stored

    assert kept.code == 1, kept.describe()  # the default is no
    assert "Terminate interconnect 88002?" in kept.out
    assert "nothing was changed" in kept.out
    assert moved.code == 0, moved.describe()
    assert "Move ECGrid ID 123456" in moved.out

    assert bulk.code == 5, bulk.describe()
    text = plain(bulk.out)
    assert "ZZ/TWINCO" in text and "AmbiguousMatch" in text
    assert "01/PARTNERCO" not in text  # created rows are not listed on a terminal
    assert "3 rows: 1 created, 1 already existed, 1 failed" in text
    assert "error: 1 of 3 rows failed" in text

    status = cli.terminal("auth", "status", env_extra=no_key)
    assert status.code == 0, status.describe()
    assert ("login token" if api == "rest" else "SOAP session") in status.out
    hub, interconnect = run_parallel(
        cli, ("ids", "get", str(HUB_ID), "--json"), ("partners", "get", "88002", "--json")
    )
    assert hub.json()["mailboxId"] == 1002
    assert interconnect.json()["status"] == ic_status(api, "Active")
