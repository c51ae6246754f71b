"""`fix-create-all`: replace start-up `db.create_all()` with Flask-Migrate's upgrade."""

from __future__ import annotations

from pathlib import Path

import click

from converter.core.config import project_settings
from converter.retire.fix_create_all.plan import plan_fix
from converter.retire.fix_create_all.write import write_fixes


def run_fix_create_all(project: Path, *, write: bool, as_json: bool = False) -> None:
    root, config = project_settings(project)
    plan = plan_fix(root, config)
    if as_json:
        from converter.commands.documents import emit, fix_document

        emit(fix_document(plan, write_fixes(root, plan) if plan.files and write else None))
        return
    if plan.files:
        click.echo(plan.diff(), nl=False)
        click.echo("")
    else:
        click.echo("No start-up create_all() call to replace.")
    click.echo("\n".join(plan.summary()))
    if plan.files and write:
        click.echo("\n".join(write_fixes(root, plan)))
    elif plan.files:
        click.echo(f"Apply with: legacy2alembic fix-create-all {project} --write")
