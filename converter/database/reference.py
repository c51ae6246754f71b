"""The reference schema: the project's models (imported only when asked) or a live database.

Both become a `Snapshot` read from a real database, so they compare with the chain's result the
way the database really has them (`create_all` on a scratch database for the models).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from converter.core.diagnostics import Origin
from converter.core.dialects import Dialect
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


def load_metadata(root: Path, spec: str) -> MetaData:
    """Import `module[:attr]` from `root` (as Alembic's env.py would) and return its MetaData.

    The attribute may be a Flask-SQLAlchemy object, a MetaData or a declarative base; without
    one, `db`, `metadata` and `Base` are tried. The modules imported from `root` are forgotten
    afterwards, so another version of the same module can be loaded later in this process.
    """
    module_name, _, attr = spec.partition(":")
    module_name = _module_name(module_name.strip(), spec)
    with _imports_from(Path(root).resolve(), module_name):
        _check_in_project(module_name, spec, Path(root).resolve())
        module = _import(module_name, spec, Path(root).resolve())
        return _metadata_of(module, attr.strip(), spec)


def _module_name(name: str, spec: str) -> str:
    """`pkg.models`; a path such as `pkg/models.py` is accepted too."""
    if name.endswith(".py"):
        name = name[:-3].replace("/", ".").replace("\\", ".")
    if not _MODULE_PATH.fullmatch(name):
        raise InputError(f"--models {spec}: expected module:attribute, e.g. app.models:db")
    return name


@contextmanager
def _imports_from(root: Path, module_name: str) -> Iterator[None]:
    """Put `root` first on sys.path and import afresh; afterwards restore sys.path and
    sys.modules (modules loaded from root are dropped, ones it shadowed are put back)."""
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
            if _is_inside(sys.modules.get(name), root):
                del sys.modules[name]
        sys.modules.update(shadowed)
        importlib.invalidate_caches()


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


def _check_in_project(name: str, spec: str, root: Path) -> None:
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
    if not any(p and _within(Path(p), root) for p in places if p not in ("built-in", "frozen")):
        where = found.origin or next(iter(found.submodule_search_locations or []), "?")
        raise InputError(
            f"--models {spec}: {top!r} is found outside the project ({where}): refused, "
            "not imported"
        )


def _import(name: str, spec: str, root: Path) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise InputError(f"--models {spec}: no module named {exc.name!r} in {root}") from None
        raise _import_failure(exc, name, root) from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - user code may raise anything
        raise _import_failure(exc, name, root) from None


def _import_failure(exc: BaseException, name: str, root: Path) -> InputError:
    """The error, located at the last line inside the project that it passed through."""
    origin = _origin(exc, root)
    summary = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if isinstance(exc, SyntaxError):
        summary = f"SyntaxError: {exc.msg}"
    return InputError(f"error while importing {name}: {summary}", origin)


def _origin(exc: BaseException, root: Path) -> Origin | None:
    if isinstance(exc, SyntaxError) and exc.filename and _within(Path(exc.filename), root):
        return Origin(_relative(exc.filename, root), exc.lineno or 0)
    inside = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename and _within(Path(f.filename), root)
    ]
    if not inside:
        return None
    return Origin(_relative(inside[-1].filename, root), inside[-1].lineno or 0)


def _relative(filename: str, root: Path) -> str:
    return Path(filename).resolve().relative_to(root).as_posix()


def _metadata_of(module: ModuleType, attr: str, spec: str) -> MetaData:
    where = f"{module.__name__} ({_module_file(module)})"
    if attr:
        if not hasattr(module, attr):
            raise InputError(f"--models {spec}: {where} has no attribute {attr!r}")
        return _as_metadata(getattr(module, attr), spec)
    for candidate in DEFAULT_ATTRIBUTES:
        if hasattr(module, candidate):
            return _as_metadata(getattr(module, candidate), f"{spec}:{candidate}")
    raise InputError(
        f"--models {spec}: {where} has none of {', '.join(DEFAULT_ATTRIBUTES)}; "
        "name the MetaData, declarative base or Flask-SQLAlchemy object as module:attribute"
    )


def _module_file(module: ModuleType) -> str:
    return Path(getattr(module, "__file__", None) or module.__name__).name


def _as_metadata(obj: Any, spec: str) -> MetaData:
    """A MetaData itself, or the `.metadata` of a Flask-SQLAlchemy object or declarative base."""
    from sqlalchemy import MetaData

    if isinstance(obj, MetaData):
        return obj
    metadata = getattr(obj, "metadata", None)
    if isinstance(metadata, MetaData):
        return metadata
    kind = type(obj).__name__ if not isinstance(obj, type) else f"class {obj.__name__}"
    raise InputError(
        f"--models {spec}: is a {kind}, not a MetaData, a declarative base or a "
        "Flask-SQLAlchemy object"
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
    if conn.dialect.name in ("postgresql", "mysql", "mariadb"):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only = ON")
