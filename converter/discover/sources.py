"""Find a project's legacy sources and put them in the order they were applied historically.

The tree is walked once, pruning excluded folders before descending (virtualenvs and node_modules
can dwarf the project). Order comes from git when the project is a work tree (the commit that first
added each file), then from numeric or date prefixes, then from natural name order; an order file
overrides all of it. Existing Alembic folders are reported and never read as legacy sources.
"""

from __future__ import annotations

import configparser
import hashlib
import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.core.dialects import find_dialect
from converter.core.errors import InputError

ARCHIVE_MANIFEST = "MANIFEST.json"
VENV_MARKER = "pyvenv.cfg"


@dataclass(frozen=True)
class LegacySource:
    """One legacy script. `reason` says why it sits at its position in the order."""

    path: str
    kind: str
    sha256: str
    reason: str
    added: str | None = None
    dialect: str | None = None


@dataclass(frozen=True)
class Discovery:
    """What a project holds: legacy sources in historical order, what was left out and why."""

    root: Path
    sources: tuple[LegacySource, ...]
    skipped: tuple[tuple[str, str], ...]
    migrations_dirs: tuple[str, ...]
    git: bool
    # Folders holding .sql files no sql-globs pattern matches (perhaps migrations: a hint).
    other_sql_dirs: tuple[str, ...] = ()


# --- Globs and the walk ------------------------------------------------------------------------


def compile_globs(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching a relative posix path against any pattern; `**` spans folders."""
    parts = [_glob_regex(p.removeprefix("./")) for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def _glob_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            token, i = _glob_token(pattern, i)
            out.append(token)
    return "".join(out)


def _glob_token(pattern: str, i: int) -> tuple[str, int]:
    char = pattern[i]
    if char == "*":
        return "[^/]*", i + 1
    if char == "?":
        return "[^/]", i + 1
    end = pattern.find("]", i + 2) if char == "[" else -1
    if end < 0:
        return re.escape(char), i + 1
    body = pattern[i + 1 : end]
    negate = body.startswith("!")
    body = body[1:] if negate else body
    return f"[{'^' if negate else ''}{body.replace(chr(92), chr(92) * 2)}]", end + 1


def matches(regex: re.Pattern[str] | None, path: str) -> bool:
    return regex is not None and regex.fullmatch(path) is not None


class _Excluder:
    """Exclude entries without `/` match folder names; entries with `/` match relative paths."""

    def __init__(self, patterns: Sequence[str]) -> None:
        cleaned = [p.strip("/") for p in patterns if p.strip("/")]
        self._names = compile_globs(p for p in cleaned if "/" not in p)
        self._paths = compile_globs(p for p in cleaned if "/" in p)

    def folder(self, rel: str, name: str) -> bool:
        return matches(self._names, name) or matches(self._paths, rel)

    def file(self, rel: str) -> bool:
        return matches(self._paths, rel)


def walk_tree(root: Path, exclude: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """Yield (folder relative to root, sorted file names) once per folder, never descending into
    excluded folders or virtualenvs (a folder holding `pyvenv.cfg`)."""
    excluder = _Excluder(exclude)
    for top, dirnames, filenames in os.walk(root):
        rel = _posix_relative(top, root)
        if rel and (VENV_MARKER in filenames or _is_archive(top, filenames)):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not excluder.folder(join(rel, d), d))
        yield rel, sorted(f for f in filenames if not excluder.file(join(rel, f)))


def _is_archive(top: str, filenames: list[str]) -> bool:
    """A folder `legacy2alembic archive` wrote: its scripts are history, not sources."""
    if ARCHIVE_MANIFEST not in filenames:
        return False
    try:
        with open(os.path.join(top, ARCHIVE_MANIFEST), encoding="utf-8") as handle:
            return '"tool": "legacy2alembic"' in handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return False


def _posix_relative(top: str, root: Path) -> str:
    rel = os.path.relpath(top, root)
    return "" if rel == "." else rel.replace(os.sep, "/")


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


# --- Candidates: names, prefixes, twins --------------------------------------------------------

_TWIN_SUFFIX = re.compile(r"[._](sqlite|postgresql|postgres|pg|mysql)$", re.IGNORECASE)
_MIGRATE = re.compile(r"^migrate[_-]", re.IGNORECASE)
_FLYWAY = re.compile(r"^[Vv](\d+(?:[._]\d+)*)__")
_DATE = re.compile(r"^((\d{4})[-_]?(\d{2})[-_]?(\d{2}))(?!\d)")
_NUMBER = re.compile(r"^(\d+)(?!\d)")


@dataclass(frozen=True)
class _Prefix:
    key: tuple[int, ...]
    label: str


@dataclass(frozen=True)
class _Candidate:
    """A file matched by the globs, with what ordering and twin selection need from its name."""

    path: str
    kind: str
    logical: str
    dialect: str | None
    prefix: _Prefix | None
    natural: tuple[str | int, ...]

    @property
    def series(self) -> tuple[str, str]:
        return (str(PurePosixPath(self.path).parent), self.kind)

    def name_key(self) -> tuple[object, ...]:
        prefix = (0, self.prefix.key) if self.prefix else (1, ())
        return (*prefix, self.natural, self.path)

    def name_reason(self) -> str:
        return self.prefix.label if self.prefix else "name order"


def _candidate(path: str, kind: str) -> _Candidate:
    pure = PurePosixPath(path)
    folder = "" if str(pure.parent) == "." else str(pure.parent)
    stem = pure.name[: -len(pure.suffix)] if pure.suffix else pure.name
    twin = _TWIN_SUFFIX.search(stem)
    base = stem[: twin.start()] if twin else stem
    ordered = _MIGRATE.sub("", base, count=1)
    return _Candidate(
        path=path,
        kind=kind,
        logical=join(folder, base + pure.suffix),
        dialect=normalize_dialect(twin.group(1)) if twin else None,
        prefix=prefix_of(ordered),
        natural=natural_key(ordered),
    )


def normalize_dialect(name: str) -> str:
    """`postgresql`, `pg` -> `postgres`; `mariadb` -> `mysql`; other names lower-cased."""
    return find_dialect(name) or name.lower()


def prefix_of(stem: str) -> _Prefix | None:
    """The ordering prefix at the start of a stem: Flyway `V1_2__`, a date, or a number."""
    flyway = _FLYWAY.match(stem)
    if flyway:
        key = tuple(int(n) for n in re.split(r"[._]", flyway.group(1)))
        return _Prefix(key, f"prefix V{flyway.group(1)}")
    date = _DATE.match(stem)
    if date and _is_date(*(int(g) for g in date.group(2, 3, 4))):
        return _Prefix((int("".join(date.group(2, 3, 4))),), f"date prefix {date.group(1)}")
    number = _NUMBER.match(stem)
    return _Prefix((int(number.group(1)),), f"prefix {number.group(1)}") if number else None


def _is_date(year: int, month: int, day: int) -> bool:
    return 1970 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def natural_key(text: str) -> tuple[str | int, ...]:
    """Digit runs compare as numbers (`2_x` before `10_x`); letters ignore case."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(p) if i % 2 else p.lower() for i, p in enumerate(parts))


def _select_twins(
    candidates: list[_Candidate], dialect: str | None, diags: Diagnostics
) -> tuple[list[_Candidate], list[tuple[str, str]]]:
    """Keep, per logical source, the twin for the dialect; report the others as skipped."""
    groups: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.logical, []).append(candidate)
    kept: list[_Candidate] = []
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


def _twin_for(members: list[_Candidate], dialect: str, diags: Diagnostics) -> list[_Candidate]:
    exact = [m for m in members if m.dialect == dialect]
    generic = [m for m in members if m.dialect is None]
    if exact or generic:
        return exact or generic
    paths = ", ".join(m.path for m in members)
    diags.warning(Origin(members[0].path), f"no {dialect} twin among {paths}: none of them is kept")
    return []


def _twin_skip(member: _Candidate, dialect: str, chosen: list[_Candidate]) -> tuple[str, str]:
    what = f"twin for {member.dialect}" if member.dialect else "generic twin"
    if chosen:
        return member.path, f"{what}; {chosen[0].path} is used for {dialect}"
    return member.path, f"{what}; no twin for {dialect}"


def _warn_all_twins_kept(members: list[_Candidate], diags: Diagnostics) -> None:
    if len(members) > 1:
        paths = ", ".join(m.path for m in members)
        diags.warning(
            Origin(members[0].path),
            f"per-dialect twins {paths} are all kept: pass --dialect to keep one",
        )


# --- Scanning the tree -------------------------------------------------------------------------


@dataclass
class _Scan:
    candidates: list[_Candidate] = field(default_factory=list)
    env_dirs: list[str] = field(default_factory=list)
    ini_files: list[str] = field(default_factory=list)
    other_sql: list[str] = field(default_factory=list)  # .sql files no sql-glob matches


def _scan(root: Path, config: Config) -> _Scan:
    py = compile_globs(config.py_globs)
    sql = compile_globs(config.sql_globs)
    scan = _Scan()
    for folder, names in walk_tree(root, config.exclude):
        if "env.py" in names and "script.py.mako" in names:
            scan.env_dirs.append(folder)
        if "alembic.ini" in names:
            scan.ini_files.append(join(folder, "alembic.ini"))
        for name in names:
            path = join(folder, name)
            kind = "py" if matches(py, path) else "sql" if matches(sql, path) else None
            if kind:
                scan.candidates.append(_candidate(path, kind))
            elif name.lower().endswith(".sql"):
                scan.other_sql.append(path)
    return scan


def _report_other_sql(
    scan: _Scan, migrations: Sequence[str], found: int, diags: Diagnostics
) -> tuple[str, ...]:
    """SQL files in folders the globs do not cover may be migrations the user expects found:
    said in a diagnostic; their folders are returned."""
    folders: dict[str, int] = {}
    for path in scan.other_sql:
        if _inside(path, migrations) is None:
            folder = path.rpartition("/")[0] or "."
            folders[folder] = folders.get(folder, 0) + 1
    if not folders:
        return ()
    listed = ", ".join(f"{f}/ ({n})" for f, n in sorted(folders.items())[:5])
    more = f" and {len(folders) - 5} more folder(s)" if len(folders) > 5 else ""
    message = (
        f".sql files no sql-globs pattern matches, so not read as legacy sources: "
        f"{listed}{more}. If they are schema migrations, add their folder to sql-globs "
        "in [tool.legacy2alembic] of pyproject.toml"
    )
    (diags.info if found else diags.warning)(None, message)
    return tuple(sorted(folders))


def _migrations_dirs(root: Path, scan: _Scan, diags: Diagnostics) -> tuple[str, ...]:
    found = set(scan.env_dirs)
    for ini in scan.ini_files:
        location = _script_location(root, ini, diags)
        if location is not None and (root / location).is_dir():
            found.add(location)
    return tuple(sorted(found))


def _script_location(root: Path, ini: str, diags: Diagnostics) -> str | None:
    """The folder an alembic.ini names, relative to root; None for package resources or outside."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string((root / ini).read_text(encoding="utf-8"), source=ini)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        diags.warning(Origin(ini), f"cannot read alembic.ini: {exc}")
        return None
    value = parser.get("alembic", "script_location", fallback=None)
    if not value or re.match(r"^[\w.]+:(?![\\/])", value):
        return None
    here = root / PurePosixPath(ini).parent
    target = Path(os.path.normpath(here / value.replace("%(here)s", str(here))))
    rel = os.path.relpath(target, os.path.normpath(root))
    return None if rel.startswith("..") else ("" if rel == "." else rel.replace(os.sep, "/"))


def _inside(path: str, folders: Sequence[str]) -> str | None:
    for folder in folders:
        if not folder or path.startswith(folder + "/"):
            return folder
    return None


# --- Git history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Added:
    rank: int
    commit: str
    date: str


_GIT_ENV = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C", "GIT_OPTIONAL_LOCKS": "0"}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, env=_GIT_ENV
        )
    except OSError:
        return None


def _in_git_work_tree(root: Path, diags: Diagnostics) -> bool:
    """Whether root is in a git work tree git can read; says why not when git refused it
    (for example a repository owned by another user: `safe.directory`)."""
    result = _git(root, "rev-parse", "--show-toplevel")
    if result is None:
        diags.info(None, "git is not available: ordering legacy sources by prefix and name")
        return False
    error = result.stderr.decode(errors="replace").strip()
    if result.returncode != 0 and "not a git repository" not in error:
        diags.warning(
            None, f"git cannot read this work tree ({error}): ordering by prefix and name"
        )
    return result.returncode == 0


def _git_first_added(root: Path, diags: Diagnostics) -> dict[str, _Added]:
    """Path (relative to root) -> the commit that first added it, from a single `git log`.

    Renames are followed through `--find-renames`: a file keeps the commit that added it under
    its first name. A file that was deleted and added again keeps its first addition.
    """
    result = _git(
        root,
        "-c",
        "core.quotepath=off",
        "log",
        "--reverse",
        "--date-order",
        "-z",
        "--diff-filter=AR",
        "--find-renames",
        "--name-status",
        "--relative",
        "--format=%x01%h%x09%cs",
        "--",
        ".",
    )
    if result is None or result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip() if result else "git not found"
        diags.info(None, f"no git history ({detail}): ordering by prefix and name")
        return {}
    return parse_git_log(result.stdout.decode(sys.getfilesystemencoding(), "surrogateescape"))


def parse_git_log(output: str) -> dict[str, _Added]:
    """Parse `git log -z --name-status --format=%x01%h%x09%cs` output, oldest commit first."""
    added: dict[str, _Added] = {}
    for rank, chunk in enumerate(c for c in output.split("\x01") if c):
        header, _, body = chunk.partition("\0")
        commit, _, date = header.partition("\t")
        here = _Added(rank, commit, date)
        tokens = iter(t for t in body.lstrip("\n").split("\0") if t)
        for status in tokens:
            if status.startswith(("R", "C")):
                old, new = next(tokens, ""), next(tokens, "")
                added.setdefault(new, added.get(old, here))
            else:
                added.setdefault(next(tokens, ""), here)
    return added


# --- Ordering ----------------------------------------------------------------------------------

_Placed = tuple[_Candidate, str, _Added | None]


def _history_order(
    candidates: list[_Candidate], history: dict[str, _Added] | None, diags: Diagnostics
) -> list[_Placed]:
    """Git order (ties by prefix and name), then untracked files; prefix and name without git."""
    by_name = sorted(candidates, key=_Candidate.name_key)
    if history is None:
        return [(c, c.name_reason(), None) for c in by_name]
    committed = [c for c in by_name if c.path in history]
    committed.sort(key=lambda c: history[c.path].rank)
    placed = [_git_placed(group, history) for group in _same_commit(committed, history)]
    _warn_disagreements(committed, history, diags)
    untracked = [c for c in by_name if c.path not in history]
    for candidate in untracked:
        diags.info(Origin(candidate.path), "not committed: placed after the committed sources")
    tail = [(c, f"untracked: after committed sources, {c.name_reason()}", None) for c in untracked]
    return [*itertools.chain.from_iterable(placed), *tail]


def _same_commit(
    committed: list[_Candidate], history: dict[str, _Added]
) -> Iterator[list[_Candidate]]:
    for _, group in itertools.groupby(committed, key=lambda c: history[c.path].rank):
        yield list(group)


def _git_placed(group: list[_Candidate], history: dict[str, _Added]) -> list[_Placed]:
    first = history[group[0].path]
    reason = f"git: first added in {first.commit} ({first.date})"
    if len(group) == 1:
        return [(group[0], reason, first)]
    return [(c, f"{reason}, tie by {c.name_reason()}", first) for c in group]


def _warn_disagreements(
    committed: list[_Candidate], history: dict[str, _Added], diags: Diagnostics
) -> None:
    """Warn where git added a source after another of its series whose prefix sorts later.

    A series is one folder and kind: `.py` and `.sql` files are usually numbered separately.
    """
    highest: dict[tuple[str, str], _Candidate] = {}
    for group in _same_commit(committed, history):
        for candidate in group:
            earlier = highest.get(candidate.series)
            if earlier is not None and _sorts_before(candidate, earlier):
                _warn_disagreement(candidate, earlier, history, diags)
        for candidate in group:
            if candidate.prefix and _is_higher(candidate, highest.get(candidate.series)):
                highest[candidate.series] = candidate


def _sorts_before(candidate: _Candidate, earlier: _Candidate) -> bool:
    if earlier.prefix is None or candidate.prefix is None:
        return False
    return candidate.prefix.key < earlier.prefix.key


def _is_higher(candidate: _Candidate, current: _Candidate | None) -> bool:
    if current is None or current.prefix is None or candidate.prefix is None:
        return True
    return candidate.prefix.key > current.prefix.key


def _warn_disagreement(
    late: _Candidate, early: _Candidate, history: dict[str, _Added], diags: Diagnostics
) -> None:
    assert late.prefix and early.prefix
    when = history[late.path]
    diags.warning(
        Origin(late.path),
        f"git added it in {when.commit} ({when.date}), after {early.path} ({early.prefix.label}),"
        f" although its {late.prefix.label} sorts first: git order is used"
        " (pass --order FILE to override)",
    )


def _order_file_placed(
    path: Path,
    root: Path,
    candidates: list[_Candidate],
    skipped: dict[str, str],
    history: dict[str, _Added],
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
    missing = [c.path for c in sorted(candidates, key=_Candidate.name_key) if c.path not in seen]
    if missing:
        listed = ", ".join(missing)
        raise InputError(f"legacy sources missing from the order file: {listed}", Origin(label))
    return [(by_path[p], f"order file line {n}", history.get(p)) for p, n in seen.items()]


def _order_entries(path: Path, label: str) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the order file: {exc}", Origin(label)) from None
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


# --- The stage ---------------------------------------------------------------------------------


def discover(
    root: Path,
    config: Config,
    diags: Diagnostics,
    *,
    dialect: str | None = None,
    order_file: Path | None = None,
) -> Discovery:
    """Legacy sources of the project at `root`, in historical order. An empty result is valid."""
    if not root.is_dir():
        reason = "is not a directory" if root.exists() else "does not exist"
        raise InputError(f"project directory {root} {reason}")
    scan = _scan(root, config)
    migrations = _migrations_dirs(root, scan, diags)
    candidates, skipped = _outside_alembic(scan.candidates, migrations)
    chosen_dialect = dialect or config.dialect
    kept, twins = _select_twins(
        candidates, normalize_dialect(chosen_dialect) if chosen_dialect else None, diags
    )
    skipped += twins
    git = _in_git_work_tree(root, diags)
    history = _git_first_added(root, diags) if git else None
    order = order_file or (root / config.order if config.order else None)
    if order is None:
        placed = _history_order(kept, history, diags)
    else:
        placed = _order_file_placed(order, root, kept, dict(skipped), history or {})
    sources = tuple(_source(root, *p) for p in placed)
    other_sql = _report_other_sql(scan, migrations, len(sources), diags)
    return Discovery(root, sources, tuple(sorted(skipped)), migrations, git, other_sql)


def _outside_alembic(
    candidates: list[_Candidate], migrations: Sequence[str]
) -> tuple[list[_Candidate], list[tuple[str, str]]]:
    kept: list[_Candidate] = []
    skipped: list[tuple[str, str]] = []
    for candidate in candidates:
        folder = _inside(candidate.path, migrations)
        if folder is None:
            kept.append(candidate)
        else:
            skipped.append((candidate.path, f"inside the Alembic folder {folder or '.'}/"))
    return kept, skipped


def _source(root: Path, candidate: _Candidate, reason: str, added: _Added | None) -> LegacySource:
    try:
        digest = hashlib.sha256((root / candidate.path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Origin(candidate.path)) from None
    return LegacySource(
        path=candidate.path,
        kind=candidate.kind,
        sha256=digest,
        reason=reason,
        added=added.date if added else None,
        dialect=candidate.dialect,
    )
