"""`legacy2alembic stamp`, run as a user runs it: the installed console script in a subprocess,
on real SQLite files and real PostgreSQL and MariaDB servers, against databases built the legacy
way.

Each fixture project is converted once per module; the databases of every k (create_all of the
old models, the seed, then the first k legacy scripts) are stamped together as one fleet
(--url-file), then each is upgraded to head with plain Alembic and compared with the database
that ran every legacy script.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from legacy import (
    Fixture,
    LegacyTemplates,
    build_legacy_database,
    copy_project,
    dump_data,
    load_fixture,
    sa_url,
    schema_summary,
    sqlite_files,
)
from test_end_to_end import alembic, revisions_by_source

CLI = str(Path(sys.executable).parent / "legacy2alembic")
SECRET = "Sup3rSecretPw"
# Runs a stamp with a pause injected inside its write transaction.
PAUSED_STAMP = str(Path(__file__).parent / "paused_stamp.py")
# The converter keeps uq_invoices_number in the baseline: 003's DO block that adds it is exact
# SQL, so un-applying the sources cannot remove it, and the old models from git are only used
# for attributes the sources leave unknown. Databases before 003 lack it and match no revision.


def stamp(
    project: Path, *args: str, env: dict[str, str] | None = None, stdin: Any = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "stamp", str(project), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=stdin,
        timeout=300,
        check=False,
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def version_rows(url: str) -> list[str] | None:
    """The alembic_version rows, or None without the table."""
    engine = sa.create_engine(sa_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return sorted(
                r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            )
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(sa_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def state(url: str) -> tuple[Any, ...]:
    """Everything stamp must not change: schema, data, version rows (and a SQLite file's
    bytes)."""
    parsed = sa.engine.make_url(url)
    raw = Path(parsed.database or "").read_bytes() if parsed.get_backend_name() == "sqlite" else b""
    return schema_summary(url), dump_data(url), version_rows(url), raw


# --- databases ------------------------------------------------------------------------------


class PgDatabases:
    """Databases on the test server for a whole module, dropped at its end."""

    def __init__(self, server_url: str) -> None:
        self.server = sa.create_engine(
            sa_url(server_url), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        self.made: list[str] = []

    def new(self, template: str | None = None) -> str:
        name = f"l2a_stamp_{uuid.uuid4().hex[:10]}"
        clause = f' TEMPLATE "{sa.engine.make_url(template).database}"' if template else ""
        with self.server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
        self.made.append(name)
        return self.server.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.server.connect() as conn:
            for name in self.made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.server.dispose()


class MysqlDatabases:
    """Databases on the MySQL / MariaDB test server for a whole module, dropped at its end.

    MySQL has no template databases: a copy is `mariadb-dump` piped into `mariadb`.
    """

    def __init__(self, server_url: str) -> None:
        self.server = sa.create_engine(
            sa_url(server_url), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        self.made: list[str] = []

    def new(self, template: str | None = None) -> str:
        name = f"l2a_stamp_{uuid.uuid4().hex[:10]}"
        with self.server.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}`")
        self.made.append(name)
        url = self.server.url.set(database=name).render_as_string(hide_password=False)
        if template:
            self._copy(sa.engine.make_url(template).database or "", name)
        return url

    def _copy(self, source: str, target: str) -> None:
        u = self.server.url
        login = ["--no-defaults", "-h", u.host or "", "-P", str(u.port), "-u", u.username or ""]
        env = {**os.environ, "MYSQL_PWD": u.password or ""}
        dump = subprocess.run(
            ["mariadb-dump", *login, "--routines", "--triggers", source],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        subprocess.run(
            ["mariadb", *login, target], input=dump.stdout, text=True, env=env, check=True
        )

    def drop_all(self) -> None:
        with self.server.connect() as conn:
            for name in self.made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        self.server.dispose()


@dataclass
class Chain:
    """A converted fixture project and the database that ran every legacy script."""

    fixture: Fixture
    project: Path
    new_database: Callable[[str | None], str]
    full_url: str = ""
    baseline: str = ""
    by_source: dict[str, str] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # Where legacy databases are copied from; None: each one is built afresh.
    templates: LegacyTemplates | None = None

    @property
    def migrations(self) -> Path:
        return self.project / "migrations"

    @property
    def head(self) -> str:
        return self.revision_for(len(self.fixture.history))

    def revision_for(self, k: int) -> str:
        applied = [p for p in self.fixture.history[:k] if p not in self.fixture.skip]
        return self.by_source[applied[-1]] if applied else self.baseline

    def legacy_database(self, k: int | None = None) -> str:
        """A database that ran the first k legacy sources (all when None)."""
        if self.templates is not None:
            return self.new_database(self.templates.url(self.fixture, k))
        url = self.new_database(None)
        build_legacy_database(self.fixture, url, k)
        return url

    def clone(self, url: str | None = None) -> str:
        return self.new_database(url or self.full_url)


def convert(
    name: str,
    root: Path,
    new_database: Callable[[str | None], str],
    *,
    git: bool,
    templates: LegacyTemplates | None = None,
) -> Chain:
    fixture = load_fixture(name)
    project = copy_project(fixture, root / "project", git=git)
    dialect = "postgresql" if fixture.dialect.startswith("postgres") else fixture.dialect
    result = subprocess.run(
        [CLI, "convert", str(project), "--dialect", dialect, "--models", fixture.models],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, output(result)
    chain = Chain(fixture, project, new_database, templates=templates)
    chain.baseline, chain.by_source = revisions_by_source(chain.migrations)
    chain.full_url = chain.legacy_database()
    chain.schema, chain.data = schema_summary(chain.full_url), dump_data(chain.full_url)
    return chain


@pytest.fixture(scope="module")
def sqlite_chain(tmp_path_factory: pytest.TempPathFactory, legacy_sqlite: LegacyTemplates) -> Chain:
    root = tmp_path_factory.mktemp("stamp_sqlite")
    return convert("sqlite_taskboard", root, sqlite_files(root), git=False, templates=legacy_sqlite)


@pytest.fixture(scope="module")
def pg_databases(pg_server_url: str) -> Iterator[PgDatabases]:
    databases = PgDatabases(pg_server_url)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def pg_chain(tmp_path_factory: pytest.TempPathFactory, pg_databases: PgDatabases) -> Chain:
    root = tmp_path_factory.mktemp("stamp_pg")
    templates = LegacyTemplates(root, pg_databases.new)
    return convert("postgres_invoicing", root, pg_databases.new, git=True, templates=templates)


@pytest.fixture(scope="module")
def mysql_databases(mysql_server_url: str) -> Iterator[MysqlDatabases]:
    databases = MysqlDatabases(mysql_server_url)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def mysql_chain(tmp_path_factory: pytest.TempPathFactory, mysql_databases: MysqlDatabases) -> Chain:
    root = tmp_path_factory.mktemp("stamp_mysql")
    return convert("mysql_library", root, mysql_databases.new, git=True)


CHAINS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
]
CHAIN_FIXTURES = {"sqlite": "sqlite_chain", "postgres": "pg_chain", "mysql": "mysql_chain"}


@pytest.fixture(params=CHAINS)
def chain(request: pytest.FixtureRequest) -> Chain:
    return request.getfixturevalue(CHAIN_FIXTURES[request.param])


# --- every k: the fleet ---------------------------------------------------------------------


@dataclass
class Fleet:
    urls: list[str]
    results: list[dict[str, Any]]


def stamp_fleet(chain: Chain, root: Path) -> Fleet:
    urls = [chain.legacy_database(k) for k in range(len(chain.fixture.history) + 1)]
    url_file = root / "urls.txt"
    url_file.write_text("# every k\n\n" + "\n".join(urls) + "\n")
    result = stamp(chain.project, "--url-file", str(url_file), "--yes", "--json", "--workers", "3")
    assert "Traceback" not in result.stderr
    assert result.stdout, result.stderr
    document = json.loads(result.stdout)
    refused = any(d["status"] == "refused" for d in document["databases"])
    assert result.returncode == (1 if refused else 0), output(result)
    return Fleet(urls, document["databases"])


@pytest.fixture(scope="module")
def sqlite_fleet(sqlite_chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return stamp_fleet(sqlite_chain, tmp_path_factory.mktemp("sqlite_fleet"))


@pytest.fixture(scope="module")
def pg_fleet(pg_chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return stamp_fleet(pg_chain, tmp_path_factory.mktemp("pg_fleet"))


@pytest.fixture(scope="module")
def mysql_fleet(mysql_chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return stamp_fleet(mysql_chain, tmp_path_factory.mktemp("mysql_fleet"))


def check_k(chain: Chain, fleet: Fleet, k: int) -> None:
    url, result = fleet.urls[k], fleet.results[k]
    assert result["status"] == "stamped", result
    assert result["revision"] == chain.revision_for(k)
    assert version_rows(url) == [chain.revision_for(k)]
    alembic(chain.migrations, url, "upgrade", "head")
    assert schema_summary(url) == chain.schema
    assert dump_data(url) == chain.data


@pytest.mark.parametrize("k", range(9))
def test_sqlite_taskboard_every_k_is_stamped_at_its_source(
    sqlite_chain: Chain, sqlite_fleet: Fleet, k: int
) -> None:
    assert len(sqlite_chain.fixture.history) == 8
    check_k(sqlite_chain, sqlite_fleet, k)


@pytest.mark.postgres
@pytest.mark.parametrize("k", range(9))
def test_postgres_invoicing_every_k_is_stamped_at_its_source(
    pg_chain: Chain, pg_fleet: Fleet, k: int
) -> None:
    assert len(pg_chain.fixture.history) == 8
    check_k(pg_chain, pg_fleet, k)


@pytest.mark.mysql
@pytest.mark.parametrize("k", range(8))
def test_mysql_library_every_k_is_stamped_at_its_source(
    mysql_chain: Chain, mysql_fleet: Fleet, k: int
) -> None:
    assert len(mysql_chain.fixture.history) == 7
    check_k(mysql_chain, mysql_fleet, k)


# --- refusals -------------------------------------------------------------------------------

DRIFTS = {
    "sqlite": {
        "extra column": (
            ["ALTER TABLE tasks ADD COLUMN color TEXT"],
            "table tasks: extra column color",
        ),
        "missing index": (
            ["DROP INDEX ix_tasks_due_date"],
            "table tasks: index ix_tasks_due_date missing",
        ),
        "changed type": (
            [
                "CREATE TABLE tags_new (id INTEGER NOT NULL, name VARCHAR(50) NOT NULL, "
                "color VARCHAR(20), PRIMARY KEY (id))",
                "INSERT INTO tags_new SELECT id, name, color FROM tags",
                "DROP TABLE tags",
                "ALTER TABLE tags_new RENAME TO tags",
                "CREATE UNIQUE INDEX uq_tags_name ON tags (name)",
            ],
            "table tags: column color type VARCHAR(7) != VARCHAR(20)",
        ),
    },
    "postgres": {
        "extra column": (
            ["ALTER TABLE customers ADD COLUMN nickname text"],
            "table customers: extra column nickname",
        ),
        "missing index": (
            ["DROP INDEX ix_invoices_issued_on"],
            "table invoices: index ix_invoices_issued_on missing",
        ),
        "changed type": (
            ["ALTER TABLE customers ALTER COLUMN email TYPE varchar(320)"],
            "table customers: column email type VARCHAR(255) != VARCHAR(320)",
        ),
    },
    "mysql": {
        "extra column": (
            ["ALTER TABLE authors ADD COLUMN nickname VARCHAR(40) AFTER name"],
            "table authors: extra column nickname",
        ),
        "missing index": (
            ["DROP INDEX uq_books_isbn ON books"],
            "table books: index uq_books_isbn missing",
        ),
        "changed type": (
            ["ALTER TABLE authors MODIFY biography VARCHAR(2000) NULL"],
            "table authors: column biography type VARCHAR(1000) != VARCHAR(2000)",
        ),
    },
}


@pytest.mark.parametrize("drift", ["extra column", "missing index", "changed type"])
def test_drift_is_refused_named_and_nothing_changes(chain: Chain, drift: str) -> None:
    statements, named = DRIFTS[chain.fixture.dialect.replace("postgresql", "postgres")][drift]
    url = chain.clone()
    execute(url, *statements)
    if drift == "changed type":  # a version table that must survive untouched
        execute(
            url,
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
            f"INSERT INTO alembic_version VALUES ('{chain.baseline}')",
        )
    before = state(url)
    result = stamp(chain.project, "--url", url, "--yes")
    assert result.returncode == 1, output(result)
    assert named in result.stdout
    assert f"closest revision: {chain.head}" in result.stdout
    if drift == "changed type":
        assert f"its version table says {chain.baseline}" in result.stdout
    assert "Traceback" not in result.stderr
    assert state(url) == before


def presence_lines(stdout: str) -> dict[str, str]:
    """The presence table: source -> its line."""
    return {
        line.split()[1]: line
        for line in stdout.splitlines()
        if line.startswith("    ") and len(line.split()) > 2
    }


def test_half_applied_script_is_refused_with_k_of_n(sqlite_chain: Chain) -> None:
    url = sqlite_chain.legacy_database(1)
    execute(url, "ALTER TABLE users ADD COLUMN display_name VARCHAR(100)")
    result = stamp(sqlite_chain.project, "--url", url, "--dry-run")
    assert result.returncode == 1, output(result)
    lines = presence_lines(result.stdout)
    assert lines["migrate_002_user_profile_fields.py"].endswith("partial 1 of 3")
    assert lines["migrate_001_add_task_priority.py"].endswith("applied")
    assert lines["migrate_004_task_tags.py"].endswith("absent")
    assert "table users: extra column display_name" in result.stdout
    assert "Data statements" in result.stdout
    assert version_rows(url) is None


def test_an_index_of_a_new_table_counts_in_its_script(sqlite_chain: Chain) -> None:
    """migrate_004 creates tags, task_tags (two foreign keys) and a unique index on tags: with
    the index dropped, the script is partial, not applied, although both tables are there."""
    url = sqlite_chain.clone()
    execute(url, "DROP INDEX uq_tags_name")
    result = stamp(sqlite_chain.project, "--url", url, "--dry-run")
    assert result.returncode == 1, output(result)
    assert "table tags: index uq_tags_name missing" in result.stdout
    lines = presence_lines(result.stdout)
    assert lines["migrate_004_task_tags.py"].endswith("partial 4 of 5")
    assert lines["migrate_001_add_task_priority.py"].endswith("applied")


def test_stamped_at_another_revision_is_refused_unless_forced(sqlite_chain: Chain) -> None:
    url = sqlite_chain.clone()
    execute(
        url,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
        f"INSERT INTO alembic_version VALUES ('{sqlite_chain.baseline}')",
    )
    refused = stamp(sqlite_chain.project, "--url", url, "--yes")
    assert refused.returncode == 1
    assert f"stamped at {sqlite_chain.baseline} but its schema matches {sqlite_chain.head}" in (
        refused.stdout
    )
    assert version_rows(url) == [sqlite_chain.baseline]
    forced = stamp(sqlite_chain.project, "--url", url, "--yes", "--force")
    assert forced.returncode == 0, output(forced)
    assert version_rows(url) == [sqlite_chain.head]


def test_empty_database_is_refused(sqlite_chain: Chain) -> None:
    url = sqlite_chain.new_database(None)
    sqlite3.connect(sa.engine.make_url(url).database or "").close()
    result = stamp(sqlite_chain.project, "--url", url, "--yes")
    assert result.returncode == 1
    assert "no tables" in result.stdout
    assert version_rows(url) is None


# --- writing safely -------------------------------------------------------------------------


def test_stamping_twice_is_a_no_op(chain: Chain) -> None:
    url = chain.clone()
    first = stamp(chain.project, "--url", url, "--yes")
    assert first.returncode == 0, output(first)
    assert f"stamped at {chain.head}" in first.stdout
    before = state(url)
    second = stamp(chain.project, "--url", url, "--yes")
    assert second.returncode == 0, output(second)
    assert f"already stamped at {chain.head}" in second.stdout
    assert state(url) == before


def test_two_concurrent_stamps_write_once(chain: Chain) -> None:
    """Both pause inside their write transaction: the second either sees the first's row
    when it checks, or waits on the lock and finds the row when it re-reads."""
    url = chain.clone()
    procs = [
        subprocess.Popen(
            [sys.executable, PAUSED_STAMP, "2", str(chain.project), url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [rc for *_, rc in results] == [0, 0], results
    assert all("Traceback" not in err for _, err, _ in results)
    wrote = [out for out, _, _ in results if f": stamped at {chain.head}" in out]
    found = [out for out, _, _ in results if f"already stamped at {chain.head}" in out]
    assert len(wrote) == 1 and len(found) == 1, results
    assert version_rows(url) == [chain.head]


def test_stamp_killed_before_commit_leaves_no_row(chain: Chain) -> None:
    url = chain.clone()
    proc = subprocess.Popen(
        [sys.executable, PAUSED_STAMP, "120", str(chain.project), url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "paused before commit" in line:
            break
    else:
        pytest.fail("the stamp ended before pausing")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not version_rows(url)
    again = stamp(chain.project, "--url", url, "--yes")
    assert again.returncode == 0, output(again)
    assert version_rows(url) == [chain.head]


def test_schema_changed_after_the_check_is_refused_under_the_lock(
    chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13, item 4: the schema is re-read and re-compared inside the write transaction."""
    from converter.commands.stamp import run_stamp
    from converter.core.errors import CheckFailed

    url = chain.clone()
    with pytest.raises(CheckFailed) as refused:
        run_stamp(
            chain.project,
            urls=[url],
            url_file=None,
            migrations=None,
            dry_run=False,
            yes=True,
            as_json=False,
            force=False,
            scratch_url=None,
            workers=1,
            after_check=lambda: execute(url, "CREATE TABLE sneaky (id INTEGER)"),
        )
    assert refused.value.exit_code == 1
    out = capsys.readouterr().out
    assert f"its schema changed after it was checked (it no longer matches {chain.head})" in out
    assert "sneaky" in out and "1 difference(s)" in out
    assert not version_rows(url)


@pytest.mark.postgres
def test_password_in_the_query_string_is_masked_in_the_fleet_report(
    pg_chain: Chain, tmp_path: Path
) -> None:
    """Issue 13, item 5: `?password=` and an `@` inside the password, text and --json."""
    plain, other = pg_chain.clone(), pg_chain.clone()
    user = sa.engine.make_url(plain).username
    urls = [f"{plain}?password={SECRET}", other.replace(f"//{user}@", f"//{user}:a@{SECRET}@")]
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    for extra in ([], ["--json"]):
        result = stamp(pg_chain.project, "--url-file", str(url_file), "--dry-run", *extra)
        assert SECRET not in output(result), output(result)
        assert "password=***" in result.stdout


def test_dry_run_writes_nothing(chain: Chain) -> None:
    url = chain.clone()
    before = state(url)
    result = stamp(chain.project, "--url", url, "--dry-run")
    assert result.returncode == 0, output(result)
    assert f"matches {chain.head}" in result.stdout
    assert "dry run: nothing written" in result.stdout
    assert state(url) == before


def test_without_a_terminal_or_yes_nothing_is_written(sqlite_chain: Chain) -> None:
    url = sqlite_chain.clone()
    before = state(url)
    result = stamp(sqlite_chain.project, "--url", url)
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert state(url) == before


@pytest.mark.parametrize("answer", ["y", "n"])
def test_asks_once_on_a_terminal(sqlite_chain: Chain, answer: str) -> None:
    url = sqlite_chain.clone()
    before = state(url)
    master, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [CLI, "stamp", str(sqlite_chain.project), "--url", url],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(master, f"{answer}\n".encode())
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(master)
        os.close(terminal)
    last_source = sqlite_chain.fixture.history[-1]
    assert f"at {sqlite_chain.head} ({last_source})" in out
    assert out.count("Stamp 1 database(s)?") == 1
    if answer == "y":
        assert proc.returncode == 0, out + err
        assert version_rows(url) == [sqlite_chain.head]
    else:
        assert proc.returncode == 1 and "Aborted" in err
        assert state(url) == before


def test_broken_chain_is_an_input_error(sqlite_chain: Chain, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(sqlite_chain.project, project)
    head = next((project / "migrations" / "versions").glob(f"{sqlite_chain.head}_*.py"))
    head.write_text(
        head.read_text().replace(
            "def upgrade():\n", "def upgrade():\n    raise RuntimeError('boom')\n"
        )
    )
    result = stamp(project, "--url", sqlite_chain.clone(), "--dry-run")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: migrations/versions/{head.name}:{_upgrade_line(head)}: upgrade failed in "
        f"revision {sqlite_chain.head}: RuntimeError: boom (replaying the chain on a scratch "
        "database; nothing written)"
    )


def test_a_bug_in_a_revision_is_an_internal_error(sqlite_chain: Chain, tmp_path: Path) -> None:
    """A NameError in generated code is ours to fix, not the user's input (exit 3, not 2)."""
    project = tmp_path / "project"
    shutil.copytree(sqlite_chain.project, project)
    head = next((project / "migrations" / "versions").glob(f"{sqlite_chain.head}_*.py"))
    head.write_text(
        head.read_text().replace("def upgrade():\n", "def upgrade():\n    undefined_name\n")
    )
    result = stamp(project, "--url", sqlite_chain.clone(), "--dry-run")
    assert result.returncode == 3, output(result)
    assert result.stderr.startswith("internal error: NameError:")


def _upgrade_line(revision: Path) -> int:
    """The line of the first statement of `upgrade()` in a revision file."""
    lines = revision.read_text().splitlines()
    return lines.index("def upgrade():") + 2


# --- fleets, JSON, secrets, errors ----------------------------------------------------------


@pytest.mark.postgres
def test_fleet_json_masks_passwords_and_refusal_wins(pg_chain: Chain, tmp_path: Path) -> None:
    good = sa.engine.make_url(pg_chain.clone()).set(password=SECRET)
    unreachable = good.set(port=1, database="nowhere")
    drifted = pg_chain.clone()
    execute(drifted, "ALTER TABLE customers ADD COLUMN nickname text")
    url_file = tmp_path / "urls.txt"
    url_file.write_text(
        "\n".join(
            [
                good.render_as_string(hide_password=False),
                unreachable.render_as_string(hide_password=False),
                drifted,
            ]
        )
        + "\n"
    )
    text = stamp(pg_chain.project, "--url-file", str(url_file), "--dry-run")
    assert text.returncode == 1, output(text)
    assert SECRET not in output(text) and "Traceback" not in text.stderr
    assert "Summary (3 databases)" in text.stdout
    result = stamp(pg_chain.project, "--url-file", str(url_file), "--dry-run", "--json")
    assert result.returncode == 1, output(result)
    assert SECRET not in output(result)
    document = json.loads(result.stdout)
    statuses = [d["status"] for d in document["databases"]]
    assert statuses == ["would-stamp", "unreachable", "refused"]
    assert document["databases"][0]["url"].count("***") == 1
    assert document["databases"][0]["revision"] == pg_chain.head
    assert "connection refused" in document["databases"][1]["message"].lower()
    assert document["databases"][1]["reason"].lower().startswith("connection refused")
    row = next(line for line in text.stdout.splitlines() if ":1/nowhere" in line)
    assert "unreachable" in row and "connection refused" in row.lower()
    assert document["databases"][2]["differences"] == ["table customers: extra column nickname"]


@pytest.mark.postgres
def test_unreachable_database_is_one_line_exit_2(pg_chain: Chain) -> None:
    url = f"postgresql://l2a:{SECRET}@127.0.0.1:1/nowhere"
    result = stamp(
        pg_chain.project, "--url", url, "--yes", "--scratch-url", pg_chain.new_database(None)
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "connection refused" in result.stderr.lower()
    assert SECRET not in result.stderr


@pytest.mark.postgres
def test_missing_privilege_is_one_line_exit_2(pg_chain: Chain, pg_databases: PgDatabases) -> None:
    """A role that may read but not create alembic_version (PostgreSQL 15: no CREATE on
    public for other roles); the chain is replayed on --scratch-url."""
    url = pg_chain.clone()
    role = f"l2a_reader_{uuid.uuid4().hex[:8]}"
    with pg_databases.server.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    try:
        reader = sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)
        result = stamp(
            pg_chain.project, "--url", reader, "--yes", "--scratch-url", pg_chain.new_database(None)
        )
        assert result.returncode == 2, output(result)
        assert result.stderr.count("\n") == 1 and "permission denied" in result.stderr
        assert version_rows(url) is None
    finally:
        with pg_databases.server.connect() as conn:
            conn.exec_driver_sql(f"DROP ROLE {role}")


def test_bad_url_file_line_is_named(sqlite_chain: Chain, tmp_path: Path) -> None:
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f"# fleet\n{sqlite_chain.full_url}\n\nnot a url\n")
    result = stamp(sqlite_chain.project, "--url-file", str(url_file), "--dry-run")
    assert result.returncode == 2
    assert f"{url_file}:4:" in result.stderr


def test_wrong_dialect_is_refused_before_connecting(sqlite_chain: Chain) -> None:
    url = f"postgresql://someone:{SECRET}@127.0.0.1:1/prod"
    result = stamp(sqlite_chain.project, "--url", url, "--url", sqlite_chain.full_url, "--dry-run")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: postgresql://someone:***@127.0.0.1:1/prod is a postgres database but the "
        f"chain in {sqlite_chain.migrations} is for sqlite"
    )


def test_json_names_status_per_database(sqlite_chain: Chain) -> None:
    stamped, drifted = sqlite_chain.clone(), sqlite_chain.clone()
    execute(drifted, "ALTER TABLE tasks ADD COLUMN color TEXT")
    assert stamp(sqlite_chain.project, "--url", stamped, "--yes").returncode == 0
    result = stamp(sqlite_chain.project, "--url", stamped, "--url", drifted, "--json", "--yes")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    first, second = document["databases"]
    assert (first["status"], first["revision"]) == ("already-stamped", sqlite_chain.head)
    assert second["status"] == "refused"
    assert second["closest_revision"] == sqlite_chain.head
    assert {p["state"] for p in second["presence"]} == {"applied"}
    assert document["data_statements_checked"] is False


def test_fleet_summary_has_a_row_for_every_database(sqlite_chain: Chain, tmp_path: Path) -> None:
    """A database that cannot be connected to, or read, keeps its row with the reason; exit 2."""
    good, garbage = sqlite_chain.clone(), tmp_path / "garbage.db"
    garbage.write_text("not a database\n")
    missing = f"sqlite:///{tmp_path / 'gone' / 'app.db'}"
    urls = ["--url", good, "--url", missing, "--url", f"sqlite:///{garbage}"]
    text = stamp(sqlite_chain.project, *urls, "--dry-run")
    assert text.returncode == 2, output(text)
    summary = text.stdout.split("Summary (3 databases):\n")[1].splitlines()
    assert summary[0].split() == ["DATABASE", "STATUS", "REVISION", "REASON"]
    assert summary[1].split() == [good, "would-stamp", sqlite_chain.head]
    assert summary[2].split(None, 3) == [
        missing,
        "unreachable",
        "-",
        "database file does not exist",
    ]
    assert summary[3].split(None, 3) == [
        f"sqlite:///{garbage}",
        "error",
        "-",
        "file is not a database",
    ]
    assert "2 of 3 database(s) could not be checked or stamped" in text.stderr
    result = stamp(sqlite_chain.project, *urls, "--dry-run", "--json")
    assert result.returncode == 2, output(result)
    rows = json.loads(result.stdout)["databases"]
    assert [(d["status"], d["reason"]) for d in rows] == [
        ("would-stamp", None),
        ("unreachable", "database file does not exist"),
        ("error", "file is not a database"),
    ]
    drifted = sqlite_chain.clone()
    execute(drifted, "ALTER TABLE tasks ADD COLUMN color TEXT")
    refused = stamp(sqlite_chain.project, "--url", drifted, "--url", missing, "--dry-run")
    assert refused.returncode == 1, output(refused)  # a refusal wins over an unreachable one
    rows_text = [line.split()[:2] for line in refused.stdout.splitlines() if line.strip()]
    assert [missing, "unreachable"] in rows_text


def test_sqlite_attributes_the_sources_never_state_are_named_not_compared(
    sqlite_chain: Chain, sqlite_fleet: Fleet
) -> None:
    """Converted without git history, the baseline of tasks is inferred from migrate_007's
    rebuild: its old defaults, types and nullability are guesses. Every k is still stamped at
    its revision (test_sqlite_taskboard_every_k...); before 007 the report says what it did not
    compare, and from 007 on everything is compared."""
    before = sqlite_chain.fixture.history.index("migrate_007_tasks_not_null.py")
    for k, result in enumerate(sqlite_fleet.results):
        notes = [n for n in result["notes"] if n.startswith("not compared: ")]
        if k > before:
            assert notes == [], k
            continue
        [note] = notes
        assert "tasks.done default/nullable/type" in note
        assert note.endswith(", unknown before migrate_007_tasks_not_null.py")
    revision = next(sqlite_chain.migrations.glob("versions/*migrate_007_tasks_not_null.py"))
    assert "    ('tasks', 'done', 'default'),\n" in revision.read_text()
