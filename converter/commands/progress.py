"""What progress looks like on a terminal: click's own bar on stderr.

click's bar is already a dependency, hides itself on a non-terminal, shows the position, an ETA
and the current item; tqdm or rich would add a dependency for nothing this needs. `-v` prints one
line per step with its duration instead (also when stderr is not a terminal: it was asked for);
`--quiet` shows nothing; by default the bar appears only when stderr is a terminal.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from converter.core import progress

QUIET, NORMAL, VERBOSE = 0, 1, 2


def configure(level: int) -> None:
    """Install the display for `level` (QUIET, NORMAL or VERBOSE) for this process."""
    if level >= VERBOSE:
        progress.install(_Lines)
    elif level == NORMAL and sys.stderr.isatty():
        progress.install(_Bar)
    else:
        progress.install(None)


class _Bar:
    """A bar with the position, the ETA and the step now running."""

    def __init__(self, label: str, total: int) -> None:
        self.bar: Any = click.progressbar(
            length=total,
            label=label,
            file=sys.stderr,
            show_pos=True,
            item_show_func=lambda item: item,
        )
        self.started = False
        self.bar.render_progress()

    def step(self, detail: str) -> None:
        self.bar.update(1 if self.started else 0, detail)
        self.started = True

    def close(self) -> None:
        if self.started:
            self.bar.update(1, "")
        self.bar.render_finish()


class _Lines:
    """One line per finished step: `label [n/total] step (seconds)`."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.current: str | None = None
        self.since = time.monotonic()

    def step(self, detail: str) -> None:
        self._finish()
        self.current, self.since = detail, time.monotonic()

    def close(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if self.current is None:
            return
        self.done += 1
        took = time.monotonic() - self.since
        click.echo(
            f"{self.label} [{self.done}/{self.total}] {self.current} ({took:.1f}s)", err=True
        )
        self.current = None
