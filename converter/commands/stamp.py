"""`legacy2alembic stamp`: stamp each database at the revision its schema really matches.

The chain is replayed once per run on a scratch database (see stamp_chain); every database is
then read read-only and compared in a bounded pool of workers; one confirmation covers the whole
plan; each database is written in its own locked transaction (see stamp_database).

Exit codes: 0 when every database is stamped, already stamped or (dry run) would be stamped;
1 when any database is refused (drift, or stamped elsewhere without --force) - a refusal needs
a human and wins over connection errors; 2 when any database could not be reached, read or
written (each still has its row in the report),
and for bad input (URL file line, wrong dialect, missing confirmation).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import click

from converter.core import progress
from converter.core.config import project_settings
from converter.core.diagnostics import Origin
from converter.core.dialects import Dialect
from converter.core.errors import CheckFailed, DatabaseError, InputError
from converter.database.urls import dialect_of, mask_url
from converter.stamp.chain import Expected, chain_dialect, load_chain, replay
from converter.stamp.check import FAILED, FROM_DATA, DataChoice, Outcome, check, write
from converter.stamp.data_probe import Verdict
from converter.stamp.report import format_json, format_text

T = TypeVar("T")


def run_stamp(
    project: Path,
    *,
    urls: Sequence[str],
    url_file: Path | None,
    migrations: Path | None,
    dry_run: bool,
    yes: bool,
    as_json: bool,
    force: bool,
    scratch_url: str | None,
    workers: int,
    choice: DataChoice = FROM_DATA,
    before_commit: Callable[[], None] | None = None,
    after_check: Callable[[], None] | None = None,
) -> None:
    """Check every database, confirm, stamp, report; raise to set the exit code.

    `choice`: how revisions that only change data are told apart (the data probes by default).
    Hooks for tests: `after_check` runs once confirmed, before any write; `before_commit` runs
    inside each write transaction before COMMIT."""
    root, config = project_settings(project)
    folder = (migrations or root / "migrations").resolve()
    if not (folder / "env.py").is_file():
        raise InputError(f"{folder}: not a migrations folder (no env.py)")
    targets = collect_urls(urls, url_file)
    chain = load_chain(folder)
    dialect = chain_dialect(folder, config.dialect, targets)
    expected = replay(folder, chain, dialect, scratch_url=scratch_url, servers=targets)
    outcomes = _in_pool(
        "checking",
        workers,
        targets,
        lambda url: _reported(url, check(url, expected, force=force, choice=choice)),
    )
    if not dry_run and _confirmed(outcomes, yes, as_json, folder, dialect):
        if after_check is not None:
            after_check()
        outcomes = _in_pool(
            "stamping",
            workers,
            list(zip(targets, outcomes, strict=True)),
            lambda pair: _written(pair, folder, expected, force, before_commit),
        )
    _print(outcomes, folder, dialect, dry_run=dry_run, as_json=as_json)
    _exit_status(outcomes)


def data_choice(applied: bool, not_applied: bool, revision: str | None) -> DataChoice:
    """--assume-data-applied / --assume-data-not-applied / --revision REV: at most one."""
    if applied + not_applied + (revision is not None) > 1:
        raise InputError(
            "choose one of --assume-data-applied, --assume-data-not-applied and --revision"
        )
    assume: Verdict | None = "applied" if applied else "not applied" if not_applied else None
    return DataChoice(assume, revision)


def collect_urls(urls: Sequence[str], url_file: Path | None) -> list[str]:
    """--url values, then the URL file's lines; duplicates once. A bad line is an input error
    at file:line."""
    found = list(urls)
    for url in urls:
        dialect_of(url)
    if url_file is not None:
        found += _read_url_file(url_file)
    if not found:
        raise InputError("no database to stamp: pass --url URL or --url-file FILE")
    return list(dict.fromkeys(found))


def _read_url_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the URL file: {exc}") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        try:
            dialect_of(url)
        except InputError as exc:
            raise InputError(exc.message, Origin(str(path), number)) from None
        found.append(url)
    return found


def _in_pool(
    label: str, workers: int, items: Sequence[T], work: Callable[[T], Outcome]
) -> list[Outcome]:
    """`work` on every item, at most `workers` at once, results in the items' order; each
    finished database is a progress step of the task `label`."""
    with progress.task(f"{label} databases", len(items) if len(items) > 1 else 0):
        if len(items) == 1:
            return [work(items[0])]
        with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
            return list(pool.map(work, items))


def _reported(url: str, outcome: Outcome) -> Outcome:
    progress.step(f"{mask_url(url)}: {outcome.status}")
    return outcome


def _written(
    pair: tuple[str, Outcome],
    migrations: Path,
    expected: Expected,
    force: bool,
    before_commit: Callable[[], None] | None,
) -> Outcome:
    url, outcome = pair
    if outcome.status != "would-stamp":
        return _reported(url, outcome)
    return _reported(
        url, write(url, outcome, migrations, expected, force=force, before_commit=before_commit)
    )


def _confirmed(
    outcomes: Sequence[Outcome], yes: bool, as_json: bool, migrations: Path, dialect: Dialect
) -> bool:
    """Whether to write: --yes, or the user said so once for the whole plan."""
    plan = [o for o in outcomes if o.status == "would-stamp"]
    if not plan or yes:
        return bool(plan)
    if not sys.stdin.isatty():
        _print(outcomes, migrations, dialect, dry_run=False, as_json=as_json)
        raise InputError(
            "not stamping without confirmation (stdin is not a terminal): pass "
            "--yes to stamp, or --dry-run to only look"
        )
    lines = ["About to stamp:"]
    lines += [f"  {o.url} at {o.revision.id} ({o.revision.label})" for o in plan if o.revision]
    others = len(outcomes) - len(plan)
    if others:
        lines.append(f"  ({others} other database(s) will not be written: see the report)")
    click.echo("\n".join(lines), err=as_json)
    click.confirm(f"Stamp {len(plan)} database(s)?", abort=True, err=as_json)
    return True


def _print(
    outcomes: Sequence[Outcome], migrations: Path, dialect: Dialect, *, dry_run: bool, as_json: bool
) -> None:
    if as_json:
        click.echo(format_json(outcomes, migrations, dialect, dry_run=dry_run))
        return
    text = format_text(outcomes, migrations, dry_run=dry_run)
    if text:
        click.echo(text)


def _exit_status(outcomes: Sequence[Outcome]) -> None:
    refused = [o for o in outcomes if o.status == "refused"]
    errors = [o for o in outcomes if o.status in FAILED]
    total = len(outcomes)
    if refused:
        if total == 1:
            raise CheckFailed(f"refused to stamp {refused[0].url}; nothing written (see above)")
        raise CheckFailed(
            f"refused to stamp {len(refused)} of {total} database(s); nothing "
            "written to them (see above)"
        )
    if errors and total == 1:
        raise DatabaseError(errors[0].message)
    if errors:
        raise DatabaseError(
            f"{len(errors)} of {total} database(s) could not be checked or stamped (see above)"
        )
