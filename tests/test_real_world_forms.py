"""Forms found in real public legacy scripts, each proved the way that matters: the scripts are run
against one database, the converted chain against another, and schema and data must agree.

- guards the schema model decides: `CREATE TABLE IF NOT EXISTS` followed by a try/except
  `ADD COLUMN` of a column it already has, `CREATE INDEX IF NOT EXISTS` run twice, `DROP ... IF
  EXISTS` of something that was never there;
- SQLite `ADD COLUMN ... REFERENCES` (Alembic has no op for an unnamed constraint there);
- the rename-first SQLite rebuild, whose downgrade must keep the rows;
- per-dialect methods (`_migrate_sqlite` / `_migrate_postgresql`) picked at run time;
- PostgreSQL `ADD COLUMN IF NOT EXISTS` / `DROP COLUMN IF EXISTS` on a table the script creates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from legacy import dump_data, run_legacy_source, schema_summary

CLI = str(Path(sys.executable).parent / "legacy2alembic")
ALEMBIC = str(Path(sys.executable).parent / "alembic")

SQLITE_CONNECT = (
    "import os, sqlite3\n"
    "conn = sqlite3.connect(os.environ['DATABASE_URL'].replace('sqlite:///', ''))\n"
)
PG_CONNECT = "import os, psycopg2\nconn = psycopg2.connect(os.environ['DATABASE_URL'])\n"

GUARDS = {
    "migrate_001_tables.py": SQLITE_CONNECT
    + """
conn.execute("CREATE TABLE IF NOT EXISTS company (id INTEGER PRIMARY KEY, name TEXT)")
conn.execute("CREATE TABLE IF NOT EXISTS task (id INTEGER PRIMARY KEY, title TEXT)")
conn.execute("INSERT INTO company (name) VALUES ('acme')")
conn.execute("INSERT INTO task (title) VALUES ('first')")
conn.commit()
""",
    "migrate_002_columns.py": SQLITE_CONNECT
    + """
conn.execute("CREATE TABLE IF NOT EXISTS task (id INTEGER PRIMARY KEY, title TEXT)")
for column in ("title", "note"):
    try:
        conn.execute(f"ALTER TABLE task ADD COLUMN {column} TEXT")
    except sqlite3.OperationalError:
        pass
conn.execute("ALTER TABLE task ADD COLUMN company_id INTEGER REFERENCES company(id)")
conn.execute("UPDATE task SET company_id = 1, note = 'n:' || title")
conn.execute("DROP INDEX IF EXISTS ix_never_there")
conn.execute("DROP TABLE IF EXISTS never_there")
conn.execute("CREATE INDEX IF NOT EXISTS ix_task_title ON task (title)")
conn.execute("CREATE INDEX IF NOT EXISTS ix_task_title ON task (title)")
conn.commit()
""",
}

RENAME_FIRST_REBUILD = {
    "migrations_manual_sql/001_usage.sql": """
CREATE TABLE llm_usage (id INTEGER PRIMARY KEY, model TEXT, tokens INTEGER);
INSERT INTO llm_usage (model, tokens) VALUES ('small', 10), ('large', 20);
""",
    "migrations_manual_sql/002_rebuild.sql": """
ALTER TABLE llm_usage RENAME TO llm_usage_old;
CREATE TABLE llm_usage (id INTEGER PRIMARY KEY, model TEXT NOT NULL, tokens INTEGER,
                        cost REAL DEFAULT 0);
INSERT INTO llm_usage (id, model, tokens) SELECT id, model, tokens FROM llm_usage_old;
DROP TABLE llm_usage_old;
""",
}

DIALECT_METHODS = {
    "migrate_001_datasets.py": SQLITE_CONNECT
    + """
conn.execute("CREATE TABLE datasets (id INTEGER PRIMARY KEY)")
conn.commit()
""",
    "migrate_002_column.py": SQLITE_CONNECT
    + """

class Migration:
    def _migrate_sqlite(self, connection):
        connection.execute("ALTER TABLE datasets ADD COLUMN column1 INTEGER")

    def _migrate_postgresql(self, connection):
        connection.execute("ALTER TABLE ambrylib.datasets ADD COLUMN column1 INTEGER")

    def migrate(self, connection, dialect):
        getattr(self, "_migrate_" + dialect)(connection)


Migration().migrate(conn, "sqlite")
conn.commit()
""",
}

EARLY_RETURN = {
    "migrate_001_requests.py": SQLITE_CONNECT
    + """
conn.execute("CREATE TABLE old_req (id INTEGER PRIMARY KEY, v TEXT)")
conn.execute("INSERT INTO old_req (v) VALUES ('a'), ('b')")
conn.commit()
""",
    "migrate_002_rename.py": SQLITE_CONNECT
    + """

def main():
    rows = conn.execute("SELECT id, v FROM old_req").fetchall()
    if not rows:
        conn.execute("DROP TABLE old_req")
        return
    conn.execute("CREATE TABLE req (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO req SELECT id, v FROM old_req")
    conn.execute("DROP TABLE old_req")
    conn.commit()


main()
""",
}

ENSURE_SCHEMA = {
    "models.py": """
import sqlalchemy as sa
metadata = sa.MetaData()
sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True),
         sa.Column("email", sa.Text))
""",
    "old_models.py": """
import sqlalchemy as sa
metadata = sa.MetaData()
sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
""",
    "migrate_001_ensure.py": SQLITE_CONNECT
    + """
conn.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT)")
columns = [row[1] for row in conn.execute("PRAGMA table_info(users)")]
if "email" not in columns:
    conn.execute("ALTER TABLE users ADD COLUMN email TEXT")
conn.commit()
""",
}

PSQL_VARIABLES = {
    "migrations_manual_sql/001_reports.sql": """\\set tbl reports
\\set who 'the owner'
CREATE TABLE :tbl (id serial PRIMARY KEY, owner text DEFAULT :'who', stamp text);
INSERT INTO :"tbl" (stamp) VALUES (':tbl stays'), (now()::date::text);
ALTER TABLE :tbl ADD COLUMN note text;
""",
}

PG_GUARDS = {
    "migrate_001_measurements.py": PG_CONNECT
    + """
cur = conn.cursor()
cur.execute(\"\"\"CREATE TABLE IF NOT EXISTS measurements (
    id SERIAL PRIMARY KEY, broker TEXT, legacy_col TEXT)\"\"\")
cur.execute("INSERT INTO measurements (broker, legacy_col) VALUES ('b1', 'x')")
for column in ("broker", "source_topic"):
    cur.execute(f"ALTER TABLE measurements ADD COLUMN IF NOT EXISTS {column} TEXT")
cur.execute("ALTER TABLE measurements DROP COLUMN IF EXISTS legacy_col")
cur.execute("ALTER TABLE measurements DROP COLUMN IF EXISTS never_there")
cur.execute("DROP INDEX IF EXISTS ix_never_there")
conn.commit()
""",
}


def write_project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=False)


def alembic(migrations: Path, url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    r = subprocess.run(
        [ALEMBIC, "-c", str(migrations / "alembic.ini"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, f"alembic {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"


def converted(project: Path, dialect: str) -> tuple[Path, str]:
    result = cli("convert", str(project), "--dialect", dialect)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "migrations", result.stdout


def legacy_database(project: Path, url: str, sources: list[str]) -> None:
    for rel in sources:
        run_legacy_source(rel, url, project)


def revisions(migrations: Path) -> list[str]:
    """Revision ids in chain order (base first), read from the rendered files."""
    by_parent: dict[str | None, str] = {}
    for path in (migrations / "versions").glob("*.py"):
        namespace: dict[str, object] = {}
        code = path.read_text()
        head = code[: code.index("def upgrade")]
        exec(compile(head, str(path), "exec"), namespace)  # the revision header only
        by_parent[namespace["down_revision"]] = namespace["revision"]  # type: ignore[index]
    chain, parent = [], None
    while parent in by_parent:
        parent = by_parent[parent]
        chain.append(parent)
    return chain


def assert_same(legacy_url: str, converted_url: str) -> None:
    assert schema_summary(converted_url, defaults=True) == schema_summary(legacy_url, defaults=True)
    assert dump_data(converted_url) == dump_data(legacy_url)


def check_every_k(
    project: Path, files: dict[str, str], dialect: str, make_url, helpers: tuple[str, ...] = ()
) -> str:
    """Legacy-built databases at every k, stamped at k and upgraded, equal the all-scripts one;
    upgrade head on an empty database gives its schema. Returns convert's report. `helpers`:
    files of `files` that are project modules the sources import, not sources."""
    sources = [f for f in files if f not in helpers]
    migrations, report = converted(project, dialect)
    chain = revisions(migrations)
    assert len(chain) == len(sources)
    full = make_url()
    legacy_database(project, full, sources)
    fresh = make_url()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(full, defaults=True)
    for k in range(1, len(sources)):
        url = make_url()
        legacy_database(project, url, sources[:k])
        alembic(migrations, url, "stamp", chain[k - 1])
        alembic(migrations, url, "upgrade", "head")
        assert_same(full, url)
    alembic(migrations, fresh, "downgrade", "base")
    assert schema_summary(fresh)["tables"] == {}
    return report


def test_guards_the_model_decides_and_references_in_add_column(tmp_path, sqlite_url_factory):
    project = write_project(tmp_path / "project", GUARDS)
    report = check_every_k(project, GUARDS, "sqlite", sqlite_url_factory)
    assert "migrate_002_columns.py:7: info: left out: adds column task.title" in report
    assert "migrate_002_columns.py:15: info: left out: creates index ix_task_title" in report
    revision = next((project / "migrations" / "versions").glob("*002_columns.py")).read_text()
    assert (
        "op.execute(\n        sa.text('ALTER TABLE task ADD COLUMN company_id INTEGER "
        "REFERENCES company(id)')"
        in revision
        or "op.execute(sa.text('ALTER TABLE task ADD COLUMN company_id INTEGER REFERENCES "
        "company(id)'))"
        in revision
    )
    assert "create_foreign_key" not in revision


def test_rename_first_rebuild_keeps_rows_on_downgrade(tmp_path, sqlite_url_factory):
    project = write_project(tmp_path / "project", RENAME_FIRST_REBUILD)
    check_every_k(project, RENAME_FIRST_REBUILD, "sqlite", sqlite_url_factory)
    migrations = project / "migrations"
    chain = revisions(migrations)
    before = sqlite_url_factory()
    legacy_database(project, before, list(RENAME_FIRST_REBUILD)[:1])
    url = sqlite_url_factory()
    legacy_database(project, url, list(RENAME_FIRST_REBUILD)[:1])
    alembic(migrations, url, "stamp", chain[0])
    alembic(migrations, url, "upgrade", "head")
    alembic(migrations, url, "downgrade", chain[0])
    assert dump_data(url)["llm_usage"] == dump_data(before)["llm_usage"]
    assert len(dump_data(url)["llm_usage"]) == 2


def test_per_dialect_methods_contribute_only_the_target_dialect(tmp_path, sqlite_url_factory):
    project = write_project(tmp_path / "project", DIALECT_METHODS)
    report = check_every_k(project, DIALECT_METHODS, "sqlite", sqlite_url_factory)
    assert (
        "_migrate_postgresql() is never called by the script, and its name says it is for "
        "postgres: left out" in report
    )
    assert "ambrylib" not in "".join(
        p.read_text() for p in (project / "migrations" / "versions").glob("*.py")
    )


@pytest.mark.postgres
def test_postgres_if_exists_guards(tmp_path, pg_url_factory):
    project = write_project(tmp_path / "project", PG_GUARDS)
    migrations, report = converted(project, "postgres")
    full = pg_url_factory()
    legacy_database(project, full, list(PG_GUARDS))
    fresh = pg_url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(full, defaults=True)
    assert "left out: adds column measurements.broker" in report
    assert "left out: drops column measurements.never_there" in report
    alembic(migrations, fresh, "downgrade", "base")
    assert schema_summary(fresh)["tables"] == {}


def test_early_return_branch_with_sql_of_its_own_is_an_alternative(tmp_path, sqlite_url_factory):
    project = write_project(tmp_path / "project", EARLY_RETURN)
    report = check_every_k(project, EARLY_RETURN, "sqlite", sqlite_url_factory)
    assert "migrate_002_rename.py:8: warning: the branch at lines 8-9 runs SQL of its own" in report


def test_ensure_schema_script_upgrades_a_database_the_old_models_built(
    tmp_path, sqlite_url_factory
):
    """`CREATE TABLE IF NOT EXISTS` of a table the old models had, then a guarded ADD COLUMN: a
    database create_all() built from the old models is stamped at the baseline and upgraded."""
    import sqlalchemy as sa
    from legacy import load_models_file, sa_url

    project = write_project(tmp_path / "project", ENSURE_SCHEMA)
    result = cli(
        "convert",
        str(project),
        "--dialect",
        "sqlite",
        "--models",
        "models.py:metadata",
        "--baseline-models",
        "old_models.py:metadata",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    migrations = project / "migrations"
    chain = revisions(migrations)
    assert len(chain) == 2  # the baseline has users as the old models made it
    old_db, full = sqlite_url_factory(), sqlite_url_factory()
    for url in (old_db, full):
        engine = sa.create_engine(sa_url(url))
        load_models_file(project / "old_models.py", "metadata").create_all(engine)
        engine.dispose()
    legacy_database(project, full, ["migrate_001_ensure.py"])
    alembic(migrations, old_db, "stamp", chain[0])
    alembic(migrations, old_db, "upgrade", "head")
    assert_same(full, old_db)
    fresh = sqlite_url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh) == schema_summary(full)


@pytest.mark.postgres
def test_psql_variables_set_in_the_file(tmp_path, pg_url_factory):
    project = write_project(tmp_path / "project", PSQL_VARIABLES)
    migrations, report = converted(project, "postgres")
    assert "psql variables :tbl, :who replaced by the values the file sets" in report
    full = pg_url_factory()
    legacy_database(project, full, list(PSQL_VARIABLES))
    fresh = pg_url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(full, defaults=True)
    assert [row[1:3] for row in dump_data(fresh)["reports"]] == [
        row[1:3] for row in dump_data(full)["reports"]
    ]


ADD_COLUMN_DEFAULT = {
    "migrate_001_clients.py": SQLITE_CONNECT
    + """
conn.execute("CREATE TABLE clients (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)")
conn.execute("INSERT INTO clients (name) VALUES ('ann')")
conn.commit()
""",
    "migrate_002_kind.py": SQLITE_CONNECT
    + """
conn.execute("ALTER TABLE clients ADD COLUMN kind TEXT DEFAULT 'customer'")
conn.execute("ALTER TABLE clients ADD COLUMN score INTEGER NOT NULL DEFAULT 0")
conn.commit()
""",
}


def test_sqlite_add_column_with_default_keeps_the_table_as_it_was(tmp_path, sqlite_url_factory):
    """Alembic's batch mode would rebuild the table for a default written as SQL, losing
    AUTOINCREMENT (and triggers): the statement runs as written, so sqlite_master is the same."""
    import sqlite3

    project = write_project(tmp_path / "project", ADD_COLUMN_DEFAULT)
    check_every_k(project, ADD_COLUMN_DEFAULT, "sqlite", sqlite_url_factory)
    full, fresh = sqlite_url_factory(), sqlite_url_factory()
    legacy_database(project, full, list(ADD_COLUMN_DEFAULT)[:1])
    legacy_database(project, fresh, list(ADD_COLUMN_DEFAULT)[:1])
    legacy_database(project, full, list(ADD_COLUMN_DEFAULT)[1:])
    migrations = project / "migrations"
    alembic(migrations, fresh, "stamp", revisions(migrations)[0])
    alembic(migrations, fresh, "upgrade", "head")

    def master(url: str) -> list[tuple[str, str]]:
        with sqlite3.connect(url.replace("sqlite:///", "")) as conn:
            return conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE "
                "'alembic%' AND name NOT LIKE 'sqlite%' ORDER BY name"
            ).fetchall()

    assert master(fresh) == master(full)
    assert "AUTOINCREMENT" in dict(master(fresh))["clients"]
