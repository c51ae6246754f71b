"""DDL an application runs at start-up is converted, last, and the app file stays where it is.

The forms come from real projects (docs/decisions.md): a list of guarded `ADD COLUMN`s run in
`create_app()` through `db.session.execute(text(...))` in a try/except; a module-level
`with app.app_context():` block; an `ensure_schema()` helper the factory calls, guarded by the
inspector. The route functions beside them run per request and are never converted. The replay
tests boot each app twice the legacy way (its start-up code must survive the second boot), then
compare with the converted chain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from legacy import run_legacy_source, schema_summary
from test_archive import cli, ok, tree
from test_real_world_forms import alembic, assert_same, revisions, write_project

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics
from converter.discover.discovery import discover
from converter.extract import extract_python
from converter.ir.statements import Flag, Statement

FLASK_DB = """\
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import inspect, text

db = SQLAlchemy()


def database_url():
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url
"""

# (a) and (c): the factory runs a list of guarded ADD COLUMNs, then a helper guarded by the
# inspector; the routes it registers run per request.
FACTORY = (
    FLASK_DB
    + '''

PROFILE_COLUMNS = [
    "ALTER TABLE users ADD COLUMN phone VARCHAR(30)",
    "ALTER TABLE users ADD COLUMN city VARCHAR(120)",
]


def ensure_schema(engine):
    """Columns and tables added after the first release."""
    inspector = inspect(engine)
    columns = {column["name"] for column in inspector.get_columns("users")}
    with engine.begin() as connection:
        if "nickname" not in columns:
            connection.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(40)"))
        if "login_audit" not in inspector.get_table_names():
            connection.execute(
                text("CREATE TABLE login_audit (id INTEGER PRIMARY KEY, user_id INTEGER)")
            )
        connection.execute(
            text("CREATE INDEX IF NOT EXISTS ix_login_audit_user ON login_audit (user_id)")
        )


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
    db.init_app(app)
    with app.app_context():
        for statement in PROFILE_COLUMNS:
            try:
                db.session.execute(text(statement))
                db.session.commit()
            except Exception:
                db.session.rollback()
        ensure_schema(db.engine)

    @app.before_request
    def remember_visit():
        db.session.execute(text("UPDATE users SET city = 'seen' WHERE id = 1"))

    @app.route("/users/<int:user_id>/nickname", methods=["POST"])
    def set_nickname(user_id):
        row = db.session.execute(
            text("SELECT nickname FROM users WHERE id = :id"), {"id": user_id}
        ).first()
        db.session.execute(text("UPDATE users SET nickname = 'x' WHERE id = 1"))
        db.session.commit()
        return str(row)

    return app
'''
)

USERS_SCRIPT = """\
import os
import sqlite3

conn = sqlite3.connect(os.environ["DATABASE_URL"].replace("sqlite:///", ""))
conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL)")
conn.execute("INSERT INTO users (name) VALUES ('ada')")
conn.commit()
"""

# (b): a module-level app whose import runs DDL in an application context.
MODULE_LEVEL = (
    FLASK_DB
    + """

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
db.init_app(app)

with app.app_context():
    db.session.execute(
        text("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    )
    db.session.execute(text("CREATE INDEX IF NOT EXISTS ix_notes_body ON notes (body)"))
    db.session.commit()


@app.route("/notes")
def list_notes():
    rows = db.session.execute(text("SELECT id, body FROM notes")).all()
    db.session.execute(text("DELETE FROM notes WHERE body = ''"))
    return {"notes": [list(r) for r in rows]}


if __name__ == "__main__":
    app.run(debug=True)
"""
)


def boot(project: Path, url: str, code: str, times: int = 2) -> None:
    """Start the app the legacy way, `times` times: its start-up code must survive a reboot."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTHON"))}
    env.update(DATABASE_URL=url, PYTHONPATH=str(project), PYTHONDONTWRITEBYTECODE="1")
    for _ in range(times):
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr


def extracted(text: str, path: str = "app/__init__.py", dialect: str = "sqlite"):
    diags = Diagnostics()
    items = extract_python(text, path, dialect, Path("/nonexistent"), diags, startup=True)
    return items, diags


def statements(items) -> list[str]:
    return [i.sql for i in items if isinstance(i, Statement) and not i.ignored]


# ---- discovery ----------------------------------------------------------------------------------


def test_app_files_with_start_up_ddl_are_sources_after_the_others(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "migrate_001_users.py": USERS_SCRIPT,
            "app/__init__.py": FACTORY,
            "notes/app.py": MODULE_LEVEL,
            "wsgi.py": "from app import create_app\n\napp = create_app()\n",
            "server.py": "def view():\n    conn.execute('CREATE TABLE per_request (id INT)')\n",
        },
    )
    found = discover(tmp_path, Config(), Diagnostics(), dialect="sqlite")
    assert [(s.path, s.startup) for s in found.sources] == [
        ("migrate_001_users.py", False),
        ("app/__init__.py", True),
        ("notes/app.py", True),
    ]
    factory = found.sources[1]
    assert factory.kind == "py"
    assert factory.reason.startswith("runs DDL at application start-up (module level, ensure")


def test_scan_lists_start_up_sources_and_warns_per_statement(tmp_path: Path) -> None:
    write_project(tmp_path, {"migrate_001_users.py": USERS_SCRIPT, "app/__init__.py": FACTORY})
    out = ok(cli("scan", str(tmp_path), "--dialect", "sqlite"))
    assert "2. app/__init__.py  [runs DDL at application start-up" in out
    warned = [line.strip() for line in out.splitlines() if "DDL in start-up code" in line]
    assert len(warned) == 5
    assert warned[0].startswith(
        "app/__init__.py:18: warning: DDL in start-up code (create_app) runs at every start-up: "
        'converted into the revision "start-up DDL of app/__init__.py"; remove it from the app'
    )
    assert "(ensure_schema, called from create_app)" in warned[2]
    assert "UPDATE users" not in out and "SELECT nickname" not in out
    document = json.loads(ok(cli("scan", str(tmp_path), "--dialect", "sqlite", "--json")))
    assert [s["startup"] for s in document["sources"]] == [False, True]


# ---- extraction ---------------------------------------------------------------------------------


def test_factory_list_in_try_except_is_converted_guarded_and_routes_are_not() -> None:
    items, diags = extracted(FACTORY)
    assert statements(items) == [
        "ALTER TABLE users ADD COLUMN phone VARCHAR(30)",
        "ALTER TABLE users ADD COLUMN city VARCHAR(120)",
        "ALTER TABLE users ADD COLUMN nickname VARCHAR(40)",
        "CREATE TABLE login_audit (id INTEGER PRIMARY KEY, user_id INTEGER)",
        "CREATE INDEX IF NOT EXISTS ix_login_audit_user ON login_audit (user_id)",
    ]
    assert all(Flag.GUARDED in i.flags for i in items[:4] if isinstance(i, Statement))
    assert {d.code for d in diags.items if "start-up" in d.message} == {"L2A504"}


def test_module_level_app_context_block() -> None:
    items, _ = extracted(MODULE_LEVEL, "app.py")
    assert statements(items) == [
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ix_notes_body ON notes (body)",
    ]


def test_hooks_run_before_the_first_request_or_once_with_ddl() -> None:
    source = textwrap.dedent(
        """\
        schema_checked = False

        @app.before_first_request
        def prepare():
            db.session.execute(text("CREATE TABLE IF NOT EXISTS jobs (id INTEGER)"))

        @app.before_request
        def ensure_once():
            global schema_checked
            if schema_checked:
                return
            db.session.execute(text("ALTER TABLE jobs ADD COLUMN state TEXT"))
            db.session.execute(text("UPDATE jobs SET state = 'new'"))
            schema_checked = True

        @app.before_request
        def touch_session():
            db.session.execute(text("UPDATE sessions SET seen = 1"))

        def report():
            db.session.execute(text("CREATE TABLE report_tmp (id INTEGER)"))
        """
    )
    items, _ = extracted(source, "app.py")
    assert statements(items) == [
        "CREATE TABLE IF NOT EXISTS jobs (id INTEGER)",
        "ALTER TABLE jobs ADD COLUMN state TEXT",
        "UPDATE jobs SET state = 'new'",
    ]


def test_create_all_at_start_up_is_left_to_the_models() -> None:
    source = (
        "def create_app():\n"
        "    db.create_all()\n"
        "    db.session.execute(text('CREATE INDEX ix ON t (a)'))\n"
    )
    items, diags = extracted(source, "app.py")
    assert statements(items) == ["CREATE INDEX ix ON t (a)"]
    assert any("db.create_all() at start-up" in d.message for d in diags.items)


def test_start_up_code_of_another_app_file_or_a_legacy_source_is_not_followed(
    tmp_path: Path,
) -> None:
    write_project(
        tmp_path,
        {
            "app/__init__.py": FACTORY,
            "fix_schema.py": "def fix(conn):\n    conn.execute('ALTER TABLE t ADD COLUMN z INT')\n",
            "wsgi.py": "from app import create_app\nfrom fix_schema import fix\n\n"
            "app = create_app()\nfix(conn)\n"
            "conn.execute('CREATE TABLE IF NOT EXISTS w (id INT)')\n",
        },
    )
    diags = Diagnostics()
    items = extract_python(
        (tmp_path / "wsgi.py").read_text(),
        "wsgi.py",
        "sqlite",
        tmp_path,
        diags,
        startup=True,
        sources=frozenset({"app/__init__.py", "fix_schema.py"}),
    )
    assert statements(items) == ["CREATE TABLE IF NOT EXISTS w (id INT)"]
    notes = [d.message for d in diags.items if "not followed here" in d.message]
    assert len(notes) == 2


# ---- archive and check --------------------------------------------------------------------------


def test_archive_never_moves_the_app_file_and_check_asks_to_remove_its_ddl(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p", {"migrate_001_users.py": USERS_SCRIPT, "app/__init__.py": FACTORY}
    )
    ok(cli("convert", str(project), "--dialect", "sqlite"))
    [startup] = (project / "migrations" / "versions").glob("*_startup_app_init.py")
    assert "startup_sources = ('app/__init__.py',)" in startup.read_text()
    before = (project / "app" / "__init__.py").read_bytes()

    result = cli("check", str(project))
    assert result.returncode == 1
    assert (
        "app/__init__.py:18: DDL in start-up code (module level) runs at every start-up; "
        "converted into revision" in result.stdout
    )
    assert "legacy schema script" not in result.stdout.split("migrate_001")[0]

    out = ok(cli("archive", str(project)))
    assert "move migrate_001_users.py -> legacy_migrations/migrate_001_users.py" in out
    assert "Left in place: app/__init__.py (application code" in out
    assert (project / "app" / "__init__.py").read_bytes() == before
    assert not (project / "legacy_migrations" / "app").exists()

    # The user removes the start-up DDL: the app changed, archive still never touches it, and
    # check passes.
    columns = FACTORY[FACTORY.index("PROFILE_COLUMNS = [") : FACTORY.index("def ensure_schema")]
    edited = FACTORY.replace(columns, "PROFILE_COLUMNS = []\n\n\n")
    edited = edited.replace("        ensure_schema(db.engine)\n", "")
    (project / "app" / "__init__.py").write_text(edited)
    files = tree(project)
    ok(cli("archive", str(project)))
    assert tree(project) == files
    ok(cli("check", str(project)))


def test_check_reports_start_up_ddl_no_revision_records(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"migrate_001_users.py": USERS_SCRIPT})
    ok(cli("convert", str(project), "--dialect", "sqlite"))
    ok(cli("archive", str(project)))
    write_project(project, {"app.py": MODULE_LEVEL})
    result = cli("check", str(project), "--json")
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert codes == {"L2A528"}


# ---- legacy replay ------------------------------------------------------------------------------


def test_replay_factory_list_and_helper(tmp_path: Path, sqlite_url_factory) -> None:
    project = write_project(
        tmp_path / "project", {"migrate_001_users.py": USERS_SCRIPT, "app/__init__.py": FACTORY}
    )
    out = ok(cli("convert", str(project), "--dialect", "sqlite"))
    assert "Start-up DDL of app/__init__.py" in out or "app/__init__.py" in out
    migrations = project / "migrations"
    chain = revisions(migrations)
    assert len(chain) == 2
    text = next((migrations / "versions").glob("*_startup_app_init.py")).read_text()
    assert "UPDATE users" not in text and "SELECT nickname" not in text

    full = sqlite_url_factory()
    run_legacy_source("migrate_001_users.py", full, project)
    boot(project, full, "from app import create_app; create_app()")
    fresh = sqlite_url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(full, defaults=True)

    # A database the scripts built before the app ever started: stamped, then upgraded.
    early = sqlite_url_factory()
    run_legacy_source("migrate_001_users.py", early, project)
    alembic(migrations, early, "stamp", chain[0])
    alembic(migrations, early, "upgrade", "head")
    assert_same(full, early)
    alembic(migrations, fresh, "downgrade", "base")
    assert schema_summary(fresh)["tables"] == {}


def test_replay_module_level_app_context(tmp_path: Path, sqlite_url_factory) -> None:
    project = write_project(tmp_path / "project", {"app.py": MODULE_LEVEL})
    ok(cli("convert", str(project), "--dialect", "sqlite"))
    migrations = project / "migrations"
    assert len(revisions(migrations)) == 1
    full = sqlite_url_factory()
    boot(project, full, "import app")
    fresh = sqlite_url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(full, defaults=True)


PG_MODELS = (
    FLASK_DB
    + """

class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    phone = db.Column(db.String(30))
    city = db.Column(db.String(120))
"""
)

PG_OLD_MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("phone", sa.String(30)),
)
"""

PG_APP = """\
from flask import Flask
from sqlalchemy import text

from models import database_url, db

UPGRADES = (
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone VARCHAR(30)",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS city VARCHAR(120)",
    "CREATE INDEX IF NOT EXISTS ix_users_city ON users (city)",
)


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
    db.init_app(app)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            for statement in UPGRADES:
                conn.execute(text(statement))
    return app
"""


@pytest.mark.postgres
def test_replay_start_up_column_the_old_models_already_have(tmp_path: Path, pg_url_factory):
    """`ADD COLUMN IF NOT EXISTS phone` of a column the models before it already had: left out
    by the plan (the upgrade must not fail), while `city` is added."""
    import sqlalchemy as sa
    from legacy import load_models_file, sa_url

    project = write_project(
        tmp_path / "project",
        {"models.py": PG_MODELS, "old_models.py": PG_OLD_MODELS, "app.py": PG_APP},
    )
    out = ok(
        cli(
            "convert",
            str(project),
            "--dialect",
            "postgres",
            "--models",
            "models:db",
            "--baseline-models",
            "old_models.py:metadata",
        )
    )
    assert "left out: adds column users.phone" in out
    migrations = project / "migrations"
    chain = revisions(migrations)
    assert len(chain) == 2
    old_db, full = pg_url_factory(), pg_url_factory()
    for url in (old_db, full):
        engine = sa.create_engine(sa_url(url))
        load_models_file(project / "old_models.py", "metadata").create_all(engine)
        engine.dispose()
    boot(project, full, "from app import create_app; create_app()")
    alembic(migrations, old_db, "stamp", chain[0])
    alembic(migrations, old_db, "upgrade", "head")
    assert_same(full, old_db)
    fresh = pg_url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh) == schema_summary(full)
