"""Command line: declares options and calls one function per command. Exit codes: 0 done,
1 checks failed, 2 usage or input error. Heavy libraries are imported inside the commands so that
`legacy2alembic --help` stays fast."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from converter.core.dialects import Dialect, parse_dialect
from converter.core.errors import ConverterError
from converter.core.signals import Terminated


class _Boundary(click.Group):
    """The one place errors become messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConverterError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted; nothing further was written", err=True)
            sys.exit(130)
        except Terminated as exc:
            click.echo(f"{exc}; nothing further was written", err=True)
            sys.exit(128 + exc.signum)
        except Exception as exc:  # a bug: say so plainly, full trace only on request
            from converter.database.urls import mask_url

            if ctx.params.get("debug"):
                traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {mask_url(str(exc))} "
                "(re-run with --debug for the traceback and please report it)",
                err=True,
            )
            sys.exit(3)


def _dialect(value: str | None) -> Dialect | None:
    if value is None:
        return None
    try:
        return parse_dialect(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


project_arg = click.argument("project", type=click.Path(file_okay=False, path_type=Path))
dialect_opt = click.option(
    "--dialect",
    help="sqlite, postgresql or mysql (default: the project's [tool.legacy2alembic] dialect).",
)
order_opt = click.option(
    "--order",
    "order_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file listing the legacy sources in order, one path a line.",
)
models_opt = click.option(
    "--models", help="Reference models as MODULE:ATTR (imported with the project on sys.path)."
)
jobs_opt = click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes that extract, parse and lower the sources (default: one "
    "per CPU for projects over 256 KiB of sources, else 1).",
)
ref_url_opt = click.option(
    "--reference-url", help="A live database to use as the reference (read only)."
)


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(package_name="legacy2alembic")
def cli(debug: bool) -> None:
    """Move a Flask/SQLAlchemy project from legacy schema scripts to Alembic, verifiably."""


@cli.command()
@project_arg
@dialect_opt
@order_opt
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@jobs_opt
def scan(
    project: Path, dialect: str | None, order_file: Path | None, as_json: bool, jobs: int | None
) -> None:
    """List legacy sources in historical order, their statements and create_all() calls."""
    from converter.commands.scan import run_scan

    run_scan(project, _dialect(dialect), order_file, as_json, jobs=jobs)


@cli.command()
@project_arg
@dialect_opt
@models_opt
@ref_url_opt
@click.option(
    "--baseline-models",
    help="The models as they were before the first legacy "
    "script, MODULE:ATTR or path/to/file.py:ATTR (default: recovered from git).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Migrations folder to write (default: PROJECT/migrations).",
)
@click.option("--squash", is_flag=True, help="One revision for the whole legacy history.")
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@order_opt
@jobs_opt
def convert(
    project: Path,
    dialect: str | None,
    models: str | None,
    reference_url: str | None,
    baseline_models: str | None,
    out: Path | None,
    squash: bool,
    dry_run: bool,
    order_file: Path | None,
    jobs: int | None,
) -> None:
    """Write an Alembic revision chain from the legacy sources."""
    from converter.commands.convert import run_convert

    run_convert(
        project,
        _dialect(dialect),
        models=models,
        reference_url=reference_url,
        baseline_models=baseline_models,
        out=out,
        squash=squash,
        dry_run=dry_run,
        order_file=order_file,
        jobs=jobs,
    )


@cli.command()
@project_arg
@click.option(
    "--migrations",
    type=click.Path(file_okay=False, path_type=Path),
    help="The migrations folder (default: PROJECT/migrations).",
)
@dialect_opt
@models_opt
@ref_url_opt
@click.option(
    "--scratch-url",
    help="An empty database to use as scratch (PostgreSQL, when you may not create databases).",
)
@click.option(
    "--server-url",
    help="A PostgreSQL server on which a temporary scratch database "
    "is created and dropped (default: --reference-url, then DATABASE_URL).",
)
def verify(
    project: Path,
    migrations: Path | None,
    dialect: str | None,
    models: str | None,
    reference_url: str | None,
    scratch_url: str | None,
    server_url: str | None,
) -> None:
    """Upgrade, downgrade and upgrade the chain on a scratch database; compare with the
    reference."""
    from converter.commands.verify import run_verify

    run_verify(
        project,
        migrations,
        _dialect(dialect),
        models=models,
        reference_url=reference_url,
        scratch_url=scratch_url,
        server_url=server_url,
    )


@cli.command()
@project_arg
@click.option("--url", "urls", multiple=True, help="A database to stamp (repeatable).")
@click.option(
    "--url-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file of database URLs, one a line (a fleet).",
)
@click.option(
    "--migrations",
    type=click.Path(file_okay=False, path_type=Path),
    help="The migrations folder (default: PROJECT/migrations).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be stamped; write nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before stamping.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
@click.option(
    "--force",
    is_flag=True,
    help="Re-stamp a database already stamped at another revision (after the schema check).",
)
@click.option(
    "--scratch-url",
    help="An empty database to replay the chain on (PostgreSQL, "
    "when you may not create databases).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Databases checked at once with --url-file.",
)
def stamp(
    project: Path,
    urls: tuple[str, ...],
    url_file: Path | None,
    migrations: Path | None,
    dry_run: bool,
    yes: bool,
    as_json: bool,
    force: bool,
    scratch_url: str | None,
    workers: int,
) -> None:
    """Stamp each database at the revision its schema really matches; refuse on drift."""
    from converter.commands.stamp import run_stamp

    run_stamp(
        project,
        urls=urls,
        url_file=url_file,
        migrations=migrations,
        dry_run=dry_run,
        yes=yes,
        as_json=as_json,
        force=force,
        scratch_url=scratch_url,
        workers=workers,
    )


@cli.command()
@project_arg
@click.option(
    "--dest",
    default="legacy_migrations",
    show_default=True,
    help="Archive folder, relative to PROJECT.",
)
@click.option(
    "--migrations",
    type=click.Path(file_okay=False, path_type=Path),
    help="The migrations folder (default: PROJECT/migrations).",
)
@click.option("--dry-run", is_flag=True, help="Print the moves; move nothing.")
def archive(project: Path, dest: str, migrations: Path | None, dry_run: bool) -> None:
    """Move the converted legacy scripts into an archive with a checksummed manifest."""
    from converter.commands.archive import run_archive

    run_archive(project, dest=dest, migrations=migrations, dry_run=dry_run)


@cli.command()
@project_arg
@click.option(
    "--dest",
    default="legacy_migrations",
    show_default=True,
    help="Archive folder, relative to PROJECT.",
)
def check(project: Path, dest: str) -> None:
    """Fail on new legacy scripts, changed archived files, or db.create_all() outside tests."""
    from converter.commands.check import run_check

    run_check(project, dest=dest)


@cli.command("fix-create-all")
@project_arg
@click.option("--write", is_flag=True, help="Apply the change (default: print the diff).")
def fix_create_all(project: Path, write: bool) -> None:
    """Replace application-startup db.create_all() with the Flask-Migrate way."""
    from converter.commands.fix_create_all import run_fix_create_all

    run_fix_create_all(project, write=write)


@cli.command()
@project_arg
@dialect_opt
@models_opt
@ref_url_opt
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Migrations folder to write (default: PROJECT/migrations).",
)
@click.option("--server-url", help="PostgreSQL server for temporary scratch databases.")
@click.option("--scratch-url", help="An empty scratch database (PostgreSQL).")
@order_opt
def onboard(
    project: Path,
    dialect: str | None,
    models: str | None,
    reference_url: str | None,
    out: Path | None,
    server_url: str | None,
    scratch_url: str | None,
    order_file: Path | None,
) -> None:
    """scan + convert + verify, then the steps left: stamp, fix-create-all, archive."""
    from converter.commands.onboard import run_onboard

    run_onboard(
        project,
        _dialect(dialect),
        models=models,
        reference_url=reference_url,
        out=out,
        server_url=server_url,
        scratch_url=scratch_url,
        order_file=order_file,
    )


def main() -> None:
    cli(prog_name="legacy2alembic")
