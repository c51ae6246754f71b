"""The differences between two snapshots, and their readable text.

Kept apart from reading: verify, stamp and the reference all diff snapshots however they got them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from converter.database.snapshot.model import (
    Column,
    EnumType,
    ForeignKey,
    Function,
    Snapshot,
    Table,
    Trigger,
)

_SUBJECTS = {
    "column.type": "column",
    "column.nullable": "column",
    "column.default": "column",
    "column.identity": "column",
    "column.comment": "column",
    "table.comment": "comment",
    "table charset": "character set",
}
_ATTRIBUTES = {
    "column.type": "type ",
    "column.default": "default ",
    "column.identity": "identity ",
    "column.comment": "comment ",
    "enum": "values ",
    "view": "definition differs: ",
    "function": "",
}
# The kind of object each Difference kind is about (what `unmodelled` names).
_OBJECT_KIND = {"column.comment": "comment", "table.comment": "comment"}


@dataclass(frozen=True)
class Difference:
    """One difference; `expected` is None for an extra object, `actual` None for a missing one."""

    kind: str
    table: str | None
    name: str | None
    expected: str | None
    actual: str | None

    @property
    def object_kind(self) -> str:
        """ "column", "check constraint", "view", ...: the kind of object that differs."""
        return _OBJECT_KIND.get(self.kind, self.kind.split(".")[0])

    def __str__(self) -> str:
        prefix = f"table {self.table}: " if self.table and self.kind != "table" else ""
        subject = " ".join(p for p in (_SUBJECTS.get(self.kind, self.kind), self.name) if p)
        if self.actual is None:
            return f"{prefix}{subject} missing"
        if self.expected is None:
            return f"{prefix}extra {subject}"
        attribute = _ATTRIBUTES.get(self.kind, "")
        return f"{prefix}{subject} {attribute}{self.expected} != {self.actual}"


def format_diff(diffs: Iterable[Difference]) -> str:
    """One line per difference, or "no differences"."""
    lines = [str(d) for d in diffs]
    return "\n".join(lines) if lines else "no differences"


def diff_snapshots(expected: Snapshot, actual: Snapshot) -> list[Difference]:
    """What differs between two snapshots: tables in name order, then the other objects.

    Kinds that either snapshot cannot describe (`Snapshot.unmodelled`) are not reported.
    """
    diffs: list[Difference] = []
    for name in sorted(set(expected.table_map) | set(actual.table_map)):
        want, got = expected.table(name), actual.table(name)
        if want is None:
            diffs.append(Difference("table", name, name, None, "present"))
        elif got is None:
            diffs.append(Difference("table", name, name, "present", None))
        elif want != got:
            diffs.extend(_diff_table(want, got))
    diffs += _diff_enums(expected.enums, actual.enums)
    diffs += _diff_named("view", expected.views, actual.views, lambda v: _short(v.definition))
    diffs += _diff_triggers(expected.triggers, actual.triggers)
    diffs += _diff_named("sequence", expected.sequences, actual.sequences, lambda _: "present")
    diffs += _diff_functions(expected.functions, actual.functions)
    skipped = expected.unmodelled | actual.unmodelled
    return [d for d in diffs if d.object_kind not in skipped]


def _diff_table(want: Table, got: Table) -> list[Difference]:
    diffs = _diff_columns(want, got)
    if want.comment != got.comment:
        diffs.append(
            Difference("table.comment", want.name, None, _text(want.comment), _text(got.comment))
        )
    if want.primary_key != got.primary_key:
        diffs.append(
            Difference(
                "primary key", want.name, None, _cols(want.primary_key), _cols(got.primary_key)
            )
        )
    diffs += _diff_indexes(want, got)
    diffs += _diff_keyed(
        "unique constraint", want.name, want.unique_constraints, got.unique_constraints
    )
    diffs += _diff_checks(want, got)
    diffs += _diff_foreign_keys(want, got)
    if want.charset != got.charset:
        diffs.append(
            Difference("table charset", want.name, None, want.charset or "?", got.charset or "?")
        )
    return diffs


def _cols(columns: tuple[str, ...]) -> str:
    return f"({', '.join(columns)})"


def _diff_columns(want: Table, got: Table) -> list[Difference]:
    diffs = []
    table = want.name
    for name in sorted(set(want.column_map) | set(got.column_map)):
        a, b = want.column_map.get(name), got.column_map.get(name)
        if a is None or b is None:
            diffs.append(
                Difference(
                    "column", table, name, a.describe() if a else None, b.describe() if b else None
                )
            )
        elif a != b:
            diffs += _diff_column(table, a, b)
    return diffs


def _diff_column(table: str, a: Column, b: Column) -> list[Difference]:
    pairs = {
        "column.type": (a.type or "(no type)", b.type or "(no type)"),
        "column.nullable": (_null(a), _null(b)),
        "column.default": (_text(a.default), _text(b.default)),
        "column.identity": (_text(a.identity), _text(b.identity)),
        "column.comment": (_text(a.comment), _text(b.comment)),
    }
    return [
        Difference(kind, table, a.name, want, got)
        for kind, (want, got) in pairs.items()
        if want != got
    ]


def _text(value: str | None) -> str:
    return "(none)" if value is None else value


def _null(col: Column) -> str:
    return "NULL" if col.nullable else "NOT NULL"


def _diff_indexes(want: Table, got: Table) -> list[Difference]:
    a = {i.name: i for i in want.indexes}
    b = {i.name: i for i in got.indexes}
    return [
        Difference(
            "index",
            want.name,
            name,
            a[name].describe() if name in a else None,
            b[name].describe() if name in b else None,
        )
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    ]


def _diff_keyed(kind: str, table: str, want: Iterable[Any], got: Iterable[Any]) -> list[Difference]:
    a = {item.describe(): item for item in want}
    b = {item.describe(): item for item in got}
    return [
        Difference(kind, table, text, text if text in a else None, text if text in b else None)
        for text in sorted(set(a) ^ set(b))
    ]


def _diff_checks(want: Table, got: Table) -> list[Difference]:
    """CHECKs paired by declared name (else by expression): missing, extra or changed."""
    a = {c.key: c for c in want.checks}
    b = {c.key: c for c in got.checks}
    return [
        Difference(
            "check constraint",
            want.name,
            key,
            a[key].describe() if key in a else None,
            b[key].describe() if key in b else None,
        )
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    ]


def _diff_foreign_keys(want: Table, got: Table) -> list[Difference]:
    """Missing and extra foreign keys; same target with other ON DELETE/UPDATE is a change."""
    missing = want.foreign_keys - got.foreign_keys
    extra = got.foreign_keys - want.foreign_keys
    diffs = []
    for fk in sorted(missing, key=ForeignKey.describe):
        twins = [e for e in extra if e.target == fk.target]
        if len(twins) == 1:
            extra = extra - {twins[0]}
            diffs.append(
                Difference(
                    "foreign key",
                    want.name,
                    fk.describe(),
                    fk.describe_actions(),
                    twins[0].describe_actions(),
                )
            )
        else:
            diffs.append(Difference("foreign key", want.name, fk.describe(), fk.describe(), None))
    diffs += [
        Difference("foreign key", want.name, fk.describe(), None, fk.describe())
        for fk in sorted(extra, key=ForeignKey.describe)
    ]
    return diffs


def _diff_enums(want: Iterable[EnumType], got: Iterable[EnumType]) -> list[Difference]:
    a = {e.name: e.values for e in want}
    b = {e.name: e.values for e in got}
    return [
        Difference("enum", None, name, _values(a.get(name)), _values(b.get(name)))
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    ]


def _diff_named(
    kind: str, want: Iterable[Any], got: Iterable[Any], describe: Callable[[Any], str]
) -> list[Difference]:
    """Objects keyed by `.name`: missing, extra, or (views) described differently."""
    a = {o.name: o for o in want}
    b = {o.name: o for o in got}
    return [
        Difference(
            kind,
            None,
            name,
            describe(a[name]) if name in a else None,
            describe(b[name]) if name in b else None,
        )
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    ]


def _diff_triggers(want: Iterable[Trigger], got: Iterable[Trigger]) -> list[Difference]:
    a = {(t.table, t.name): t for t in want}
    b = {(t.table, t.name): t for t in got}
    return [
        Difference(
            "trigger",
            key[0],
            key[1],
            a[key].describe() if key in a else None,
            b[key].describe() if key in b else None,
        )
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    ]


def _diff_functions(want: Iterable[Function], got: Iterable[Function]) -> list[Difference]:
    a = {f.signature for f in want}
    b = {f.signature for f in got}
    present = {True: "present", False: None}
    return [
        Difference("function", None, sig, present[sig in a], present[sig in b])
        for sig in sorted(a ^ b)
    ]


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _values(values: tuple[str, ...] | None) -> str | None:
    return None if values is None else "(" + ", ".join(repr(v) for v in values) + ")"
