"""The fix-create-all plan: every edit, checked to leave valid Python, before anything is written.

Calls in tests, fixtures and legacy scripts, and calls in plain functions (which run only when
someone calls them), are listed and left alone.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import InputError
from converter.retire.callsites import (
    CreateAllSite,
    find_create_all_calls,
)
from converter.retire.fix_create_all.choose import Scope, import_edit, plan_file
from converter.retire.fix_create_all.migrate import add_migrate, find_migrate_setup
from converter.retire.fix_create_all.source import FileFix, Source, apply_edits


@dataclass
class FixPlan:
    files: list[FileFix]
    left: list[tuple[Origin, str, str]]
    migrate: str

    def diff(self) -> str:
        chunks = []
        for fix in self.files:
            old = fix.source.text.splitlines(keepends=True)
            new = fix.new.splitlines(keepends=True)
            lines = difflib.unified_diff(old, new, f"a/{fix.source.path}", f"b/{fix.source.path}")
            chunks.append(
                "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
            )
        return "".join(chunks)

    def summary(self) -> list[str]:
        lines = [change for fix in self.files for change in fix.changes]
        lines += [f"{origin}: {call}: left alone ({why})" for origin, call, why in self.left]
        return lines + [self.migrate]


def plan_fix(root: Path, config: Config) -> FixPlan:
    """Every edit fix-create-all would make, checked to leave valid Python."""
    sites = find_create_all_calls(root, config, Diagnostics())
    left = [(s.origin, s.call, _why_left(s)) for s in sites if _why_left(s)]
    startup = _startup_lines(sites)
    sources = {path: Source.read(root, path) for path in startup}
    setup = find_migrate_setup(root, config, sources)
    added = setup.found is None and len(setup.anchors) == 1
    managed = setup.managed if setup.found else setup.anchors[0].db if added else None
    scope = Scope(frozenset(setup.databases), managed, ready=setup.found is not None or added)
    fixes = {path: plan_file(sources[path], lines, left, scope) for path, lines in startup.items()}
    if added:
        anchor = setup.anchors[0]
        add_migrate(anchor, fixes.setdefault(anchor.source.path, FileFix(anchor.source)))
    files = [_finish(fix) for fix in fixes.values() if fix.edits]
    return FixPlan(files, sorted(left), setup.message(added))


def _why_left(site: CreateAllSite) -> str:
    if site.in_tests:
        return "tests and fixtures may create their schema"
    if site.in_legacy:
        return "a legacy script, not the app"
    if site.scope == "function":
        return "runs only when its function is called, not at start-up: review it by hand"
    return ""


def _startup_lines(sites: list[CreateAllSite]) -> dict[str, set[int]]:
    lines: dict[str, set[int]] = {}
    for site in sites:
        if not _why_left(site):
            lines.setdefault(site.origin.path, set()).add(site.origin.line)
    return lines


def _finish(fix: FileFix) -> FileFix:
    """Add the imports and apply the edits; the result must parse."""
    first = min(edit.start for edit in fix.edits)
    edit = import_edit(fix.source, fix.imports, first)
    fix.new = apply_edits(fix.source.text, fix.edits + ([edit] if edit else []))
    try:
        ast.parse(fix.new, filename=fix.source.path)
    except SyntaxError as exc:  # a bug here, never the user's: refuse rather than break the file
        raise InputError(
            f"the edited file would not parse ({exc.msg}); nothing was written",
            Origin(fix.source.path, exc.lineno or 0),
        ) from None
    return fix
