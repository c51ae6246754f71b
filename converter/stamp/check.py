"""Deciding, for one database, what `stamp` does with it; and doing the write it decided.

Every database ends in one status: "stamped", "already-stamped", "would-stamp" (matched, not
yet written: a dry run or before confirmation), "refused" (drift, or stamped at another
revision without --force, or the version table changed under us), "unreachable" (could not be
connected to) or "error" (could not be read or written).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from converter.core.dialects import Dialect, find_dialect
from converter.core.errors import ConverterError, Unreachable
from converter.database.snapshot.diff import Difference
from converter.database.snapshot.model import Snapshot
from converter.database.urls import mask_url
from converter.stamp.chain import ChainRevision, Expected
from converter.stamp.data_probe import Keys, Probe, Verdict, probe
from converter.stamp.database import Live, read_live, write_stamp
from converter.stamp.presence import Presence, presence

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

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
    # What the data probes said, per revision id (see stamp.data_probe).
    probes: tuple[tuple[str, Probe], ...] = ()


@dataclass(frozen=True)
class DataChoice:
    """How to decide between revisions that leave the same schema: from the data probes
    (the default), as if the data statements ran (`assume` "applied") or did not ("not
    applied"), or at the revision the user names."""

    assume: Verdict | None = None
    revision: str | None = None


FROM_DATA = DataChoice()


def check(url: str, expected: Expected, *, force: bool, choice: DataChoice = FROM_DATA) -> Outcome:
    """Read `url` and decide; a database problem becomes an "error" outcome."""
    try:
        live = read_live(url, lambda conn, schema: probe_data(conn, schema, expected))
    except ConverterError as exc:
        return Outcome(mask_url(url), failed(exc), message=str(exc))
    return decide(mask_url(url), live, expected, force=force, choice=choice)


# The statuses of a database that could not be checked or stamped.
FAILED = ("unreachable", "error")


def failed(exc: ConverterError) -> str:
    """The status of a database the check or the write could not finish."""
    return "unreachable" if isinstance(exc, Unreachable) else "error"


def probe_data(
    conn: Connection, schema: Snapshot, expected: Expected
) -> dict[str, tuple[Probe, ...]]:
    """Probe the data statements of each revision that leaves the schema it found before."""
    keys = _keys(schema)
    dialect = find_dialect(conn.dialect.name) or Dialect.SQLITE
    found: dict[str, tuple[Probe, ...]] = {}
    for index in _data_only(expected, expected.matches(schema)):
        revision = expected.revision(index)
        if revision is not None and revision.data:
            found[revision.id] = tuple(probe(conn, sql, dialect, keys) for sql in revision.data)
    return found


def _keys(schema: Snapshot) -> Keys:
    """The live table's keys: its primary key, then its unique constraints and indexes."""

    def keys(name: str) -> list[tuple[str, ...]]:
        table = schema.table(name)
        if table is None:
            return []
        found = [table.primary_key] + [u.columns for u in table.unique_constraints]
        return found + [ix.elements for ix in table.indexes if ix.unique and not ix.where]

    return keys


def _data_only(expected: Expected, matches: list[int]) -> list[int]:
    """States reached by a revision that left the schema of the state before it."""
    return [i for i in matches if i - 1 in expected.same_as(i, matches)]


def decide(
    url: str,
    live: Live,
    expected: Expected,
    *,
    force: bool,
    choice: DataChoice = FROM_DATA,
) -> Outcome:
    """The newest revision whose expected schema equals the live one wins, unless the data
    says that the database never ran the data statements that distinguish it."""
    matches = expected.matches(live.schema)
    if not matches:
        return _drift(url, live, expected)
    chosen = _choose(expected, matches, live, choice)
    if isinstance(chosen, Outcome):
        return replace(chosen, url=url, heads=live.heads)
    index, notes = chosen
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
        notes=(notes or _ambiguity(expected, expected.same_as(index, matches)))
        + tuple(expected.not_compared(index)),
        probes=_probes_of(expected, matches, live),
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


def _probes_of(expected: Expected, matches: list[int], live: Live) -> tuple[tuple[str, Probe], ...]:
    ids = [r.id for i in matches if (r := expected.revision(i)) is not None]
    return tuple((rid, p) for rid in ids for p in live.probes.get(rid, ()))


def _choose(
    expected: Expected, matches: list[int], live: Live, choice: DataChoice
) -> tuple[int, tuple[str, ...]] | Outcome:
    """The state to stamp and what decided it, walking back from the newest match over the
    revisions that only change data; or a refusal when the data cannot tell."""
    if choice.revision is not None:
        return _named(expected, matches, choice.revision)
    index, notes = matches[-1], []
    while index - 1 in expected.same_as(index, matches):
        revision = expected.revision(index)
        assert revision is not None
        if not revision.data:
            break  # it changes only what the schema check does not read: the newest is kept
        verdict = _verdict(live.probes.get(revision.id, ()))
        said = f"the data says {revision.id} ({revision.label}) was {verdict}"
        if verdict == "cannot tell" and choice.assume is None:
            return _undecided(expected, index, live)
        if verdict == "cannot tell":
            verdict = choice.assume or verdict
            said = f"{revision.id} ({revision.label}) taken as {verdict} (as asked)"
        notes.append(said)
        if verdict == "applied":
            break
        index -= 1
    return index, tuple(notes)


def _verdict(probes: Sequence[Probe]) -> Verdict:
    """One verdict for a revision: "cannot tell" wins, then "not applied"."""
    verdicts = {p.verdict for p in probes} or {"cannot tell"}
    if "cannot tell" in verdicts:
        return "cannot tell"
    return "not applied" if "not applied" in verdicts else "applied"


def _named(
    expected: Expected, matches: list[int], wanted: str
) -> tuple[int, tuple[str, ...]] | Outcome:
    """--revision REV: stamped there if its expected schema is the live one."""
    for index in matches:
        revision = expected.revision(index)
        if (revision.id if revision else "base") == wanted:
            return index, (f"{wanted} chosen with --revision",)
    candidates = ", ".join((r.id if (r := expected.revision(i)) else "base") for i in matches)
    return Outcome(
        "",
        "refused",
        message=f"--revision {wanted} is not a revision this schema matches ({candidates})",
    )


def _undecided(expected: Expected, index: int, live: Live) -> Outcome:
    """Refuse, showing the two candidates and what each data statement said."""
    newer = expected.revision(index)
    older = expected.revision(index - 1) or BASE
    assert newer is not None
    lines = [
        f"it matches both {older.id} ({older.label}) and {newer.id} ({newer.label}): "
        f"{newer.id} changes only data, and the data cannot tell whether it ran.",
        f"  {newer.id} ran these data statements:",
    ]
    for p in live.probes.get(newer.id, ()) or [Probe(s, "cannot tell", "") for s in newer.data]:
        lines.append(
            f"    [{p.verdict}] {_one_line(p.sql)}" + (f"  ({p.detail})" if p.detail else "")
        )
    lines.append(
        f"  Decide with --assume-data-applied (stamp {newer.id}), --assume-data-not-applied "
        f"(stamp {older.id}) or --revision REV."
    )
    return Outcome("", "refused", closest=None, message="\n".join(lines))


def _one_line(sql: str, limit: int = 160) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    diffs = [expected.diff(i, live.schema) for i in range(len(expected.states))]
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
        return replace(outcome, status=failed(exc), message=str(exc))
    if result.written:
        return replace(outcome, status="stamped", heads=result.heads)
    if result.schema is not None:
        return replace(
            outcome,
            status="refused",
            closest=outcome.revision,
            differences=tuple(expected.diff(index, result.schema)),
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
