"""Run a generator ahead on a worker thread, so two stages of a frame pipeline use two cores.

OpenCV, NumPy's large operations, PyAV and torch release the GIL, so e.g. estimating the flow of
the next frame pair while the current in-between frame is synthesised really runs in parallel.
The queue between the threads is bounded (memory stays flat), items come out in order (results
are the same as without the thread), an exception in the worker is raised in the consumer, and
closing the consumer stops the worker.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def run_ahead(make_items: Callable[[], Iterator[T]], depth: int = 2, name: str = "shotgraph-ahead") -> Iterator[T]:
    """Yield the items of ``make_items()``, produced up to ``depth`` items ahead on a thread."""
    items: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        iterator = None
        try:
            iterator = make_items()
            for item in iterator:
                if not put((True, item)):
                    return
            put((True, _DONE))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            put((False, error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    try:
        while True:
            ok, item = items.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=10)
