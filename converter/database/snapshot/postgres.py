"""The PostgreSQL catalog reader: every non-system schema in one pg_catalog query per kind.

Tables outside the connection's current schema are named `schema.table` (enum types,
sequences, views and functions likewise). Objects that belong to an extension are left out:
the extension made them, not a script. A sequence owned by a column (serial, identity) is that
column's identity, not an object of its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from converter.database.snapshot.expressions import normalize_expression, plain_text
from converter.database.snapshot.model import IGNORED_TABLES, Function, Sequence, Trigger, View
from converter.database.snapshot.normalize import Reflected, normalize_type_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_NOT_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = {oid} AND e.deptype = 'e')"
_SYSTEM = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
)
_TABLES = (
    "SELECT n.nspname, c.relname, d.description FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_description d ON d.objoid = c.oid "
    "AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0 "
    "WHERE c.relkind IN ('r', 'p') AND {where} AND " + _NOT_EXTENSION.format(oid="c.oid")
)
_COLUMNS = (
    "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
    "a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, "
    "d.description, t.typtype, tn.nspname, t.typname FROM pg_attribute a "
    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace "
    "LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
    "LEFT JOIN pg_description d ON d.objoid = c.oid "
    "AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum "
    "WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND {where} "
    "ORDER BY n.nspname, c.relname, a.attnum"
)
_KEY_NAMES = (
    "ARRAY(SELECT a.attname FROM unnest({keys}) WITH ORDINALITY u(num, pos) "
    "JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = u.num ORDER BY u.pos)"
)
_CONSTRAINTS = (
    "SELECT n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid, true), "
    + _KEY_NAMES.format(keys="k.conkey", rel="k.conrelid")
    + ", fn.nspname, fc.relname, "
    + _KEY_NAMES.format(keys="k.confkey", rel="k.confrelid")
    + ", k.confupdtype, k.confdeltype FROM pg_constraint k "
    "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_class fc ON fc.oid = k.confrelid "
    "LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
    "WHERE k.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') AND {where} "
    "ORDER BY n.nspname, c.relname, k.conname"
)
_INDEXES = (
    "SELECT n.nspname, c.relname, i.relname, x.indisunique, "
    "ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(num, pos) "
    "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.num "
    "WHERE u.pos <= x.indnkeyatts ORDER BY u.pos), x.indoption::int2[], "
    "CASE WHEN x.indexprs IS NULL THEN NULL ELSE ARRAY(SELECT pg_get_indexdef(x.indexrelid, "
    "k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k) END, "
    "pg_get_expr(x.indpred, x.indrelid, true) FROM pg_index x "
    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND {where} AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
    "WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))"
)
_ENUMS = (
    "SELECT n.nspname, t.typname, e.enumlabel FROM pg_type t "
    "JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE {where} AND " + _NOT_EXTENSION.format(oid="t.oid") + " "
    "ORDER BY n.nspname, t.typname, e.enumsortorder"
)
_VIEWS = (
    "SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('v', 'm') AND {where} AND " + _NOT_EXTENSION.format(oid="c.oid")
)
_TRIGGERS = (
    "SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid, true) FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE NOT t.tgisinternal AND {where}"
)
_SEQUENCES = (
    "SELECT n.nspname, c.relname, own.nspname, own.relname, a.attname FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass "
    "AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') "
    "LEFT JOIN (SELECT oc.oid, on_.nspname, oc.relname FROM pg_class oc "
    "JOIN pg_namespace on_ ON on_.oid = oc.relnamespace) own ON own.oid = d.refobjid "
    "LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
    "WHERE c.relkind = 'S' AND {where} AND " + _NOT_EXTENSION.format(oid="c.oid")
)
_FUNCTIONS = (
    "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE {where} AND " + _NOT_EXTENSION.format(oid="p.oid")
)
_FK_ACTIONS = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_IDENTITY = {"a": "always", "d": "by default"}
_TRIGGER_HEAD = re.compile(
    r"CREATE (?:CONSTRAINT )?TRIGGER .*? (BEFORE|AFTER|INSTEAD OF) (.*?) ON (.*)", re.DOTALL
)


class _Reader:
    """One read: the connection, which schemas, and how their objects are named."""

    def __init__(self, conn: Connection, schema: str | None) -> None:
        from sqlalchemy import text

        self.conn = conn
        self.default = schema or conn.exec_driver_sql("SELECT current_schema()").scalar() or ""
        self.where = "n.nspname = :schema" if schema else _SYSTEM
        self.params = {"schema": schema} if schema else {}
        self.text = text

    def rows(self, sql: str) -> list[Any]:
        statement = self.text(sql.format(where=self.where))
        return list(self.conn.execute(statement, self.params).fetchall())

    def name(self, schema: str, name: str) -> str:
        return name if schema == self.default else f"{schema}.{name}"


def read_postgres(conn: Connection, schema: str | None) -> Reflected:
    """Read the schema(s) into the Inspector's shapes, one catalog query per kind."""
    reader = _Reader(conn, schema)
    reflected = Reflected()
    owned = _sequences(reader, reflected)
    _tables(reader, reflected)
    _columns(reader, reflected, owned)
    _constraints(reader, reflected)
    _indexes(reader, reflected)
    _enums(reader, reflected)
    reflected.views = [
        View(reader.name(s, n), normalize_expression(d or "", "postgres"))
        for s, n, d in reader.rows(_VIEWS)
    ]
    reflected.triggers = [
        _trigger(reader.name(s, t), name, d) for s, t, name, d in reader.rows(_TRIGGERS)
    ]
    reflected.functions = [
        Function(reader.name(s, n), args or "") for s, n, args in reader.rows(_FUNCTIONS)
    ]
    return reflected


def _sequences(reader: _Reader, reflected: Reflected) -> dict[tuple[str, str], str]:
    """Free-standing sequences into `reflected`; returns owned ones: (table, column) -> name."""
    owned = {}
    for schema, name, owner_schema, owner, column in reader.rows(_SEQUENCES):
        if owner is None:
            reflected.sequences.append(Sequence(reader.name(schema, name)))
        else:
            owned[(reader.name(owner_schema, owner), column)] = name
    return owned


def _tables(reader: _Reader, reflected: Reflected) -> None:
    for schema, name, comment in reader.rows(_TABLES):
        table = reader.name(schema, name)
        if table in IGNORED_TABLES:
            continue
        reflected.columns[table] = []
        reflected.pks[table] = {"constrained_columns": [], "name": None}
        if comment is not None:
            reflected.comments[table] = comment


def _columns(reader: _Reader, reflected: Reflected, owned: dict[tuple[str, str], str]) -> None:
    types: dict[str, str] = {}
    for row in reader.rows(_COLUMNS):
        schema, table, name, formatted, notnull, default, identity, generated = row[:8]
        comment, typtype, type_schema, type_name = row[8:]
        columns = reflected.columns.get(reader.name(schema, table))
        if columns is None:
            continue
        if typtype == "e":
            type_ = f"ENUM {reader.name(type_schema, type_name)}"
        else:
            type_ = types.get(formatted) or types.setdefault(formatted, pg_type_text(formatted))
        kind = _IDENTITY.get(identity)
        sequence = owned.get((reader.name(schema, table), name))
        if sequence and default and sequence in default and default.startswith("nextval("):
            kind, default = "serial", None
        if generated == "s":
            kind, default = f"generated as {normalize_expression(default, 'postgres')}", None
        columns.append(
            {
                "name": name,
                "type_text": type_,
                "nullable": not notnull,
                "default": default,
                "identity": kind,
                "comment": comment,
            }
        )


def pg_type_text(formatted: str) -> str:
    """format_type()'s text as SQLAlchemy's types compile ("character varying(20)" is
    "VARCHAR(20)"), normalised like every type text."""
    text = re.sub(r"\bcharacter varying\b", "varchar", formatted)
    text = re.sub(r"\bbit varying\b", "varbit", text)
    text = re.sub(r"\bcharacter\b", "char", text)
    text = re.sub(r"^(time|timestamp)(\(\d+\))? without time zone", r"\1\2", text)
    return normalize_type_text(text)


def _constraints(reader: _Reader, reflected: Reflected) -> None:
    for row in reader.rows(_CONSTRAINTS):
        schema, table, name, kind, definition, columns = row[:6]
        table = reader.name(schema, table)
        if table not in reflected.columns:
            continue
        if kind == "p":
            reflected.pks[table] = {"constrained_columns": list(columns), "name": name}
        elif kind == "u":
            reflected.uniques.setdefault(table, []).append(
                {"name": name, "column_names": list(columns)}
            )
        elif kind == "c":
            reflected.checks.setdefault(table, []).append(
                {"name": name, "sqltext": _check_expression(definition)}
            )
        else:
            reflected.fks.setdefault(table, []).append(_foreign_key(reader, name, columns, row))


def _check_expression(definition: str) -> str:
    """`CHECK ((qty > 0)) NOT VALID` -> `(qty > 0)`."""
    text = re.sub(r"^CHECK\s*", "", definition.strip())
    return re.sub(r"\s+NOT VALID$", "", text)


def _foreign_key(reader: _Reader, name: str, columns: list[str], row: Any) -> dict[str, Any]:
    referred_schema, referred, referred_columns, on_update, on_delete = row[6:]
    return {
        "name": name,
        "constrained_columns": list(columns),
        "referred_schema": None if referred_schema == reader.default else referred_schema,
        "referred_table": referred,
        "referred_columns": list(referred_columns),
        "options": {
            "onupdate": _FK_ACTIONS.get(on_update),
            "ondelete": _FK_ACTIONS.get(on_delete),
        },
    }


def _indexes(reader: _Reader, reflected: Reflected) -> None:
    for schema, table, name, unique, names, options, texts, where in reader.rows(_INDEXES):
        table = reader.name(schema, table)
        if table not in reflected.columns:
            continue
        raws = [n if n is not None else (texts or [])[i] for i, n in enumerate(names)]
        reflected.indexes.setdefault(table, []).append(
            {
                "name": name,
                "unique": unique,
                "column_names": list(names),
                "expressions": raws,
                "column_sorting": {
                    raw: _sorting(opt) for raw, opt in zip(raws, options, strict=False) if opt
                },
                "dialect_options": {"postgresql_where": where} if where else {},
            }
        )


def _sorting(option: int) -> tuple[str, ...]:
    """indoption bits: 1 is DESC, 2 is NULLS FIRST; only what differs from the default."""
    desc, nulls_first = bool(option & 1), bool(option & 2)
    sorting: tuple[str, ...] = ("desc",) if desc else ()
    if nulls_first != desc:
        sorting += ("nulls_first",) if nulls_first else ("nulls_last",)
    return sorting


def _enums(reader: _Reader, reflected: Reflected) -> None:
    labels: dict[str, list[str]] = {}
    for schema, name, label in reader.rows(_ENUMS):
        labels.setdefault(reader.name(schema, name), []).append(label)
    reflected.enums = [{"name": name, "labels": values} for name, values in labels.items()]


def _trigger(table: str, name: str, definition: str) -> Trigger:
    """A trigger from pg_get_triggerdef(): when it fires, and the rest after its table."""
    match = _TRIGGER_HEAD.match(definition)
    if match is None:
        return Trigger(name, table, "", "", plain_text(definition))
    timing, event, rest = match.groups()
    body = plain_text(rest.split(" ", 1)[1] if " " in rest else "")
    return Trigger(name, table, timing, event.upper(), body)
