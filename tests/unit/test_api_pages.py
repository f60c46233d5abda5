"""`ecgrid api --paginate`: pages are read as reads (retried like a GET even when the
endpoint is a POST), until a short page."""

from __future__ import annotations

from typing import Any

from ecgrid_cli.commands.api import _pages


class PagedServer:
    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.calls: list[tuple[str, int, bool]] = []

    def raw(self, method: str, path: str, *, body=None, params=None, read=False) -> Any:
        page = body["pageNo"]
        self.calls.append((method, page, read))
        size = self.sizes[page - 1] if page <= len(self.sizes) else 0
        return [{"page": page, "n": n} for n in range(size)]


def test_every_page_is_asked_for_as_a_read_until_a_short_page():
    server = PagedServer([2, 2, 1])
    body = {"ecGridId": 1, "recordsPerPage": 2}
    items = list(_pages(server, "POST", "/v2/partners/list", body, None))
    assert [(item["page"], item["n"]) for item in items] == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0)]
    assert server.calls == [("POST", 1, True), ("POST", 2, True), ("POST", 3, True)]
