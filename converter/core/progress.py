"""Progress of long work (the chain replay, verify's passes, a fleet of databases, many sources).

Stages mark steps with `task(...)` and `step(...)`; they never print. What is shown is decided
once by the command line (`install`): by default nothing, so library use and tests stay silent.
The hooks are one-liners so that a stage can report progress without taking a parameter for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Display(Protocol):
    """One task on screen: `step` names the step now running; `close` ends the task."""

    def step(self, detail: str) -> None: ...

    def close(self) -> None: ...


DisplayFactory = Callable[[str, int], Display]

_lock = threading.Lock()
_factory: DisplayFactory | None = None
_open: list[Display] = []


def install(factory: DisplayFactory | None) -> None:
    """Show tasks with `factory(label, total)`; None: show nothing (the default)."""
    global _factory
    _factory = factory


@contextmanager
def task(label: str, total: int) -> Iterator[None]:
    """A task of `total` steps; nested tasks report to the innermost one open."""
    display = _factory(label, total) if _factory is not None and total > 0 else None
    if display is None:
        yield
        return
    with _lock:
        _open.append(display)
    try:
        yield
    finally:
        with _lock:
            _open.remove(display)
        display.close()


def step(detail: str) -> None:
    """The innermost open task moves on to the step named `detail` (safe from any thread)."""
    with _lock:
        if _open:
            _open[-1].step(detail)
