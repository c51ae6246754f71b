"""Deciding, for one database, what `stamp` does with it; and doing the write it decided.

Every database ends in one status: "stamped", "already-stamped", "would-stamp" (matched, not
yet written: a dry run or before confirmation), "refused" (drift, or stamped at another
revision without --force, or the version table changed under us) or "error" (could not be
reached, read or written).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from converter.core.errors import ConverterError
from converter.database.snapshot.diff import Difference
from converter.database.urls import mask_url
from converter.stamp.chain import ChainRevision, Expected, diff_schemas
from converter.stamp.database import Live, read_live, write_stamp
from converter.stamp.presence import Presence, presence

BASE = ChainRevision("base", "the empty schema before the first revision", ())


@dataclass(frozen=True)
class Outcome:
    """What happened to one database. `url` is masked; nothing here holds a password."""

    url: str
    status: str
    revision: ChainRevision | None = None
    heads: tuple[str, ...] = ()
    pending: int = 0
    closest: ChainRevision | None = None
    differences: tuple[Difference, ...] = ()
    presence: tuple[Presence, ...] = ()
    message: str = ""
    notes: tuple[str, ...] = field(default=())


def check(url: str, expected: Expected, *, force: bool) -> Outcome:
    """Read `url` and decide; a database problem becomes an "error" outcome."""
    try:
        live = read_live(url)
    except ConverterError as exc:
        return Outcome(mask_url(url), "error", message=str(exc))
    return decide(mask_url(url), live, expected, force=force)


def decide(url: str, live: Live, expected: Expected, *, force: bool) -> Outcome:
    """The newest revision whose expected schema equals the live one wins."""
    matches = expected.matches(live.schema)
    if not matches:
        return _drift(url, live, expected)
    index = matches[-1]
    revision = expected.revision(index)
    if revision is None:
        return Outcome(
            url,
            "refused",
            heads=live.heads,
            message=(
                "the database has no tables, so it matches no revision (an empty database needs "
                "no stamp: `flask db upgrade` builds it)"
            ),
        )
    found = Outcome(
        url,
        "would-stamp",
        revision,
        live.heads,
        len(expected.chain) - index,
        notes=_ambiguity(expected, matches),
    )
    if live.heads == (revision.id,):
        return replace(found, status="already-stamped")
    if live.heads and not force:
        return replace(
            found,
            status="refused",
            message=(
                f"stamped at {', '.join(live.heads)} but its schema matches {revision.id} "
                f"({revision.label}); pass --force to re-stamp it at {revision.id}"
            ),
        )
    return found


def _ambiguity(expected: Expected, matches: list[int]) -> tuple[str, ...]:
    """Several revisions leave the same schema: say which one was chosen and why."""
    if len(matches) < 2:
        return ()
    newest = expected.revision(matches[-1]) or BASE
    older = expected.revision(matches[-2]) or BASE
    note = (
        f"revisions {older.id} and {newest.id} leave the same schema ({newest.label} "
        "changes only data or objects the schema check does not read); the newest is "
        f"chosen. If this database never ran {newest.label}, stamp {older.id} instead."
    )
    return (note,)


def _drift(url: str, live: Live, expected: Expected) -> Outcome:
    """No revision matches: the closest one (fewest differences, newest on ties) and how much
    of each revision the database shows."""
    diffs = [diff_schemas(state, live.schema) for state in expected.states]
    best = min(range(len(diffs)), key=lambda i: (len(diffs[i]), -i))
    return Outcome(
        url,
        "refused",
        heads=live.heads,
        closest=expected.revision(best) or BASE,
        differences=tuple(diffs[best]),
        presence=tuple(presence(expected, diffs)),
        message="its schema matches no revision of the chain"
        + (f" (its version table says {', '.join(live.heads)})" if live.heads else ""),
    )


def write(
    url: str,
    outcome: Outcome,
    migrations: Path,
    expected: Expected,
    *,
    force: bool,
    before_commit: Callable[[], None] | None = None,
) -> Outcome:
    """Stamp a "would-stamp" database; report a stamp that another process wrote first, or a
    schema changed since it was checked. `before_commit`: see write_stamp."""
    assert outcome.revision is not None
    index = expected.index_of(outcome.revision)
    try:
        result = write_stamp(
            url,
            migrations,
            outcome.revision.id,
            read_heads=outcome.heads,
            replace=force,
            schema_matches=lambda schema: index in expected.matches(schema),
            before_commit=before_commit,
        )
    except ConverterError as exc:
        return replace(outcome, status="error", message=str(exc))
    if result.written:
        return replace(outcome, status="stamped", heads=result.heads)
    if result.schema is not None:
        return replace(
            outcome,
            status="refused",
            closest=outcome.revision,
            differences=tuple(diff_schemas(expected.states[index], result.schema)),
            message=(
                "its schema changed after it was checked (it no longer matches "
                f"{outcome.revision.id}); nothing written, run stamp again"
            ),
        )
    if result.heads == (outcome.revision.id,):
        return replace(
            outcome,
            status="already-stamped",
            heads=result.heads,
            message=("another stamp wrote this revision first (lost the race to it)"),
        )
    return replace(
        outcome,
        status="refused",
        heads=result.heads,
        message=(
            f"its version table changed while stamping (now {', '.join(result.heads) or 'empty'},"
            f" read as {', '.join(outcome.heads) or 'empty'}); nothing written, run stamp again"
        ),
    )
