"""A plain asyncio + httpx bulk setup: the baseline a competent script would be.

Per row, the documented find-then-create (``POST /v2/ids/find {qualifier, id}``, then
``POST /v2/partners``), at most 16 rows in flight (a semaphore) over one pooled
AsyncClient with the same ``X-API-Key`` header ecgrid sends. No retries, no
idempotency check, no report: only the work.

Usage: python bench/baseline_asyncio.py ROWS.csv
Environment: BASE (server URL), KEY (API key), FROM (the sender's ECGrid ID),
CONCURRENCY (default 16). Exits 1 if any row failed.
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys

import httpx


async def setup_row(client: httpx.AsyncClient, gate: asyncio.Semaphore, row: dict, sender: int):
    async with gate:
        found = await client.post(
            "/v2/ids/find", json={"qualifier": row["qualifier"], "id": row["id"]}
        )
        matches = found.json()["data"] or []
        if len(matches) != 1:
            raise RuntimeError(f"{row['qualifier']}/{row['id']}: {len(matches)} matches")
        created = await client.post(
            "/v2/partners",
            json={
                "ecGridIdFrom": sender,
                "ecGridIdTo": matches[0]["ecGridId"],
                "status": "Active",
            },
        )
        if not created.json().get("success"):
            raise RuntimeError(f"{row['qualifier']}/{row['id']}: {created.text[:200]}")


async def main(path: str) -> int:
    concurrency = int(os.environ.get("CONCURRENCY", "16"))
    sender = int(os.environ["FROM"])
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        base_url=os.environ["BASE"],
        headers={"X-API-Key": os.environ["KEY"]},
        limits=limits,
        timeout=30.0,
    ) as client:
        results = await asyncio.gather(
            *(setup_row(client, gate, row, sender) for row in rows), return_exceptions=True
        )
    failed = [r for r in results if isinstance(r, BaseException)]
    for error in failed[:5]:
        print(f"failed: {error!r}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
