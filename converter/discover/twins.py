"""Per-dialect twins (`002_x_sqlite.sql`, `002_x_pg.sql`): which one the chosen dialect keeps.

Kept apart from ordering because a skipped twin must be reported with why, and without a dialect
every twin is kept and a warning says so.
"""

from __future__ import annotations

from converter.core.diagnostics import Diagnostics, Origin
from converter.discover.names import Candidate


def select_twins(
    candidates: list[Candidate], dialect: str | None, diags: Diagnostics
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """Keep, per logical source, the twin for the dialect; report the others as skipped."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.logical, []).append(candidate)
    kept: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    for members in groups.values():
        if not any(m.dialect for m in members):
            kept.extend(members)
        elif dialect is None:
            kept.extend(members)
            _warn_all_twins_kept(members, diags)
        else:
            chosen = _twin_for(members, dialect, diags)
            kept.extend(chosen)
            skipped.extend(_twin_skip(m, dialect, chosen) for m in members if m not in chosen)
    return kept, skipped


def _twin_for(members: list[Candidate], dialect: str, diags: Diagnostics) -> list[Candidate]:
    exact = [m for m in members if m.dialect == dialect]
    generic = [m for m in members if m.dialect is None]
    if exact or generic:
        return exact or generic
    paths = ", ".join(m.path for m in members)
    if len(members) == 1 and members[0].dialect_from == "content":
        message = (
            f"written for {members[0].dialect} (its syntax is {members[0].dialect}-only) and no "
            f"{dialect} twin exists: not converted for {dialect}"
        )
    else:
        message = f"no {dialect} twin among {paths}: none of them is kept"
    diags.warning(Origin(members[0].path), message, code="L2A104")
    return []


def _twin_skip(member: Candidate, dialect: str, chosen: list[Candidate]) -> tuple[str, str]:
    what = f"twin for {member.dialect}" if member.dialect else "generic twin"
    if member.dialect_from == "content":
        what += f" ({member.dialect}-only syntax)"
    if chosen:
        return member.path, f"{what}; {chosen[0].path} is used for {dialect}"
    return member.path, f"{what}; no twin for {dialect}"


def _warn_all_twins_kept(members: list[Candidate], diags: Diagnostics) -> None:
    if len(members) > 1:
        paths = ", ".join(m.path for m in members)
        diags.warning(
            Origin(members[0].path),
            f"per-dialect twins {paths} are all kept: pass --dialect to keep one",
            code="L2A105",
        )
