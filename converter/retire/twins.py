"""Legacy files convert left out because another file carries their change: archive moves them
with that file, check knows them.

Three kinds, as discovery and convert decide them: a dialect twin (`002_x_mysql.sql` beside the
converted `002_x.sql`, or a file whose MySQL-only syntax says its dialect), a script that runs the
same statements as a converted `.sql` file, and a file written for another dialect than the
chain's with no twin at all (history of another database).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from converter.core.diagnostics import Diagnostics
from converter.core.dialects import Dialect
from converter.core.errors import ConverterError
from converter.discover.discovery import LegacySource
from converter.discover.names import normalize_dialect


@dataclass(frozen=True)
class Twin:
    """A legacy file not converted itself. `of`: the converted source carrying its change (None
    for a file of another dialect without one); `note` says which and why."""

    path: str
    sha256: str
    of: str | None
    note: str


def find_twins(
    root: Path,
    found: Sequence[LegacySource],
    converted: Mapping[str, object],
    dialect: Dialect | None,
) -> dict[str, Twin]:
    """path -> Twin for every found source no revision records that convert left out as the
    twin of a converted one, or as written for another dialect than the chain's `dialect`."""
    left = [s for s in found if s.path not in converted]
    done = [s for s in found if s.path in converted]
    twins: dict[str, Twin] = {}
    bases = {_twin_base(s): s.path for s in done}
    for source in left:
        twin = bases.get(_twin_base(source))
        if twin:
            note = f"{source.dialect or 'generic'} twin of {twin}; not converted itself"
            twins[source.path] = Twin(source.path, source.sha256, twin, note)
    twins.update(_repeating(root, [s for s in left if s.path not in twins], done, dialect))
    if dialect is not None:
        for source in left:
            other = source.dialect and normalize_dialect(source.dialect) != dialect
            if other and source.path not in twins:
                note = f"written for {source.dialect}, not converted for {dialect}"
                twins[source.path] = Twin(source.path, source.sha256, None, note)
    return twins


def _twin_base(source: LegacySource) -> str:
    """The path without its dialect suffix (`002_x_mysql.sql` -> `002_x.sql`)."""
    pure = PurePosixPath(source.path)
    token = re.split(r"[._]", pure.stem)[-1]
    if source.dialect is None or normalize_dialect(token) != source.dialect:
        return source.path
    return str(pure.with_name(pure.stem[: -len(token) - 1] + pure.suffix))


def _repeating(
    root: Path,
    scripts: Sequence[LegacySource],
    done: Sequence[LegacySource],
    dialect: Dialect | None,
) -> dict[str, Twin]:
    """Scripts that run the same statements as a converted .sql file (convert kept the file)."""
    scripts = [s for s in scripts if s.kind == "py"]
    if not scripts:
        return {}
    chosen = dialect or Dialect.SQLITE
    by_key: dict[frozenset[str], str] = {}
    for source in done:
        if source.kind == "sql":
            by_key.setdefault(_key(root, source.path, chosen), source.path)
    by_key.pop(frozenset(), None)
    twins = {}
    for script in scripts:
        sql = by_key.get(_key(root, script.path, chosen))
        if sql:
            note = f"script twin of {sql} (runs the same statements); not converted itself"
            twins[script.path] = Twin(script.path, script.sha256, sql, note)
    return twins


def _key(root: Path, path: str, dialect: Dialect) -> frozenset[str]:
    """The statements one source runs, as convert compares twins (empty: unreadable)."""
    from converter.extract import extract
    from converter.lower.repeats import effective_texts, repeat_key

    try:
        items = extract(root / path, path, dialect, root, Diagnostics())
        return repeat_key(effective_texts(items, dialect))
    except ConverterError:
        return frozenset()
