"""Tables of model classes a legacy script defines: built as SQLAlchemy builds them.

extract reads each `Column(...)` of such a class statically (`ir.ops.DeclaredTable`); here the
same table is assembled with SQLAlchemy from those literals (no legacy code runs) and read back
like the reference models, so a script's own models give the same ops as imported ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from converter.core.dialects import Dialect
from converter.ir import ops as o
from converter.plan.baseline import model_from_metadata
from converter.plan.schema import SchemaModel


def declared_model(declared: Sequence[o.DeclaredTable], dialect: Dialect) -> SchemaModel:
    """A schema model holding the declared tables that SQLAlchemy accepts (a type called with
    arguments it rejects leaves its table out), plus stubs of the tables their keys refer to."""
    metadata = sa.MetaData()
    for table in declared:
        try:
            columns = [_column(c) for c in table.columns]
        except (TypeError, ValueError, sa.exc.ArgumentError):
            continue
        sa.Table(table.name, metadata, *columns)
    stubs: dict[str, set[str]] = {}
    for column in (c for t in declared for c in t.columns if c.foreign_key):
        target, _, key = str(column.foreign_key).rpartition(".")
        if target not in metadata.tables or target in stubs:
            stubs.setdefault(target, set()).add(key)
    for target, keys in stubs.items():
        sa.Table(target, metadata, *(sa.Column(k, sa.Integer) for k in sorted(keys)))
    try:
        return model_from_metadata(metadata, dialect)
    except sa.exc.SQLAlchemyError:  # a key to a column its declared table does not have
        return SchemaModel(dialect=dialect)


def _column(column: o.DeclaredColumn) -> sa.Column:
    type_class = getattr(sa, column.type, None)
    if not (isinstance(type_class, type) and issubclass(type_class, sa.types.TypeEngine)):
        raise TypeError(f"{column.type} is not a SQLAlchemy type")
    type_keywords: dict[str, Any] = dict(column.type_kwargs)
    type_ = type_class(*column.type_args, **type_keywords)
    args: list[Any] = [type_]
    if column.foreign_key:
        keywords: dict[str, Any] = dict(column.foreign_key_kwargs)
        args.append(sa.ForeignKey(column.foreign_key, **keywords))
    options: dict[str, Any] = dict(column.options)
    if "server_default_sql" in options:
        options["server_default"] = sa.text(str(options.pop("server_default_sql")))
    return sa.Column(column.name, *args, **options)
