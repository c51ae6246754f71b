"""`convert`: write the revision chain for the project's legacy sources."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from converter.core.config import Config, need_dialect, order_path, project_settings
from converter.core.diagnostics import Diagnostics
from converter.core.dialects import Dialect
from converter.core.errors import InputError

if TYPE_CHECKING:
    from converter.commands.pipeline import ConvertOptions


def convert_options(
    root: Path,
    config: Config,
    dialect: Dialect | None,
    *,
    models: str | None,
    reference_url: str | None,
    out: Path | None,
    order_file: Path | None,
    baseline_models: str | None = None,
    squash: bool = False,
    dry_run: bool = False,
    jobs: int | None = None,
) -> ConvertOptions:
    """The options `convert` uses for these flags and the project's settings (flags win)."""
    from converter.commands.pipeline import ConvertOptions

    if models and reference_url:
        raise InputError("give either --models or --reference-url, not both")
    return ConvertOptions(
        dialect=need_dialect(dialect, config),
        out=(out or root / "migrations").resolve(),
        models=models or (None if reference_url else config.models),
        reference_url=reference_url,
        baseline_models=baseline_models,
        squash=squash,
        dry_run=dry_run,
        order_file=order_path(order_file, config, root),
        jobs=jobs,
    )


def run_convert(
    project: Path,
    dialect: Dialect | None,
    *,
    models: str | None,
    reference_url: str | None,
    baseline_models: str | None,
    out: Path | None,
    squash: bool,
    dry_run: bool,
    order_file: Path | None,
    jobs: int | None = None,
    as_json: bool = False,
) -> None:
    from converter.commands.documents import convert_document, emit
    from converter.commands.pipeline import convert
    from converter.commands.report import format_convert

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
    result = convert(root, config, options, Diagnostics())
    if as_json:
        emit(convert_document(result, options))
    else:
        click.echo(format_convert(result, options))
