"""`legacy2alembic stamp PROJECT --url URL --yes` that pauses inside its write transaction.

    python tests/paused_stamp.py SECONDS PROJECT URL

The pause is injected as run_stamp's `before_commit` hook; it says "paused before commit" on
stderr first, so that a test can race a second stamp against it or kill it before COMMIT.
Errors end the process like the CLI does: the message on stderr and the error's exit code.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from converter.commands.stamp import run_stamp
from converter.core.errors import ConverterError


def pause(seconds: float) -> None:
    print("paused before commit", file=sys.stderr, flush=True)
    time.sleep(seconds)


def main(seconds: str, project: str, url: str) -> None:
    try:
        run_stamp(
            Path(project),
            urls=[url],
            url_file=None,
            migrations=None,
            dry_run=False,
            yes=True,
            as_json=False,
            force=False,
            scratch_url=None,
            workers=1,
            before_commit=lambda: pause(float(seconds)),
        )
    except ConverterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main(*sys.argv[1:])
