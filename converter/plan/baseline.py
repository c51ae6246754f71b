"""The reference schema as a schema model, and the baseline derived from it.

baseline = the schema before the first legacy source. Two ways to know it:
- the reference with every legacy op un-applied (what the sources say), and
- the models as they were before the first legacy source (`--baseline-models`, or recovered from
  git history), which fills in what the sources never said (a type before ALTER ... TYPE, a table
  rebuilt on SQLite).
"""

from __future__ import annotations

import ast
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa

from converter.core.diagnostics import Diagnostics, Origin
from converter.core.dialects import Dialect
from converter.ir import ops as o
from converter.plan import mysql_keys
from converter.plan.schema import SchemaModel, TableModel

# ---- MetaData -> SchemaModel ------------------------------------------------------------------


def model_from_metadata(metadata: sa.MetaData, dialect: Dialect) -> SchemaModel:
    model = SchemaModel(dialect=dialect)
    for table in metadata.sorted_tables:
        model.tables[table.name] = _table_model(table, model, dialect)
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            model.indexes[str(index.name)] = _index_op(index, table, dialect)
    return model


def _name(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _table_model(table: sa.Table, model: SchemaModel, dialect: Dialect) -> TableModel:
    columns = {c.name: _column_def(c, model, dialect) for c in table.columns}
    constraints = [
        c for c in (_constraint(x, dialect) for x in _ordered(table.constraints)) if c is not None
    ]
    return TableModel(
        table.name, columns, constraints, _name(table.schema), options=_options(table, dialect)
    )


# What a MySQL table is built with beyond its columns: the same table on a server with other
# defaults (a latin1 server) must come out as create_all() builds it.
_MYSQL_OPTIONS = ("mysql_engine", "mysql_charset", "mysql_collate")


def _options(table: sa.Table, dialect: Dialect) -> tuple[tuple[str, o.Literal], ...]:
    if dialect != "mysql":
        return ()
    return tuple(
        (key, str(value)) for key, value in table.dialect_kwargs.items() if key in _MYSQL_OPTIONS
    )


def _ordered(constraints: Iterable[sa.Constraint]) -> list[sa.Constraint]:
    order = {
        sa.PrimaryKeyConstraint: 0,
        sa.ForeignKeyConstraint: 1,
        sa.UniqueConstraint: 2,
        sa.CheckConstraint: 3,
    }
    return sorted(
        constraints,
        key=lambda c: (
            order.get(type(c), 9),
            str(c.name),
            [getattr(x, "name", "") for x in c.columns] if hasattr(c, "columns") else [],
        ),
    )


def _column_def(col: sa.Column, model: SchemaModel, dialect: Dialect) -> o.ColumnDef:
    from converter.lower.types import type_from_sqlalchemy

    spec = type_from_sqlalchemy(col.type)
    if dialect == "postgres" and isinstance(col.type, sa.Enum) and col.type.name:
        model.enums[col.type.name] = tuple(col.type.enums)
        spec = o.TypeSpec(
            "ENUM", "postgresql", (), (("name", col.type.name), ("create_type", False))
        )
    return o.ColumnDef(
        col.name,
        spec,
        nullable=bool(col.nullable),
        server_default=_server_default(col, dialect),
        primary_key=bool(col.primary_key),
        autoincrement=col.autoincrement if isinstance(col.autoincrement, bool) else None,
        identity=_identity(col.identity),
        comment=col.comment,
    )


def _identity(identity: sa.Identity | None) -> o.IdentityKind | None:
    if identity is None:
        return None
    return "always" if identity.always else "by default"


def _server_default(col: sa.Column, dialect: Dialect) -> str | None:
    default = col.server_default
    arg = getattr(default, "arg", None)
    if arg is None:
        return None
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    return str(arg.compile(dialect=_sa_dialect(dialect), compile_kwargs={"literal_binds": True}))


def _sa_dialect(dialect: Dialect) -> sa.engine.Dialect:
    import importlib

    module = importlib.import_module(f"sqlalchemy.dialects.{Dialect(dialect).sqlalchemy}")
    return module.dialect()


def _constraint(c: sa.Constraint, dialect: Dialect) -> o.Constraint | None:
    cols = tuple(x.name for x in getattr(c, "columns", ()))
    if isinstance(c, sa.PrimaryKeyConstraint):
        return o.PrimaryKey(cols, _name(c.name)) if cols else None
    if isinstance(c, sa.ForeignKeyConstraint):
        refs = [e.column for e in c.elements]
        return o.ForeignKey(
            cols,
            refs[0].table.name,
            tuple(r.name for r in refs),
            _name(c.name),
            ondelete=c.ondelete,
            onupdate=c.onupdate,
            deferrable=c.deferrable,
            initially=c.initially,
        )
    if isinstance(c, sa.UniqueConstraint):
        return o.Unique(cols, _name(c.name))
    if isinstance(c, sa.CheckConstraint):
        text = str(
            c.sqltext.compile(dialect=_sa_dialect(dialect), compile_kwargs={"literal_binds": True})
        )
        return o.Check(text, _name(c.name))
    return None


def _index_op(index: sa.Index, table: sa.Table, dialect: Dialect) -> o.CreateIndex:
    sa_dialect = _sa_dialect(dialect)
    elements = tuple(
        o.IndexElement(e.name if isinstance(e, sa.Column) else e)
        if isinstance(e, (sa.Column, str))
        else o.IndexElement(
            str(e.compile(dialect=sa_dialect, compile_kwargs={"literal_binds": True})),
            expression=True,
        )
        for e in index.expressions
    )
    opts = (
        dict(index.dialect_options["postgresql"])
        if dialect == "postgres"
        else dict(index.dialect_options["sqlite"])
        if dialect == "sqlite"
        else {}
    )
    where = opts.get("where")
    where_sql = (
        str(where.compile(dialect=sa_dialect, compile_kwargs={"literal_binds": True}))
        if where is not None
        else None
    )
    return o.CreateIndex(
        str(index.name),
        table.name,
        elements,
        unique=bool(index.unique),
        where=where_sql,
        method=opts.get("using"),
        schema=_name(table.schema),
    )


# ---- class name -> table name, read statically ----------------------------------------------


def class_tables(root: Path, spec: str) -> dict[str, str]:
    """Model class name -> table name, from the models module's source (never imported here).
    Uses `__tablename__`, else Flask-SQLAlchemy's default snake_case name."""
    found: dict[str, str] = {}
    for path in _module_files(root, spec.split(":", 1)[0]):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.bases:
                found[node.name] = _tablename(node) or _snake(node.name)
    return found


def _module_files(root: Path, module: str) -> list[Path]:
    base = root.joinpath(*module.split("."))
    if base.with_suffix(".py").is_file():
        return [base.with_suffix(".py")]
    return sorted(base.rglob("*.py")) if base.is_dir() else []


def _tablename(node: ast.ClassDef) -> str | None:
    for stmt in node.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            return stmt.value.value
    return None


def _snake(name: str) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


# ---- baseline --------------------------------------------------------------------------------


def unapplied(reference: SchemaModel, ops: Sequence[o.Op]) -> SchemaModel:
    """The reference with every op un-applied, last op first."""
    model = reference.copy()
    for op in reversed(ops):
        model.unapply(op)
    return model


def fill_unknowns(derived: SchemaModel, old: SchemaModel, diags: Diagnostics) -> SchemaModel:
    """Reconcile the sources' view of the baseline with the models before the first script.

    For a table both know, the old models win: `create_all()` never changes an existing table,
    so whatever the derived view has beyond them came from SQL the schema model could not follow
    (a DO block, an unparsed statement), and what it lacks was removed that way. Each difference is
    reported. Tables only one side knows keep the derived view."""
    result = derived.copy()
    for name, table in result.tables.items():
        before = old.tables.get(name)
        if before is None:
            continue
        if table.known and table.columns and not table.inferred_from:
            for difference in _table_differences(table, before, derived, old):
                diags.warning(
                    None,
                    f"baseline table {name}: {difference}; following the models "
                    "before the first legacy script (the difference comes from "
                    "SQL kept as exact text, or models changed without a script)",
                    code="L2A409",
                )
        result.tables[name] = _copy_table(before)
        result.forget_guesses(name)
        for ix_name in [n for n, ix in result.indexes.items() if ix.table == name]:
            del result.indexes[ix_name]
        result.indexes.update({n: ix for n, ix in old.indexes.items() if ix.table == name})
    for name, values in list(result.enums.items()):
        if values is None and old.enums.get(name):
            result.enums[name] = old.enums[name]
    return result


def _implicit_indexes(old: SchemaModel, table: str) -> set[str]:
    """MySQL: the indexes InnoDB makes for the foreign keys of `table` in the old models."""
    if not old.is_mysql:
        return set()
    settled = old.copy()
    mysql_keys.settle_created_table(settled, settled.tables[table])
    return {name for (owner, name) in settled.implicit if owner == table}


def _table_differences(
    table: TableModel, before: TableModel, derived: SchemaModel, old: SchemaModel
) -> list[str]:
    found = [
        f"column {c} is not in the old models" for c in table.columns if c not in before.columns
    ]
    found += [
        f"column {c} is only in the old models" for c in before.columns if c not in table.columns
    ]
    found += [
        f"column {c} type {col.type.name} differs from the old models"
        for c, col in table.columns.items()
        if col.type is not None and c in before.columns and before.columns[c].type != col.type
    ]
    found += [
        f"constraint {_describe(c)} is not in the old models"
        for c in table.constraints
        if c not in before.constraints
    ]
    found += [
        f"constraint {_describe(c)} is only in the old models"
        for c in before.constraints
        if c not in table.constraints
    ]
    mine = {n for n, ix in derived.indexes.items() if ix.table == table.name}
    theirs = {n for n, ix in old.indexes.items() if ix.table == table.name}
    theirs |= _implicit_indexes(old, table.name)
    found += [f"index {n} is not in the old models" for n in sorted(mine - theirs)]
    found += [f"index {n} is only in the old models" for n in sorted(theirs - mine)]
    return found


def _describe(c: o.Constraint) -> str:
    cols = "" if isinstance(c, o.Check) else f"({', '.join(c.columns)})"
    return f"{c.name or type(c).__name__.lower()}{cols}"


def _copy_table(t: TableModel) -> TableModel:
    return TableModel(
        t.name, dict(t.columns), list(t.constraints), t.schema, t.known, options=t.options
    )


def _existing_before_guarded_creates(
    derived: SchemaModel, old: SchemaModel | None, ops: Sequence[o.Op], diags: Diagnostics
) -> None:
    """`CREATE TABLE IF NOT EXISTS t` ("ensure schema" scripts) says nothing of whether t was
    there. Un-applying it took t out of the baseline; when the models before the first script
    have t, it was there (create_all() made it) and the statement changed nothing: t goes back."""
    seen: set[str] = set()
    for op in ops:
        if not isinstance(op, o.CreateTable) or op.table in seen:
            continue
        seen.add(op.table)
        if not op.guard or op.table in derived.tables:
            continue
        before = old.tables.get(op.table) if old is not None else None
        if before is None:
            diags.info(
                op.origin,
                f"a guarded CREATE TABLE {op.table}: taken as creating it, as "
                "the models before the first legacy script do not have it (pass "
                "--baseline-models if it existed before)",
                code="L2A410",
            )
            continue
        derived.tables[op.table] = _copy_table(before)
        assert old is not None  # `before` came from it
        derived.indexes.update({n: ix for n, ix in old.indexes.items() if ix.table == op.table})
        diags.info(
            op.origin,
            f"table {op.table} is in the models before the first legacy "
            "script, so this guarded CREATE TABLE found it there: the baseline "
            "has it",
            code="L2A411",
        )


def compute_baseline(
    reference: SchemaModel | None, ops: Sequence[o.Op], old: SchemaModel | None, diags: Diagnostics
) -> SchemaModel:
    """The schema before the first legacy source (empty without a reference)."""
    if reference is None:
        return old.copy() if old is not None else SchemaModel()
    derived = unapplied(reference, ops)
    if old is not None:
        derived = fill_unknowns(derived, old, diags)
    _existing_before_guarded_creates(derived, old, ops, diags)
    for item in derived.unknowns():
        diags.warning(None, f"baseline: {item}", code="L2A412")
    if derived.guessed:
        diags.info(None, _guesses_text(derived.guessed), code="L2A418")
    for table in derived.tables.values():
        if table.inferred_from:
            diags.warning(
                table.inferred_from,
                f"baseline table {table.name} is inferred from "
                "this rebuild's copy statement (columns copied as they are assumed "
                "unchanged; those read through an expression as nullable with no default); "
                "confirm with --baseline-models or git history",
                code="L2A413",
            )
    return derived


def _guesses_text(guessed: set[tuple[str, str, str]]) -> str:
    """One line naming every guessed attribute, by column."""
    columns: dict[str, list[str]] = {}
    for table, column, attribute in sorted(guessed):
        columns.setdefault(f"{table}.{column}", []).append(attribute)
    listed = "; ".join(f"{c} {', '.join(a)}" for c, a in columns.items())
    return (
        f"baseline: not stated by the legacy sources, so guessed: {listed}. stamp does not "
        "compare them before the revision that sets them (each revision lists them in "
        "`unknown_before`)"
    )


# ---- the models as they were before the first legacy source (git) --------------------------


def checkout_before(root: Path, first_source: str, dest: Path) -> str | None:
    """Extract the project tree of the commit before `first_source` was added into `dest`.
    Returns the commit id, or None when git cannot tell."""

    def git(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)

    added = git("log", "--diff-filter=A", "--format=%H", "--", first_source)
    commits = added.stdout.decode().split()
    if added.returncode or not commits:
        return None
    parent = f"{commits[-1]}^"
    prefix = git("rev-parse", "--show-prefix").stdout.decode().strip()
    archive = git("archive", "--format=tar", parent, *([prefix] if prefix else []))
    if archive.returncode:
        return None
    tar_path = dest / "tree.tar"
    tar_path.write_bytes(archive.stdout)
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest / "tree", filter="data")
    return git("rev-parse", "--short", parent).stdout.decode().strip()


def recover_old_models(
    root: Path,
    load: Callable[[Path], sa.MetaData],
    first_source: str,
    dialect: Dialect,
    diags: Diagnostics,
) -> SchemaModel | None:
    """The models as they were before the first legacy source, loaded by `load` from a checkout
    of the commit before it (only with --models: loading imports them)."""
    from converter.core.errors import ConverterError

    with tempfile.TemporaryDirectory(prefix="l2a-history-") as tmp:
        commit = checkout_before(root, first_source, Path(tmp))
        if commit is None:
            return None
        prefix = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True, text=True
        ).stdout.strip()
        tree = Path(tmp) / "tree" / prefix
        try:
            metadata = load(tree)
        except ConverterError as exc:
            diags.warning(
                Origin(first_source),
                f"models before this script (commit {commit}) could not be loaded: {exc}",
                code="L2A414",
            )
            return None
        diags.info(
            Origin(first_source), f"baseline models recovered from commit {commit}", code="L2A415"
        )
        return model_from_metadata(metadata, dialect)
