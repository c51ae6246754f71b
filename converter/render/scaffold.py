"""The files of a new migrations folder, Flask-Migrate compatible.

`flask db upgrade`, plain `alembic -c migrations/alembic.ini upgrade head` and programs passing a
connection (verify, stamp) all work with it. No database URL is ever written: env.py reads it
when it runs.
"""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path

import jinja2

from converter.core.dialects import Dialect, find_dialect

# Relative path in the migrations folder -> template in converter.templates.

_TEMPLATES = {
    "alembic.ini": "alembic.ini.j2",
    "env.py": "env.py.j2",
    "README": "README.j2",
}
# Copied verbatim: Alembic itself renders it (Mako) for `flask db revision` / `migrate`.
_VERBATIM = {"script.py.mako": "script.py.mako"}
# Alembic needs the versions folder to exist; an empty placeholder keeps it in git.
VERSIONS_PLACEHOLDER = "versions/.gitkeep"
# The scaffolded README records the dialect the chain was converted for.
_RECORDED = re.compile(r"by legacy2alembic for (\w+)\.")


def scaffold_files(dialect: Dialect) -> dict[str, str]:
    """Relative path -> content of every file of the migrations folder, in a stable order."""
    files = {path: _render(name, dialect) for path, name in _TEMPLATES.items()}
    files.update({path: _read(name) for path, name in _VERBATIM.items()})
    files[VERSIONS_PLACEHOLDER] = ""
    return dict(sorted(files.items()))


def _read(name: str) -> str:
    return importlib.resources.files("converter.templates").joinpath(name).read_text("utf-8")


def _render(name: str, dialect: Dialect) -> str:
    env = jinja2.Environment(
        autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    return env.from_string(_read(name)).render(dialect=dialect)


def recorded_dialect(migrations: Path) -> Dialect | None:
    """The dialect a scaffolded migrations folder was converted for (None: not recorded)."""
    try:
        match = _RECORDED.search((migrations / "README").read_text(encoding="utf-8"))
    except OSError:
        return None
    return find_dialect(match.group(1)) if match else None
