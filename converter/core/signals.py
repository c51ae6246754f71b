"""Termination signals turned into something the code can clean up after.

`raising`: SIGTERM and SIGHUP raise `Terminated`, so that `finally` blocks and context managers
run (a scratch database is dropped) as they do for Ctrl-C. `deferred`: the signals are only
recorded, so that a sequence of file moves stops between two files, never inside one.
Both do nothing outside the main thread (Python delivers signals only there).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

TERMINATING = (signal.SIGTERM, signal.SIGHUP)
STOPPING = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Terminated(BaseException):
    """The process was asked to end (SIGTERM, SIGHUP); a BaseException, like KeyboardInterrupt,
    so that only cleanup code sees it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


@contextmanager
def _handlers(
    signals: tuple[int, ...], handler: Callable[[int, FrameType | None], Any]
) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextmanager
def raising(signals: tuple[int, ...] = TERMINATING) -> Iterator[None]:
    """Inside the block, `signals` raise Terminated."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise Terminated(signum)

    with _handlers(signals, handler):
        yield


@contextmanager
def deferred(signals: tuple[int, ...] = STOPPING) -> Iterator[Callable[[], int | None]]:
    """Inside the block, `signals` are recorded, not acted on; yields a function returning the
    first one received (None while none was)."""
    received: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    with _handlers(signals, handler):
        yield lambda: received[0] if received else None
