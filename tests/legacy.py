"""Test harness: fixture projects, and databases built THE LEGACY WAY.

A fixture project (``fixtures/<name>/``) is a legacy Flask/SQLAlchemy project as it sits on disk
(``project/``), plus what the tests need to rebuild its history:

- ``initial_models.py``  the models before the first legacy source (``create_all`` of these is the
                         database before any legacy script ran);
- ``history.txt``        the true historical order of the legacy sources (relative to project/);
- ``seed_<dialect>.sql`` deterministic rows inserted right after the initial ``create_all``;
- ``fixture.toml``       dialect, models spec and the rest (see ``Fixture``).
- ``models_history/NN.py`` (optional) the project's models.py as committed together with history
                         entry NN (1-based); used by ``copy_project(git=True)``.

``build_legacy_database`` runs the sources exactly as the projects' READMEs say: ``python
migrate_x.py`` from the project directory with ``DATABASE_URL`` set, ``psql -v ON_ERROR_STOP=1 -f``
for .sql files on PostgreSQL, the ``sqlite3`` shell (``sqlite3 db < file.sql``) on SQLite.

Nothing here imports ``converter``: the harness is an independent oracle.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import tomllib
from sqlalchemy.engine import make_url

FIXTURES: Path = Path(__file__).resolve().parent.parent / "fixtures"

__all__ = [
    "FIXTURES",
    "Fixture",
    "LegacyScriptError",
    "all_fixtures",
    "load_fixture",
    "copy_project",
    "load_models_file",
    "build_legacy_database",
    "LegacyTemplates",
    "sqlite_files",
    "build_models_database",
    "run_legacy_source",
    "dump_data",
    "schema_summary",
    "libpq_url",
    "sa_url",
]


class LegacyScriptError(RuntimeError):
    """A legacy source (or the seed) failed; the message carries its stderr."""


@dataclass(frozen=True)
class Fixture:
    name: str
    dir: Path
    project: Path
    dialect: str  # "sqlite" | "postgresql" | "mysql"
    models: str  # models spec relative to project/, e.g. "models:db"
    history: tuple[str, ...]  # legacy sources, true historical order, relative to project/
    seed: Path | None
    initial_models: Path
    # history entries that exist in the project but are not applied on this fixture's dialect
    # (e.g. the MySQL twin of a SQLite .sql file); they still get their own git commit.
    skip: tuple[str, ...] = ()
    # files read at run time by a legacy source (e.g. a .sql next to a script); committed together
    # with that source; not legacy sources themselves. {source: (helper, ...)}
    companions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)  # the whole fixture.toml

    @property
    def sources(self) -> tuple[str, ...]:
        """Alias of ``history``."""
        return self.history

    @property
    def applied(self) -> tuple[str, ...]:
        """History entries actually run on this fixture's dialect."""
        return tuple(s for s in self.history if s not in self.skip)

    @property
    def models_module(self) -> str:
        return self.models.split(":", 1)[0]

    @property
    def models_path(self) -> Path:
        return self.project / (self.models_module.replace(".", "/") + ".py")

    def models_at(self, k: int) -> Path | None:
        """models.py as committed with history entry k (1-based), when the fixture records it."""
        p = self.dir / "models_history" / f"{k:02d}.py"
        return p if p.exists() else None


def all_fixtures() -> list[str]:
    return sorted(p.parent.name for p in FIXTURES.glob("*/fixture.toml"))


def load_fixture(name: str) -> Fixture:
    d = FIXTURES / name
    with open(d / "fixture.toml", "rb") as f:
        cfg = tomllib.load(f)
    history = tuple(
        line.strip()
        for line in (d / "history.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    dialect = cfg["dialect"]
    seed = d / cfg.get("seed", f"seed_{dialect}.sql")
    src = cfg.get("sources", {})
    companions = {k: tuple(v) for k, v in src.get("companions", {}).items()}
    return Fixture(
        name=name,
        dir=d,
        project=d / "project",
        dialect=dialect,
        models=cfg.get("models", "models:db"),
        history=history,
        seed=seed if seed.exists() else None,
        initial_models=d / cfg.get("initial_models", "initial_models.py"),
        skip=tuple(src.get("skip", ())),
        companions=companions,
        config=cfg,
    )


# --------------------------------------------------------------------------------------------
# project copies and git history

_GIT_ID = [
    "-c",
    "user.name=Legacy Dev",
    "-c",
    "user.email=dev@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]


def _git(dest: Path, *args: str, date: str | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    r = subprocess.run(["git", *_GIT_ID, *args], cwd=dest, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed:\n{r.stderr}")


def _ignore_junk(_dir: str, names: list[str]) -> set[str]:
    junk_dirs = ("__pycache__", ".pytest_cache")
    return {n for n in names if n in junk_dirs or n.endswith((".pyc", ".db"))}


def copy_project(fixture: Fixture, dest: Path, *, git: bool = False) -> Path:
    """Copy ``fixture.project`` to ``dest`` (created; may exist empty). Return ``dest``.

    ``git=True``: ``git init`` and commit the history: first everything that is neither a legacy
    source nor a companion file (with models.py as it was before the first source, i.e.
    ``initial_models.py``), then one commit per history entry in history order (the source, its
    companions, and models.py as recorded in ``models_history/NN.py`` when present; today's
    models.py goes with the last entry at the latest). Commit i is dated 2023-01-02 + i days,
    10:00 UTC (author and committer); identity "Legacy Dev <dev@example.invalid>". Deterministic:
    the same fixture gives the same commit ids. The final tree equals project/ exactly.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(fixture.project, dest, dirs_exist_ok=True, ignore=_ignore_junk)
    if not git:
        return dest

    base = _dt.datetime(2023, 1, 2, 10, 0, 0, tzinfo=_dt.timezone.utc)

    def date(i: int) -> str:
        return (base + _dt.timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    later = set(fixture.history)
    for helpers in fixture.companions.values():
        later.update(helpers)
    models_rel = fixture.models_path.relative_to(fixture.project).as_posix()
    today_models = (fixture.project / models_rel).read_text()

    # stash the later files outside the tree, then bring them back one commit at a time
    stash = Path(tempfile.mkdtemp(prefix="l2a-stash-"))
    try:
        for rel in sorted(later):
            p = dest / rel
            if p.exists():
                (stash / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(p), stash / rel)
        (dest / models_rel).write_text(fixture.initial_models.read_text())
        _git(dest, "init", "-q")
        _git(dest, "add", "-A")
        _git(dest, "commit", "-q", "-m", "Initial project", date=date(0))
        for i, rel in enumerate(fixture.history, start=1):
            for f in (rel, *fixture.companions.get(rel, ())):
                (dest / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(stash / f), dest / f)
            snap = fixture.models_at(i)
            if snap is not None:
                (dest / models_rel).write_text(snap.read_text())
            if i == len(fixture.history):
                (dest / models_rel).write_text(today_models)
            _git(dest, "add", "-A")
            _git(dest, "commit", "-q", "-m", f"Add {rel}", date=date(i))
    finally:
        shutil.rmtree(stash, ignore_errors=True)
    return dest


# --------------------------------------------------------------------------------------------
# models files


def load_models_file(path: Path, attr: str | None = None) -> sa.MetaData:
    """Import a models file under a unique module name and return its MetaData.

    ``attr``: name of the SQLAlchemy()/MetaData/declarative base attribute (default: ``db``, then
    ``metadata``, then ``Base``). sys.path is restored afterwards, and sys.modules forgets the
    file's module and any module imported from its directory (a project's models/app/config).
    """
    path = Path(path).resolve()
    modname = f"_l2a_models_{uuid.uuid4().hex}"
    saved_modules = dict(sys.modules)
    saved_path = list(sys.path)
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(modname, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[modname] = module
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved_path
        # forget the models module and project-local modules it pulled in (app, config...);
        # third-party packages imported for the first time stay (re-importing them would make
        # duplicate classes).
        here = path.parent
        for k, mod in list(sys.modules.items()):
            if k in saved_modules:
                continue
            f = getattr(mod, "__file__", None)
            if k == modname or (f and Path(f).resolve().is_relative_to(here)):
                del sys.modules[k]
        sys.modules.update(saved_modules)
    for name in [attr] if attr else ["db", "metadata", "Base"]:
        obj = getattr(module, name, None)
        if obj is None:
            continue
        if isinstance(obj, sa.MetaData):
            return obj
        md = getattr(obj, "metadata", None)
        if isinstance(md, sa.MetaData):
            return md
    raise LookupError(f"no MetaData found in {path} (attr={attr!r})")


# --------------------------------------------------------------------------------------------
# URLs and engines


def libpq_url(url: str) -> str:
    """The URL as legacy scripts / psql / sqlite3 see it: no ``+driver`` suffix."""
    u = make_url(url)
    if "+" in u.drivername:
        u = u.set(drivername=u.drivername.split("+", 1)[0])
    return u.render_as_string(hide_password=False)


def _dialect(url: str) -> str:
    return make_url(url).get_backend_name()


def _sqlite_path(url: str) -> str:
    db = make_url(url).database
    if not db or db == ":memory:":
        raise ValueError("legacy builds need a file-backed SQLite database")
    return db


def sa_url(url: str) -> str:
    """The URL for SQLAlchemy: a bare ``postgresql://`` gets an installed driver (SQLAlchemy 2.1
    defaults to psycopg 3; this project's tests install psycopg2), a bare ``mysql://`` PyMySQL."""
    u = make_url(url)
    if u.drivername == "mysql":
        u = u.set(drivername="mysql+pymysql")
    if u.drivername == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            u = u.set(drivername="postgresql+psycopg2")
    return u.render_as_string(hide_password=False)


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(sa_url(url), poolclass=sa.pool.NullPool)


# --------------------------------------------------------------------------------------------
# running legacy sources


def _script_env(url: str, project: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SQLALCHEMY_", "PYTHON"))
    }
    env.update(
        DATABASE_URL=libpq_url(url),
        PYTHONPATH=str(project),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _run(
    cmd: list[str], *, cwd: Path, env: dict[str, str], what: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    r = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, input=stdin, timeout=300
    )
    # the sqlite3 shell reports some errors on stderr but still exits 0 without -bail
    if r.returncode != 0:
        raise LegacyScriptError(
            f"{what} failed (exit {r.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{r.stdout}\n--- stderr ---\n{r.stderr}"
        )
    return r


def _run_sql_file(path: Path, url: str, *, cwd: Path, env: dict[str, str], what: str) -> None:
    dialect = _dialect(url)
    if dialect == "postgresql":
        _run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-X", "-q", "-f", str(path), libpq_url(url)],
            cwd=cwd,
            env=env,
            what=what,
        )
    elif dialect == "sqlite":
        db = _sqlite_path(url)
        if shutil.which("sqlite3"):
            _run(["sqlite3", "-bail", db], cwd=cwd, env=env, what=what, stdin=path.read_text())
        else:
            con = sqlite3.connect(db)
            try:
                con.executescript(path.read_text())
            except sqlite3.Error as e:
                raise LegacyScriptError(f"{what} failed: {e}") from e
            finally:
                con.close()
    elif dialect == "mysql":
        _run_mysql_file(path, url, cwd=cwd, env=env, what=what)
    else:
        raise NotImplementedError(f"no legacy runner for .sql on {dialect}")


def _run_mysql_file(path: Path, url: str, *, cwd: Path, env: dict[str, str], what: str) -> None:
    """``mariadb db < file.sql`` (the password in MYSQL_PWD, not argv); PyMySQL without a client,
    one statement per ``;`` at a line end (the fixtures' files need no more)."""
    u = make_url(url)
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client:
        cmd = [client, "--no-defaults", "-h", u.host or "127.0.0.1", "-P", str(u.port or 3306)]
        cmd += ["-u", u.username or "", u.database or ""]
        _run(
            cmd,
            cwd=cwd,
            env={**env, "MYSQL_PWD": u.password or ""},
            what=what,
            stdin=path.read_text(),
        )
        return
    import pymysql

    con = pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.username,
        password=u.password or "",
        database=u.database,
        autocommit=True,
    )
    try:
        with con.cursor() as cur:
            for statement in _mysql_statements(path.read_text()):
                cur.execute(statement)
    except pymysql.MySQLError as e:
        raise LegacyScriptError(f"{what} failed: {e}") from e
    finally:
        con.close()


def _mysql_statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.lstrip().startswith("--")]
    chunks = "\n".join(lines).split(";\n")
    return [c.strip().rstrip(";") for c in chunks if c.strip()]


def run_legacy_source(rel: str, url: str, project: Path) -> None:
    """Run one legacy source (path relative to ``project``) the legacy way."""
    project = Path(project).resolve()
    path = project / rel
    env = _script_env(url, project)
    if path.suffix == ".py":
        _run([sys.executable, str(path)], cwd=project, env=env, what=f"legacy script {rel}")
    elif path.suffix == ".sql":
        _run_sql_file(path, url, cwd=project, env=env, what=f"legacy SQL file {rel}")
    else:
        raise ValueError(f"unknown legacy source kind: {rel}")


def build_legacy_database(
    fixture: Fixture | str, url: str, k: int | None = None, project: Path | None = None
) -> None:
    """Build the database on ``url`` as the legacy project did.

    ``create_all`` of ``initial_models.py``, the seed, then the first ``k`` history entries
    (all when None; entries listed in ``skip`` count but do nothing). ``project``: the directory
    to run in (default: a temporary copy of the fixture project, so the repository stays clean).
    Raises ``LegacyScriptError`` with the failing source's stderr.
    """
    if isinstance(fixture, str):
        fixture = load_fixture(fixture)
    if _dialect(url) != fixture.dialect:
        raise ValueError(
            f"{fixture.name} is a {fixture.dialect} fixture, got a {_dialect(url)} URL"
        )
    if k is not None and not 0 <= k <= len(fixture.history):
        raise ValueError(f"k={k} out of range 0..{len(fixture.history)}")
    tmp: str | None = None
    if project is None:
        tmp = tempfile.mkdtemp(prefix=f"l2a-{fixture.name}-")
        project = copy_project(fixture, Path(tmp) / "project")
    project = Path(project).resolve()
    try:
        md = load_models_file(fixture.initial_models)
        engine = _engine(url)
        try:
            md.create_all(engine)
        finally:
            engine.dispose()
        if fixture.seed is not None:
            _run_sql_file(
                fixture.seed,
                url,
                cwd=project,
                env=_script_env(url, project),
                what=f"seed {fixture.seed.name}",
            )
        entries = fixture.history if k is None else fixture.history[:k]
        for rel in entries:
            if rel in fixture.skip:
                continue
            run_legacy_source(rel, url, project)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


class LegacyTemplates:
    """Databases built the legacy way, kept as templates that tests copy.

    ``url(fixture, k)`` is a database holding what ``build_legacy_database(fixture, url, k)``
    builds; tests copy it (never change it). Each prefix of a fixture's history is built once,
    from a copy of the prefix before it plus that one source (run the legacy way, in one project
    copy, as the project ran them in turn): a test asking for every k runs each script once
    instead of k times. ``new_database(template)`` makes an empty database, or a copy of one.
    """

    def __init__(self, root: Path, new_database: Callable[[str | None], str]) -> None:
        self.root = root
        self.new_database = new_database
        self.urls: dict[tuple[str, int], str] = {}
        self.projects: dict[str, Path] = {}

    def url(self, fixture: Fixture | str, k: int | None = None) -> str:
        fixture = load_fixture(fixture) if isinstance(fixture, str) else fixture
        k = len(fixture.history) if k is None else k
        key = (fixture.name, k)
        if key not in self.urls:
            if k == 0:
                url = self.new_database(None)
                build_legacy_database(fixture, url, 0, project=self._project(fixture))
            else:
                url = self.new_database(self.url(fixture, k - 1))
                rel = fixture.history[k - 1]
                if rel not in fixture.skip:
                    run_legacy_source(rel, url, self._project(fixture))
            self.urls[key] = url
        return self.urls[key]

    def copy(self, fixture: Fixture | str, url: str, k: int | None = None) -> None:
        """Into the SQLite file of ``url``, as ``build_legacy_database(fixture, url, k)``."""
        shutil.copyfile(_sqlite_path(self.url(fixture, k)), _sqlite_path(url))

    def _project(self, fixture: Fixture) -> Path:
        if fixture.name not in self.projects:
            dest = self.root / f"{fixture.name}-project"
            self.projects[fixture.name] = copy_project(fixture, dest)
        return self.projects[fixture.name]


def sqlite_files(root: Path) -> Callable[[str | None], str]:
    """``new_database`` for SQLite: a new file in ``root``, empty or a copy of a template."""
    counter = iter(range(1_000_000))

    def new(template: str | None) -> str:
        path = root / f"db{next(counter)}.db"
        if template:
            shutil.copyfile(_sqlite_path(template), path)
        return f"sqlite:///{path}"

    return new


def build_models_database(models_file: Path, url: str) -> sa.MetaData:
    """``create_all`` of a models file on ``url`` (what a fresh install of the app creates)."""
    md = load_models_file(models_file)
    engine = _engine(url)
    try:
        md.create_all(engine)
    finally:
        engine.dispose()
    return md


# --------------------------------------------------------------------------------------------
# comparing databases


def _norm(v: Any) -> Any:
    if isinstance(v, memoryview):
        v = bytes(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, separators=(",", ":"))
    if isinstance(v, _dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return v.total_seconds()
    if isinstance(v, uuid.UUID):
        return str(v)
    return v


def _sort_key(row: tuple) -> tuple:
    out = []
    for v in row:
        if v is None:
            out.append((0, "", 0))
        elif isinstance(v, (bool, int, float, decimal.Decimal)):
            out.append((1, "", float(v)))
        else:
            out.append((2, repr(v), 0))
    return tuple(out)


def dump_data(url: str) -> dict[str, list[tuple]]:
    """Every table's rows (not views; not alembic_version), sorted and normalised.

    Values: datetimes/dates as ISO strings, JSON as canonical JSON text, Decimal as is (its
    equality is numeric), bytes as bytes. Raw values (no ORM type processing), in table column
    order.
    """
    engine = _engine(url)
    out: dict[str, list[tuple]] = {}
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            for t in sorted(insp.get_table_names()):
                if t == "alembic_version":
                    continue
                cols = [c["name"] for c in insp.get_columns(t)]
                q = sa.select(*[sa.column(c) for c in cols]).select_from(sa.table(t))
                rows = [tuple(_norm(v) for v in r) for r in conn.execute(q)]
                out[t] = sorted(rows, key=_sort_key)
    finally:
        engine.dispose()
    return out


def schema_summary(
    url: str,
    *,
    names: bool = False,
    defaults: bool = False,
    column_order: bool = False,
    checks: bool = True,
) -> dict:
    """A plain, comparable description of the live schema (SQLAlchemy inspector only).

    ``{"tables": {name: {"columns": [(name, type, nullable[, default])], "pk": [...],
    "indexes": [(name, cols, unique, where)], "uniques": [([name,] cols)],
    "fks": [([name,] cols, ref_table, ref_cols, ondelete, onupdate)], "checks": [(name, text)]}},
    "views": [...], "enums": {name: [labels]}}``

    ``names``: include unique / FK constraint names (database-generated on SQLite / PG when not
    given). Index names are always included. ``defaults``: include reflected server defaults.
    ``column_order``: keep the table's column order (else columns sorted by name).
    ``checks``: include CHECK constraints (text as the database reports it).
    Indexes backing a unique constraint (PG, MySQL) are reported under uniques only.
    """
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            dialect = conn.dialect
            tables: dict[str, Any] = {}
            for t in sorted(insp.get_table_names()):
                if t == "alembic_version":
                    continue
                cols = []
                for c in insp.get_columns(t):
                    col = [c["name"], c["type"].compile(dialect=dialect), bool(c["nullable"])]
                    if defaults:
                        col.append(c.get("default"))
                    cols.append(tuple(col))
                if not column_order:
                    cols.sort()
                pk = insp.get_pk_constraint(t).get("constrained_columns") or []
                uniques = []
                unique_names = set()
                for u in insp.get_unique_constraints(t):
                    unique_names.add(u.get("name"))
                    name_part = (u.get("name"),) if names else ()
                    uniques.append(name_part + (tuple(u["column_names"]),))
                indexes = []
                for ix in insp.get_indexes(t):
                    if ix.get("duplicates_constraint") or (
                        ix.get("name") in unique_names and ix.get("name") is not None
                    ):
                        continue
                    where = (ix.get("dialect_options") or {}).get(f"{dialect.name}_where")
                    ix_cols = tuple(c if c is not None else "<expr>" for c in ix["column_names"])
                    indexes.append(
                        (
                            ix["name"],
                            ix_cols,
                            bool(ix.get("unique")),
                            str(where) if where is not None else None,
                        )
                    )
                fks = []
                for fk in insp.get_foreign_keys(t):
                    opts = fk.get("options") or {}
                    fks.append(
                        ((fk.get("name"),) if names else ())
                        + (
                            tuple(fk["constrained_columns"]),
                            fk["referred_table"],
                            tuple(fk["referred_columns"]),
                            (opts.get("ondelete") or "").upper() or None,
                            (opts.get("onupdate") or "").upper() or None,
                        )
                    )
                entry: dict[str, Any] = {
                    "columns": cols,
                    "pk": list(pk),
                    "indexes": sorted(indexes, key=repr),
                    "uniques": sorted(uniques, key=repr),
                    "fks": sorted(fks, key=repr),
                }
                if checks:
                    try:
                        entry["checks"] = sorted(
                            (ck.get("name"), ck.get("sqltext"))
                            for ck in insp.get_check_constraints(t)
                        )
                    except NotImplementedError:
                        entry["checks"] = []
                tables[t] = entry
            summary: dict[str, Any] = {"tables": tables, "views": sorted(insp.get_view_names())}
            if dialect.name == "postgresql":
                summary["enums"] = {e["name"]: list(e["labels"]) for e in insp.get_enums()}
            else:
                summary["enums"] = {}
            return summary
    finally:
        engine.dispose()
