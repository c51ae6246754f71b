"""`scan`: what legacy sources there are, in what order and why, and every statement in them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from converter.core.config import need_dialect, order_path, project_settings
from converter.core.diagnostics import Diagnostics
from converter.core.dialects import Dialect


def run_scan(
    project: Path,
    dialect: Dialect | None,
    order_file: Path | None,
    as_json: bool,
    jobs: int | None = None,
) -> None:
    from converter.commands.pipeline import analyse
    from converter.commands.report import format_scan, scan_data
    from converter.retire.callsites import find_create_all_calls

    root, config = project_settings(project)
    diags = Diagnostics()
    known = bool(dialect or config.dialect)
    chosen = need_dialect(dialect, config) if known else Dialect.SQLITE
    analysis = analyse(
        root,
        config,
        chosen,
        diags,
        order_file=order_path(order_file, config, root),
        pick_twins=known,
        jobs=jobs,
    )
    sites = find_create_all_calls(root, config, diags)
    if as_json:
        click.echo(json.dumps(scan_data(analysis, sites), indent=2))
    else:
        click.echo(format_scan(analysis, sites, dialect_given=known))
