"""DDL the application runs at start-up: found for `scan`, never converted.

Real apps carry a list of `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` in `create_app()` or at the
top of `app.py` / `wsgi.py`, run at every boot. That code keeps running after the move to
Alembic, so converting it would apply each change twice; instead scan names every statement with
its `file:line`, so that it can be moved into a revision and deleted from the app
(docs/decisions.md). Which code runs at start-up is decided by `discover.startup`.
"""

from __future__ import annotations

from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics
from converter.discover.startup import APP_FILES, StartupDDL, read_startup_ddl
from converter.discover.walk import join, walk_tree


def find_startup_ddl(root: Path, config: Config, diags: Diagnostics) -> list[StartupDDL]:
    """DDL literals in the app's start-up code (app factory, module level, `__main__`), each
    warned about: it runs at every start-up, and is not converted."""
    found: list[StartupDDL] = []
    for folder, names in walk_tree(root, config.exclude):
        for name in names:
            if APP_FILES.fullmatch(name):
                found.extend(read_startup_ddl(root, join(folder, name)))
    for item in found:
        diags.warning(
            item.origin,
            f"DDL in start-up code ({item.scope}) runs at every start-up: not converted; move "
            f"it into a revision and remove it from the app: {_one_line(item.sql)}",
            code="L2A504",
        )
    return found


def _one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
