"""The pipeline, end to end: discover -> extract -> parse -> lower -> plan -> render -> write.

`analyse` is shared by `scan` and `convert`; `convert` adds the reference, planning and output.
"""

from __future__ import annotations

import functools
import gc
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from converter.core import progress
from converter.core.config import DEFAULT_PY_GLOBS, DEFAULT_SQL_GLOBS, Config
from converter.core.diagnostics import Diagnostic, Diagnostics, Origin
from converter.core.dialects import Dialect
from converter.core.errors import ConverterError, InputError
from converter.discover.discovery import Discovery, LegacySource, discover
from converter.ir import ops as o
from converter.ir.revision import Revision
from converter.ir.statements import CreateAllCall, Flag, ManualCode, Statement

# What an extracted item became: an op kind, left out, a TODO, or a create_all() call.
RecordKind = Literal["schema", "data", "ignored", "manual", "create_all"]


@dataclass(frozen=True, slots=True)
class Record:
    """How one extracted item was classified: for scan's listing and the closing report."""

    origin: Origin
    kind: RecordKind
    text: str
    detail: str = ""
    flags: frozenset[Flag] = frozenset()


@dataclass
class SourceAnalysis:
    source: LegacySource
    records: list[Record] = field(default_factory=list)
    ops: list[o.Op] = field(default_factory=list)


@dataclass
class Analysis:
    root: Path
    dialect: Dialect
    discovery: Discovery
    sources: list[SourceAnalysis]
    diags: Diagnostics

    def kinds(self) -> Counter[str]:
        return Counter(r.kind for s in self.sources for r in s.records)


def analyse(
    root: Path,
    config: Config,
    dialect: Dialect,
    diags: Diagnostics,
    *,
    order_file: Path | None = None,
    pick_twins: bool = True,
    jobs: int | None = None,
) -> Analysis:
    """`pick_twins=False` keeps every per-dialect twin (scan without a known dialect).
    `jobs`: worker processes for the sources (None: by the size of the project, see fanout)."""
    from converter.core.fanout import auto_jobs, map_in_order
    from converter.core.gc_pause import gc_paused

    found = discover(
        root, config, diags, dialect=dialect if pick_twins else None, order_file=order_file
    )
    if jobs is None:
        jobs = auto_jobs(sum(_size(root / s.path) for s in found.sources))
    with gc_paused():
        with progress.task("reading legacy sources", len(found.sources)):
            outcomes = map_in_order(
                functools.partial(
                    _analyse_source, root, dialect, frozenset(s.path for s in found.sources)
                ),
                found.sources,
                jobs,
                describe=lambda source: source.path,
            )
    outcomes, found = _drop_files_read_by_scripts(outcomes, found, diags)
    outcomes, found = _drop_scripts_without_ddl(outcomes, found)
    outcomes, found = _merge_repeating_twins(outcomes, found, diags)
    for outcome in outcomes:
        diags.items.extend(outcome.diags)
    return Analysis(root, dialect, found, [outcome.analysis for outcome in outcomes], diags)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # extract reports it with the path


@dataclass(frozen=True)
class _SourceOutcome:
    """One source analysed, possibly in a worker process: everything it reports travels back
    with it, so that the result does not depend on where it ran."""

    analysis: SourceAnalysis
    reads: frozenset[str]  # other files whose statements this source runs (a .sql it reads)
    diags: tuple[Diagnostic, ...]
    unreadable: str = ""  # a script found by its name only that cannot be read: why


def _analyse_source(
    root: Path, dialect: Dialect, sources: frozenset[str], source: LegacySource
) -> _SourceOutcome:
    """Extract, parse and lower one source, then free its syntax trees: they are reference
    cycles, and the cyclic collector is paused during bulk work (one young-generation pass per
    source is cheap)."""
    from converter.extract import extract

    diags = Diagnostics()
    try:
        others = sources - {source.path} if source.startup else frozenset()
        items = extract(
            root / source.path,
            source.path,
            dialect,
            root,
            diags,
            startup=source.startup,
            sources=others,
        )
    except InputError as exc:
        if not source.conditional:
            raise
        return _SourceOutcome(SourceAnalysis(source), frozenset(), (), exc.message)
    reads = frozenset(item.origin.path for item in items if item.origin.path != source.path)
    analysis = _lower_source(source, items, dialect, diags)
    del items
    gc.collect(0)
    return _SourceOutcome(analysis, reads, tuple(diags.items))


def _drop_files_read_by_scripts(
    outcomes: list[_SourceOutcome], found: Discovery, diags: Diagnostics
) -> tuple[list[_SourceOutcome], Discovery]:
    """A .sql source that a migrate_*.py script reads and runs is converted with that script,
    where it ran; converting it on its own too would apply it twice."""
    readers = {
        path: outcome.analysis.source.path for outcome in outcomes for path in sorted(outcome.reads)
    }
    kept = [o for o in outcomes if o.analysis.source.path not in readers]
    dropped = [o.analysis.source for o in outcomes if o.analysis.source.path in readers]
    for source in dropped:
        diags.info(
            Origin(source.path),
            f"read and run by {readers[source.path]}; converted there, not as a source of its own",
            code="L2A111",
        )
    skipped = found.skipped + tuple((s.path, f"read by {readers[s.path]}") for s in dropped)
    return kept, replace(found, sources=tuple(o.analysis.source for o in kept), skipped=skipped)


def _drop_scripts_without_ddl(
    outcomes: list[_SourceOutcome], found: Discovery
) -> tuple[list[_SourceOutcome], Discovery]:
    """A script found by its name only (`add_*.py`, `fix_*.py`, ...) is a legacy source when it
    changes the schema; otherwise it is left out, with why (a data fix, a report, a CLI)."""
    kept: list[_SourceOutcome] = []
    left_out: list[tuple[str, str]] = []
    for outcome in outcomes:
        source = outcome.analysis.source
        why = _why_not_a_migration(outcome) if source.conditional else ""
        if why:
            left_out.append((source.path, why))
        else:
            kept.append(outcome)
    if not left_out:
        return outcomes, found
    sources = tuple(o.analysis.source for o in kept)
    return kept, replace(
        found, sources=sources, skipped=tuple(sorted(found.skipped + tuple(left_out)))
    )


def _why_not_a_migration(outcome: _SourceOutcome) -> str:
    if outcome.analysis.source.startup:
        return _why_not_startup(outcome)
    source = outcome.analysis.source
    found = "a one-shot script" if source.found_by == "script" else "named like a migration script"
    if outcome.unreadable:
        return f"{found}, but cannot be read ({outcome.unreadable})"
    if any(r.kind in ("schema", "create_all") for r in outcome.analysis.records):
        return ""
    if any(d.code == "L2A206" for d in outcome.diags):
        return f"{found}, but a data port (copies rows between databases): not a migration"
    if any(r.kind in ("data", "manual") for r in outcome.analysis.records):
        return f"{found}, but runs no DDL (data or run-time SQL only)"
    return f"{found}, but runs no SQL that could be read"


def _why_not_startup(outcome: _SourceOutcome) -> str:
    """An app file whose DDL literals its start-up code turns out not to run."""
    if outcome.unreadable:
        return f"application file, cannot be read ({outcome.unreadable})"
    if any(r.kind == "schema" for r in outcome.analysis.records):
        return ""
    return (
        "application file: its start-up code and request handlers create no schema that "
        "could be read"
    )


def _merge_repeating_twins(
    outcomes: list[_SourceOutcome], found: Discovery, diags: Diagnostics
) -> tuple[list[_SourceOutcome], Discovery]:
    """A .sql file and a script that run the same statements are one change with two ways to
    apply it: the .sql file is converted, at the place of whichever of the two came first, and
    the script is left out as its twin. Statements compare by text, ignoring case, spacing and
    IF [NOT] EXISTS (a script often guards what the file states)."""
    first_with: dict[frozenset[str], int] = {}
    merged: list[_SourceOutcome | None] = list(outcomes)
    twins: dict[str, str] = {}
    for index, outcome in enumerate(outcomes):
        key = frozenset() if outcome.analysis.source.startup else _statement_key(outcome.analysis)
        earlier = first_with.setdefault(key, index) if key else index
        pair = merged[earlier]
        if (
            earlier == index
            or pair is None
            or pair.analysis.source.kind == outcome.analysis.source.kind
        ):
            continue
        sql_file, script = (
            (pair, outcome) if pair.analysis.source.kind == "sql" else (outcome, pair)
        )
        merged[earlier], merged[index] = sql_file, None
        twins[script.analysis.source.path] = sql_file.analysis.source.path
    if not twins:
        return outcomes, found
    for script_path, sql_path in twins.items():
        diags.info(
            Origin(sql_path),
            f"{script_path} runs the same statements (its twin): converted once, here",
            code="L2A115",
        )
    kept = [o for o in merged if o is not None]
    skipped = found.skipped + tuple(
        (script, f"twin of {sql}: runs the same statements, converted there")
        for script, sql in twins.items()
    )
    sources = tuple(o.analysis.source for o in kept)
    return kept, replace(found, sources=sources, skipped=tuple(sorted(skipped)))


def _statement_key(analysis: SourceAnalysis) -> frozenset[str]:
    from converter.lower.repeats import repeat_key

    return repeat_key(r.text for r in analysis.records if r.kind in ("schema", "data"))


def _lower_source(
    source: LegacySource, items: list, dialect: Dialect, diags: Diagnostics
) -> SourceAnalysis:
    from converter.lower.dispatch import Ignored, lower
    from converter.parse import parse_statement

    result = SourceAnalysis(source)
    for item in items:
        if isinstance(item, ManualCode):
            result.ops.append(o.ManualTodo(item.code, item.reason, origin=item.origin))
            result.records.append(Record(item.origin, "manual", item.code, item.reason))
        elif isinstance(item, CreateAllCall):
            result.ops.append(
                o.CreateTablesFromModels(
                    item.call, item.tables, item.models, item.declared, origin=item.origin
                )
            )
            result.records.append(Record(item.origin, "create_all", item.call))
        elif isinstance(item, Statement):
            if item.warning:
                diags.warning(item.origin, item.warning, code="L2A205")
            parsed = None if item.ignored else parse_statement(item, dialect)
            lowered = lower(item, parsed, dialect, diags)
            if isinstance(lowered, Ignored):
                result.records.append(
                    Record(item.origin, "ignored", item.sql, lowered.reason, item.flags)
                )
                continue
            if item.note:
                lowered = [replace(op, note=item.note) for op in lowered]
            result.ops.extend(lowered)
            flags = item.flags
            if Flag.GUARDED not in flags and any(op.guard for op in lowered):
                flags = flags | {Flag.GUARDED}
            result.records.append(
                Record(
                    item.origin,
                    _kind_of(lowered),
                    item.sql,
                    ", ".join(type(op).__name__ for op in lowered),
                    flags,
                )
            )
    return result


def _kind_of(lowered: list[o.Op]) -> RecordKind:
    is_data = all(isinstance(op, o.ExecuteSQL) and op.kind == "data" for op in lowered)
    return "data" if lowered and is_data else "schema"


# ---- convert ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvertOptions:
    dialect: Dialect
    out: Path
    models: str | None = None
    reference_url: str | None = None
    baseline_models: str | None = None
    squash: bool = False
    dry_run: bool = False
    order_file: Path | None = None
    jobs: int | None = None  # worker processes for the sources; None: by the project's size


@dataclass
class ConvertResult:
    analysis: Analysis
    revisions: list[Revision]
    written: list[Path]
    unchanged: list[Path]
    scaffolded: bool


def convert(
    root: Path, config: Config, options: ConvertOptions, diags: Diagnostics
) -> ConvertResult:
    analysis = analyse(
        root, config, options.dialect, diags, order_file=options.order_file, jobs=options.jobs
    )
    if not analysis.sources:
        other = analysis.discovery.other_sql_dirs
        hint = (
            f"; .sql files in {', '.join(d + '/' for d in other[:5])} match no pattern: add "
            "their folder to sql-globs in [tool.legacy2alembic] if they are migrations"
            if other
            else ""
        )
        raise InputError(f"no legacy sources found under {root} ({_looked_for(config)}){hint}")
    if options.out.exists() and not options.out.is_dir():
        raise InputError(f"--out {options.out} exists and is not a directory")
    from converter.core.gc_pause import gc_paused

    with gc_paused():
        revisions = plan_revisions(analysis, options, diags)
        files, scaffolded = _files(revisions, options)
        _refuse_foreign_revisions(options.out, files)
        written, unchanged = _write(options.out, files, options.dry_run)
    return ConvertResult(analysis, revisions, written, unchanged, scaffolded)


def _refuse_foreign_revisions(out: Path, files: Mapping[str, object]) -> None:
    """A versions folder holding other revisions would give the chain a second head."""
    versions = out / "versions"
    if not versions.is_dir():
        return
    foreign = sorted(p for p in versions.glob("*.py") if f"versions/{p.name}" not in files)
    if not foreign:
        return
    names = ", ".join(p.name for p in foreign[:5]) + (", ..." if len(foreign) > 5 else "")
    if all(_written_by_us(p) for p in foreign):
        raise InputError(
            f"{versions} already holds revisions legacy2alembic wrote from other "
            f"input ({names}): another --dialect, or legacy sources changed, added or "
            "reordered since. Both chains together would have two heads: convert "
            "into a new folder, or remove the old revisions first"
        )
    raise InputError(
        f"{versions} already holds Alembic revisions that legacy2alembic did not "
        f"write ({names}); convert into a new folder"
    )


def _written_by_us(path: Path) -> bool:
    from converter.render.code import BEGIN_MARK

    try:
        return BEGIN_MARK in path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def plan_revisions(
    analysis: Analysis, options: ConvertOptions, diags: Diagnostics
) -> list[Revision]:
    from converter.plan.baseline import compute_baseline
    from converter.plan.chain import SourceOps, plan
    from converter.plan.dumps import cross_check_dump
    from converter.plan.passes import consolidate

    reference, class_map = _reference(analysis.root, options, diags)
    sources = [
        SourceOps(
            s.source.path,
            s.source.sha256,
            tuple(consolidate([_name_create_all(op, class_map) for op in s.ops])),
            s.source.added,
            s.source.startup,
        )
        for s in analysis.sources
    ]
    all_ops = [op for s in sources for op in s.ops]
    old = _old_models(analysis, options, diags)
    baseline = compute_baseline(reference, all_ops, old, diags)
    planned = plan(
        sources, baseline, options.dialect, diags, reference=reference, squash=options.squash
    )
    for dump in _schema_dumps(analysis):
        cross_check_dump(_dump_tables(analysis, dump), baseline, planned.final, diags)
    return planned.revisions


def _schema_dumps(analysis: Analysis) -> list[str]:
    """The full schema dumps discovery found (and left out of the conversion)."""
    from converter.discover.classify import DUMP_REASON

    return [path for path, why in analysis.discovery.skipped if why == DUMP_REASON]


def _dump_tables(analysis: Analysis, path: str) -> list[o.CreateTable]:
    """The CREATE TABLE statements of a schema dump, lowered; none when it cannot be read."""
    from converter.extract import extract
    from converter.lower.dispatch import lower
    from converter.parse import parse_statement

    diags, dialect = Diagnostics(), analysis.dialect
    try:
        items = extract(analysis.root / path, path, dialect, analysis.root, diags)
    except ConverterError:
        return []
    statements = [i for i in items if isinstance(i, Statement) and not i.ignored]
    lowered = [lower(s, parse_statement(s, dialect), dialect, diags) for s in statements]
    return [
        op
        for ops in lowered
        if isinstance(ops, list)
        for op in ops
        if isinstance(op, o.CreateTable)
    ]


def _name_create_all(op: o.Op, class_map: dict[str, str]) -> o.Op:
    """Give a create_all call the table names of the model classes it refers to."""
    if not isinstance(op, o.CreateTablesFromModels) or not op.models:
        return op
    tables = tuple(
        dict.fromkeys([*op.tables, *(class_map[m] for m in op.models if m in class_map)])
    )
    return replace(op, tables=tables)


def _looked_for(config: Config) -> str:
    """What discovery read, for the error that says it found nothing."""
    looked = f"looked for {', '.join(config.py_globs + config.sql_globs)}"
    sweeps = []
    if config.sql_globs == DEFAULT_SQL_GLOBS:
        sweeps.append("every other .sql file")
    if config.py_globs == DEFAULT_PY_GLOBS:
        sweeps.append(
            "scripts named like migrations or run by hand with DDL, and application files "
            "running DDL at start-up"
        )
    more = f", and read {' and '.join(sweeps)}" if sweeps else ""
    return f"{looked}{more}; `legacy2alembic scan` lists what was left out and why"


def _reference(root: Path, options: ConvertOptions, diags: Diagnostics):
    from converter.plan.baseline import class_tables, model_from_metadata

    if options.models:
        from converter.database.reference import load_metadata

        metadata = load_metadata(root, options.models)
        return model_from_metadata(metadata, options.dialect), class_tables(root, options.models)
    if options.reference_url:
        from converter.database.reference import url_metadata

        return model_from_metadata(url_metadata(options.reference_url), options.dialect), {}
    diags.info(
        None,
        "no reference schema (--models / --reference-url): the baseline is empty "
        "and the legacy sources must build everything",
        code="L2A416",
    )
    return None, {}


def _old_models(analysis: Analysis, options: ConvertOptions, diags: Diagnostics):
    from converter.database.reference import load_metadata
    from converter.plan.baseline import model_from_metadata, recover_old_models

    if options.baseline_models:
        metadata = load_metadata(
            analysis.root, options.baseline_models, flag="--baseline-models", any_file=True
        )
        return model_from_metadata(metadata, options.dialect)
    if options.models and analysis.discovery.git and analysis.sources:
        first = analysis.sources[0].source.path
        spec = options.models
        return recover_old_models(
            analysis.root, lambda tree: load_metadata(tree, spec), first, options.dialect, diags
        )
    return None


def _files(
    revisions: list[Revision], options: ConvertOptions
) -> tuple[dict[str, str | Callable[[], str]], bool]:
    """The files to write: revisions are rendered when written, one at a time."""
    from converter.render.file import render_revision
    from converter.render.scaffold import scaffold_files

    files: dict[str, str | Callable[[], str]] = {}
    scaffolded = not (options.out / "env.py").exists()
    if scaffolded:
        files.update(scaffold_files(options.dialect))
    for rev in revisions:
        files[f"versions/{rev.filename}"] = functools.partial(render_revision, rev, options.dialect)
    return files, scaffolded


def _write(
    out: Path, files: dict[str, str | Callable[[], str]], dry_run: bool
) -> tuple[list[Path], list[Path]]:
    """Identical existing files are left alone (a second run is a no-op); others refuse."""
    from converter.render.write import text_of, write_new_files

    unchanged = [
        out / rel
        for rel, content in files.items()
        if (out / rel).is_file() and _same(out / rel, text_of(content))
    ]
    pending = {rel: content for rel, content in files.items() if out / rel not in unchanged}
    return write_new_files(out, pending, dry_run=dry_run), unchanged


def _same(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False
