"""`legacy2alembic archive PROJECT` that pauses after each moved file.

    python tests/paused_archive.py SECONDS PROJECT

The pause is injected as run_archive's `after_move` hook; it says "moved PATH" on stderr first,
so that a test can kill the run (kill -9, SIGTERM, SIGINT) between two files.
Errors end the process like the CLI does: the message on stderr and the error's exit code.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from converter.commands.archive import run_archive
from converter.core.errors import ConverterError
from converter.retire.archive.plan import Move


def pause(seconds: float, move: Move) -> None:
    print(f"moved {move.path}", file=sys.stderr, flush=True)
    time.sleep(seconds)


def main(seconds: str, project: str) -> None:
    try:
        run_archive(
            Path(project),
            dest="legacy_migrations",
            migrations=None,
            dry_run=False,
            after_move=lambda move: pause(float(seconds), move),
        )
    except ConverterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main(*sys.argv[1:])
