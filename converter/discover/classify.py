"""What a file found by the default discovery is, read from its name and a sniff of its text.

Real projects keep hand-written SQL anywhere (the root, `sql/`, `db/`, `scripts/`, beside
Flask-Migrate) and name schema scripts `add_*.py`, `fix_*.py`, `migrate.py`. The default discovery
therefore reads every `.sql` file and every script named like a migration, and this module decides
what each one is: a legacy migration, a full schema dump, a seed, a file of queries, or a script
that runs no DDL. The sniff is lexical (comments stripped, statements split on `;`): it only
decides what to read, never what a statement means.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from converter.discover.names import prefix_of, without_prefix
from converter.discover.startup import APP_FILES

# Scripts named like schema changes; read, and kept only when they run DDL.
SCRIPT_NAMES = re.compile(
    r"(migrate([_-].*)?|(add|fix|update|upgrade|run|manual|force|apply)_.*|.*_migrations?)\.py",
    re.IGNORECASE,
)
# DDL written out; a script that only calls create_all() sets a database up and changes none, so
# only a script named like a migration is read for that.
_LITERAL_DDL = re.compile(
    r"\b(create|alter|drop)\s+(?:unique\s+|temporary\s+|temp\s+|or\s+replace\s+)?"
    r"(table|index|column|type|sequence|view|constraint|extension|trigger|schema)\b"
    r"|\brename\s+(table|column)\b",
    re.IGNORECASE,
)
_DDL = re.compile(
    rf"{_LITERAL_DDL.pattern}|\bcreate_all\s*\(|\b__table__\s*\.\s*create\s*\(", re.IGNORECASE
)
# Never one-shot scripts, even with a `__main__` block (`app.run()`): application files,
# settings, models and tests.
NOT_SCRIPTS = re.compile(
    rf"{APP_FILES.pattern}|(manage|config|settings|models?|conftest|setup|test_\w*|\w*_test)\.py",
    re.I,
)
# Scripts that are no migrations by their name's words: checks, dumps, seeds, servers, resets.
# Only scripts no name rule matched are held to it (`fix_*.py` stays a candidate)...
NOT_MIGRATION_WORDS = re.compile(
    r"(^|[_\-.])(debug|diagnose|diag|dump|check|checks|verify|validate|validation|inspect|show"
    r"|test|tests|bench|benchmark|seed|seeds|populate|insert|backup|export|report|server|worker"
    r"|services?|reset|recreate|standalone|demo|sample|example|start|startup)([_\-.]|$)",
    re.I,
)
# ...unless another word says it changes the schema (`backup_and_fix_columns.py`).
CHANGE_WORDS = re.compile(
    r"(^|[_\-.])(fix|fixes|add|alter|migrate|migration|upgrade|update)([_\-.]|$)", re.I
)
# Calls that run SQL, a connection's or a cursor's.
_RUNS_SQL = frozenset({"execute", "executescript", "executemany", "exec_driver_sql"})
_ALEMBIC_REVISION = re.compile(r"^\s*(down_revision\s*[:=]|from alembic import op)", re.MULTILINE)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/|^\s*#[^\n]*", re.DOTALL | re.MULTILINE)
_DUMP_HEADER = re.compile(
    r"--\s*(PostgreSQL database dump|MySQL dump|MariaDB dump|Dumped by pg_dump)", re.IGNORECASE
)
_DUMP_NAME = re.compile(r"(^|[_\-.])(schema|dump|backup|structures?|setup)([_\-.]|$)", re.I)
_SEED_NAME = re.compile(r"(^|[_\-.])(seeds?|sample|demo|fixtures?|test_?data)([_\-.]|$)", re.I)
_DUMP_STATEMENTS = frozenset(
    (
        "create set insert comment begin commit select pragma use lock unlock alter drop copy start"
    ).split()
)
_DATA = frozenset({"insert", "update", "delete", "copy", "replace", "merge", "upsert"})
_QUERIES = frozenset({"select", "show", "explain", "describe", "desc", "pragma", "with", "use"})
# MySQL-only spellings: table options, MODIFY / CHANGE, UNSIGNED, AUTO_INCREMENT. Backquoted
# names are not among them: SQLite accepts them too.
_MYSQL = re.compile(
    r"\bENGINE\s*=|\bAUTO_INCREMENT\b|\bDEFAULT\s+CHARSET\b|\bUNSIGNED\b"
    r"|\bALTER\s+TABLE\s+\S+\s+(MODIFY|CHANGE)\s+(COLUMN\s+)?\w|\bON\s+UPDATE\s+CURRENT_TIMESTAMP\b",
    re.IGNORECASE,
)


# Why a schema dump is left out; convert finds the dumps by it, to cross-check them.
DUMP_REASON = "full schema dump (CREATE statements only): not converted"


@dataclass(frozen=True)
class Verdict:
    """`kind`: "migration" (a legacy source), or why not: "dump", "seed", "queries", "empty"."""

    kind: str
    reason: str

    @property
    def is_source(self) -> bool:
        return self.kind == "migration"


def sql_verdict(path: str, text: str, *, in_legacy_folder: bool) -> Verdict:
    """What a `.sql` file is. A file in a legacy-migration folder (the sql-globs) is a source
    unless it is a dump, or a seed by name and content; a numbered step there (`003_seed_admin`)
    is a data migration in the sequence, not a seed. Elsewhere it must change something."""
    stem = PurePosixPath(path).stem
    words = statement_words(text)
    if _is_dump(stem, text, words):
        return Verdict("dump", DUMP_REASON)
    numbered_step = in_legacy_folder and prefix_of(stem) is not None
    seed_name = _SEED_NAME.search(stem) and not numbered_step
    if seed_name and words and words <= _DATA | {"begin", "commit", "set"}:
        return Verdict("seed", "seed or data file (no schema change): not converted")
    if in_legacy_folder:
        return Verdict("migration", "in a legacy migrations folder")
    if not words:
        return Verdict("empty", "no SQL statement in it")
    if words <= _QUERIES | {"begin", "commit", "set"}:
        return Verdict("queries", "queries only (SELECT, SHOW, PRAGMA): not a migration")
    if _DDL.search(strip_comments(text)):
        return Verdict("migration", "runs DDL")
    return Verdict("migration", "changes data")


def named_like_migration(name: str) -> bool:
    """A script file name that says it changes the schema, after any ordering prefix
    (`add_x.py`, `2025_07_21_add_x.py`, `COMPLETE_MIGRATION.py`)."""
    return SCRIPT_NAMES.fullmatch(without_prefix(name.removesuffix(".py")) + ".py") is not None


def script_verdict(text: str) -> Verdict:
    """Whether a script named like a migration runs DDL (it is read with `ast` later)."""
    if _ALEMBIC_REVISION.search(text):
        return Verdict("alembic", "an Alembic revision, not a legacy script")
    if not _DDL.search(strip_comments(text)):
        return Verdict("no-ddl", "named like a migration script, but runs no DDL")
    return Verdict("migration", "named like a migration script and runs DDL")


def one_shot_verdict(path: str, text: str) -> Verdict | None:
    """Whether a script no name rule matches is a one-shot schema script: it runs DDL and is run
    by hand (`if __name__ == "__main__":`, or SQL run at module level). None: not a candidate at
    all (no DDL, an Alembic revision, unparsable), left out silently: most of a project's
    modules are application code."""
    if _ALEMBIC_REVISION.search(text) or not _LITERAL_DDL.search(strip_comments(text)):
        return None
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return None
    if not _runs_sql(tree):
        return None
    if _is_script(tree):
        return Verdict("migration", "a one-shot script (run by hand) that runs DDL")
    return Verdict(
        "not-a-script",
        'runs DDL but is not run as a script (no `if __name__ == "__main__":`, no SQL at '
        "module level): not converted; add it to py-globs if it is a migration",
    )


def _is_script(tree: ast.Module) -> bool:
    """A `__main__` block, or SQL run by the module's own top-level code."""
    for node in tree.body:
        if isinstance(node, ast.If) and is_main_guard(node.test):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if _runs_sql(node):
                return True
    return False


def is_main_guard(test: ast.expr) -> bool:
    """`__name__ == "__main__"`, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = {_name_or_text(test.left), _name_or_text(test.comparators[0])}
    return sides == {"name:__name__", "text:__main__"}


def _name_or_text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return f"name:{node.id}"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"text:{node.value}"
    return None


def _runs_sql(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            if sub.func.attr in _RUNS_SQL:
                return True
    return False


def _is_dump(stem: str, text: str, words: frozenset[str]) -> bool:
    if _DUMP_HEADER.search(text[:4096]):
        return True
    creates = len(re.findall(r"\bcreate\s+table\b", strip_comments(text), re.IGNORECASE))
    return (
        bool(_DUMP_NAME.search(stem))
        and creates > 0
        and words <= _DUMP_STATEMENTS
        and (not _changes_existing(text))
    )


def _changes_existing(text: str) -> bool:
    """ALTER TABLE / UPDATE / DELETE change what exists: a migration, not a dump."""
    return re.search(r"\b(alter\s+table|update\s+\w|delete\s+from)\b", strip_comments(text),
                     re.IGNORECASE) is not None  # fmt: skip


def content_dialect(text: str) -> str | None:
    """ "mysql" when the text uses MySQL-only syntax; None when it does not say."""
    return "mysql" if _MYSQL.search(strip_comments(text)) else None


def strip_comments(text: str) -> str:
    return _COMMENTS.sub(" ", text)


def statement_words(text: str) -> frozenset[str]:
    """The first word of every statement, lower-cased (psql meta-commands left out)."""
    words = set()
    for chunk in strip_comments(text).split(";"):
        lines = [ln for ln in chunk.strip().splitlines() if not ln.lstrip().startswith("\\")]
        first = re.match(r"\s*([A-Za-z_]+)", "\n".join(lines))
        if first:
            words.add(first.group(1).lower())
    return frozenset(words)
