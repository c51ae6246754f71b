"""The order legacy sources were applied in, and the reason given for each position.

Git history first (ties by prefix and name), then untracked files; prefix and name order without
git; an order file overrides everything and must list every source exactly once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import InputError
from converter.core.files import read_regular
from converter.discover.history import Added
from converter.discover.names import Candidate

_Placed = tuple[Candidate, str, Added | None]


def history_order(
    candidates: list[Candidate], history: dict[str, Added] | None, diags: Diagnostics
) -> list[_Placed]:
    """Git order (ties by prefix and name), then untracked files; prefix and name without git."""
    by_name = sorted(candidates, key=Candidate.name_key)
    if not history:
        _warn_name_order(by_name, diags)
    if history is None:
        return [(c, c.name_reason(), None) for c in by_name]
    committed = [c for c in by_name if c.path in history]
    committed.sort(key=lambda c: history[c.path].rank)
    placed = [_git_placed(group, history) for group in _same_commit(committed, history)]
    _warn_disagreements(committed, history, diags)
    untracked = [c for c in by_name if c.path not in history]
    for candidate in untracked:
        diags.info(
            Origin(candidate.path),
            "not committed: placed after the committed sources",
            code="L2A106",
        )
    tail = [(c, f"untracked: after committed sources, {c.name_reason()}", None) for c in untracked]
    return [*itertools.chain.from_iterable(placed), *tail]


def _warn_name_order(by_name: list[Candidate], diags: Diagnostics) -> None:
    """Without git history, sources without a number or date prefix are ordered by name only:
    that is rarely the order they ran in."""
    unnumbered = [c.path for c in by_name if c.prefix is None]
    if len(by_name) < 2 or not unnumbered:
        return
    shown = ", ".join(unnumbered[:5]) + (
        f" and {len(unnumbered) - 5} more" if len(unnumbered) > 5 else ""
    )
    diags.warning(
        None,
        f"no git history and no number or date prefix on {shown}: ordered by name, which is "
        "rarely the order they ran in; check the order scan shows, or pass --order FILE",
        code="L2A109",
    )


def _same_commit(
    committed: list[Candidate], history: dict[str, Added]
) -> Iterator[list[Candidate]]:
    for _, group in itertools.groupby(committed, key=lambda c: history[c.path].rank):
        yield list(group)


def _git_placed(group: list[Candidate], history: dict[str, Added]) -> list[_Placed]:
    first = history[group[0].path]
    reason = f"git: first added in {first.commit} ({first.date})"
    if len(group) == 1:
        return [(group[0], reason, first)]
    return [(c, f"{reason}, tie by {c.name_reason()}", first) for c in group]


def _warn_disagreements(
    committed: list[Candidate], history: dict[str, Added], diags: Diagnostics
) -> None:
    """Warn where git added a source after another of its series whose prefix sorts later.

    A series is one folder and kind: `.py` and `.sql` files are usually numbered separately.
    """
    highest: dict[tuple[str, str], Candidate] = {}
    for group in _same_commit(committed, history):
        for candidate in group:
            earlier = highest.get(candidate.series)
            if earlier is not None and _sorts_before(candidate, earlier):
                _warn_disagreement(candidate, earlier, history, diags)
        for candidate in group:
            if candidate.prefix and _is_higher(candidate, highest.get(candidate.series)):
                highest[candidate.series] = candidate


def _sorts_before(candidate: Candidate, earlier: Candidate) -> bool:
    if earlier.prefix is None or candidate.prefix is None:
        return False
    return candidate.prefix.key < earlier.prefix.key


def _is_higher(candidate: Candidate, current: Candidate | None) -> bool:
    if current is None or current.prefix is None or candidate.prefix is None:
        return True
    return candidate.prefix.key > current.prefix.key


def _warn_disagreement(
    late: Candidate, early: Candidate, history: dict[str, Added], diags: Diagnostics
) -> None:
    assert late.prefix and early.prefix
    when = history[late.path]
    diags.warning(
        Origin(late.path),
        f"git added it in {when.commit} ({when.date}), after {early.path} ({early.prefix.label}),"
        f" although its {late.prefix.label} sorts first: git order is used"
        " (pass --order FILE to override)",
        code="L2A107",
    )


def order_file_placed(
    path: Path,
    root: Path,
    candidates: list[Candidate],
    skipped: dict[str, str],
    history: dict[str, Added],
) -> list[_Placed]:
    """Exactly the order the file lists; every listed path must be a legacy source, and every
    legacy source must be listed (nothing is dropped or guessed)."""
    label = _display_path(path, root)
    by_path = {c.path: c for c in candidates}
    seen: dict[str, int] = {}
    for number, entry in _order_entries(path, label):
        origin = Origin(label, number)
        if entry in seen:
            raise InputError(f"{entry} is listed twice (first on line {seen[entry]})", origin)
        if entry not in by_path:
            raise InputError(_not_a_source(root, entry, skipped), origin)
        seen[entry] = number
    missing = [c.path for c in sorted(candidates, key=Candidate.name_key) if c.path not in seen]
    if missing:
        listed = ", ".join(missing)
        raise InputError(f"legacy sources missing from the order file: {listed}", Origin(label))
    return [(by_path[p], f"order file line {n}", history.get(p)) for p, n in seen.items()]


def _order_entries(path: Path, label: str) -> Iterator[tuple[int, str]]:
    try:
        text = read_regular(path, Origin(label)).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read the order file: {exc.reason}", Origin(label)) from None
    except InputError as exc:
        raise InputError(f"cannot read the order file: {exc.message}", Origin(label)) from None
    for number, line in enumerate(text.splitlines(), start=1):
        entry = re.sub(r"(^|\s)#.*$", "", line).strip().replace("\\", "/")
        if entry:
            yield number, str(PurePosixPath(entry)).removeprefix("./")


def _not_a_source(root: Path, entry: str, skipped: dict[str, str]) -> str:
    if entry in skipped:
        return f"{entry} is not a legacy source here: {skipped[entry]}"
    if (root / entry).is_file():
        return f"{entry} is not a legacy source (it matches no glob, or its folder is excluded)"
    return f"{entry} does not exist"


def _display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
