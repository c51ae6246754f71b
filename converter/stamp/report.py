"""What `stamp` prints: a readable report (one block per database, a summary table for a
fleet, the next step) or one JSON document. URLs arrive masked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from converter.core.dialects import Dialect
from converter.database.snapshot.diff import format_diff
from converter.stamp.check import FAILED, Outcome

DATA_NOTE = (
    "Data statements (INSERT/UPDATE/DELETE) leave no trace in the schema and cannot be checked."
)


def format_text(outcomes: Sequence[Outcome], migrations: Path, *, dry_run: bool) -> str:
    fleet = len(outcomes) > 1
    blocks = [_block(o, dry_run) for o in outcomes if fleet or o.status not in FAILED]
    if any(o.presence for o in outcomes):
        blocks.append(DATA_NOTE)
    if fleet:
        blocks.append(_summary(outcomes))
    # Unconfirmed (would-stamp without --dry-run) is not stamped: no next step to take yet.
    ready = (
        ("stamped", "already-stamped", "would-stamp") if dry_run else ("stamped", "already-stamped")
    )
    if any(o.status in ready and o.pending for o in outcomes):
        blocks.append(_next_step(migrations, dry_run))
    return "\n\n".join(b for b in blocks if b)


def _block(o: Outcome, dry_run: bool) -> str:
    lines = [f"{o.url}: {_headline(o, dry_run)}"]
    if o.message and o.status not in FAILED:
        lines.append(f"  {o.message}")
    if o.closest is not None:
        lines += _drift_lines(o)
    lines += [f"  note: {note}" for note in o.notes]
    if o.status != "refused":
        lines += [
            f"  data: {rid} [{p.verdict}] {_one_line(p.sql)} ({p.detail})" for rid, p in o.probes
        ]
    return "\n".join(lines)


def _one_line(sql: str, limit: int = 120) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _headline(o: Outcome, dry_run: bool) -> str:
    rev = o.revision
    target = f"{rev.id} ({rev.label})" if rev else ""
    pending = f"; {o.pending} revision(s) to apply" if o.pending else "; up to date"
    if o.status == "stamped":
        return f"stamped at {target}{pending}"
    if o.status == "already-stamped":
        return f"already stamped at {target}; nothing written{pending}"
    if o.status == "would-stamp":
        tail = " (dry run: nothing written)" if dry_run else ", not stamped"
        return f"matches {target}: would stamp it{tail}{pending}"
    if o.status in FAILED:
        return f"{o.status}: {o.message}"
    return "refused; nothing written"


def _drift_lines(o: Outcome) -> list[str]:
    assert o.closest is not None
    count = len(o.differences)
    heading = (
        f"  closest revision: {o.closest.id} ({o.closest.label}), {count} "
        "difference(s) (expected != actual):"
    )
    lines = [heading]
    lines += [f"    {line}" for line in format_diff(o.differences).splitlines()]
    if o.presence:
        lines.append("  changes of each revision present in this database:")
        width = max(len(p.revision.label) for p in o.presence)
        lines += [
            f"    {p.revision.id}  {p.revision.label:<{width}}  {p.state}" for p in o.presence
        ]
    return lines


def _summary(outcomes: Sequence[Outcome]) -> str:
    """One row per database, those that could not be reached or read included (with why)."""
    rows = [("DATABASE", "STATUS", "REVISION", "REASON" if _any_failed(outcomes) else "")]
    rows += [(o.url, o.status, _revision_cell(o), reason(o)) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    table = [
        f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
        for a, b, c, d in rows
    ]
    return f"Summary ({len(outcomes)} databases):\n" + "\n".join(table)


def _any_failed(outcomes: Sequence[Outcome]) -> bool:
    return any(o.status in FAILED for o in outcomes)


def reason(o: Outcome) -> str:
    """Why a database could not be checked or stamped, without the URL the row already shows
    (masked, as every message here); empty for the others."""
    if o.status not in FAILED:
        return ""
    return o.message.split(f"{o.url}: ", 1)[-1]


def _revision_cell(o: Outcome) -> str:
    if o.revision is not None:
        return o.revision.id
    if o.closest is not None:
        return f"(closest {o.closest.id})"
    return "-"


def _next_step(migrations: Path, dry_run: bool) -> str:
    when = "After stamping, " if dry_run else "Next: "
    return (
        f"{when}`flask db upgrade` (or `alembic -c {migrations / 'alembic.ini'} upgrade "
        "head` with DATABASE_URL set) applies the revisions after the stamped one: the "
        "legacy scripts that database never ran."
    )


def format_json(
    outcomes: Sequence[Outcome], migrations: Path, dialect: Dialect, *, dry_run: bool
) -> str:
    document = {
        "migrations": str(migrations),
        "dialect": dialect,
        "dry_run": dry_run,
        "data_statements_checked": any(o.probes for o in outcomes),
        "databases": [_json_outcome(o) for o in outcomes],
    }
    return json.dumps(document, indent=2)


def _json_outcome(o: Outcome) -> dict[str, Any]:
    return {
        "url": o.url,
        "status": o.status,
        "revision": o.revision.id if o.revision else None,
        "sources": list(o.revision.sources) if o.revision else [],
        "version_table": list(o.heads),
        "pending_revisions": o.pending,
        "closest_revision": o.closest.id if o.closest else None,
        "differences": [str(d) for d in o.differences],
        "presence": [
            {
                "revision": p.revision.id,
                "sources": list(p.revision.sources),
                "state": p.state,
                "present": p.present,
                "total": p.total,
            }
            for p in o.presence
        ],
        "message": o.message,
        "reason": reason(o) or None,
        "notes": list(o.notes),
        "data_probes": [
            {"revision": rid, "sql": p.sql, "verdict": p.verdict, "detail": p.detail}
            for rid, p in o.probes
        ],
    }
