"""Command line: declares options and calls one function per command. Exit codes: 0 done,
1 checks failed, 2 usage or input error. Heavy libraries are imported inside the commands so that
`legacy2alembic --help` stays fast."""

from __future__ import annotations

import copy
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
        from converter.commands.progress import NORMAL, configure

        configure(NORMAL)
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
json_opt = click.option(
    "--json", "as_json", is_flag=True, help="Machine-readable output (schema: docs/json.md)."
)
baseline_opt = click.option(
    "--baseline-models",
    help="The models as they were before the first legacy "
    "script, MODULE:ATTR or path/to/file.py:ATTR, the file possibly outside the project "
    "(default: recovered from git).",
)
squash_opt = click.option(
    "--squash", is_flag=True, help="One revision for the whole legacy history."
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
@baseline_opt
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Migrations folder to write (default: PROJECT/migrations).",
)
@squash_opt
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@order_opt
@jobs_opt
@json_opt
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
    as_json: bool,
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
        as_json=as_json,
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
@json_opt
def verify(
    project: Path,
    migrations: Path | None,
    dialect: str | None,
    models: str | None,
    reference_url: str | None,
    scratch_url: str | None,
    server_url: str | None,
    as_json: bool,
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
        as_json=as_json,
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
@click.option(
    "--assume-data-applied",
    is_flag=True,
    help="Where two revisions leave the same schema and the data cannot tell them apart, "
    "take the data statements as run (stamp the newer).",
)
@click.option(
    "--assume-data-not-applied",
    is_flag=True,
    help="Likewise, take the data statements as not run (stamp the older).",
)
@click.option(
    "--revision",
    metavar="REV",
    help="Stamp at REV, if the schema matches it (decides between same-schema revisions).",
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
    assume_data_applied: bool,
    assume_data_not_applied: bool,
    revision: str | None,
) -> None:
    """Stamp each database at the revision its schema really matches; refuse on drift."""
    from converter.commands.stamp import data_choice, run_stamp

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
        choice=data_choice(assume_data_applied, assume_data_not_applied, revision),
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
@json_opt
def archive(
    project: Path, dest: str, migrations: Path | None, dry_run: bool, as_json: bool
) -> None:
    """Move the converted legacy scripts into an archive with a checksummed manifest."""
    from converter.commands.archive import run_archive

    run_archive(project, dest=dest, migrations=migrations, dry_run=dry_run, as_json=as_json)


@cli.command()
@project_arg
@click.option(
    "--dest",
    default="legacy_migrations",
    show_default=True,
    help="Archive folder, relative to PROJECT.",
)
@json_opt
def check(project: Path, dest: str, as_json: bool) -> None:
    """Fail on new legacy scripts, changed archived files, or db.create_all() outside tests."""
    from converter.commands.check import run_check

    run_check(project, dest=dest, as_json=as_json)


@cli.command("fix-create-all")
@project_arg
@click.option("--write", is_flag=True, help="Apply the change (default: print the diff).")
@json_opt
def fix_create_all(project: Path, write: bool, as_json: bool) -> None:
    """Replace application-startup db.create_all() with the Flask-Migrate way."""
    from converter.commands.fix_create_all import run_fix_create_all

    run_fix_create_all(project, write=write, as_json=as_json)


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
@baseline_opt
@squash_opt
@click.option(
    "--dry-run", is_flag=True, help="Scan and show what convert would write; write nothing."
)
@jobs_opt
@json_opt
def onboard(
    project: Path,
    dialect: str | None,
    models: str | None,
    reference_url: str | None,
    out: Path | None,
    server_url: str | None,
    scratch_url: str | None,
    order_file: Path | None,
    baseline_models: str | None,
    squash: bool,
    dry_run: bool,
    jobs: int | None,
    as_json: bool,
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
        baseline_models=baseline_models,
        squash=squash,
        dry_run=dry_run,
        jobs=jobs,
        as_json=as_json,
    )


def _verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """-q and -v set what progress is shown (see commands/progress.py); -q wins."""
    from converter.commands.progress import QUIET, VERBOSE, configure

    meta = ctx.find_root().meta
    if param.name == "quiet" and value:
        meta["quiet"] = True
        configure(QUIET)
    elif param.name == "verbose" and value and not meta.get("quiet"):
        configure(VERBOSE)


VERBOSITY = (
    click.Option(
        ["-q", "--quiet"],
        is_flag=True,
        expose_value=False,
        callback=_verbosity,
        help="No progress display.",
    ),
    click.Option(
        ["-v", "--verbose"],
        is_flag=True,
        expose_value=False,
        callback=_verbosity,
        help="One progress line per step, with its duration (also when stderr is not a "
        "terminal; by default a bar is shown only on a terminal).",
    ),
)
for _command in cli.commands.values():
    _command.params.extend(VERBOSITY)


# ---- flask legacy ... (the `flask.commands` entry point) ---------------------------------------


def _optional(param: click.Parameter) -> click.Parameter:
    """PROJECT becomes optional: the app's root folder by default."""
    if not isinstance(param, click.Argument):
        return param
    optional = copy.copy(param)
    optional.required = False
    return optional


def _for_flask(command: click.Command) -> click.Command:
    """The same verb, options and function, with what the Flask app knows filled in."""
    params = [_optional(p) for p in command.params]
    if command.name == "stamp":
        params.append(
            click.Option(
                ["--bind", "binds"],
                multiple=True,
                help="Stamp this Flask-SQLAlchemy bind (repeatable; '' is the default database; "
                "default: the default database).",
            )
        )

    def callback(**params: Any) -> Any:
        from converter.commands.flask_app import flask_defaults

        assert command.callback is not None and command.name is not None
        with flask_defaults(command.name, params) as filled:
            return command.callback(**filled)

    return click.Command(
        command.name,
        params=params,
        callback=callback,
        help=(command.help or "")
        + "\n\nPROJECT defaults to the app's folder; --models, --dialect and the database URLs "
        "default to the app's Flask-SQLAlchemy db and config.",
        short_help=command.get_short_help_str(),
    )


@click.group(cls=_Boundary, name="legacy")
def flask_legacy() -> None:
    """legacy2alembic for this Flask app: models and database URLs come from the app."""


for _command in list(cli.commands.values()):
    flask_legacy.add_command(_for_flask(_command))


def main() -> None:
    cli(prog_name="legacy2alembic")
