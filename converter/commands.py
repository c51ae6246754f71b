"""One function per CLI command: resolve settings, run the pipeline, print the report.

Raises ConverterError subclasses; the CLI boundary turns them into messages and exit codes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from converter.config import Config, load_config
from converter.diagnostics import Diagnostics
from converter.errors import CheckFailed, InputError

if TYPE_CHECKING:
    from converter.pipeline import ConvertOptions
    from converter.verify import VerifyResult


def project_settings(project: Path) -> tuple[Path, Config]:
    """The project's resolved root and its [tool.legacy2alembic] settings."""
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


def run_scan(project: Path, dialect: str | None, order_file: Path | None, as_json: bool,
             jobs: int | None = None) -> None:
    from converter.callsites import find_create_all_calls
    from converter.pipeline import analyse
    from converter.report import format_scan, scan_data

    root, config = project_settings(project)
    diags = Diagnostics()
    known = bool(dialect or config.dialect)
    chosen = _need_dialect(dialect, config) if known else "sqlite"
    analysis = analyse(root, config, chosen, diags, order_file=_order(order_file, config, root),
                       pick_twins=known, jobs=jobs)
    sites = find_create_all_calls(root, config, diags)
    if as_json:
        click.echo(json.dumps(scan_data(analysis, sites), indent=2))
    else:
        click.echo(format_scan(analysis, sites, dialect_given=known))


def _order(order_file: Path | None, config: Config, root: Path) -> Path | None:
    if order_file is not None:
        return order_file
    return root / config.order if config.order else None


def convert_options(root: Path, config: Config, dialect: str | None, *, models: str | None,
                    reference_url: str | None, out: Path | None, order_file: Path | None,
                    baseline_models: str | None = None, squash: bool = False,
                    dry_run: bool = False, jobs: int | None = None) -> ConvertOptions:
    """The options `convert` uses for these flags and the project's settings (flags win)."""
    from converter.pipeline import ConvertOptions

    if models and reference_url:
        raise InputError("give either --models or --reference-url, not both")
    return ConvertOptions(
        dialect=_need_dialect(dialect, config), out=(out or root / "migrations").resolve(),
        models=models or (None if reference_url else config.models),
        reference_url=reference_url, baseline_models=baseline_models, squash=squash,
        dry_run=dry_run, order_file=_order(order_file, config, root), jobs=jobs)


def run_convert(project: Path, dialect: str | None, *, models: str | None,
                reference_url: str | None, baseline_models: str | None, out: Path | None,
                squash: bool, dry_run: bool, order_file: Path | None,
                jobs: int | None = None) -> None:
    from converter.pipeline import convert
    from converter.report import format_convert

    root, config = project_settings(project)
    options = convert_options(root, config, dialect, models=models, reference_url=reference_url,
                              out=out, order_file=order_file, baseline_models=baseline_models,
                              squash=squash, dry_run=dry_run, jobs=jobs)
    result = convert(root, config, options, Diagnostics())
    click.echo(format_convert(result, options))


def verify_project(root: Path, folder: Path, dialect: str, *, models: str | None,
                   reference_url: str | None, scratch_url: str | None,
                   server_url: str | None) -> VerifyResult:
    """The round trip on a scratch database, compared with the models or the reference URL."""
    from converter.reference import load_metadata, metadata_snapshot, url_snapshot
    from converter.verify import verify

    if not (folder / "env.py").is_file():
        raise InputError(f"{folder}: not a migrations folder (no env.py)")
    server = server_url or reference_url or os.environ.get("DATABASE_URL")
    reference = None
    if models:
        reference = metadata_snapshot(load_metadata(root, models), dialect,
                                      scratch_url=scratch_url, server_url=server)
    elif reference_url:
        reference = url_snapshot(reference_url)
    return verify(folder, dialect, reference, scratch_url=scratch_url, server_url=server)


def run_verify(project: Path, migrations: Path | None, dialect: str | None, *,
               models: str | None, reference_url: str | None, scratch_url: str | None,
               server_url: str | None) -> None:
    root, config = project_settings(project)
    result = verify_project(
        root, (migrations or root / "migrations").resolve(),
        _need_dialect(dialect, config, url=reference_url or scratch_url),
        models=models or (None if reference_url else config.models),
        reference_url=reference_url, scratch_url=scratch_url, server_url=server_url)
    click.echo(result.format())
    if not result.ok:
        raise CheckFailed("verify failed: see the differences above")
