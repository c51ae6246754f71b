"""Statements kept as exact SQL, read lexically from their leading keywords.

This covers what has no op form (views, functions, triggers, extensions, DO blocks, grants...),
what sqlglot only knows as `exp.Command`, and every statement lowering gave up on. The text is
never regenerated; a downgrade (`reverse_sql`) is derived where one exists, from the source's own
name tokens so that quoting stays exactly as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlglot.errors import TokenError

from converter.core.dialects import Dialect
from converter.ir.ops import (
    AlterColumn,
    ConvertCharset,
    ExecuteSQL,
    IdentityKind,
    ObjectRef,
    Op,
    RenameTable,
    SqlKind,
)
from converter.lower.common import Ctx, SourceText, Unsupported

_OBJECT_KINDS = frozenset(
    {
        "TABLE",
        "INDEX",
        "VIEW",
        "FUNCTION",
        "PROCEDURE",
        "TRIGGER",
        "SEQUENCE",
        "EXTENSION",
        "SCHEMA",
        "DATABASE",
        "TYPE",
        "DOMAIN",
        "ROLE",
        "USER",
        "EVENT",
        "AGGREGATE",
        "OPERATOR",
        "POLICY",
        "RULE",
        "PUBLICATION",
        "SUBSCRIPTION",
        "COLLATION",
        "CAST",
        "LANGUAGE",
        "SERVER",
        "TABLESPACE",
        "STATISTICS",
        "CONVERSION",
        "GROUP",
    }
)
# Objects kept as exact SQL by design: no warning, a derived downgrade where possible.
_EXPECTED = frozenset(
    {
        "VIEW",
        "FUNCTION",
        "PROCEDURE",
        "TRIGGER",
        "SEQUENCE",
        "EXTENSION",
        "SCHEMA",
        "DOMAIN",
        "TYPE",
        "DATABASE",
    }
)
_DATA_HEADS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "COPY", "TRUNCATE"}
)
_IGNORED_HEADS = {
    **dict.fromkeys(
        ("BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT"),
        "transaction control",
    ),
    "RESET": "session setting",
    **dict.fromkeys(("SHOW", "EXPLAIN", "DESCRIBE", "DESC"), "inspection only"),
    "USE": "USE selects the database of the connection",
    "ANALYZE": "ANALYZE only refreshes planner statistics",
    "PRAGMA": "PRAGMA is a SQLite connection setting",
}
_FIRST_WORD = re.compile(r"\s*([A-Za-z_]+)")


@dataclass
class Exact:
    """How one exact-SQL statement behaves: the ExecuteSQL fields, plus what to tell the user."""

    kind: SqlKind = "schema"
    reverse_sql: str | None = None
    autocommit: bool = False
    tables: tuple[str, ...] = ()
    ignored: str | None = None
    warning: str | None = None
    info: str | None = None
    # The statement is an op after all (RENAME TABLE, CONVERT TO CHARACTER SET): these run.
    ops: list[Op] = field(default_factory=list)
    creates: tuple[ObjectRef, ...] = ()
    drops: tuple[ObjectRef, ...] = ()
    renamed: tuple[ObjectRef, str] | None = None

    def op(self, ctx: Ctx) -> ExecuteSQL:
        return replace(
            ctx.execute(self.kind, self.reverse_sql, self.autocommit, self.tables),
            creates=self.creates,
            drops=self.drops,
            renamed=self.renamed,
        )


def classify(ctx: Ctx) -> Exact:
    """Read the statement's leading keywords; never raises."""
    try:
        src = ctx.src
    except TokenError:
        match = _FIRST_WORD.match(ctx.stmt.sql)
        head = match.group(1).upper() if match else ""
        return Exact(
            kind="data" if head in _DATA_HEADS else "schema",
            warning="the statement could not even be tokenized",
        )
    if src.last < 0:
        return Exact(ignored="empty statement")
    try:
        return _HEADS.get(src.words[0], _other)(_Reader(ctx, src))
    except Unsupported as why:
        return Exact(warning=str(why))


@dataclass
class _Reader:
    ctx: Ctx
    src: SourceText

    def word(self, i: int) -> str:
        return self.src.words[i] if i <= self.src.last else ""

    def skip(self, i: int, *words: str) -> int:
        """Past an optional keyword sequence (IF NOT EXISTS) starting at `i`."""
        if all(self.word(i + k) == w for k, w in enumerate(words)):
            return i + len(words)
        return i

    def name_end(self, i: int) -> int | None:
        """The last token of a (possibly qualified) name starting at `i`, or None."""
        if i > self.src.last or not self._is_name(i):
            return None
        while self.word(i + 1) == "." and i + 2 <= self.src.last and self._is_name(i + 2):
            i += 2
        return i

    def _is_name(self, i: int) -> bool:
        token = self.src.tokens[i]
        return token.token_type.name in ("VAR", "IDENTIFIER") or (
            self.word(i).isidentifier() and self.word(i) not in ("ON", "AS", "IF", "USING")
        )

    def name(self, i: int) -> tuple[str, int] | None:
        end = self.name_end(i)
        return None if end is None else (self.src.text(i, end), end)


# ---- CREATE ... ----------------------------------------------------------------------------------


def _create(r: _Reader) -> Exact:
    kind_at = next(
        (i for i in range(1, min(r.src.last, 16) + 1) if r.word(i) in _OBJECT_KINDS), None
    )
    if kind_at is None:
        return Exact(warning="kept as exact SQL: unrecognised CREATE statement")
    modifiers = {r.word(i) for i in range(1, kind_at)}
    kind = r.word(kind_at)
    at = kind_at + 1
    if kind == "INDEX":
        at = r.skip(at, "CONCURRENTLY")
    at = r.skip(at, "IF", "NOT", "EXISTS")
    found = r.name(at)
    temporary = bool(modifiers & {"TEMP", "TEMPORARY"})
    exact = _CREATE_REVERSES.get(kind, _no_reverse)(r, kind, modifiers, found)
    if found and not temporary and kind in _TRACKED:
        exact.creates = (_object_ref(r, kind, found),)
    if temporary:
        exact.reverse_sql = None
        exact.warning = f"kept as exact SQL: a temporary {kind.lower()} lasts one session"
    elif kind not in _EXPECTED and exact.warning is None:
        exact.warning = f"kept as exact SQL: CREATE {kind} has no Alembic operation"
    return exact


# Objects the schema model keeps by name, with the SQL that made them.
_TRACKED = frozenset(
    {
        "VIEW",
        "TRIGGER",
        "FUNCTION",
        "PROCEDURE",
        "SEQUENCE",
        "EXTENSION",
        "SCHEMA",
        "DOMAIN",
        "TYPE",
    }
)


def _object_ref(r: _Reader, kind: str, found: tuple[str, int]) -> ObjectRef:
    """The model's key for the object named at `found`: a trigger is keyed with its table on
    PostgreSQL (its name is unique per table there) and dies with that table everywhere."""
    if kind == "SCHEMA" and found[0].upper() == "AUTHORIZATION":
        found = r.name(found[1] + 1) or found
    name = _plain_name(found[0], r.ctx.dialect)
    if kind != "TRIGGER":
        return ObjectRef(kind, name)
    table_text = _after_on(r, found[1] + 1)
    table = _plain_name(table_text, r.ctx.dialect) if table_text else None
    keyed = table if r.ctx.dialect == "postgres" else None
    return ObjectRef(kind, name, keyed, owner=table)


_Reverse = Callable[[_Reader, str, set[str], "tuple[str, int] | None"], Exact]


def _no_reverse(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
    return Exact(autocommit=kind == "DATABASE")


def _drop_named(template: str) -> _Reverse:
    def build(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
        return Exact(reverse_sql=template.format(name=found[0]) if found else None)

    return build


def _view(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
    materialized = "MATERIALIZED " if "MATERIALIZED" in modifiers else ""
    return Exact(reverse_sql=f"DROP {materialized}VIEW {found[0]}" if found else None)


def _table(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
    return Exact(
        reverse_sql=f"DROP TABLE {found[0]}" if found else None,
        warning="kept as exact SQL: sqlglot does not model this CREATE TABLE",
    )


def _index(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
    concurrently = "CONCURRENTLY" in r.src.words[: found[1] if found else 8]
    if found is None:
        return Exact(
            autocommit=concurrently,
            warning="kept as exact SQL: an index without a name has no op form",
        )
    reverse = f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}{found[0]}"
    if r.ctx.dialect == "mysql":
        table = _after_on(r, found[1] + 1)
        reverse = f"DROP INDEX {found[0]} ON {table}" if table else ""
    return Exact(
        reverse_sql=reverse or None,
        autocommit=concurrently,
        warning="kept as exact SQL: sqlglot does not model this CREATE INDEX",
    )


def _trigger(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
    if found is None:
        return Exact()
    if r.ctx.dialect != "postgres":
        return Exact(reverse_sql=f"DROP TRIGGER {found[0]}")
    table = _after_on(r, found[1] + 1)
    return Exact(reverse_sql=f"DROP TRIGGER {found[0]} ON {table}" if table else None)


def _after_on(r: _Reader, start: int) -> str | None:
    on = r.src.find({"ON"}, start, r.src.last)
    found = r.name(on + 1) if on is not None else None
    return found[0] if found else None


def _function(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
    """DROP FUNCTION f(argtypes): the argument list minus defaults and OUT arguments."""
    if found is None or r.ctx.dialect == "sqlite":
        return Exact()
    if r.ctx.dialect == "mysql":
        return Exact(reverse_sql=f"DROP {kind} {found[0]}")
    open_ = found[1] + 1
    if not r.src.is_open(open_):
        return Exact()
    close = r.src.match(open_)
    args = [_argument(r, first, last) for first, last in r.src.split(open_ + 1, close - 1)]
    kept = ", ".join(a for a in args if a)
    return Exact(reverse_sql=f"DROP {kind} {found[0]}({kept})")


def _argument(r: _Reader, first: int, last: int) -> str:
    if r.word(first) == "OUT":
        return ""
    default = r.src.find({"DEFAULT", "="}, first, last)
    return r.src.text(first, last if default is None else default - 1)


def _schema(r: _Reader, kind: str, modifiers: set[str], found: tuple[str, int] | None) -> Exact:
    """CREATE SCHEMA name, or CREATE SCHEMA AUTHORIZATION role (the schema is named after it)."""
    if found and found[0].upper() == "AUTHORIZATION":
        found = r.name(found[1] + 1)
    return Exact(reverse_sql=f"DROP SCHEMA {found[0]}" if found else None)


_CREATE_REVERSES: dict[str, _Reverse] = {
    "VIEW": _view,
    "TABLE": _table,
    "INDEX": _index,
    "TRIGGER": _trigger,
    "FUNCTION": _function,
    "PROCEDURE": _function,
    "SEQUENCE": _drop_named("DROP SEQUENCE {name}"),
    "EXTENSION": _drop_named("DROP EXTENSION IF EXISTS {name}"),
    "SCHEMA": _schema,
    "DOMAIN": _drop_named("DROP DOMAIN {name}"),
    "TYPE": _drop_named("DROP TYPE {name}"),
}


# ---- other heads ---------------------------------------------------------------------------------


def _alter(r: _Reader) -> Exact:
    kind = r.word(1)
    if (
        kind == "TYPE"
        and r.src.find({"ADD"}, 2, r.src.last) is not None
        and r.src.find({"VALUE"}, 2, r.src.last) is not None
    ):
        return Exact(
            autocommit=True,
            info="ALTER TYPE ... ADD VALUE runs in an autocommit block, as the legacy script "
            "ran it: a new value cannot be used before it is committed",
        )
    renamed = _renamed_index(r) if kind == "INDEX" else _renamed_constraint(r)
    if renamed is not None:
        return renamed
    converted = _convert_charset(r) if kind == "TABLE" else None
    if converted is not None:
        return converted
    identity = _identity_change(r) if kind == "TABLE" and r.ctx.dialect == "postgres" else None
    if identity is not None:
        return identity
    if kind == "TABLE":  # sqlglot reads every ALTER TABLE it understands: this one it did not
        return Exact(
            warning="kept as exact SQL: sqlglot could not read this ALTER TABLE (a "
            "syntax error in the legacy SQL, or a form sqlglot does not know); "
            "check that it runs on the target database"
        )
    return Exact(
        autocommit=kind == "SYSTEM", warning=f"kept as exact SQL: ALTER {kind} has no op form here"
    )


_CONVERT = re.compile(
    r"CONVERT\s+TO\s+(?:CHARACTER\s+SET|CHARSET)\s+(\w+)(?:\s+COLLATE\s+(\w+))?", re.IGNORECASE
)


def _convert_charset(r: _Reader) -> Exact | None:
    """MySQL ALTER TABLE t CONVERT TO CHARACTER SET cs [COLLATE co], alone: runs as written,
    and the schema model learns the table's new character set."""
    table = r.name(2)
    if r.ctx.dialect != "mysql" or table is None or "." in table[0]:
        return None
    found = _CONVERT.fullmatch(r.src.text(table[1] + 1, r.src.last).strip())
    if found is None:
        return None
    op = ConvertCharset(
        _plain_name(table[0], r.ctx.dialect),
        found.group(1),
        found.group(2),
        origin=r.ctx.stmt.origin,
        statement=r.ctx.stmt.sql,
        exact=True,
    )
    return Exact(ops=[op])


def _renamed_index(r: _Reader) -> Exact | None:
    """ALTER INDEX [IF EXISTS] [s.]a RENAME TO b, undone by ALTER INDEX [s.]b RENAME TO a."""
    found = r.name(r.skip(2, "IF", "EXISTS"))
    if found is None or (r.word(found[1] + 1), r.word(found[1] + 2)) != ("RENAME", "TO"):
        return None
    new = r.name(found[1] + 3)
    if new is None or new[1] != r.src.last:
        return None
    schema, _, old = found[0].rpartition(".")
    prefix = f"{schema}." if schema else ""
    return Exact(
        reverse_sql=f"ALTER INDEX {prefix}{new[0]} RENAME TO {old}",
        renamed=(
            ObjectRef("INDEX", _plain_name(found[0], r.ctx.dialect)),
            _plain_name(new[0], r.ctx.dialect),
        ),
    )


def _renamed_constraint(r: _Reader) -> Exact | None:
    """ALTER TABLE [IF EXISTS] [ONLY] t RENAME CONSTRAINT a TO b, undone by renaming it back."""
    if r.word(1) != "TABLE":
        return None
    table = r.name(r.skip(r.skip(2, "IF", "EXISTS"), "ONLY"))
    if table is None or (r.word(table[1] + 1), r.word(table[1] + 2)) != ("RENAME", "CONSTRAINT"):
        return None
    old = r.name(table[1] + 3)
    new = r.name(old[1] + 2) if old and r.word(old[1] + 1) == "TO" else None
    if old is None or new is None or new[1] != r.src.last:
        return None
    return Exact(
        reverse_sql=f"ALTER TABLE {table[0]} RENAME CONSTRAINT {new[0]} TO {old[0]}",
        renamed=(
            ObjectRef(
                "CONSTRAINT",
                _plain_name(old[0], r.ctx.dialect),
                _plain_name(table[0], r.ctx.dialect),
            ),
            _plain_name(new[0], r.ctx.dialect),
        ),
    )


_IDENTITY_KINDS: dict[tuple[str, ...], IdentityKind] = {
    ("ALWAYS",): "always",
    ("BY", "DEFAULT"): "by default",
}


def _identity_change(r: _Reader) -> Exact | None:
    """PostgreSQL ALTER TABLE t ALTER [COLUMN] c ADD GENERATED ... AS IDENTITY [(...)] /
    DROP IDENTITY [IF EXISTS] / SET GENERATED ..., which sqlglot does not read: the statement
    runs as written, and the schema model learns the column's identity (for the downgrade)."""
    table = r.name(r.skip(r.skip(2, "IF", "EXISTS"), "ONLY"))
    if table is None or r.word(table[1] + 1) != "ALTER":
        return None
    column = r.name(r.skip(table[1] + 2, "COLUMN"))
    if column is None:
        return None
    identity = _identity_action(r, column[1] + 1)
    if identity is None:
        return None
    schema, _, name = _plain_name(table[0], r.ctx.dialect).rpartition(".")
    op = AlterColumn(
        name,
        _plain_name(column[0], r.ctx.dialect),
        identity=identity[0],
        schema=schema or None,
        origin=r.ctx.stmt.origin,
        statement=r.ctx.stmt.sql,
        exact=True,
    )
    return Exact(ops=[op])


def _identity_action(r: _Reader, i: int) -> tuple[IdentityKind | None] | None:
    """The identity an action at token `i` leaves ((None,): none), or None: not one of them."""
    words = tuple(r.src.words[i : r.src.last + 1])
    if words in (("DROP", "IDENTITY"), ("DROP", "IDENTITY", "IF", "EXISTS")):
        return (None,)
    for spelled, kind in _IDENTITY_KINDS.items():
        if words == ("SET", "GENERATED", *spelled):
            return (kind,)
        added = ("ADD", "GENERATED", *spelled, "AS", "IDENTITY")
        if words == added or (words[: len(added)] == added and _options(r, i + len(added))):
            return (kind,)
    return None


def _options(r: _Reader, at: int) -> bool:
    """Whether tokens `at`.. are one parenthesised list (identity sequence options)."""
    return at <= r.src.last and r.src.is_open(at) and r.src.match(at) == r.src.last


def _drop(r: _Reader) -> Exact:
    at = 2 if r.word(1) in ("MATERIALIZED", "TEMPORARY", "TEMP") else 1
    kind = r.word(at)
    concurrently = kind == "INDEX" and r.word(at + 1) == "CONCURRENTLY"
    if kind in _TRACKED:
        dropped = _dropped(r, kind, r.skip(at + 1, "IF", "EXISTS"))
        if dropped:
            return Exact(drops=dropped)
    return Exact(
        autocommit=concurrently or kind == "DATABASE",
        warning=f"kept as exact SQL: DROP {kind} has no Alembic operation; the "
        "downgrade cannot recreate what it drops",
    )


def _dropped(r: _Reader, kind: str, first: int) -> tuple[ObjectRef, ...]:
    """The objects `DROP kind [IF EXISTS] a, b(...) [ON t] [CASCADE]` names; () if unreadable.
    The downgrade recreates them from the SQL the schema model recorded."""
    end = r.src.find({"ON", "CASCADE", "RESTRICT"}, first, r.src.last)
    refs = []
    for start, last in r.src.split(first, r.src.last if end is None else end - 1):
        found = r.name(start)
        if found is None or not (found[1] == last or r.src.is_open(found[1] + 1)):
            return ()
        refs.append(_object_ref(r, kind, found))
    return tuple(refs)


def _reindex(r: _Reader) -> Exact:
    words = set(r.src.words[1:4])
    return Exact(autocommit=bool(words & {"CONCURRENTLY", "DATABASE", "SYSTEM"}))


def _data(r: _Reader) -> Exact:
    target = r.src.find({"INTO", "UPDATE", "FROM", "COPY", "TRUNCATE"}, 0, r.src.last)
    found = None
    if target is not None:
        found = r.name(r.skip(r.skip(target + 1, "TABLE"), "ONLY"))
    tables = (_plain_name(found[0], r.ctx.dialect),) if found else ()
    return Exact(kind="data", tables=tables)


def _plain_name(text: str, dialect: Dialect) -> str:
    """A source name as stored: quotes removed, unquoted parts folded on PostgreSQL."""
    parts = re.findall(r'"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|\[([^\]]*)\]|([^."`\[\s]+)', text)
    names = []
    for quoted, backtick, bracket, bare in parts:
        if bare:
            names.append(bare.lower() if dialect == "postgres" else bare)
        else:
            names.append((quoted or backtick or bracket).replace('""', '"').replace("``", "`"))
    default = {"postgres": "public", "sqlite": "main"}.get(dialect)
    if len(names) == 2 and names[0] == default:
        names = names[1:]
    return ".".join(names)


def _rename(r: _Reader) -> Exact:
    """MySQL RENAME TABLE a TO b, c TO d."""
    if r.word(1) != "TABLE":
        return Exact(warning="kept as exact SQL: unrecognised RENAME statement")
    renames: list[Op] = []
    for first, last in r.src.split(2, r.src.last):
        to = r.src.find({"TO"}, first, last)
        if to is None or r.name_end(first) != to - 1 or r.name_end(to + 1) != last:
            return Exact(warning="kept as exact SQL: unrecognised RENAME TABLE")
        old = _plain_name(r.src.text(first, to - 1), r.ctx.dialect)
        new = _plain_name(r.src.text(to + 1, last), r.ctx.dialect)
        if "." in old or "." in new:
            return Exact(warning="kept as exact SQL: RENAME TABLE across databases")
        renames.append(RenameTable(old, new, origin=r.ctx.stmt.origin))
    return Exact(ops=renames)


def _set(r: _Reader) -> Exact:
    if "SEARCH_PATH" not in r.src.words[1:4]:
        return Exact(ignored="session setting")
    return Exact(
        ignored="session setting",
        warning="SET search_path is ignored: later unqualified names are read as the "
        "default schema",
    )


def _ignored(reason: str, r: _Reader) -> Exact:
    return Exact(ignored=reason)


def _other(r: _Reader) -> Exact:
    head = r.src.tokens[0].text.upper()
    second = r.word(1)
    if second.isalpha() and r.src.kinds[1].name != "VAR":
        head = f"{head} {second}"
    return Exact(warning=f"kept as exact SQL: {head} has no op form")


def _comment(r: _Reader) -> Exact:
    """COMMENT ON <kind> <name> IS ...: tracked per commented object; its downgrade sets the
    comment back (to NULL here; the schema model knows an earlier one)."""
    is_at = r.src.find({"IS"}, 2, r.src.last)
    name_at = 3 if r.word(2) == "COLUMN" or r.word(2) == "TABLE" else None
    if r.word(1) != "ON" or is_at is None or name_at is None or r.name_end(name_at) != is_at - 1:
        return Exact()
    target = _plain_name(r.src.text(name_at, is_at - 1), r.ctx.dialect)
    if r.word(2) == "COLUMN":
        table, _, column = target.rpartition(".")
        target = f"{_plain_name(table, r.ctx.dialect)}.{column}"
    owner = target if r.word(2) == "TABLE" else target.rpartition(".")[0]
    return Exact(
        reverse_sql=f"COMMENT ON {r.src.text(2, is_at - 1)} IS NULL",
        creates=(ObjectRef("COMMENT", f"{r.word(2)} {target}", owner=owner or None),),
    )


_BODY_DDL = re.compile(
    r"\b(?:ALTER\s+TABLE|CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TYPE|SEQUENCE|VIEW)|DROP\s+"
    r"(?:TABLE|INDEX|COLUMN|CONSTRAINT|TYPE|SEQUENCE|VIEW)|ADD\s+(?:COLUMN|CONSTRAINT|VALUE)|"
    r"RENAME\s+(?:COLUMN|TO))\b",
    re.IGNORECASE,
)


_ENUM_IN_BODY = re.compile(
    r"\bCREATE\s+TYPE\s+((?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))?)\s+AS\s+ENUM\s*"
    r"\(((?:\s*'(?:[^']|'')*'\s*,?)*)\)",
    re.IGNORECASE,
)
_LABEL = re.compile(r"'((?:[^']|'')*)'")


_BODY_STRINGS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*[\s\S]*?\*/")
_BODY_WRITES = re.compile(
    r"\b(?:CREATE|ALTER|DROP|INSERT|UPDATE|DELETE|MERGE|TRUNCATE|EXECUTE|PERFORM|CALL|COPY|"
    r"GRANT|REVOKE|COMMENT|LOCK|NOTIFY|RENAME|SETVAL|NEXTVAL|SET_CONFIG)\b",
    re.IGNORECASE,
)


def _verification_only(sql: str) -> bool:
    """A DO block that only checks and raises (NOTICE, EXCEPTION): it changes nothing."""
    code = _BODY_STRINGS.sub(" ", sql)
    return bool(re.search(r"\bRAISE\b", code, re.IGNORECASE)) and not _BODY_WRITES.search(code)


def _do_block(r: _Reader) -> Exact:
    """A DO block runs as written. The enum types it creates (the `CREATE TYPE ... AS ENUM`
    guarded by `EXCEPTION WHEN duplicate_object`) are followed by the schema model; other
    schema changes inside it are invisible to it. One that only checks and raises is left out."""
    sql = r.ctx.stmt.sql
    if _verification_only(sql):
        return Exact(
            ignored="verification DO block: it only checks and raises",
            info="a DO block that only checks and raises NOTICE / EXCEPTION changes nothing: "
            "left out",
        )
    enums = tuple(
        ObjectRef(
            "TYPE",
            _plain_name(m.group(1), r.ctx.dialect),
            values=tuple(v.replace("''", "'") for v in _LABEL.findall(m.group(2))),
        )
        for m in _ENUM_IN_BODY.finditer(sql)
    )
    found = {" ".join(m.group().upper().split()) for m in _BODY_DDL.finditer(sql)}
    if enums and len(enums) == len(re.findall(r"\bCREATE\s+TYPE\b", sql, re.IGNORECASE)):
        found.discard("CREATE TYPE")
    if not found:
        return Exact(creates=enums)
    return Exact(
        creates=enums,
        warning=f"the DO block changes the schema ({', '.join(sorted(found))}): it runs as "
        "written, but the schema model does not follow it, so later downgrades "
        "and the baseline may miss what it changed; check them",
    )


_HEADS: dict[str, Callable[[_Reader], Exact]] = {
    "CREATE": _create,
    "ALTER": _alter,
    "DROP": _drop,
    "RENAME": _rename,
    "SET": _set,
    "REINDEX": _reindex,
    "VACUUM": lambda r: Exact(autocommit=True),
    "DO": lambda r: _do_block(r),
    "COMMENT": _comment,
    "GRANT": lambda r: Exact(),
    "REVOKE": lambda r: Exact(),
    **dict.fromkeys(_DATA_HEADS, _data),
    **{head: functools.partial(_ignored, reason) for head, reason in _IGNORED_HEADS.items()},
}
