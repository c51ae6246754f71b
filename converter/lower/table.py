"""CREATE TABLE, and the column and constraint definitions ALTER TABLE shares with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from sqlglot import exp

from converter.ir.ops import (
    Check,
    ColumnDef,
    Constraint,
    CreateIndex,
    CreateTable,
    ForeignKey,
    IdentityKind,
    IndexElement,
    Literal,
    Op,
    PrimaryKey,
    TypeSpec,
    Unique,
)
from converter.lower.common import Ctx, SourceText, Unsupported
from converter.lower.types import type_from_sqlglot

# Words that end a column's type and start its constraints (first word of the token).
_TYPE_END = frozenset(
    {
        "NOT",
        "NULL",
        "DEFAULT",
        "PRIMARY",
        "REFERENCES",
        "UNIQUE",
        "CHECK",
        "CONSTRAINT",
        "COLLATE",
        "GENERATED",
        "AUTO_INCREMENT",
        "AUTOINCREMENT",
        "COMMENT",
        "ON",
        "CHARACTER",
        "CHARSET",
        "AS",
        "IDENTITY",
        "KEY",
        "FIRST",
        "AFTER",
        "INVISIBLE",
        "VISIBLE",
        "STORAGE",
        "COLUMN_FORMAT",
        "BINARY",
        "USING",
    }
)
_COLUMN_KEYS = frozenset({"this", "kind", "constraints", "exists"})
_EXPRESSION_END = _TYPE_END - {"BINARY", "CHARACTER", "KEY"}
_INTEGER_TYPES = frozenset(
    {
        "Integer",
        "BigInteger",
        "SmallInteger",
        "INTEGER",
        "BIGINT",
        "SMALLINT",
        "TINYINT",
        "MEDIUMINT",
    }
)
_SERIALS = frozenset({"SERIAL", "SERIAL4", "BIGSERIAL", "SERIAL8", "SMALLSERIAL", "SERIAL2"})
_FK_ACTION = re.compile(r"ON (DELETE|UPDATE) (.+)")
# How sqlglot argument names read in SQL, for messages.
_CLAUSES = {
    "expression": "AS ...",
    "position": "a column position (FIRST / AFTER)",
    "with_storage": "WITH (...)",
    "partition_by": "PARTITION BY",
    "desc": "DESC",
    "nulls": "NULLS NOT DISTINCT",
    "options": "trailing options",
    "kind": "the kind",
    "only": "ONLY",
    "not_valid": "NOT VALID",
    "cluster": "ON ...",
    "collate": "COLLATE",
    "temporary": "TEMPORARY",
    "materialized": "MATERIALIZED",
}
_MYSQL_TABLE_OPTIONS = {
    exp.EngineProperty: "mysql_engine",
    exp.CharacterSetProperty: "mysql_charset",
    exp.CollateProperty: "mysql_collate",
    exp.AutoIncrementProperty: "mysql_auto_increment",
    exp.RowFormatProperty: "mysql_row_format",
}


def plain(node: exp.Expression, allowed: AbstractSet[str], what: str, ctx: Ctx) -> None:
    """Refuse a node that uses any argument outside `allowed`: it would be lost."""
    extra = [
        key
        for key, value in node.args.items()
        if key not in allowed and value not in (None, False, []) and not _empty(value)
    ]
    if extra:
        parts = ", ".join(_CLAUSES.get(key, key.replace("_", " ").upper()) for key in extra)
        raise Unsupported(f"{what}: {parts} has no op form")


def _empty(value: object) -> bool:
    return isinstance(value, exp.IndexParameters) and not any(
        v not in (None, False, []) for v in value.args.values()
    )


# ---- columns -------------------------------------------------------------------------------------


@dataclass
class Column:
    """One column definition being read, with its inline constraints."""

    name: str
    first: int  # token of the column name
    last: int  # last token of the definition
    type: TypeSpec | None = None
    words: str = ""  # base words of the type as spelled, upper case
    nullable: bool = True
    default: str | None = None
    primary_key: bool = False
    pk_name: str | None = None
    autoincrement: bool | None = None
    identity: IdentityKind | None = None
    comment: str | None = None
    constraints: list[Constraint] = field(default_factory=list)
    cursor: int = 0  # where the next DEFAULT / CHECK keyword is looked for

    def definition(self) -> ColumnDef:
        return ColumnDef(
            self.name,
            self.type,
            nullable=self.nullable,
            server_default=self.default,
            primary_key=self.primary_key,
            autoincrement=self.autoincrement,
            identity=self.identity,
            comment=self.comment,
        )


def read_column(node: exp.ColumnDef, ctx: Ctx, last: int | None = None) -> Column:
    """A column definition with its type, nullability, default and inline constraints.
    `last`: the definition's last token, when the caller has already split the list."""
    name = ctx.name(node.this)
    if node.args.keys() - _COLUMN_KEYS:
        plain(node, _COLUMN_KEYS, f"column {name}", ctx)
    src = ctx.src
    first = src.index_of(node.this)
    col = Column(name, first, src.element_end(first) if last is None else last)
    _read_type(col, node.kind, ctx)
    for constraint in node.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        handler = _COLUMN_CONSTRAINTS.get(type(kind))
        if handler is None:
            raise Unsupported(f"column {col.name}: {constraint.sql(ctx.dialect)!r} has no op form")
        handler(col, kind, ctx.name(constraint.this) if constraint.this else None, ctx)
    return col


def _read_type(col: Column, dt: exp.Expression | None, ctx: Ctx) -> None:
    if not isinstance(dt, exp.DataType):
        raise Unsupported(f"column {col.name} has no type")
    src = ctx.src
    first = col.first + 1
    end = src.find(_TYPE_END, first + 1, col.last)
    last = col.last if end is None else end - 1
    spelled = src.text(first, last)
    col.type = type_from_sqlglot(dt, ctx.dialect, spelled=spelled)
    if col.type is None:
        raise Unsupported(f"column {col.name}: type {spelled} has no faithful SQLAlchemy type")
    col.words = " ".join(spelled.upper().split()).split("(")[0].strip()
    col.cursor = last + 1
    if col.words in _SERIALS:
        col.autoincrement = True


def _not_null(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    if name:
        raise Unsupported(f"column {col.name}: a named NOT NULL constraint has no op form")
    col.nullable = bool(node.args.get("allow_null"))


def _default(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    if name:
        raise Unsupported(f"column {col.name}: a named DEFAULT has no op form")
    src = ctx.src
    keyword = src.find({"DEFAULT"}, col.cursor, col.last)
    if keyword is None:
        raise Unsupported(f"column {col.name}: cannot locate the DEFAULT text")
    last = expression_end(src, keyword + 1, col.last)
    col.default = src.text(keyword + 1, last)
    col.cursor = last + 1


def expression_end(src: SourceText, first: int, last: int) -> int:
    """The last token of an expression starting at `first` inside a column definition: before
    the next constraint keyword (`IS NOT NULL` and `IS NULL` stay in the expression)."""
    j = first + 1
    while True:
        stop = src.find(_EXPRESSION_END, j, last)
        if stop is None:
            return last
        if src.words[stop] in ("NOT", "NULL") and src.words[stop - 1] in ("IS", "NOT"):
            j = stop + 1
            continue
        return stop - 1


def _primary_key(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    plain(node, set(), f"column {col.name}", ctx)
    col.primary_key = True
    col.pk_name = name


def _auto_increment(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    col.autoincrement = True


def _identity(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    plain(node, {"this"}, f"column {col.name}", ctx)
    col.identity = "always" if node.this is True else "by default"
    col.nullable = False  # PostgreSQL makes an identity column NOT NULL


def _unique(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    plain(node, set(), f"column {col.name}", ctx)
    col.constraints.append(Unique((col.name,), name=name))


def _check(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    text, col.cursor = check_text(ctx.src, col.cursor, col.last)
    col.constraints.append(Check(text, name=name))


def _reference(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    col.constraints.append(foreign_key((col.name,), node, name, ctx))


def _comment(col: Column, node: exp.Expression, name: str | None, ctx: Ctx) -> None:
    value = node.this
    if not (isinstance(value, exp.Literal) and value.is_string):
        raise Unsupported(f"column {col.name}: comment is not a string")
    col.comment = value.name


_ColumnHandler = Callable[[Column, exp.Expression, "str | None", Ctx], None]
_COLUMN_CONSTRAINTS: dict[type, _ColumnHandler] = {
    exp.NotNullColumnConstraint: _not_null,
    exp.DefaultColumnConstraint: _default,
    exp.PrimaryKeyColumnConstraint: _primary_key,
    exp.AutoIncrementColumnConstraint: _auto_increment,
    exp.GeneratedAsIdentityColumnConstraint: _identity,
    exp.UniqueColumnConstraint: _unique,
    exp.CheckColumnConstraint: _check,
    exp.Reference: _reference,
    exp.CommentColumnConstraint: _comment,
}


def check_text(src: SourceText, first: int, last: int) -> tuple[str, int]:
    """The body of the next `CHECK (...)` in tokens `first`..`last`, and the token after it."""
    keyword = src.find({"CHECK"}, first, last)
    if keyword is None or keyword + 1 > last or not src.is_open(keyword + 1):
        raise Unsupported("cannot locate the CHECK text")
    close = src.match(keyword + 1)
    return src.text(keyword + 2, close - 1), close + 1


# ---- constraints ---------------------------------------------------------------------------------


def foreign_key(
    columns: tuple[str, ...],
    ref: exp.Expression,
    name: str | None,
    ctx: Ctx,
    extra_options: list[str] | None = None,
) -> ForeignKey:
    """A FOREIGN KEY / REFERENCES clause; MATCH and other options make it unsupported."""
    plain(ref, {"this", "options"}, "foreign key", ctx)
    target = ref.this
    if not isinstance(target, exp.Schema) or not target.expressions:
        raise Unsupported(
            "REFERENCES without a column list (the target's primary key) has no op form"
        )
    table, schema = ctx.table(target.this)
    ref_columns = tuple(ctx.name(c) for c in target.expressions)
    if len(ref_columns) != len(columns):
        raise Unsupported("foreign key column counts differ")
    settings: dict[str, Literal] = {}
    for option in [*(extra_options or []), *(ref.args.get("options") or [])]:
        _fk_option(str(option).upper(), settings)
    return ForeignKey(columns, table, ref_columns, name=name, ref_schema=schema, **settings)  # type: ignore[arg-type]


def _fk_option(option: str, settings: dict[str, Literal]) -> None:
    action = _FK_ACTION.fullmatch(option)
    if action:
        settings["ondelete" if action.group(1) == "DELETE" else "onupdate"] = action.group(2)
    elif option in ("DEFERRABLE", "NOT DEFERRABLE"):
        settings["deferrable"] = option == "DEFERRABLE"
    elif option.startswith("INITIALLY "):
        settings["initially"] = option.split(" ", 1)[1]
    else:
        raise Unsupported(f"foreign key option {option} has no op form")


def table_constraint(
    node: exp.Expression,
    span: tuple[int, int],
    ctx: Ctx,
    table: str,
    schema: str | None,
    name: str | None = None,
) -> Constraint | CreateIndex:
    """A table-level constraint (or MySQL KEY, which is an index)."""
    if isinstance(node, exp.Constraint):
        if len(node.expressions) != 1:
            raise Unsupported(f"constraint {node.sql(ctx.dialect)!r} has no op form")
        return table_constraint(node.expressions[0], span, ctx, table, schema, ctx.name(node.this))
    handler = _TABLE_CONSTRAINTS.get(type(node))
    if handler is None:
        raise Unsupported(f"table element {node.sql(ctx.dialect)!r} has no op form")
    return handler(node, span, ctx, table, schema, name)


def _columns(nodes: list[exp.Expression], ctx: Ctx) -> tuple[str, ...]:
    return tuple(ctx.name(n) for n in nodes)


def _table_pk(
    node: exp.Expression,
    span: tuple[int, int],
    ctx: Ctx,
    table: str,
    schema: str | None,
    name: str | None,
) -> Constraint:
    plain(node, {"expressions"}, "primary key", ctx)
    return PrimaryKey(_columns(node.expressions, ctx), name=name)


def _table_fk(
    node: exp.Expression,
    span: tuple[int, int],
    ctx: Ctx,
    table: str,
    schema: str | None,
    name: str | None,
) -> Constraint:
    plain(node, {"expressions", "reference", "delete", "update"}, "foreign key", ctx)
    options = [f"ON DELETE {node.args['delete']}"] if node.args.get("delete") else []
    options += [f"ON UPDATE {node.args['update']}"] if node.args.get("update") else []
    return foreign_key(_columns(node.expressions, ctx), node.args["reference"], name, ctx, options)


def _table_unique(
    node: exp.Expression,
    span: tuple[int, int],
    ctx: Ctx,
    table: str,
    schema: str | None,
    name: str | None,
) -> Constraint:
    plain(node, {"this"}, "unique constraint", ctx)
    target = node.this
    if not isinstance(target, exp.Schema):
        raise Unsupported("UNIQUE without a column list")
    key_name = ctx.name(target.this) if target.this else None
    return Unique(_columns(target.expressions, ctx), name=name or key_name)


def _table_check(
    node: exp.Expression,
    span: tuple[int, int],
    ctx: Ctx,
    table: str,
    schema: str | None,
    name: str | None,
) -> Constraint:
    plain(node, {"this"}, "check constraint", ctx)
    text, after = check_text(ctx.src, span[0], span[1])
    if after <= span[1]:
        raise Unsupported(f"CHECK followed by {ctx.src.text(after, span[1])!r}")
    return Check(text, name=name)


def _table_index(
    node: exp.Expression,
    span: tuple[int, int],
    ctx: Ctx,
    table: str,
    schema: str | None,
    name: str | None,
) -> CreateIndex:
    plain(node, {"this", "expressions", "index_type"}, "index", ctx)
    if node.this is None:
        raise Unsupported("an unnamed KEY has no op form")
    method = node.args.get("index_type")
    return CreateIndex(
        ctx.name(node.this),
        table,
        tuple(IndexElement(ctx.name(c)) for c in node.expressions),
        method=method.name if method else None,
        schema=schema,
        origin=ctx.stmt.origin,
    )


_TABLE_CONSTRAINTS: dict[type, Callable[..., Constraint | CreateIndex]] = {
    exp.PrimaryKey: _table_pk,
    exp.ForeignKey: _table_fk,
    exp.UniqueColumnConstraint: _table_unique,
    exp.CheckColumnConstraint: _table_check,
    exp.IndexColumnConstraint: _table_index,
}


# ---- CREATE TABLE --------------------------------------------------------------------------------


def create_table(expr: exp.Create, ctx: Ctx) -> list[Op]:
    """CREATE TABLE [IF NOT EXISTS] t (...) -> CreateTable (+ CreateIndex for MySQL KEYs)."""
    plain(expr, {"this", "kind", "exists", "properties"}, "CREATE TABLE", ctx)
    target = expr.this
    if not isinstance(target, exp.Schema):
        raise Unsupported("CREATE TABLE without a column list (AS SELECT, LIKE...)")
    table, schema = ctx.table(target)
    options = _table_options(expr.args.get("properties"), ctx)
    src = ctx.src
    open_ = src.next_open(src.index_of(target.this.this))
    spans = src.split(open_ + 1, src.match(open_) - 1)
    if len(spans) != len(target.expressions):
        raise Unsupported("cannot match the table elements with the source text")
    columns: list[Column] = []
    constraints: list[Constraint] = []
    indexes: list[Op] = []
    for node, span in zip(target.expressions, spans):
        if isinstance(node, exp.ColumnDef):
            columns.append(read_column(node, ctx, span[1]))
            continue
        item = table_constraint(node, span, ctx, table, schema)
        if isinstance(item, CreateIndex):
            indexes.append(item)
        else:
            constraints.append(item)
    options += _settle_keys(columns, constraints, ctx)
    defs = tuple(c.definition() for c in columns)
    inline = [con for c in columns for con in c.constraints]
    return [
        CreateTable(
            table,
            defs,
            tuple(inline + constraints),
            schema=schema,
            dialect_kwargs=tuple(options),
            origin=ctx.stmt.origin,
        ),
        *indexes,
    ]


def _table_options(props: exp.Expression | None, ctx: Ctx) -> list[tuple[str, Literal]]:
    """MySQL table options and SQLite STRICT as SQLAlchemy dialect keyword arguments."""
    options: list[tuple[str, Literal]] = []
    for prop in props.expressions if props else []:
        if isinstance(prop, exp.TemporaryProperty):
            raise Unsupported("a temporary table lasts one session")
        if ctx.dialect == "sqlite" and isinstance(prop, exp.StrictProperty):
            options.append(("sqlite_strict", True))
            continue
        key = _MYSQL_TABLE_OPTIONS.get(type(prop)) if ctx.dialect == "mysql" else None
        if key is None:
            raise Unsupported(f"table option {prop.sql(ctx.dialect)!r} has no op form")
        options.append((key, prop.this.name))
    return options


def _settle_keys(
    columns: list[Column], constraints: list[Constraint], ctx: Ctx
) -> list[tuple[str, Literal]]:
    """Primary-key consequences the source leaves implicit: PK columns are NOT NULL on servers;
    auto-increment is only what the source asked for. Returns table options it implies."""
    pk = next((c for c in constraints if isinstance(c, PrimaryKey)), None)
    inline = [c for c in columns if c.primary_key]
    if (pk and inline) or len(inline) > 1:
        raise Unsupported("the primary key is declared twice")
    if inline and inline[0].pk_name:
        constraints.insert(0, PrimaryKey((inline[0].name,), name=inline[0].pk_name))
    pk_columns = set(pk.columns) if pk else {c.name for c in inline}
    options: list[tuple[str, Literal]] = []
    for col in columns:
        if col.name in pk_columns:
            col.primary_key = True
            if ctx.dialect != "sqlite":
                col.nullable = False
        options += _settle_autoincrement(col, len(pk_columns) == 1 and col.name in pk_columns, ctx)
    return options


def _settle_autoincrement(col: Column, sole_key: bool, ctx: Ctx) -> list[tuple[str, Literal]]:
    integer = col.type is not None and col.type.name in _INTEGER_TYPES
    if col.autoincrement:
        if not (sole_key and integer):
            raise Unsupported(
                f"column {col.name}: auto-increment outside a single-column "
                "integer primary key has no op form"
            )
        return [("sqlite_autoincrement", True)] if ctx.dialect == "sqlite" else []
    if sole_key and integer and ctx.dialect != "sqlite" and not col.identity:
        col.autoincrement = False
    if (
        sole_key
        and ctx.dialect == "sqlite"
        and integer
        and col.words != "INTEGER"
        and col.type is not None
        and col.type.name == "Integer"
    ):
        raise Unsupported(
            f"column {col.name}: on SQLite only INTEGER PRIMARY KEY is a rowid "
            f"alias; {col.words} PRIMARY KEY is not"
        )
    return []
