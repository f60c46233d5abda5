"""Run a function over a stream of items on worker threads, yielding as each finishes.

A reader thread feeds a small queue, so items are read only as fast as they are
worked off: memory holds a few items, however long the stream. The threads are
daemons: on Ctrl+C the caller stops consuming, no further item starts, and the
process can exit at once instead of waiting for requests already on the wire (safe
to abandon: every write is reconciled by the next run).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


def stream_map(items: Iterable[T], work: Callable[[T], R], workers: int) -> Iterator[R]:
    """``work(item)`` for every item, on ``workers`` threads, in the order they finish."""
    workers = max(1, workers)
    todo: queue.Queue[Any] = queue.Queue(maxsize=workers * 2)
    done: queue.SimpleQueue[Any] = queue.SimpleQueue()
    stop = threading.Event()

    def feed() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        todo.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # reading failed (the file changed): report it
            done.put(exc)
        finally:
            for _ in range(workers):
                todo.put(_DONE)

    def run() -> None:
        while not stop.is_set():
            item = todo.get()
            if item is _DONE:
                break
            try:
                done.put(work(item))
            except BaseException as exc:  # a bug, not an item's failure: re-raised below
                done.put(exc)
        done.put(_DONE)

    threading.Thread(target=feed, name="reader", daemon=True).start()
    for number in range(workers):
        threading.Thread(target=run, name=f"worker-{number + 1}", daemon=True).start()
    finished = 0
    try:
        while finished < workers:
            result = done.get()
            if result is _DONE:
                finished += 1
                continue
            if isinstance(result, BaseException):
                raise result
            yield result
    finally:
        stop.set()
