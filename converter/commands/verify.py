"""`verify`: upgrade, downgrade and upgrade the chain on a scratch database, then compare."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from converter.core.config import need_dialect, project_settings
from converter.core.dialects import Dialect
from converter.core.errors import CheckFailed, InputError

if TYPE_CHECKING:
    from converter.database.verify import VerifyResult


def verify_project(
    root: Path,
    folder: Path,
    dialect: Dialect,
    *,
    models: str | None,
    reference_url: str | None,
    scratch_url: str | None,
    server_url: str | None,
) -> VerifyResult:
    """The round trip on a scratch database, compared with the models or the reference URL."""
    from converter.database.reference import load_metadata, metadata_snapshot, url_snapshot
    from converter.database.verify import verify

    if not (folder / "env.py").is_file():
        raise InputError(f"{folder}: not a migrations folder (no env.py)")
    server = server_url or reference_url or os.environ.get("DATABASE_URL")
    reference = None
    if models:
        reference = metadata_snapshot(
            load_metadata(root, models), dialect, scratch_url=scratch_url, server_url=server
        )
    elif reference_url:
        reference = url_snapshot(reference_url)
    return verify(folder, dialect, reference, scratch_url=scratch_url, server_url=server)


def run_verify(
    project: Path,
    migrations: Path | None,
    dialect: Dialect | None,
    *,
    models: str | None,
    reference_url: str | None,
    scratch_url: str | None,
    server_url: str | None,
    as_json: bool = False,
) -> None:
    from converter.commands.documents import emit, verify_document
    from converter.database.urls import dialect_of

    root, config = project_settings(project)
    url = reference_url or scratch_url
    from_url = dialect_of(url) if url and not dialect else None
    result = verify_project(
        root,
        (migrations or root / "migrations").resolve(),
        need_dialect(dialect, config, from_url=from_url),
        models=models or (None if reference_url else config.models),
        reference_url=reference_url,
        scratch_url=scratch_url,
        server_url=server_url,
    )
    if as_json:
        emit(verify_document(result))
    else:
        click.echo(result.format())
    if not result.ok:
        raise CheckFailed("verify failed: see the differences above")
