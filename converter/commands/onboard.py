"""`onboard`: scan, convert and verify in one go, then say exactly what is left to do.

The pipeline stages run as `convert` and `verify` run them; this module only adds the closing
part: the stamp commands per environment (dry run first, backup before), the fix-create-all diff,
the archive step, and a Markdown report (`ONBOARDING.md` in the migrations folder) that a team can
review and tick off. The report is deterministic, written once and never overwritten.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import shlex
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click
import jinja2

from converter.commands.pipeline import ConvertOptions, ConvertResult
from converter.commands.report import KIND_LABELS
from converter.core.diagnostics import Level, Origin
from converter.core.dialects import Dialect
from converter.core.errors import CheckFailed, ConverterError, InputError
from converter.database.verify import VerifyResult
from converter.retire.fix_create_all.plan import FixPlan

REPORT = "ONBOARDING.md"
ENVIRONMENTS = ("development", "staging", "production")
BACKUP = {
    "sqlite": 'sqlite3 path/to/app.db ".backup before-stamp.db"',
    "postgres": 'pg_dump --format=custom --file=before-stamp.dump "$DATABASE_URL"',
    "mysql": 'mysqldump --single-transaction "$DATABASE" > before-stamp.sql',
}
CHECKLIST = (
    "Review every revision in `{versions}/` (upgrade() and downgrade()) and resolve each "
    "`TODO(legacy2alembic)` listed above",
    "Remove `db.create_all()` from application start-up (`legacy2alembic fix-create-all`) and set "
    "up `Migrate(app, db)`",
    "Test on a development database: `flask db upgrade`, `flask db downgrade base`, "
    "`flask db upgrade` (verify did this on a scratch database; do it once on a copy of real data)",
    "Back up every database before stamping it",
    "Stamp each environment with a dry run first: development, then staging, then production",
    "Never run `flask db stamp head` blindly: it marks a database as up to date without "
    "checking its schema",
    "Archive the legacy scripts (`legacy2alembic archive`), commit, and run `legacy2alembic check` "
    "in CI or pre-commit",
    "Deploy with `flask db upgrade` (for example in the container entrypoint)",
    'From now on: change the models, `flask db migrate -m "..."`, review the revision, '
    "`flask db upgrade`; never edit a revision that already ran somewhere",
)


@dataclass
class Onboarding:
    """Everything the closing summary and the report are made of."""

    root: Path
    options: ConvertOptions
    result: ConvertResult
    verify: VerifyResult
    fix: FixPlan

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    @property
    def migrations(self) -> str:
        return self.rel(self.options.out)

    @property
    def migrations_flag(self) -> str:
        default = self.options.out == self.root / "migrations"
        return "" if default else f" --migrations {shlex.quote(self.migrations)}"

    def findings(self) -> list[str]:
        items = self.result.analysis.diags.of_level(Level.WARNING, Level.TODO, Level.ERROR)
        return [
            str(item) for item in sorted(items, key=lambda d: (d.origin or Origin(""), d.message))
        ]

    def revision_todos(self) -> list[str]:
        """`file:line` of every TODO marker in the written revisions: where to edit."""
        from converter.render.code import TODO_MARK

        found = []
        for rev in self.result.revisions:
            path = self.options.out / "versions" / rev.filename
            lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
            found += [
                f"{self.rel(path)}:{n}: {line.strip().lstrip('# ')}"
                for n, line in enumerate(lines, 1)
                if TODO_MARK in line
            ]
        return found


# ---- running the stages ------------------------------------------------------------------------


def run_onboard(
    project: Path,
    dialect: Dialect | None,
    *,
    models: str | None,
    reference_url: str | None,
    out: Path | None,
    server_url: str | None,
    scratch_url: str | None,
    order_file: Path | None,
    baseline_models: str | None = None,
    squash: bool = False,
    dry_run: bool = False,
    jobs: int | None = None,
    as_json: bool = False,
) -> None:
    from converter.commands.convert import convert_options
    from converter.commands.pipeline import convert
    from converter.core.config import project_settings
    from converter.core.diagnostics import Diagnostics
    from converter.retire.fix_create_all.plan import plan_fix

    root, config = project_settings(project)
    options = convert_options(
        root,
        config,
        dialect,
        models=models,
        reference_url=reference_url,
        out=out,
        order_file=order_file,
        baseline_models=baseline_models,
        squash=squash,
        dry_run=dry_run,
        jobs=jobs,
    )
    if not dry_run:
        need_scratch(options.dialect, scratch_url, server_url or reference_url)
    result = convert(root, config, options, Diagnostics())
    if dry_run:
        _dry_run(result, options, as_json)
        return
    if not as_json:
        click.echo(_scan_text(result) + "\n" + _convert_text(result, options))
    verified = _verified(root, result, options, scratch_url, server_url)
    if not as_json:
        click.echo(verified.format() + "\n")
    onboarding = Onboarding(root, options, result, verified, plan_fix(root, config))
    remaining = steps(onboarding)
    if not as_json:
        click.echo(f"What is left (run the commands from {root}):\n\n" + remaining)
    written = _write_report(onboarding)
    if as_json:
        from converter.commands.documents import emit, onboard_document

        emit(onboard_document(onboarding, str(options.out / REPORT), remaining))
    else:
        click.echo(written)
    if not verified.ok:
        raise CheckFailed(
            f"verify failed: fix the revisions before stamping anything (see "
            f"{onboarding.migrations}/{REPORT})"
        )


def need_scratch(dialect: Dialect, scratch_url: str | None, server_url: str | None) -> None:
    """Refuse before anything is written when verify will have no database to work on."""
    if dialect == Dialect.SQLITE or scratch_url or server_url or os.environ.get("DATABASE_URL"):
        return
    raise InputError(
        f"verify needs a {dialect} server for its scratch database: pass --server-url URL "
        "(a temporary database is created there and dropped), --scratch-url URL (an empty "
        "database) or set DATABASE_URL; nothing was written"
    )


def _verified(
    root: Path,
    result: ConvertResult,
    options: ConvertOptions,
    scratch_url: str | None,
    server_url: str | None,
) -> VerifyResult:
    """verify on the written chain; when it cannot run, the error says what convert wrote."""
    from converter.commands.verify import verify_project

    try:
        return verify_project(
            root,
            options.out,
            options.dialect,
            models=options.models,
            reference_url=options.reference_url,
            scratch_url=scratch_url,
            server_url=server_url,
        )
    except ConverterError as exc:
        if result.written:
            exc.message += (
                f" (convert had written {len(result.written)} file(s) into {options.out}; "
                "they stay: run onboard again once this is fixed, it leaves them alone)"
            )
        raise


def _dry_run(result: ConvertResult, options: ConvertOptions, as_json: bool) -> None:
    """--dry-run: what convert would write; verify needs the files, so it is not run."""
    from converter.commands.documents import convert_document, emit
    from converter.commands.report import format_convert

    if as_json:
        emit({**convert_document(result, options), "command": "onboard"})
        return
    click.echo(_scan_text(result) + "\n" + format_convert(result, options))
    click.echo("Dry run: nothing written; verify runs on the written revisions, so it did not run.")


def _scan_text(result: ConvertResult) -> str:
    analysis = result.analysis
    lines = [f"Legacy sources, in historical order ({len(analysis.sources)}):"]
    lines += [
        f"  {n:>3}. {s.source.path}  [{s.source.reason}]" for n, s in enumerate(analysis.sources, 1)
    ]
    lines += [f"       skipped {path}: {why}" for path, why in analysis.discovery.skipped]
    return "\n".join(lines) + "\n"


def _convert_text(result: ConvertResult, options: ConvertOptions) -> str:
    from converter.commands.report import format_diagnostics

    lines = [
        f"Wrote {len(result.written)} file(s) into {options.out}"
        + (f"; {len(result.unchanged)} already up to date" if result.unchanged else "")
    ]
    lines += [
        f"  {rev.id}  <- {rev.down_revision or 'base':12}  "
        f"{', '.join(ref.path for ref in rev.sources) or 'baseline'}"
        for rev in result.revisions
    ]
    lines.append(format_diagnostics(result.analysis.diags))
    return "\n".join(lines).rstrip() + "\n"


def _write_report(onboarding: Onboarding) -> str:
    """Write ONBOARDING.md once; the same content again is a no-op, other content refuses."""
    from converter.render.write import write_new_files

    text = render_report(onboarding)
    path = onboarding.options.out / REPORT
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return f"Report {path} is up to date."
    if path.exists():
        raise InputError(
            f"{path} exists and differs from this run's report; refusing to "
            "overwrite it: move it away (or compare) and run onboard again"
        )
    write_new_files(onboarding.options.out, {REPORT: text})
    return f"Wrote the onboarding report {path}"


# ---- what is left ------------------------------------------------------------------------------


def steps(ob: Onboarding) -> str:
    """The remaining steps, as Markdown that also reads well in a terminal."""
    parts = [_review_step(ob), _fix_step(ob), _stamp_step(ob), _archive_step(ob)]
    return "\n\n".join(f"{n}. {part}" for n, part in enumerate(parts, 1)) + "\n"


def _code(lines: list[str]) -> str:
    return "\n".join(f"       {line}" if line else "" for line in lines)


def _review_step(ob: Onboarding) -> str:
    todos = ob.revision_todos()
    head = f"Review the {len(ob.result.revisions)} revision(s) in {ob.migrations}/versions/" + (
        f"; {len(todos)} TODO(s) need a manual port first:" if todos else "."
    )
    if not ob.verify.ok:
        head += " Verify FAILED: fix the revisions until `legacy2alembic verify` passes."
    return head + ("\n\n" + _code(todos) if todos else "")


def _stamp_step(ob: Onboarding) -> str:
    command = f'legacy2alembic stamp .{ob.migrations_flag} --url "$DATABASE_URL"'
    folder = "" if not ob.migrations_flag else f" -d {shlex.quote(ob.migrations)}"
    lines = [f"# back up first: {BACKUP.get(ob.options.dialect, 'your usual backup')}"]
    for env in ENVIRONMENTS:
        lines += [
            "",
            f"# {env}: DATABASE_URL = the {env} database",
            f"{command} --dry-run",
            command,
            f"flask db upgrade{folder}   # the revisions this database never ran",
        ]
    return (
        "Stamp each existing database at the revision its schema really matches, one "
        "environment at a time, dry run first (never `flask db stamp head` blindly; a new, "
        "empty database needs no stamp: `flask db upgrade` builds it):\n\n" + _code(lines)
    )


def _fix_step(ob: Onboarding) -> str:
    if not ob.fix.files:
        return "Retire db.create_all(): nothing to change at start-up.\n\n" + _code(
            ob.fix.summary()
        )
    diff = ob.fix.diff().rstrip("\n").splitlines()
    return (
        "Retire db.create_all() at start-up (the schema belongs to the revisions now): "
        "review this change, then apply it with `legacy2alembic fix-create-all . --write` "
        "before stamping (`flask db upgrade` needs the `Migrate(app, db)` it adds):"
        "\n\n"
        + _code(diff)
        + "\n\n"
        + _code(ob.fix.summary())
        + "\n\n"
        + _code(["legacy2alembic fix-create-all . --write"])
    )


def _archive_step(ob: Onboarding) -> str:
    base = f"legacy2alembic archive .{ob.migrations_flag}"
    lines = [f"{base} --dry-run", base, "legacy2alembic check .   # in CI / pre-commit"]
    return (
        "Archive the legacy scripts (git mv, with a checksummed manifest), commit, and keep "
        "them archived:\n\n" + _code(lines)
    )


# ---- the report --------------------------------------------------------------------------------


def render_report(ob: Onboarding) -> str:
    from converter.retire.archive.manifest import tool_version

    template = importlib.resources.files("converter.templates").joinpath("onboarding.md.j2")
    env = jinja2.Environment(
        autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    return env.from_string(template.read_text("utf-8")).render(
        project=ob.root.name,
        version=tool_version(),
        dialect=ob.options.dialect,
        outcome=_outcome(ob),
        revisions=_revisions_table(ob),
        kinds=_kinds_table(ob),
        findings=_findings(ob),
        verify=_fenced(ob.verify.format()),
        steps=steps(ob).rstrip(),
        checklist=_checklist(ob),
    )


def _outcome(ob: Onboarding) -> str:
    todos = len(ob.revision_todos())
    warnings = len(ob.findings())
    if not ob.verify.ok:
        return (
            "**Verify failed.** The revision chain does not yet rebuild the schema: fix the "
            "revisions (see Verify) before stamping any database."
        )
    text = (
        f"**Verify passed**: {len(ob.result.revisions)} revision(s) upgrade, downgrade and "
        "upgrade again on a scratch database"
        + (
            " and match the reference."
            if ob.options.models or ob.options.reference_url
            else " (no reference schema given: pass --models to compare)."
        )
    )
    if todos or warnings:
        text += (
            f" {warnings} warning(s) / TODO(s) from the legacy sources and {todos} TODO "
            "marker(s) in the revisions need a human before any database is stamped."
        )
    return text


def _revisions_table(ob: Onboarding) -> str:
    rows = ["| # | legacy source | sha256 | revision | file |", "| --- | --- | --- | --- | --- |"]
    for n, rev in enumerate(ob.result.revisions):
        sources = "<br>".join(f"`{ref.path}`" for ref in rev.sources) or "(baseline)"
        digests = "<br>".join(f"`{ref.sha256[:12]}`" for ref in rev.sources) or ""
        rows.append(
            f"| {n} | {sources} | {digests} | `{rev.id}` | "
            f"`{ob.migrations}/versions/{rev.filename}` |"
        )
    skipped = ob.result.analysis.discovery.skipped
    if skipped:
        rows += ["", "Not converted on their own:", ""]
        rows += [f"- `{path}`: {why}" for path, why in skipped]
    return "\n".join(rows)


def _kinds_table(ob: Onboarding) -> str:
    kinds = list(KIND_LABELS)
    rows = [
        "| legacy source | " + " | ".join(KIND_LABELS[k] for k in kinds) + " |",
        "| --- |" + " ---: |" * len(kinds),
    ]
    for source in ob.result.analysis.sources:
        counts = Counter(r.kind for r in source.records)
        rows.append(
            f"| `{source.source.path}` | " + " | ".join(str(counts[k]) for k in kinds) + " |"
        )
    total = ob.result.analysis.kinds()
    rows.append("| **total** | " + " | ".join(f"**{total[k]}**" for k in kinds) + " |")
    return "\n".join(rows)


def _findings(ob: Onboarding) -> str:
    lines = [f"- {item}" for item in ob.findings()] or ["- none from the legacy sources"]
    todos = ob.revision_todos()
    if todos:
        lines += ["", "Where to edit the revisions:", ""] + [f"- {t}" for t in todos]
    return "\n".join(lines)


def _fenced(text: str) -> str:
    return "```\n" + text.rstrip("\n") + "\n```"


def _checklist(ob: Onboarding) -> str:
    items = [item.format(versions=f"{ob.migrations}/versions") for item in CHECKLIST]
    items += [
        f"Update {doc}: it still tells people to run the legacy scripts"
        for doc in _docs_mentioning_sources(ob)
    ]
    return "\n".join(f"- [ ] {item}" for item in items)


def _docs_mentioning_sources(ob: Onboarding) -> list[str]:
    """`file:line` of the first mention of a legacy source in the project's own docs."""
    names = {Path(s.source.path).name for s in ob.result.analysis.sources}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names))) if names else None
    docs = [*ob.root.glob("*.md"), *ob.root.glob("*.rst"), *ob.root.glob("docs/**/*.md")]
    found = []
    for doc in sorted(docs):
        lines = doc.read_text(encoding="utf-8", errors="replace").splitlines()
        line = next((n for n, text in enumerate(lines, 1) if pattern and pattern.search(text)), 0)
        if line:
            found.append(f"`{ob.rel(doc)}:{line}`")
    return found
