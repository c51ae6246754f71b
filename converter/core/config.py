"""Project settings: which files are legacy sources, what to skip, and the run's defaults.

Settings live in `[tool.legacy2alembic]` of the project's pyproject.toml; CLI flags override them
(`Config.merged`). Every problem with the file is an `InputError` pointing at its line.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from converter.core.diagnostics import Origin
from converter.core.dialects import CHOICES, Dialect, find_dialect
from converter.core.errors import InputError
from converter.core.files import project_path, read_project_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
SECTION = ("tool", "legacy2alembic")

DEFAULT_PY_GLOBS: tuple[str, ...] = ("**/migrate_*.py",)
DEFAULT_SQL_GLOBS: tuple[str, ...] = (
    "**/migrations_manual_sql/*.sql",
    "**/manual_migrations/*.sql",
    "**/sql_migrations/*.sql",
    "**/db/migrations/*.sql",
    "**/sql/migrations/*.sql",
    "**/migrations/*.sql",
)
# Directory names never walked into. Folders holding a `pyvenv.cfg` (virtualenvs under any name)
# are pruned too; see `discover.walk_tree`.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "venv", ".venv", "env", ".env", "virtualenv", "node_modules", ".git", "site-packages",
    "__pycache__", "tests", "test", "build", "dist", ".tox", ".mypy_cache",
)  # fmt: skip


@dataclass(frozen=True)
class Config:
    """Settings for one run. Glob patterns match paths relative to the project root (`**` spans
    directories); `exclude` entries without a `/` match directory names, others relative paths."""

    py_globs: tuple[str, ...] = DEFAULT_PY_GLOBS
    sql_globs: tuple[str, ...] = DEFAULT_SQL_GLOBS
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    dialect: str | None = None
    models: str | None = None
    order: str | None = None

    def merged(self, **overrides: Any) -> Config:
        """A copy with every override that is not None applied (CLI flags win over the file)."""
        unknown = sorted(set(overrides) - _FIELD_NAMES)
        if unknown:
            raise TypeError(f"unknown Config field(s): {', '.join(unknown)}")
        changes = {k: _as_field_value(v) for k, v in overrides.items() if v is not None}
        return replace(self, **changes)


_FIELD_NAMES = frozenset(f.name for f in fields(Config))
_GLOB_FIELDS = frozenset({"py_globs", "sql_globs", "exclude"})


def _as_field_value(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def load_config(root: Path) -> Config:
    """Settings from root/pyproject.toml; the defaults when the file or the table is absent."""
    path = root / PYPROJECT
    if not path.is_file():
        return Config()
    text = _read_text(root)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", Origin(PYPROJECT, _error_line(exc))) from None
    tool = document.get(SECTION[0])
    table = tool.get(SECTION[1]) if isinstance(tool, dict) else None
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise InputError("[tool.legacy2alembic] must be a table", Origin(PYPROJECT, 1))
    settings = _settings(table, text)
    if "order" in settings:
        project_path(root, settings["order"], Origin(PYPROJECT, _key_line(text, "order")))
    return Config(**settings)


def _read_text(root: Path) -> str:
    data = read_project_file(root, PYPROJECT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read: {exc.reason}", Origin(PYPROJECT)) from None


def _error_line(exc: Exception) -> int:
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    found = re.search(r"at line (\d+)", str(exc))
    return int(found.group(1)) if found else 0


def _settings(table: dict[str, Any], text: str) -> dict[str, Any]:
    """Validate the table's keys and value types; keys may use dashes or underscores."""
    settings: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        origin = Origin(PYPROJECT, _key_line(text, key))
        if name not in _FIELD_NAMES:
            allowed = ", ".join(sorted(n.replace("_", "-") for n in _FIELD_NAMES))
            raise InputError(f"unknown key {key!r} in [tool.legacy2alembic] ({allowed})", origin)
        if name in settings:
            raise InputError(f"{key!r} given twice (dashes and underscores)", origin)
        settings[name] = _checked(key, name, value, origin)
    return settings


def _checked(key: str, name: str, value: Any, origin: Origin) -> Any:
    if name in _GLOB_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise InputError(f"{key!r} must be a list of non-empty strings", origin)
        if name != "exclude":
            _check_inside(key, value, origin)
        return tuple(value)
    if not isinstance(value, str) or not value:
        raise InputError(f"{key!r} must be a non-empty string", origin)
    return value


def _check_inside(key: str, patterns: list[str], origin: Origin) -> None:
    """Source globs match paths inside the project: absolute or `..` patterns are refused."""
    for pattern in patterns:
        parts = pattern.replace("\\", "/").split("/")
        if pattern.startswith(("/", "\\", "~")) or ".." in parts or ":" in parts[0]:
            raise InputError(
                f"{key!r}: {pattern!r} points outside the project; globs are relative to the "
                "project root",
                origin,
            )


def _key_line(text: str, key: str) -> int:
    """Line of `key = ...` inside the legacy2alembic table (best effort; 0 when not found)."""
    header = re.compile(r"^\s*\[\s*tool\s*\.\s*(legacy2alembic|\"legacy2alembic\")\s*\]")
    assignment = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    dotted = re.compile(rf"^\s*tool\s*\.\s*legacy2alembic\s*\.\s*{re.escape(key)}\s*=")
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
        elif (inside and assignment.match(line)) or dotted.match(line):
            return number
    return 0


def project_settings(project: Path) -> tuple[Path, Config]:
    """The project's resolved root and its [tool.legacy2alembic] settings."""
    if not project.is_dir():
        raise InputError(f"{project}: no such project directory")
    root = project.resolve()
    return root, load_config(root)


def need_dialect(
    dialect: Dialect | None, config: Config, *, from_url: Dialect | None = None
) -> Dialect:
    """The dialect to work in: the flag, else the URL's, else the project's setting."""
    chosen = dialect or from_url or (find_dialect(config.dialect) if config.dialect else None)
    if chosen:
        return chosen
    if config.dialect:
        raise InputError(f"[tool.legacy2alembic] dialect = {config.dialect!r}: choose {CHOICES}")
    raise InputError(
        f"--dialect is required ({CHOICES}), or set dialect in "
        "[tool.legacy2alembic] of the project's pyproject.toml"
    )


def order_path(order_file: Path | None, config: Config, root: Path) -> Path | None:
    """The order file: the flag, else the project's `order` setting."""
    if order_file is not None:
        return order_file
    return root / config.order if config.order else None
