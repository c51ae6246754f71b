"""A full schema dump the project keeps (`schema.sql`, a pg_dump) cross-checks the chain's schema.

Discovery leaves such a dump out of the conversion: it describes a state of the schema, not a
change. It still says what the tables looked like, either before the legacy sources (the baseline)
or today (the head the chain builds). A table of the dump whose columns match neither is reported
with the dump's `file:line`: a legacy change is missing from the sources, or the dump is stale.
"""

from __future__ import annotations

from collections.abc import Sequence

from converter.core.diagnostics import Diagnostics
from converter.ir import ops as o
from converter.plan.schema import SchemaModel, TableModel


def cross_check_dump(
    tables: Sequence[o.CreateTable], baseline: SchemaModel, head: SchemaModel, diags: Diagnostics
) -> None:
    """Warn (L2A419) about each table of the dump whose column names match neither the
    baseline's nor the head's. Tables the chain does not fully know are not judged."""
    for create in tables:
        states = (baseline.table(create.table), head.table(create.table))
        known = [t for t in states if t is not None and _known(t)]
        dumped = [c.name for c in create.columns]
        if not known or any(set(t.columns) == set(dumped) for t in known):
            continue
        diags.warning(create.origin, _message(create.table, dumped, known[-1]), code="L2A419")


def _known(table: TableModel) -> bool:
    return table.known and bool(table.columns)


def _message(name: str, dumped: list[str], table: TableModel) -> str:
    missing = [c for c in table.columns if c not in dumped]
    extra = [c for c in dumped if c not in table.columns]
    parts = [f"not in the dump: {', '.join(missing)}"] if missing else []
    parts += [f"only in the dump: {', '.join(extra)}"] if extra else []
    return (
        f"schema dump: table {name} has other columns than the chain's schema, before the "
        f"legacy sources or after them ({'; '.join(parts)}): a legacy change may be missing "
        "from the sources, or the dump is out of date"
    )
