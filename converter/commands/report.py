"""Human and machine-readable reports. Text only: no pipeline logic lives here."""

from __future__ import annotations

import shlex
from collections import Counter
from typing import TYPE_CHECKING, Any

from converter.core.diagnostics import Diagnostics, Level

if TYPE_CHECKING:
    from pathlib import Path

    from converter.commands.pipeline import Analysis, ConvertOptions, ConvertResult, RecordKind
    from converter.ir.revision import Revision
    from converter.retire.callsites import CreateAllSite

KIND_LABELS: dict[RecordKind, str] = {
    "schema": "schema",
    "data": "data",
    "ignored": "ignored",
    "manual": "dynamic: needs a manual port",
    "create_all": "create_all()",
}


def _one_line(text: str, width: int = 72) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def format_scan(analysis: Analysis, sites: list[CreateAllSite], *, dialect_given: bool) -> str:
    lines = [
        f"Project: {analysis.root}",
        f"Dialect: {analysis.dialect}" + ("" if dialect_given else " (assumed; pass --dialect)"),
    ]
    found = analysis.discovery
    for folder in found.migrations_dirs:
        lines.append(f"Existing Alembic folder: {folder} (not legacy)")
    lines.append("")
    lines.append(f"Legacy sources, in historical order ({len(analysis.sources)}):")
    for n, s in enumerate(analysis.sources, 1):
        lines.append(f"  {n:>3}. {s.source.path}  [{s.source.reason}]")
    for path, why in found.skipped:
        lines.append(f"       skipped {path}: {why}")
    lines.append("")
    lines.append("Statements:")
    for s in analysis.sources:
        for r in s.records:
            label = KIND_LABELS[r.kind] + (f" ({r.detail})" if r.detail else "")
            flags = "".join(f" [{f.value}]" for f in sorted(r.flags, key=lambda f: f.value))
            lines.append(f"  {r.origin}: {label}{flags}: {_one_line(r.text)}")
    lines.append("")
    lines.append(_format_sites(sites))
    lines.append(_format_totals(analysis.kinds()))
    lines.append(format_diagnostics(analysis.diags))
    return "\n".join(x for x in lines if x is not None).rstrip() + "\n"


def _format_sites(sites: list[CreateAllSite]) -> str:
    if not sites:
        return "create_all() call sites: none"
    rows = ["create_all() call sites:"]
    for site in sites:
        where = site.scope
        if site.in_tests:
            where = "tests"
        elif site.in_legacy and site.scope != "legacy helper":
            where = "legacy script"
        rows.append(f"  {site.origin}: {site.call}  ({where})")
    return "\n".join(rows)


def _format_totals(kinds: Counter[str]) -> str:
    parts = [f"{kinds[k]} {KIND_LABELS[k]}" for k in KIND_LABELS if kinds.get(k)]
    return "Totals: " + (", ".join(parts) if parts else "no statements")


def format_diagnostics(diags: Diagnostics) -> str:
    if not diags.items:
        return ""
    lines = ["", "Diagnostics:"]
    for source, items in diags.by_source().items():
        lines.append(f"  {source or '(project)'}")
        lines += [f"    {item}" for item in items]
    counts = Counter(d.level for d in diags.items)
    lines.append(f"  {counts[Level.WARNING]} warning(s), {counts[Level.TODO]} TODO(s)")
    return "\n".join(lines)


def _format_markers(revisions: list[Revision]) -> str:
    """What the revision files themselves hold for a human: TODOs and downgrade steps that
    cannot be undone (some come from planning, not from a diagnostic of the sources)."""
    from converter.ir import ops as o
    from converter.render.code import TODO_MARK

    todos = sum(isinstance(op, o.ManualTodo) for rev in revisions for op in rev.upgrade)
    irreversible = sum(isinstance(op, o.Irreversible) for rev in revisions for op in rev.downgrade)
    return (
        f"In the revisions: {todos} {TODO_MARK} marker(s) to port by hand, "
        f"{irreversible} downgrade step(s) that cannot be undone"
    )


def scan_data(analysis: Analysis, sites: list[CreateAllSite]) -> dict[str, Any]:
    return {
        "project": str(analysis.root),
        "dialect": analysis.dialect,
        "migrations_dirs": list(analysis.discovery.migrations_dirs),
        "sources": [
            {
                "path": s.source.path,
                "kind": s.source.kind,
                "sha256": s.source.sha256,
                "order_reason": s.source.reason,
                "added": s.source.added,
                "startup": s.source.startup,
                "statements": [
                    {
                        "line": r.origin.line,
                        "file": r.origin.path,
                        "kind": r.kind,
                        "detail": r.detail,
                        "flags": sorted(f.value for f in r.flags),
                        "sql": r.text,
                    }
                    for r in s.records
                ],
            }
            for s in analysis.sources
        ],
        "skipped": [{"path": p, "reason": why} for p, why in analysis.discovery.skipped],
        "create_all_calls": [
            {
                "file": site.origin.path,
                "line": site.origin.line,
                "call": site.call,
                "in_tests": site.in_tests,
                "in_legacy": site.in_legacy,
                "scope": site.scope,
            }
            for site in sites
        ],
        "totals": dict(analysis.kinds()),
        "diagnostics": [d.as_json() for d in analysis.diags.items],
    }


def format_convert(result: ConvertResult, options: ConvertOptions) -> str:
    verb = "Would write" if options.dry_run else "Wrote"
    lines = [
        f"{verb} {len(result.written)} file(s) into {options.out}"
        + (" (new Flask-Migrate compatible scaffold)" if result.scaffolded else "")
    ]
    lines += [f"  {p}" for p in result.written]
    if result.unchanged:
        lines.append(f"{len(result.unchanged)} file(s) already up to date, left alone")
    lines.append("")
    lines.append(f"Revisions ({len(result.revisions)}):")
    for rev in result.revisions:
        source = ", ".join(ref.path for ref in rev.sources) or "baseline"
        lines.append(f"  {rev.id}  <- {rev.down_revision or 'base'}  {source}")
    lines.append("")
    lines.append(_format_totals(result.analysis.kinds()))
    lines.append(format_diagnostics(result.analysis.diags))
    lines.append(_format_markers(result.revisions))
    if not options.dry_run:
        lines += ["", "Next: " + _verify_command(result.analysis.root, options)]
    return "\n".join(lines).rstrip() + "\n"


def _verify_command(root: Path, options: ConvertOptions) -> str:
    """The verify command for what was just converted, runnable as printed (shell-quoted).
    A reference URL is named by a variable: it may hold a password, never printed."""
    words = ["legacy2alembic", "verify", str(root), "--migrations", str(options.out)]
    words += ["--dialect", options.dialect.sqlalchemy]
    if options.models:
        words += ["--models", options.models]
    command = shlex.join(words)
    if options.reference_url and not options.models:
        command += ' --reference-url "$REFERENCE_URL"'
    return command
