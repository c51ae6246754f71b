"""Plan the revision chain: replay every op on the schema model, derive downgrades, assign ids.

One revision for the baseline (when it has anything), then one per legacy source in order;
or, with `squash`, a single revision holding all of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from converter.core.diagnostics import Diagnostics, Origin
from converter.core.dialects import Dialect
from converter.ir import ops as o
from converter.ir.revision import Revision, SourceRef
from converter.plan import mysql_keys
from converter.plan.schema import SchemaModel, TableModel


@dataclass(frozen=True)
class SourceOps:
    """The ops lowered from one legacy source, in source order."""

    path: str
    sha256: str
    ops: tuple[o.Op, ...]
    added: str | None = None
    startup: bool = False  # the start-up code of an application file


@dataclass
class Plan:
    revisions: list[Revision]
    final: SchemaModel  # the schema the chain builds


def plan(
    sources: Sequence[SourceOps],
    baseline: SchemaModel,
    dialect: Dialect,
    diags: Diagnostics,
    *,
    reference: SchemaModel | None = None,
    squash: bool = False,
) -> Plan:
    model = SchemaModel(dialect=dialect)
    steps: list[Step] = []
    base_ops = baseline_ops(baseline, diags)
    if base_ops:
        up, down = _replay(base_ops, model, dialect, diags, later=[], reference=reference)
        steps.append(
            Step("Baseline: the schema before the first legacy script", "baseline", (), up, down)
        )
    model.guessed = set(baseline.guessed)
    for index, source in enumerate(sources):
        ops = source.ops
        later = [op for rest in sources[index + 1 :] for op in rest.ops]
        guessed = set(model.guessed)
        up, down = _replay(ops, model, dialect, diags, later=later, reference=reference)
        steps.append(
            Step(
                f"Start-up DDL of {source.path}" if source.startup else f"Legacy {source.path}",
                _slug(source.path, source.startup),
                (SourceRef(source.path, source.sha256, source.startup),),
                up,
                down,
                source.added,
                tuple(sorted(guessed - model.guessed)),
            )
        )
    if squash and steps:
        steps = [_squash(steps)]
    return Plan(_chain(steps, dialect), model)


@dataclass(frozen=True)
class Step:
    """One revision before it has an id."""

    message: str
    slug: str
    refs: tuple[SourceRef, ...]
    up: list[o.Op]
    down: list[o.Op]
    added: str | None = None
    unknown_before: tuple[tuple[str, str, str], ...] = ()


def _squash(steps: list[Step]) -> Step:
    return Step(
        "Squashed legacy schema history",
        "legacy_squashed",
        tuple(r for s in steps for r in s.refs),
        [op for s in steps for op in s.up],
        [op for s in reversed(steps) for op in s.down],
        steps[-1].added,
        tuple(sorted({g for s in steps for g in s.unknown_before})),
    )


def _chain(steps: list[Step], dialect: Dialect) -> list[Revision]:
    revisions: list[Revision] = []
    previous: str | None = None
    for step in steps:
        rev_id = _revision_id(previous, dialect, step.slug, step.refs)
        revisions.append(
            Revision(
                rev_id,
                previous,
                step.message,
                step.slug,
                step.refs,
                tuple(step.up),
                tuple(step.down),
                create_date=step.added,
                unknown_before=step.unknown_before,
            )
        )
        previous = rev_id
    return revisions


def _revision_id(
    previous: str | None, dialect: Dialect, slug: str, refs: tuple[SourceRef, ...]
) -> str:
    """Derived from content, so the same input always gives the same chain."""
    h = hashlib.sha256(f"{previous}|{dialect}|{slug}".encode())
    for ref in refs:
        h.update(f"|{ref.path}|{ref.sha256}".encode())
    return h.hexdigest()[:12]


def _slug(path: str, startup: bool = False) -> str:
    """The file's stem; an application file's path, since `__init__` or `app` say little."""
    if startup:
        stem = "startup_" + path.rsplit(".", 1)[0].replace("__init__", "init")
    else:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return re.sub(r"[^0-9a-zA-Z]+", "_", stem).strip("_").lower()[:60] or "legacy"


# ---- replay ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a rule reads besides the op: the schema model so far, the reference schema, the
    ops of the later sources, and where to report what it decided."""

    model: SchemaModel
    diags: Diagnostics
    later: Sequence[o.Op]
    reference: SchemaModel | None


Rule = Callable[[o.Op, Scope], list[o.Op]]


def _replay(
    ops: Sequence[o.Op],
    model: SchemaModel,
    dialect: Dialect,
    diags: Diagnostics,
    *,
    later: Sequence[o.Op],
    reference: SchemaModel | None,
) -> tuple[list[o.Op], list[o.Op]]:
    """Apply ops to the model in order; return (upgrade ops, downgrade ops)."""
    scope = Scope(model, diags, later, reference)
    upgrade: list[o.Op] = []
    downgrade: list[o.Op] = []
    for raw in ops:
        for op in resolve(raw, scope):
            undo = model.reverse(op)
            model.apply(op)
            upgrade.append(op)
            downgrade[:0] = undo
    if dialect == "mysql":
        downgrade = mysql_keys.indexes_go_with_their_table(downgrade)
    return upgrade, downgrade


def resolve(op: o.Op, scope: Scope) -> list[o.Op]:
    """Fill in what the SQL left implicit, from the model: every rule of RULES in order, each
    on what the previous ones returned. All see the model as it is before `op`."""
    ops = [op]
    for rule in RULES:
        ops = [out for each in ops for out in rule(each, scope)]
    return ops


def decide_guard(op: o.Op, scope: Scope) -> list[o.Op]:
    """A guarded op (IF [NOT] EXISTS, a check in the script) the model shows to change nothing
    is left out; one whose effect the model cannot tell stays exact SQL with its IF [NOT]
    EXISTS, or (a guard in the script) is converted as if it applied, with a warning."""
    if not op.guard:
        return [op]
    applies = guard_applies(op, scope.model, complete=scope.reference is not None)
    if applies is False:
        scope.diags.info(
            op.origin,
            f"left out: {_guard_words(op)} (the legacy statement was "
            "guarded, and the schema model shows it changes nothing here)",
            code="L2A401",
        )
        return []
    rejected = applies is None and op.guard == "sql" and _rejects_guard(op, scope.model.dialect)
    if rejected:
        scope.diags.warning(
            op.origin,
            f"{scope.model.dialect} rejects this statement's IF [NOT] EXISTS, and whether it "
            "applies here is not known: it is converted as if it did",
            code="L2A417",
        )
        return [op]
    if applies is None and op.guard == "sql" and op.statement:
        why = "" if scope.reference is not None else " (no reference schema)"
        scope.diags.info(
            op.origin,
            "kept as exact SQL with its IF [NOT] EXISTS: the schema model "
            f"cannot tell whether it applies here{why}",
            code="L2A402",
        )
        return [replace(op, exact=True)]
    if applies is None:
        scope.diags.warning(
            op.origin,
            "the legacy script guarded this statement, and whether it "
            "applies here is not known: it is converted as if it did",
            code="L2A403",
        )
    return [op]


def _rejects_guard(op: o.Op, dialect: Dialect) -> bool:
    """IF [NOT] EXISTS the dialect does not accept where the op is (SQLite and MySQL have none
    on ADD / DROP COLUMN, MySQL none on CREATE INDEX): kept as written, the upgrade fails."""
    if isinstance(op, (o.AddColumn, o.DropColumn)):
        return dialect in ("sqlite", "mysql")
    return isinstance(op, o.CreateIndex) and dialect == "mysql"


def fill_existing_column(op: o.Op, scope: Scope) -> list[o.Op]:
    """ALTER / RENAME COLUMN carry the column as the model has it (its type, for Alembic's
    existing_type and for the downgrade)."""
    if not isinstance(op, (o.AlterColumn, o.RenameColumn)):
        return [op]
    table = scope.model.table(op.table)
    name = op.column if isinstance(op, o.AlterColumn) else op.old
    existing = table.columns.get(name) if table else None
    if existing is not None and existing.type is not None:
        return [replace(op, existing=existing)]
    return [op]


def mysql_key_stays_not_null(op: o.Op, scope: Scope) -> list[o.Op]:
    """MySQL MODIFY restates the column; without NOT NULL a key column stays NOT NULL (an
    explicit NULL is refused), so nullability does not change."""
    if scope.model.dialect != "mysql":
        return [op]
    table = scope.model.table(getattr(op, "table", "") or "")
    key = _primary_key(table) if table is not None else ()
    if isinstance(op, o.AlterColumn) and op.nullable is True and op.column in key:
        return [replace(op, nullable=o.UNSET)]
    if isinstance(op, o.RestateColumn) and op.column.nullable and op.old in key:
        return [replace(op, column=replace(op.column, nullable=False))]
    return [op]


def comment_changes_only(op: o.Op, scope: Scope) -> list[o.Op]:
    """MySQL MODIFY without COMMENT clears the column's comment: alter_column says so only
    where the model knows a comment to clear (else it restates no comment anyway)."""
    if not isinstance(op, o.AlterColumn) or isinstance(op.comment, o.Unset):
        return [op]
    table = scope.model.table(op.table)
    before = table.columns.get(op.column) if table else None
    if before is None or before.comment == op.comment:
        return [replace(op, comment=o.UNSET)]
    return [op]


def restate_knows_previous(op: o.Op, scope: Scope) -> list[o.Op]:
    """A MODIFY / CHANGE run as written has a downgrade only when the model knows the column
    before it: say so where it does not."""
    if not isinstance(op, o.RestateColumn):
        return [op]
    table = scope.model.table(op.table)
    before = table.columns.get(op.old) if table else None
    if before is None or before.type is None:
        scope.diags.warning(
            op.origin,
            f"kept as exact SQL with no downgrade: the definition of {op.table}.{op.old} "
            "before this MODIFY / CHANGE is unknown (pass --models, or give its history)",
            code="L2A420",
        )
    return [op]


def find_dropped_index_table(op: o.Op, scope: Scope) -> list[o.Op]:
    """DROP INDEX without ON <table> (PostgreSQL, SQLite): the table comes from the model.
    An op kept as exact SQL runs as written and needs none."""
    if not isinstance(op, o.DropIndex) or op.table is not None or op.exact:
        return [op]
    ix = scope.model.indexes.get(op.name)
    if ix is not None and ix.table:
        return [replace(op, table=ix.table)]
    scope.diags.warning(
        op.origin,
        f"index {op.name} is not known to the schema model; its table could not be determined",
        code="L2A404",
    )
    return [op]


def expand_create_all(op: o.Op, scope: Scope) -> list[o.Op]:
    """A create_all() call becomes the create ops of the tables it really created, resolved
    against the reference; the tables of model classes the script defines itself, fully known
    from their bodies, are taken from there when the reference does not have them. Last of the
    rules: what it returns is final as it is."""
    if not isinstance(op, o.CreateTablesFromModels):
        return [op]
    created_later = {x.table for x in scope.later if isinstance(x, o.CreateTable)}
    own = _own_tables(op, scope, created_later)
    if scope.reference is None:
        return _without_reference(op, scope, own)
    candidates = set(op.tables) if op.tables else set(scope.reference.tables)
    new = [
        t
        for t in scope.reference.tables
        if t in candidates and t not in scope.model.tables and t not in created_later
    ]
    if not new and not own:
        scope.diags.info(
            op.origin, f"{op.call}: creates no table that did not exist already", code="L2A406"
        )
        return []
    made = [f"{', '.join(new)} (resolved against the reference)"] if new else []
    made += [f"{', '.join(own)} (as the script's own model classes declare them)"] if own else []
    scope.diags.info(op.origin, f"{op.call}: creates {'; '.join(made)}", code="L2A407")
    return creation_ops(scope.reference, new, op.origin) + _own_ops(op, scope, own)


def _own_tables(op: o.CreateTablesFromModels, scope: Scope, created_later: set[str]) -> list[str]:
    """Tables of the script's own model classes the call creates and nothing else defines."""
    reference = scope.reference.tables if scope.reference is not None else {}
    return [
        d.name
        for d in op.declared
        if d.name not in reference and d.name not in scope.model.tables
        and d.name not in created_later
    ]  # fmt: skip


def _own_ops(op: o.CreateTablesFromModels, scope: Scope, own: list[str]) -> list[o.Op]:
    from converter.plan.declared import declared_model

    model = declared_model(op.declared, scope.model.dialect)
    return creation_ops(model, [t for t in own if t in model.tables], op.origin)


def _without_reference(op: o.CreateTablesFromModels, scope: Scope, own: list[str]) -> list[o.Op]:
    """Without a reference only the script's own, fully declared model classes are known."""
    ops = _own_ops(op, scope, own)
    made = {x.table for x in ops if isinstance(x, o.CreateTable)}
    declared = {d.name for d in op.declared}
    if op.tables and set(op.tables) <= declared and len(op.models) == len(op.declared):
        if made:
            scope.diags.info(
                op.origin,
                f"{op.call}: creates {', '.join(sorted(made))} (as the script's own model "
                "classes declare them)",
                code="L2A407",
            )
        return ops
    scope.diags.warning(
        op.origin,
        f"{op.call}: which tables it created cannot be known without "
        "--models or --reference-url; left as a TODO",
        code="L2A405",
    )
    return [*ops, o.ManualTodo(op.call, "create_all() could not be resolved", origin=op.origin)]


# Applied in this order to every op of a source (see resolve).
RULES: tuple[Rule, ...] = (
    decide_guard,
    fill_existing_column,
    mysql_key_stays_not_null,
    comment_changes_only,
    restate_knows_previous,
    find_dropped_index_table,
    expand_create_all,
)


def _primary_key(table: TableModel) -> tuple[str, ...]:
    key = table.primary_key()
    return key.columns if key else ()


def guard_applies(op: o.Op, model: SchemaModel, *, complete: bool) -> bool | None:
    """Whether a guarded op changes the schema at this point: True, False, or None (unknown).
    `complete`: the model holds everything the database has (a reference schema was given), so
    an object it does not have is absent; one the replay removed is absent either way."""
    table = model.table(getattr(op, "table", "") or "")
    if isinstance(op, o.CreateTable):
        return op.table not in model.tables
    if isinstance(op, o.DropTable):
        return True if table else (False if complete or op.table in model.removed else None)
    if isinstance(op, o.CreateIndex):
        return op.name not in model.indexes
    if isinstance(op, o.DropIndex):
        if op.name in model.indexes or (op.table or "", op.name) in model.implicit:
            return True
        return False if complete or op.name in model.removed else None
    if isinstance(op, o.CreateEnum):
        return op.name not in model.enums
    if isinstance(op, o.DropEnum):
        return True if op.name in model.enums else (False if complete else None)
    if table is None or not table.known:
        return True if isinstance(op, (o.AddColumn, o.AddConstraint)) and complete else None
    if isinstance(op, o.AddColumn):
        return op.column.name not in table.columns
    if isinstance(op, o.DropColumn):
        return op.column in table.columns
    names = {c.name for c in table.constraints if c.name}
    if isinstance(op, o.AddConstraint):
        return op.constraint.name not in names if op.constraint.name else None
    if isinstance(op, o.DropConstraint):
        return True if op.name in names else None  # constraint names are not always known
    return True


_GUARD_VERBS = {
    o.CreateTable: "creates table",
    o.DropTable: "drops table",
    o.CreateIndex: "creates index",
    o.DropIndex: "drops index",
    o.CreateEnum: "creates type",
    o.DropEnum: "drops type",
    o.AddConstraint: "adds constraint",
    o.DropConstraint: "drops constraint",
}


def _guard_words(op: o.Op) -> str:
    """What a guarded op would have done, for the message saying it is left out."""
    if isinstance(op, o.AddColumn):
        return f"adds column {op.table}.{op.column.name}"
    if isinstance(op, o.DropColumn):
        return f"drops column {op.table}.{op.column}"
    name: str | None
    if isinstance(op, (o.CreateTable, o.DropTable)):
        name = op.table
    elif isinstance(op, o.AddConstraint):
        name = op.constraint.name
    else:
        name = getattr(op, "name", "")
    return f"{_GUARD_VERBS.get(type(op), type(op).__name__)} {name}"


def creation_ops(source: SchemaModel, tables: Sequence[str], origin: Origin) -> list[o.Op]:
    """CreateEnum / CreateTable / CreateIndex ops that build `tables` as `source` has them."""
    result: list[o.Op] = []
    enums = _enums_used(source, tables)
    result += [o.CreateEnum(n, v, origin=origin) for n, v in enums.items() if v is not None]
    result += [source.tables[t].as_create(origin) for t in _fk_order(source, tables)]
    result += [
        replace(ix, origin=origin)
        for ix in sorted(
            (ix for ix in source.indexes.values() if ix.table in tables and ix.elements),
            key=lambda ix: (tables.index(ix.table), ix.name),
        )
    ]
    return result


def _enums_used(source: SchemaModel, tables: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
    used = {
        dict(c.type.kwargs).get("name")
        for t in tables
        for c in source.tables[t].columns.values()
        if c.type is not None and c.type.name.upper() == "ENUM"
    }
    return {n: v for n, v in source.enums.items() if n in used}


def _fk_order(source: SchemaModel, tables: Sequence[str]) -> list[str]:
    """Referenced tables first; cycles keep source order (their FKs are in the create)."""
    wanted = list(tables)
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting or name not in wanted:
            return
        visiting.add(name)
        for c in source.tables[name].constraints:
            if isinstance(c, o.ForeignKey) and c.ref_table != name:
                visit(c.ref_table)
        visiting.discard(name)
        done.append(name)

    for name in wanted:
        visit(name)
    return done


def baseline_ops(baseline: SchemaModel, diags: Diagnostics) -> list[o.Op]:
    """Ops that build the baseline schema from nothing; unknown parts become TODOs."""
    origin = Origin("")
    complete = [
        name
        for name, t in baseline.tables.items()
        if t.known and t.columns and all(c.type is not None for c in t.columns.values())
    ]
    ops = creation_ops(baseline, complete, origin)
    for name in baseline.tables:
        if name in complete:
            continue
        reason = (
            f"baseline table {name}: its definition before the first legacy script is "
            "unknown (pass --baseline-models, or run in the project's git work tree with "
            "--models, so it can be recovered)"
        )
        diags.warning(None, reason, code="L2A408")
        ops.append(
            o.ManualTodo(
                f"# create table {name} as it was before the legacy scripts", reason, origin=origin
            )
        )
    ops += [replace(made, origin=origin) for made in baseline.objects.values() if made is not None]
    return ops
