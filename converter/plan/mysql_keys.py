"""What MySQL / MariaDB (InnoDB) do on their own around foreign keys, for the schema model.

- An unnamed foreign key is named `<table>_ibfk_<n>`: n counts from 1 in CREATE TABLE; ALTER
  TABLE ADD takes the highest n in use plus one. RENAME TABLE renames them with the table.
- A foreign key needs an index whose leading columns are its columns (the primary key and a
  UNIQUE constraint count). When there is none, InnoDB makes one: named after the constraint
  when ALTER TABLE adds a named key, else after its first column (`author_id`, `author_id_2`...).
  MySQL 8 also names it after the constraint inside CREATE TABLE; MariaDB does not, and the
  model follows MariaDB (snapshots do not compare these indexes by name, see
  `database.snapshot.normalize`). Creating another index that can serve the key drops it.

These indexes are kept apart from `SchemaModel.indexes` (keyed by table and name: MySQL index
names are per table), so that a legacy `DROP INDEX author_id` is known and can be downgraded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from converter.ir import ops as o


class TableModel(Protocol):
    """What these rules read and change of a `schema.TableModel` (which imports this module)."""

    name: str
    constraints: list[o.Constraint]


class SchemaModel(Protocol):
    """What these rules read and change of a `schema.SchemaModel`."""

    @property
    def tables(self) -> Mapping[str, TableModel]: ...

    implicit: dict[tuple[str, str], tuple[str, ...]]

    def indexes_of(self, table: str) -> list[o.CreateIndex]: ...


def _ibfk_numbers(t: TableModel) -> list[int]:
    pattern = re.compile(re.escape(t.name) + r"_ibfk_(\d+)")
    return [
        int(m.group(1))
        for c in t.constraints
        if isinstance(c, o.ForeignKey) and c.name and (m := pattern.fullmatch(c.name))
    ]


def _served(schema: SchemaModel, t: TableModel, columns: tuple[str, ...]) -> bool:
    """Whether an index (or the primary key, or a UNIQUE constraint) leads with `columns`."""
    n = len(columns)
    keys = [c.columns for c in t.constraints if isinstance(c, (o.PrimaryKey, o.Unique))]
    keys += [
        tuple(e.text for e in ix.elements if not e.expression) for ix in schema.indexes_of(t.name)
    ]
    keys += [cols for (table, _), cols in schema.implicit.items() if table == t.name]
    return any(key[:n] == columns for key in keys)


def _index_name(schema: SchemaModel, t: TableModel, base: str) -> str:
    taken = {name for (table, name) in schema.implicit if table == t.name}
    taken |= {ix.name for ix in schema.indexes_of(t.name)}
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def implicit_index(
    schema: SchemaModel, t: TableModel, fk: o.ForeignKey, *, altered: bool
) -> str | None:
    """The name of the index InnoDB makes for `fk` on `t`, or None when one serves it already.
    `altered`: the key is added by ALTER TABLE (named after the constraint when it has a name)."""
    if _served(schema, t, fk.columns):
        return None
    return _index_name(schema, t, fk.name if altered and fk.name else fk.columns[0])


def settle_created_table(schema: SchemaModel, t: TableModel) -> None:
    """After CREATE TABLE: unnamed keys get InnoDB's names, and the indexes they need exist."""
    n = 0
    for i, c in enumerate(t.constraints):
        if isinstance(c, o.ForeignKey) and not c.name:
            n += 1
            t.constraints[i] = replace(c, name=f"{t.name}_ibfk_{n}")
    for c in t.constraints:
        if isinstance(c, o.ForeignKey) and (made := implicit_index(schema, t, c, altered=False)):
            schema.implicit[(t.name, made)] = c.columns


def added_key(schema: SchemaModel, t: TableModel, fk: o.ForeignKey) -> o.ForeignKey:
    """ALTER TABLE ADD FOREIGN KEY: the key as InnoDB names it; its index made when needed."""
    if not fk.name:
        fk = replace(fk, name=f"{t.name}_ibfk_{max(_ibfk_numbers(t), default=0) + 1}")
    if made := implicit_index(schema, t, fk, altered=True):
        schema.implicit[(t.name, made)] = fk.columns
    return fk


def index_created(schema: SchemaModel, ix: o.CreateIndex) -> list[tuple[str, tuple[str, ...]]]:
    """CREATE INDEX: InnoDB drops the implicit indexes the new one can stand in for. Returns
    them (name, columns)."""
    leading = tuple(e.text for e in ix.elements if not e.expression)
    replaced = [
        (name, cols)
        for (table, name), cols in schema.implicit.items()
        if table == ix.table and leading[: len(cols)] == cols
    ]
    for name, _ in replaced:
        del schema.implicit[(ix.table, name)]
    return replaced


def table_renamed(schema: SchemaModel, old: str, new: str) -> None:
    """RENAME TABLE: `old_ibfk_N` keys become `new_ibfk_N`; implicit indexes follow the table."""
    t = schema.tables[new]
    prefix = f"{old}_ibfk_"
    t.constraints = [
        replace(c, name=f"{new}_ibfk_{c.name[len(prefix) :]}")
        if isinstance(c, o.ForeignKey) and c.name and c.name.startswith(prefix)
        else c
        for c in t.constraints
    ]
    schema.implicit = {
        ((new if table == old else table), name): cols
        for (table, name), cols in schema.implicit.items()
    }


def forget_table(schema: SchemaModel, table: str, column: str | None = None) -> None:
    """DROP TABLE (or DROP COLUMN `column`): their implicit indexes go with them."""
    schema.implicit = {
        key: cols
        for key, cols in schema.implicit.items()
        if key[0] != table or (column is not None and column not in cols)
    }


def indexes_go_with_their_table(downgrade: list[o.Op]) -> list[o.Op]:
    """A downgrade neither makes nor drops the indexes of a table it drops afterwards: the table
    takes them along, and dropping first the index a foreign key needs fails (error 1553)."""
    kept: list[o.Op] = []
    for i, op in enumerate(downgrade):
        index_op = isinstance(op, (o.CreateIndex, o.DropIndex)) and not op.exact
        if not (index_op and _dropped_later(downgrade[i + 1 :], getattr(op, "table", None))):
            kept.append(op)
    return kept


def _dropped_later(ops: list[o.Op], table: str | None) -> bool:
    for op in ops:
        if isinstance(op, o.DropTable) and op.table == table:
            return True
        if isinstance(op, (o.CreateTable, o.RenameTable, o.RewriteTable)):
            if table in (getattr(op, "table", None), getattr(op, "old", None)):
                return False
            if getattr(op, "new", None) == table:
                return False
    return False


def column_renamed(schema: SchemaModel, table: str, old: str, new: str) -> None:
    schema.implicit = {
        key: (tuple(new if c == old else c for c in cols) if key[0] == table else cols)
        for key, cols in schema.implicit.items()
    }
