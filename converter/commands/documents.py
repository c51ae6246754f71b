"""The `--json` documents, one per command, with the same facts as the text output.

docs/json.md describes each; tests/test_json.py checks every one against its schema. Every
document names its `command`; every diagnostic has `level`, `file`, `line`, `message` and a stable
`code` (docs/diagnostics.md). Fields are only ever added, never renamed or removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from converter.core.diagnostics import Diagnostic, Level, Origin

if TYPE_CHECKING:
    from converter.commands.pipeline import ConvertOptions, ConvertResult
    from converter.database.verify import VerifyResult
    from converter.retire.archive.plan import Plan
    from converter.retire.check import Problem
    from converter.retire.fix_create_all.plan import FixPlan


def emit(document: dict[str, Any]) -> None:
    click.echo(json.dumps(document, indent=2))


def diagnostics(items: Iterable[Diagnostic]) -> list[dict[str, object]]:
    return [d.as_json() for d in items]


def convert_document(result: ConvertResult, options: ConvertOptions) -> dict[str, Any]:
    from converter.ir import ops as o

    revisions = result.revisions
    return {
        "command": "convert",
        "dry_run": options.dry_run,
        "out": str(options.out),
        "scaffolded": result.scaffolded,
        "written": [str(p) for p in result.written],
        "unchanged": [str(p) for p in result.unchanged],
        "revisions": [
            {
                "id": rev.id,
                "down_revision": rev.down_revision,
                "file": rev.filename,
                "sources": [ref.path for ref in rev.sources],
            }
            for rev in revisions
        ],
        "totals": dict(result.analysis.kinds()),
        "todo_markers": sum(isinstance(op, o.ManualTodo) for r in revisions for op in r.upgrade),
        "irreversible_steps": sum(
            isinstance(op, o.Irreversible) for r in revisions for op in r.downgrade
        ),
        "diagnostics": diagnostics(result.analysis.diags.items),
    }


def verify_document(result: VerifyResult) -> dict[str, Any]:
    return {
        "command": "verify",
        "ok": result.ok,
        "steps": [{"name": s.name, "ok": s.ok, "detail": s.detail} for s in result.steps],
        "differences": [
            {
                "kind": d.kind,
                "table": d.table,
                "name": d.name,
                "expected": d.expected,
                "actual": d.actual,
                "text": str(d),
            }
            for d in result.differences
        ],
    }


def archive_document(plan: Plan, dry_run: bool) -> dict[str, Any]:
    return {
        "command": "archive",
        "dry_run": dry_run,
        "dest": plan.dest,
        "moves": [
            {
                "path": m.path,
                "target": m.target,
                "sha256": m.sha256,
                "revision": m.revision,
                "git": m.git,
                "note": m.note,
            }
            for m in plan.moves
        ],
        "already_archived": list(plan.already),
        "left_in_place": [
            {"path": k.path, "sha256": k.sha256, "reason": k.reason} for k in plan.kept
        ],
        "not_converted": list(plan.not_converted),
        "startup_sources": [{"path": r.path, "revision": r.revision} for r in plan.startup],
    }


def check_document(problems: list[Problem], folder: str, archived: int | None) -> dict[str, Any]:
    return {
        "command": "check",
        "ok": not problems,
        "archive": folder,
        "archived_files": archived,
        "diagnostics": diagnostics(
            Diagnostic(Level.ERROR, p.origin, p.message, p.code) for p in problems
        ),
    }


def fix_document(plan: FixPlan, written: list[str] | None) -> dict[str, Any]:
    return {
        "command": "fix-create-all",
        "written": written is not None,
        "files": [fix.source.path for fix in plan.files],
        "diff": plan.diff(),
        "changes": [change for fix in plan.files for change in fix.changes],
        "left_alone": [
            {"file": origin.path, "line": origin.line, "call": call, "reason": why}
            for origin, call, why in plan.left
        ],
        "migrate": plan.migrate,
        "backups": written or [],
    }


def onboard_document(ob: Any, report: str, steps: str) -> dict[str, Any]:
    """`ob`: an onboard.Onboarding (not imported: onboard imports this module)."""
    converted = convert_document(ob.result, ob.options)
    return {
        "command": "onboard",
        "project": str(ob.root),
        "dialect": str(ob.options.dialect),
        "sources": [
            {"path": s.source.path, "order_reason": s.source.reason}
            for s in ob.result.analysis.sources
        ],
        "convert": {k: v for k, v in converted.items() if k != "command"},
        "verify": {k: v for k, v in verify_document(ob.verify).items() if k != "command"},
        "revision_todos": [_todo(line) for line in ob.revision_todos()],
        "fix_create_all": {k: v for k, v in fix_document(ob.fix, None).items() if k != "command"},
        "report": report,
        "next_steps": steps,
    }


def _todo(line: str) -> dict[str, Any]:
    """`path:line: text` of a TODO marker as a diagnostic."""
    path, number, text = line.split(":", 2)
    origin = Origin(path, int(number))
    return Diagnostic(Level.TODO, origin, text.strip(), "L2A601").as_json()
