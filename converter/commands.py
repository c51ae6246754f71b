"""One function per CLI command: resolve settings, run the pipeline, print the report.

Raises ConverterError subclasses; the CLI boundary turns them into messages and exit codes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from converter.config import Config, load_config
from converter.diagnostics import Diagnostics
from converter.errors import CheckFailed, InputError


def _project(project: Path) -> tuple[Path, Config]:
    if not project.is_dir():
        raise InputError(f"{project}: no such project directory")
    root = project.resolve()
    return root, load_config(root)


def _need_dialect(dialect: str | None, config: Config, *, url: str | None = None) -> str:
    from converter.cli import DIALECTS

    if dialect:
        return dialect
    if url:
        from converter.urls import dialect_of

        return dialect_of(url)
    if config.dialect:
        return DIALECTS.get(config.dialect.lower(), config.dialect)
    raise InputError("--dialect is required (sqlite, postgresql or mysql), or set dialect in "
                     "[tool.legacy2alembic] of the project's pyproject.toml")


def run_scan(project: Path, dialect: str | None, order_file: Path | None, as_json: bool) -> None:
    from converter.callsites import find_create_all_calls
    from converter.pipeline import analyse
    from converter.report import format_scan, scan_data

    root, config = _project(project)
    diags = Diagnostics()
    known = bool(dialect or config.dialect)
    chosen = _need_dialect(dialect, config) if known else "sqlite"
    analysis = analyse(root, config, chosen, diags, order_file=_order(order_file, config, root),
                       pick_twins=known)
    sites = find_create_all_calls(root, config, diags)
    if as_json:
        click.echo(json.dumps(scan_data(analysis, sites), indent=2))
    else:
        click.echo(format_scan(analysis, sites, dialect_given=known))


def _order(order_file: Path | None, config: Config, root: Path) -> Path | None:
    if order_file is not None:
        return order_file
    return root / config.order if config.order else None


def run_convert(project: Path, dialect: str | None, *, models: str | None,
                reference_url: str | None, baseline_models: str | None, out: Path | None,
                squash: bool, dry_run: bool, order_file: Path | None) -> None:
    from converter.pipeline import ConvertOptions, convert
    from converter.report import format_convert

    root, config = _project(project)
    if models and reference_url:
        raise InputError("give either --models or --reference-url, not both")
    options = ConvertOptions(
        dialect=_need_dialect(dialect, config), out=(out or root / "migrations").resolve(),
        models=models or (None if reference_url else config.models),
        reference_url=reference_url, baseline_models=baseline_models, squash=squash,
        dry_run=dry_run, order_file=_order(order_file, config, root))
    diags = Diagnostics()
    result = convert(root, config, options, diags)
    click.echo(format_convert(result, options))


def run_verify(project: Path, migrations: Path | None, dialect: str | None, *,
               models: str | None, reference_url: str | None, scratch_url: str | None,
               server_url: str | None) -> None:
    from converter.reference import load_metadata, metadata_snapshot, url_snapshot
    from converter.verify import verify

    root, config = _project(project)
    folder = (migrations or root / "migrations").resolve()
    if not (folder / "env.py").is_file():
        raise InputError(f"{folder}: not a migrations folder (no env.py)")
    chosen = _need_dialect(dialect, config, url=reference_url or scratch_url)
    server = server_url or reference_url or os.environ.get("DATABASE_URL")
    reference = None
    spec = models or (None if reference_url else config.models)
    if spec:
        reference = metadata_snapshot(load_metadata(root, spec), chosen, scratch_url=scratch_url,
                                      server_url=server)
    elif reference_url:
        reference = url_snapshot(reference_url)
    result = verify(folder, chosen, reference, scratch_url=scratch_url, server_url=server)
    click.echo(result.format())
    if not result.ok:
        raise CheckFailed("verify failed: see the differences above")
