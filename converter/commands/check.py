"""`check`: keep a converted project converted (for CI and pre-commit hooks)."""

from __future__ import annotations

from pathlib import Path

import click

from converter.core.config import project_settings
from converter.core.errors import CheckFailed
from converter.retire.archive.plan import archive_folder
from converter.retire.archive.records import read_manifest
from converter.retire.check import find_problems


def run_check(project: Path, *, dest: str, as_json: bool = False) -> None:
    root, config = project_settings(project)
    folder = archive_folder(dest)
    problems = find_problems(root, config, folder)
    if as_json:
        from converter.commands.documents import check_document, emit

        emit(check_document(problems, folder, len(read_manifest(root / folder)["files"])))
        if problems:
            raise CheckFailed(f"check failed: {len(problems)} problem(s)")
        return
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise CheckFailed(f"check failed: {len(problems)} problem(s), listed above")
    archived = len(read_manifest(root / folder)["files"])
    click.echo(
        f"ok: no legacy script outside {folder}/, {archived} archived file(s) unchanged, "
        "no create_all() outside tests"
    )
