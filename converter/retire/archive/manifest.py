"""Writing the archive's MANIFEST.json and README.md, old entries kept.

The manifest records every moved file's sha256 for `legacy2alembic check`; the README tells a
reader why the scripts are there and not to run them again.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

from converter.core.errors import InputError
from converter.retire.archive.git import run_git
from converter.retire.archive.plan import Plan
from converter.retire.archive.records import MANIFEST, read_manifest

README = "README.md"
# The reproducible-builds convention: seconds since the epoch, fixes the archiving date.
DATE_VARIABLE = "SOURCE_DATE_EPOCH"


def archive_date() -> str:
    """Today (UTC), or the date given by SOURCE_DATE_EPOCH for reproducible output."""
    epoch = os.environ.get(DATE_VARIABLE)
    if epoch:
        try:
            moment = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InputError(f"{DATE_VARIABLE}={epoch!r} is not a number of seconds") from None
        return moment.date().isoformat()
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("legacy2alembic")
    except PackageNotFoundError:
        return "unknown"


def record_texts(plan: Plan) -> dict[str, str]:
    """File name -> new text of MANIFEST.json and README.md (old entries kept), decided before
    anything moves so that an interrupted run can write the very same records later."""
    manifest = _updated_manifest(read_manifest(plan.root / plan.dest), plan)
    return {MANIFEST: json.dumps(manifest, indent=2) + "\n", README: _readme(manifest)}


def write_records(root: Path, dest: str, texts: dict[str, str], git: bool) -> None:
    """Write the records given by record_texts, and stage them in git when `git`."""
    for name, text in texts.items():
        replace_text(root / dest / name, text)
    if git:
        run_git(root, "add", "--", *(f"{dest}/{name}" for name in texts))


def _updated_manifest(manifest: dict[str, Any], plan: Plan) -> dict[str, Any]:
    date, version = archive_date(), tool_version()
    files = list(manifest["files"]) + [
        {
            "path": m.path,
            "archived_as": m.target,
            "sha256": m.sha256,
            "revision": m.revision,
            "date": date,
            "tool_version": version,
            **({"note": m.note} if m.note else {}),
        }
        for m in plan.moves
    ]
    known = {entry["path"] for entry in manifest["left_in_place"]}
    kept = list(manifest["left_in_place"]) + [
        {"path": k.path, "sha256": k.sha256, "reason": k.reason}
        for k in plan.kept
        if k.path not in known
    ]
    return {
        "tool": "legacy2alembic",
        "tool_version": version,
        "archive": plan.dest,
        "files": files,
        "left_in_place": kept,
    }


def replace_text(path: Path, text: str) -> None:
    """Write through a temporary file and an atomic rename (the file is the tool's own)."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


_README_INTRO = """\
These scripts built the database schema before the project moved to Alembic. Each one was
converted into a revision of the migrations folder (the revision's `legacy_sources` names it with
its sha256). Do not run them again and do not edit them: schema changes now go through
`flask db migrate` / `flask db upgrade`. `{}` records every file's sha256;
`legacy2alembic check` fails when one of them changes or a new legacy script appears."""


def _readme(manifest: dict[str, Any]) -> str:
    lines = [
        "# Archived legacy migrations",
        "",
        *_README_INTRO.format(MANIFEST).splitlines(),
        "",
        "| file (original path) | revision | archived on | sha256 |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{e['path']}` | {e['revision'] or '(' + e.get('note', 'not converted') + ')'} "
        f"| {e['date']} | `{e['sha256'][:16]}` |"
        for e in manifest["files"]
    ]
    if manifest["left_in_place"]:
        lines += ["", "Left in place (read by the scripts above, still where they were):", ""]
        lines += [f"- `{e['path']}`: {e['reason']}" for e in manifest["left_in_place"]]
    return "\n".join(lines) + "\n"
