"""Calls into the project's own helpers and model classes a script defines (issue 10, item 7;
survey pattern 9), proved by legacy replay: the scripts build one database, the converted chain
another, and schema and data must agree.

- `init_db()` imported from a project module runs `create_all()`: the call is followed;
- a model class defined in the script is used for its own `create_all()`: the table is fully
  known from the class body, with or without a reference, and no TODO is left;
- a helper of another module called with literal lists (survey pattern 9, fire-ems-tools
  `fix_deployment.py`): followed with those arguments, and a function it returns runs with its
  own module's text.
"""

from __future__ import annotations

from pathlib import Path

from legacy import schema_summary
from test_real_world_forms import (
    alembic,
    check_every_k,
    cli,
    legacy_database,
    revisions,
    write_project,
)

DATABASE = """import os

from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def engine():
    return create_engine(os.environ["DATABASE_URL"])


def init_db():
    import models  # noqa: F401  (registers the models)

    Base.metadata.create_all(engine())
"""

MODELS = """from sqlalchemy import Column, Integer, String

from database import Base


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
"""

HELPERS = {
    "database.py": DATABASE,
    "models.py": MODELS,
    "migrate_001_init.py": "from database import init_db\n\ninit_db()\n",
    "migrate_002_audit.py": """from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlalchemy import text

import models  # noqa: F401  (users, for the foreign key)
from database import Base, engine


class AuditLog(Base):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    action = Column(String(50), nullable=False, index=True)
    level = Column(Integer, nullable=False, server_default=text("1"))
    details = Column(Text)


def init_db():
    Base.metadata.create_all(engine())


if __name__ == "__main__":
    init_db()
""",
}
SOURCES = ["migrate_001_init.py", "migrate_002_audit.py"]


def _convert(project: Path, *models: str) -> str:
    result = cli("convert", str(project), "--dialect", "sqlite", *models)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_helper_and_own_model_classes_replay(tmp_path: Path, sqlite_url_factory) -> None:
    project = write_project(tmp_path / "project", HELPERS)
    report = _convert(project, "--models", "models:Base")
    assert (
        "migrate_001_init.py:3: info: init_db() is defined in database.py (line 13): followed"
    ) in report
    assert (
        "migrate_002_audit.py:18: info: Base.metadata.create_all(engine()): creates audit_log "
        "(as the script's own model classes declare them)"
    ) in report
    migrations = project / "migrations"
    legacy = sqlite_url_factory()
    legacy_database(project, legacy, SOURCES)
    fresh = sqlite_url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(legacy, defaults=True)
    # A database the first script built, stamped there, upgraded: the same.
    chain = revisions(migrations)
    partial = sqlite_url_factory()
    legacy_database(project, partial, SOURCES[:1])
    alembic(migrations, partial, "stamp", chain[-2])
    alembic(migrations, partial, "upgrade", "head")
    assert schema_summary(partial, defaults=True) == schema_summary(legacy, defaults=True)
    alembic(migrations, fresh, "downgrade", "base")
    assert schema_summary(fresh)["tables"] == {}


def test_own_model_classes_need_no_reference(tmp_path: Path, sqlite_url_factory) -> None:
    files = {name: HELPERS[name] for name in ("database.py", "models.py", "migrate_002_audit.py")}
    project = write_project(tmp_path / "project", files)
    # The legacy database had users before the script ran (its foreign key needs it).
    legacy, fresh = sqlite_url_factory(), sqlite_url_factory()
    for url in (legacy, fresh):
        write_project(tmp_path / "users", {"u.py": _USERS})
        legacy_database(tmp_path / "users", url, ["u.py"])
    legacy_database(project, legacy, ["migrate_002_audit.py"])
    report = _convert(project)
    assert (
        "TODO(legacy2alembic)"
        not in next((project / "migrations/versions").glob("*.py")).read_text()
    )
    assert "0 TODO(s)" in report
    alembic(project / "migrations", fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(legacy, defaults=True)


_USERS = (
    "import os, sqlite3\n"
    "conn = sqlite3.connect(os.environ['DATABASE_URL'].replace('sqlite:///', ''))\n"
    "conn.execute('CREATE TABLE users (id INTEGER NOT NULL, name VARCHAR(80) NOT NULL, "
    "PRIMARY KEY (id))')\n"
    "conn.commit()\n"
)


def test_a_class_body_that_does_not_say_everything_is_resolved_as_before(tmp_path: Path) -> None:
    script = HELPERS["migrate_002_audit.py"].replace(
        "    details = Column(Text)\n",
        '    details = Column(Text)\n    __table_args__ = ({"sqlite_autoincrement": True},)\n',
    )
    files = {"database.py": DATABASE, "models.py": MODELS, "migrate_002_audit.py": script}
    project = write_project(tmp_path / "project", files)
    report = _convert(project)
    assert "which tables it created cannot be known without --models" in report


def test_create_all_in_a_helper_only_legacy_scripts_call_is_theirs(tmp_path: Path) -> None:
    """`init_db()` of database.py runs when migrate_001_init.py runs, not at start-up: scan says
    so and check does not ask to remove it; once the app calls it too, it is start-up code."""
    project = write_project(tmp_path / "project", HELPERS)
    scanned = cli("scan", str(project), "--dialect", "sqlite")
    assert "database.py:16: Base.metadata.create_all(engine())  (legacy helper)" in scanned.stdout
    _convert(project, "--models", "models:Base")
    checked = cli("check", str(project))
    assert "database.py:16" not in checked.stdout + checked.stderr
    (project / "app.py").write_text("from database import init_db\n\ninit_db()\n")
    scanned = cli("scan", str(project), "--dialect", "sqlite")
    assert "database.py:16: Base.metadata.create_all(engine())  (startup)" in scanned.stdout
    checked = cli("check", str(project))
    assert "database.py:16: Base.metadata.create_all(engine()) runs outside tests" in (
        checked.stdout + checked.stderr
    )


# Survey pattern 9 (fire-ems-tools `fix_deployment.py`): a helper that adds missing columns,
# called with literal lists; here it lives in another module of the project.
SCHEMA_UTILS = """import logging

from sqlalchemy import text

logger = logging.getLogger(__name__)


def add_missing_columns(db_connection, table_name, column_definitions, dialect=None):
    for column_name, column_def in column_definitions:
        try:
            db_connection.execute(text(f"SELECT {column_name} FROM {table_name} LIMIT 0"))
        except Exception:
            if column_def.startswith("JSON") and dialect == "sqlite":
                column_def = column_def.replace("JSON", "TEXT")
            db_connection.execute(
                text(f"ALTER TABLE {table_name} ADD COLUMN {column_name} {column_def}")
            )


def indexed(column):
    def run(conn):
        logger.info("indexing %s", column)
        sql = f"CREATE INDEX IF NOT EXISTS ix_departments_{column} ON departments ({column})"
        conn.execute(text(sql))

    return run
"""

CROSS_MODULE = {
    "schema_utils.py": SCHEMA_UTILS,
    "migrate_001_departments.py": (
        "import os, sqlite3\n"
        "conn = sqlite3.connect(os.environ['DATABASE_URL'].replace('sqlite:///', ''))\n"
        "conn.execute('CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT)')\n"
        "conn.execute(\"INSERT INTO departments (name) VALUES ('north')\")\n"
        "conn.commit()\n"
    ),
    "migrate_002_webhooks.py": """import os

from sqlalchemy import create_engine

from schema_utils import add_missing_columns, indexed

engine = create_engine(os.environ["DATABASE_URL"])
with engine.begin() as connection:
    dialect = engine.dialect.name
    add_missing_columns(
        connection,
        "departments",
        [
            ("webhooks_enabled", "BOOLEAN DEFAULT FALSE"),
            ("webhook_url", "VARCHAR(255)"),
            ("webhook_events", "JSON DEFAULT '{}'"),
        ],
        dialect,
    )
    indexed("name")(connection)
""",
}


def test_helper_of_another_module_called_with_literal_lists(tmp_path: Path, sqlite_url_factory):
    project = write_project(tmp_path / "project", CROSS_MODULE)
    report = check_every_k(
        project, CROSS_MODULE, "sqlite", sqlite_url_factory, helpers=("schema_utils.py",)
    )
    assert (
        "migrate_002_webhooks.py:10: info: add_missing_columns() is defined in schema_utils.py "
        "(line 8): followed"
    ) in report
    assert "0 TODO(s)" in report and "0 TODO(legacy2alembic) marker(s)" in report
    revision = next((project / "migrations/versions").glob("*002_webhooks.py")).read_text()
    upgrade = revision.split("def upgrade")[1].split("def downgrade")[0]
    for column in ("webhooks_enabled", "webhook_url", "webhook_events"):
        assert f"ADD COLUMN {column} " in upgrade or f"'{column}'" in upgrade
    assert "migrate_002_webhooks.py:10" in upgrade and "ix_departments_name" in upgrade


# A helper of another module runs SQL whose values are known only at run time: the TODO shows
# the script's code the values come from, read from the script's text (it was read from the
# helper's module and crashed, flaskApp-project `SYNC_CACHE_FROM_MAIN.py`).
UPSERT_HELPER = '''"""Upsert utilities: lines above the function, so the line numbers differ."""
import logging

logger = logging.getLogger(__name__)


def safe_upsert(conn, table, row):
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    sql = f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})"
    conn.execute(sql, list(row.values()))
'''


def test_a_run_time_todo_in_a_helper_of_another_module_shows_the_call_site(
    tmp_path: Path,
) -> None:
    script = (
        "import sqlite3, sys\n"
        "from db.upsert import safe_upsert\n"
        "conn = sqlite3.connect('app.db')\n"
        "conn.execute('ALTER TABLE cache ADD COLUMN extra TEXT')\n"
        "def sync(conn, row):\n"
        "    safe_upsert(conn, 'cache', row)\n" + "\n" * 40 + "if __name__ == '__main__':\n"
        "    sync(conn, {'id': sys.argv[1]})\n"
    )
    files = {"db/__init__.py": "", "db/upsert.py": UPSERT_HELPER, "migrate_001_sync.py": script}
    project = write_project(tmp_path / "project", files)
    report = _convert(project)
    assert "migrate_001_sync.py:6: todo: port by hand: SQL built from values known only" in report
    revision = next((project / "migrations/versions").glob("*001_sync.py")).read_text()
    assert "#     sync(conn, {'id': sys.argv[1]})" in revision


def test_a_named_script_running_ddl_only_through_a_project_helper_is_a_source(
    tmp_path: Path, sqlite_url_factory
):
    """`fix_webhooks.py` writes no DDL itself: the helper it imports does. Its name alone made it
    a candidate, and reading it (not sniffing its text) decides that it changes the schema."""
    files = {
        "schema_utils.py": SCHEMA_UTILS,
        "migrate_001_departments.py": CROSS_MODULE["migrate_001_departments.py"],
        "fix_webhooks.py": CROSS_MODULE["migrate_002_webhooks.py"],
    }
    project = write_project(tmp_path / "project", files)
    report = check_every_k(
        project, files, "sqlite", sqlite_url_factory, helpers=("schema_utils.py",)
    )
    assert "fix_webhooks.py:10: info: add_missing_columns() is defined in schema_utils.py" in report
    revision = next((project / "migrations/versions").glob("*fix_webhooks.py")).read_text()
    assert "webhook_url" in revision
