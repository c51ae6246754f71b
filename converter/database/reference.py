"""The reference schema: the project's models (imported only when asked) or a live database.

Both become a `Snapshot` read from a real database, so they compare with the chain's result the
way the database really has them (`create_all` on a scratch database for the models).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import sysconfig
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from converter.core.diagnostics import Origin
from converter.core.dialects import Dialect, find_dialect
from converter.core.errors import InputError
from converter.database.scratch import scratch_database
from converter.database.snapshot.model import NOT_IN_MODELS, Snapshot
from converter.database.snapshot.read import read_snapshot
from converter.database.urls import connect, database_errors, describe_error

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection

DEFAULT_ATTRIBUTES = ("db", "metadata", "Base")
_MODULE_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class Located:
    """Where a models spec came from: the option, its value and the project, for errors."""

    flag: str
    spec: str
    root: Path

    def error(self, text: str, spec: str | None = None) -> InputError:
        return InputError(f"{self.flag} {spec or self.spec}: {text}")


def load_metadata(
    root: Path, spec: str, *, flag: str = "--models", any_file: bool = False
) -> MetaData:
    """Import `module[:attr]` from `root` (as Alembic's env.py would) and return its MetaData.

    The attribute may be a Flask-SQLAlchemy object, a MetaData or a declarative base; without
    one, `db`, `metadata` and `Base` are tried. The modules imported from `root` are forgotten
    afterwards, so another version of the same module can be loaded later in this process.
    `flag` is the option the spec came from, named in every error. With `any_file` (a path the
    user typed, docs/decisions.md "Paths the user gives"), `path/to/file.py` may lie outside the
    project, relative to the project or else to the working directory.
    """
    name, _, attr = spec.partition(":")
    where = Located(flag, spec, Path(root).resolve())
    target = _file_or_module(name.strip(), where) if any_file else _module_name(name.strip(), where)
    if isinstance(target, Path):
        module = _import_file(target, where)
    else:
        with _imports_from(where.root, target):
            _check_in_project(target, where)
            module = _import(target, where)
    return _metadata_of(module, attr.strip(), where)


def _module_name(name: str, where: Located) -> str:
    """`pkg.models`; a path such as `pkg/models.py` is accepted too."""
    if name.endswith(".py"):
        name = name[:-3].replace("/", ".").replace("\\", ".")
    if not _MODULE_PATH.fullmatch(name):
        raise where.error("expected module:attribute, e.g. app.models:db")
    return name


def _file_or_module(name: str, where: Located) -> str | Path:
    """The module a user-typed spec names, or the `.py` file to import by its path when no
    import from the project could reach it (outside the project, or an unimportable name)."""
    if not name.endswith(".py"):
        return _module_name(name, where)
    given = Path(name)
    candidates = [given] if given.is_absolute() else [where.root / given, given]
    found = next((p.resolve() for p in candidates if p.is_file()), None)
    if found is None:
        looked = " or ".join(dict.fromkeys(str(p.absolute()) for p in candidates))
        raise where.error(f"no such file ({looked})")
    if _within(found, where.root):
        dotted = ".".join(found.relative_to(where.root).with_suffix("").parts)
        if _MODULE_PATH.fullmatch(dotted):
            return dotted
    return found


def _import_file(path: Path, where: Located) -> ModuleType:
    """Import one `.py` file by its path, with its folder and then the project first on
    sys.path (its imports resolve as they would have beside it)."""
    name = path.stem if path.stem.isidentifier() else "_legacy2alembic_models"
    with _imports_from(where.root, name, extra=path.parent):
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise where.error(f"{path} cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - user code may raise anything
            raise _import_failure(exc, name, where.root, extra=path) from None
        return module


@contextmanager
def _imports_from(root: Path, module_name: str, extra: Path | None = None) -> Iterator[None]:
    """Put `root` first on sys.path and import afresh; afterwards restore sys.path and
    sys.modules (modules loaded from root, or from `extra` outside the installed libraries,
    are dropped; ones they shadowed are put back)."""
    saved_path = list(sys.path)
    before = set(sys.modules)
    shadowed = _set_aside(module_name)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:
            if _loaded_from(sys.modules.get(name), root, extra):
                del sys.modules[name]
        sys.modules.update(shadowed)
        importlib.invalidate_caches()


def _loaded_from(module: ModuleType | None, root: Path, extra: Path | None) -> bool:
    """Inside the project, or inside `extra` but not among the installed libraries (a file
    in a folder above the virtualenv must not make sqlalchemy be imported twice)."""
    if _is_inside(module, root):
        return True
    if extra is None or not _is_inside(module, extra):
        return False
    libraries = {Path(p) for k, p in sysconfig.get_paths().items() if k.endswith("lib")}
    return not any(_is_inside(module, lib.resolve()) for lib in libraries)


def _set_aside(module_name: str) -> dict[str, ModuleType]:
    """Remove already-imported modules named like the one to load (or its packages)."""
    parts = module_name.split(".")
    names = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    clashing = [n for n in sys.modules if n in names or n.startswith(parts[0] + ".")]
    return {n: sys.modules.pop(n) for n in clashing}


def _is_inside(module: ModuleType | None, root: Path) -> bool:
    paths = [getattr(module, "__file__", None), *list(getattr(module, "__path__", None) or [])]
    return any(p and _within(Path(p), root) for p in paths)


def _within(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, ValueError):
        return False


def _check_in_project(name: str, where: Located) -> None:
    """The models' top-level module must be a file or package of the project (after resolving
    symlinks): found elsewhere on sys.path, it is refused before anything is imported."""
    top = name.partition(".")[0]
    try:
        found = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return  # reported by the import itself
    if found is None:
        return
    places = [found.origin, *(found.submodule_search_locations or [])]
    if not any(
        p and _within(Path(p), where.root) for p in places if p not in ("built-in", "frozen")
    ):
        place = found.origin or next(iter(found.submodule_search_locations or []), "?")
        raise where.error(f"{top!r} is found outside the project ({place}): refused, not imported")


def _import(name: str, where: Located) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise where.error(f"no module named {exc.name!r} in {where.root}") from None
        raise _import_failure(exc, name, where.root) from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - user code may raise anything
        raise _import_failure(exc, name, where.root) from None


def _import_failure(
    exc: BaseException, name: str, root: Path, extra: Path | None = None
) -> InputError:
    """The error, located at the last line inside the project (or the file `extra`) that it
    passed through."""
    origin = _origin(exc, root, extra)
    summary = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if isinstance(exc, SyntaxError):
        summary = f"SyntaxError: {exc.msg}"
    return InputError(f"error while importing {name}: {summary}", origin)


def _origin(exc: BaseException, root: Path, extra: Path | None) -> Origin | None:
    def ours(filename: str | None) -> bool:
        if not filename:
            return False
        return _within(Path(filename), root) or (extra is not None and Path(filename) == extra)

    if isinstance(exc, SyntaxError) and exc.filename and ours(exc.filename):
        return Origin(_relative(exc.filename, root), exc.lineno or 0)
    inside = [f for f in traceback.extract_tb(exc.__traceback__) if ours(f.filename)]
    if not inside:
        return None
    return Origin(_relative(inside[-1].filename, root), inside[-1].lineno or 0)


def _relative(filename: str, root: Path) -> str:
    """Relative to the project; a file outside it (a user-given models file) stays absolute."""
    path = Path(filename).resolve()
    return path.relative_to(root).as_posix() if _within(path, root) else str(path)


def _metadata_of(module: ModuleType, attr: str, where: Located) -> MetaData:
    place = f"{module.__name__} ({_module_file(module)})"
    if attr:
        if not hasattr(module, attr):
            raise where.error(f"{place} has no attribute {attr!r}")
        return _as_metadata(getattr(module, attr), where)
    for candidate in DEFAULT_ATTRIBUTES:
        if hasattr(module, candidate):
            return _as_metadata(getattr(module, candidate), where, f"{where.spec}:{candidate}")
    raise where.error(
        f"{place} has none of {', '.join(DEFAULT_ATTRIBUTES)}; "
        "name the MetaData, declarative base or Flask-SQLAlchemy object as module:attribute"
    )


def _module_file(module: ModuleType) -> str:
    return Path(getattr(module, "__file__", None) or module.__name__).name


def _as_metadata(obj: Any, where: Located, spec: str | None = None) -> MetaData:
    """A MetaData itself, or the `.metadata` of a Flask-SQLAlchemy object or declarative base."""
    from sqlalchemy import MetaData

    if isinstance(obj, MetaData):
        return obj
    metadata = getattr(obj, "metadata", None)
    if isinstance(metadata, MetaData):
        return metadata
    kind = type(obj).__name__ if not isinstance(obj, type) else f"class {obj.__name__}"
    raise where.error(
        f"is a {kind}, not a MetaData, a declarative base or a Flask-SQLAlchemy object", spec
    )


def _create_schemas(conn: Connection, metadata: MetaData) -> None:
    """The schemas the models name (`__table_args__ = {"schema": "billing"}`), which create_all
    expects to exist. PostgreSQL only: elsewhere a schema is a database or an attached file."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote_schema
    for schema in sorted({t.schema for t in metadata.tables.values() if t.schema}):
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")


def metadata_snapshot(
    metadata: MetaData,
    dialect: Dialect,
    *,
    scratch_url: str | None = None,
    server_url: str | None = None,
) -> Snapshot:
    """The schema `create_all` really produces for `metadata` on `dialect` (enums included);
    views, triggers and functions, which models cannot describe, are marked unmodelled."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    with scratch_database(dialect, scratch_url=scratch_url, server_url=server_url) as url:
        engine = connect(url)
        try:
            with engine.begin() as conn:
                _create_schemas(conn, metadata)
                metadata.create_all(conn)
                return replace(read_snapshot(conn), unmodelled=NOT_IN_MODELS)
        except DBAPIError as exc:
            raise InputError(
                f"the models cannot be created on {dialect}: {describe_error(exc)}"
            ) from None
        except SQLAlchemyError as exc:
            reason = re.sub(r"Compiler <[^>]*> ", "", str(exc).splitlines()[0])
            raise InputError(f"the models cannot be created on {dialect}: {reason}") from None
        finally:
            engine.dispose()


def url_snapshot(url: str) -> Snapshot:
    """The schema of a live database, read in a read-only transaction that is rolled back."""
    with read_only_connection(url) as conn:
        return read_snapshot(conn)


def url_metadata(url: str) -> MetaData:
    """A live database reflected as MetaData (read only), without Alembic's version table."""
    import sqlalchemy

    metadata = sqlalchemy.MetaData()
    with read_only_connection(url) as conn:
        metadata.reflect(conn)
    if "alembic_version" in metadata.tables:
        metadata.remove(metadata.tables["alembic_version"])
    _where_as_clauses(metadata)
    return metadata


def _where_as_clauses(metadata: MetaData) -> None:
    """Reflection gives a partial index's WHERE as a string; models give a SQL expression.
    Make both expressions, so that the reference reads the same whichever it came from."""
    import sqlalchemy

    for table in metadata.tables.values():
        for index in table.indexes:
            for name in ("postgresql", "sqlite"):
                where = index.dialect_options[name].get("where")
                if isinstance(where, str):
                    index.dialect_options[name]["where"] = sqlalchemy.text(where)


@contextmanager
def read_only_connection(url: str) -> Iterator[Connection]:
    """A connection whose transaction refuses writes and is rolled back; errors are one line."""
    engine = connect(url)
    try:
        with database_errors(url, "cannot read"), engine.connect() as conn:
            _read_only(conn)
            try:
                yield conn
            finally:
                conn.rollback()
    finally:
        engine.dispose()


def _read_only(conn: Connection) -> None:
    """Make the transaction (PostgreSQL, MySQL) or connection (SQLite) refuse writes."""
    dialect = find_dialect(conn.dialect.name)
    if dialect in (Dialect.POSTGRES, Dialect.MYSQL):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif dialect is Dialect.SQLITE:
        conn.exec_driver_sql("PRAGMA query_only = ON")
