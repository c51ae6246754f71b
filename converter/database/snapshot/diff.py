"""The differences between two snapshots, and their readable text.

Kept apart from reading: verify, stamp and the reference all diff snapshots however they got them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from converter.database.snapshot.model import Column, EnumType, ForeignKey, Snapshot, Table

_SUBJECTS = {
    "table": "table",
    "column": "column",
    "column.type": "column",
    "column.nullable": "column",
    "column.default": "column",
    "primary key": "primary key",
    "index": "index",
    "unique constraint": "unique constraint",
    "foreign key": "foreign key",
    "enum": "enum",
    "table charset": "character set",
}
_ATTRIBUTES = {"column.type": "type ", "column.default": "default ", "enum": "values "}


@dataclass(frozen=True)
class Difference:
    """One difference; `expected` is None for an extra object, `actual` None for a missing one."""

    kind: str
    table: str | None
    name: str | None
    expected: str | None
    actual: str | None

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


def diff_snapshots(
    expected: Snapshot, actual: Snapshot, *, compare_defaults: bool = False
) -> list[Difference]:
    """What differs between two snapshots, tables in name order, then enums.

    Server defaults are compared only with `compare_defaults` (as text, as the database
    reports them), like Alembic's `compare_server_default` option.
    """
    diffs: list[Difference] = []
    for name in sorted(set(expected.table_map) | set(actual.table_map)):
        want, got = expected.table(name), actual.table(name)
        if want is None:
            diffs.append(Difference("table", name, name, None, "present"))
        elif got is None:
            diffs.append(Difference("table", name, name, "present", None))
        elif want != got or (compare_defaults and _defaults(want) != _defaults(got)):
            diffs.extend(_diff_table(want, got, compare_defaults))
    diffs.extend(_diff_enums(expected.enums, actual.enums))
    return diffs


def _defaults(table: Table) -> dict[str, str | None]:
    return {c.name: c.default for c in table.columns}


def _diff_table(want: Table, got: Table, compare_defaults: bool) -> list[Difference]:
    diffs = _diff_columns(want, got, compare_defaults)
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
    diffs += _diff_foreign_keys(want, got)
    if want.charset != got.charset:
        diffs.append(
            Difference("table charset", want.name, None, want.charset or "?", got.charset or "?")
        )
    return diffs


def _cols(columns: tuple[str, ...]) -> str:
    return f"({', '.join(columns)})"


def _diff_columns(want: Table, got: Table, compare_defaults: bool) -> list[Difference]:
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
            continue
        if a.type != b.type:
            diffs.append(
                Difference("column.type", table, name, a.type or "(no type)", b.type or "(no type)")
            )
        if a.nullable != b.nullable:
            diffs.append(Difference("column.nullable", table, name, _null(a), _null(b)))
        if compare_defaults and a.default != b.default:
            diffs.append(Difference("column.default", table, name, _default(a), _default(b)))
    return diffs


def _default(col: Column) -> str:
    return "(none)" if col.default is None else col.default


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


def _values(values: tuple[str, ...] | None) -> str | None:
    return None if values is None else "(" + ", ".join(repr(v) for v in values) + ")"
