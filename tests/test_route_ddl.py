"""Schema a request handler creates lazily is converted with the app file; nothing else it runs.

The form comes from real projects (docs/decisions.md): a route creates its table `IF NOT
EXISTS`, then checks each column of a constant list and adds the missing ones, before inserting
the request's row. A route that drops and fills a temporary table, and one whose DDL is built
from the request, are listed (or a TODO), never converted. The replay tests request the route
through Flask's test client the legacy way, then compare with the converted chain.
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
from test_archive import cli, ok
from test_real_world_forms import alembic, assert_same, revisions, write_project

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.discover.discovery import discover
from converter.extract import extract_python
from converter.extract.routes import CONVERT, DATA, route_verdict
from converter.ir.statements import Flag, ManualCode, Statement

PARTNERS_SQL = "CREATE TABLE partners (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL);\n"

APP = '''\
import os

from flask import Blueprint, Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import inspect, text

db = SQLAlchemy()
bp = Blueprint("partners", __name__)

# Columns added to change_requests after the first release.
REQUEST_COLUMNS = [
    ("reviewer", "VARCHAR(80)"),
    ("reviewed_at", "TIMESTAMP"),
]


def database_url():
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


def has_column(table, column):
    return column in {c["name"] for c in inspect(db.engine).get_columns(table)}


@bp.route("/change-request", methods=["POST"])
def register_change_request():
    """Record a partner's change request; its table is made on first use."""
    db.session.execute(
        text(
            """
            CREATE TABLE IF NOT EXISTS change_requests (
                id INTEGER PRIMARY KEY,
                partner_id INTEGER NOT NULL,
                reason TEXT
            )
            """
        )
    )
    db.session.execute(
        text("CREATE INDEX IF NOT EXISTS ix_cr_partner ON change_requests (partner_id)")
    )
    db.session.commit()
    for col_name, col_type in REQUEST_COLUMNS:
        if not has_column("change_requests", col_name):
            db.session.execute(text(f"ALTER TABLE change_requests ADD COLUMN {col_name} {col_type}")
            )
    db.session.execute(
        text("INSERT INTO change_requests (id, partner_id, reason) VALUES (:id, :partner, :why)"),
        {"id": int(request.form["id"]), "partner": 1, "why": request.form.get("reason", "")},
    )
    db.session.commit()
    return {"ok": True}


@bp.post("/admin/columns")
def add_custom_column():
    name = request.form["name"]
    db.session.execute(text(f"ALTER TABLE partners ADD COLUMN {name} TEXT"))
    db.session.commit()
    return {"ok": True}


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
    db.init_app(app)
    app.register_blueprint(bp)

    @app.post("/imports")
    def import_partners():
        db.session.execute(text("DROP TABLE IF EXISTS import_rows"))
        db.session.execute(text("CREATE TEMPORARY TABLE import_rows (name VARCHAR(80))"))
        db.session.execute(
            text("INSERT INTO import_rows (name) VALUES (:name)"), {"name": request.form["name"]}
        )
        db.session.execute(text("DELETE FROM partners WHERE name IN (SELECT name FROM import_rows)")
        )
        db.session.execute(text("DROP TABLE IF EXISTS import_rows"))
        db.session.commit()
        return {"ok": True}

    return app
'''

FILES = {"sql_migrations/001_partners.sql": PARTNERS_SQL, "app.py": APP}

REQUEST_ROUTES = """\
from app import create_app

client = create_app().test_client()
for number in (1, 2):
    response = client.post("/change-request", data={"id": str(number), "reason": "moved"})
    assert response.status_code == 200, response.get_data(as_text=True)
response = client.post("/imports", data={"name": "old"})
assert response.status_code == 200, response.get_data(as_text=True)
"""


def line_of(text: str, source: str = APP) -> int:
    return source[: source.index(text)].count("\n") + 1


def extracted(source: str = APP):
    diags = Diagnostics()
    items = extract_python(source, "app.py", "sqlite", Path("/nonexistent"), diags, startup=True)
    return items, diags


def run_app(project: Path, url: str, code: str) -> None:
    """Run code against the app the legacy way (imported, never converted)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTHON"))}
    env.update(DATABASE_URL=url, PYTHONPATH=str(project), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# ---- which statements -------------------------------------------------------------------------


def statement(sql: str, *flags: Flag) -> Statement:
    return Statement(sql, Origin("app.py", 1), frozenset(flags))


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE IF NOT EXISTS t (id INTEGER)",
        "create table if not exists t(id integer)",
        "CREATE INDEX IF NOT EXISTS ix ON t (a)",
        "CREATE UNIQUE INDEX IF NOT EXISTS ux ON t (a)",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a VARCHAR(30)",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT, ADD COLUMN IF NOT EXISTS b NUMERIC(4, 2)",
    ],
)
def test_idempotent_schema_creation_is_converted(sql: str) -> None:
    assert route_verdict(statement(sql)) == CONVERT


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ADD COLUMN a TEXT",
        "ALTER TABLE t ADD a TEXT",
        "CREATE TABLE t (id INTEGER)",
        "CREATE INDEX ix ON t (a)",
    ],
)
def test_creation_guarded_in_python_is_converted_unguarded_is_listed(sql: str) -> None:
    assert route_verdict(statement(sql, Flag.GUARDED)) == CONVERT
    assert route_verdict(statement(sql)).startswith("not guarded")


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("DROP TABLE IF EXISTS tmp", "drops schema"),
        ("DROP INDEX IF EXISTS ix", "drops schema"),
        ("CREATE TEMP TABLE tmp (a INT)", "creates a temporary table"),
        ("CREATE TEMPORARY TABLE IF NOT EXISTS tmp (a INT)", "creates a temporary table"),
        ("ALTER TABLE t RENAME TO u", "changes existing schema"),
        ("ALTER TABLE t RENAME COLUMN a TO b", "changes existing schema"),
        ("ALTER TABLE t ALTER COLUMN a TYPE TEXT", "changes existing schema"),
        ("ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT, DROP COLUMN b", "changes existing"),
        ("ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a)", "changes existing schema"),
        ("CREATE VIEW v AS SELECT 1", "CREATE does not create"),
        ("TRUNCATE TABLE t", "TRUNCATE does not create"),
    ],
)
def test_other_ddl_is_listed_even_when_guarded(sql: str, why: str) -> None:
    assert route_verdict(statement(sql)).startswith(why)
    assert route_verdict(statement(sql, Flag.GUARDED)).startswith(why)


@pytest.mark.parametrize(
    "sql", ["INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "DELETE FROM t", "SELECT * FROM t"]
)
def test_data_statements_are_per_request_work(sql: str) -> None:
    assert route_verdict(statement(sql, Flag.GUARDED)) == DATA


def test_ddl_built_from_the_request() -> None:
    def todo(code: str, reason: str = "SQL built at run time") -> ManualCode:
        return ManualCode(Origin("app.py", 1), code, reason)

    assert route_verdict(todo('conn.execute(f"ALTER TABLE t ADD COLUMN {name} TEXT")')) == CONVERT
    assert route_verdict(todo('conn.execute(f"DROP TABLE {name}")')) == "DDL built at run time"
    assert route_verdict(todo('conn.execute(f"UPDATE t SET a = {v}")')) == DATA
    # A column check whose parameters are known only at run time, guarding an ADD COLUMN.
    check = 'if not has_column(conn, "t", name):\n    conn.execute(f"ALTER TABLE t ADD {name} INT")'
    assert route_verdict(todo(check, "query parameters known only at run time (x)")) == DATA


# ---- extraction -------------------------------------------------------------------------------


def test_a_route_creating_its_table_and_guarded_columns_is_converted() -> None:
    items, diags = extracted()
    statements = [i for i in items if isinstance(i, Statement)]
    assert [" ".join(s.sql.split()) for s in statements] == [
        "CREATE TABLE IF NOT EXISTS change_requests ( id INTEGER PRIMARY KEY, partner_id "
        "INTEGER NOT NULL, reason TEXT )",
        "CREATE INDEX IF NOT EXISTS ix_cr_partner ON change_requests (partner_id)",
        "ALTER TABLE change_requests ADD COLUMN reviewer VARCHAR(80)",
        "ALTER TABLE change_requests ADD COLUMN reviewed_at TIMESTAMP",
    ]
    assert all(Flag.GUARDED in s.flags for s in statements[2:])
    [todo] = [i for i in items if isinstance(i, ManualCode)]
    assert todo.origin.line == line_of('db.session.execute(text(f"ALTER TABLE partners')

    converted = [d for d in diags.items if d.code == "L2A504"]
    assert len(converted) == 5
    assert str(converted[0].origin) == f"app.py:{line_of('CREATE TABLE IF NOT EXISTS')}"
    assert converted[0].message.startswith(
        "DDL in request handler register_change_request() creates schema when the route is "
        'requested: converted into the revision "start-up DDL of app.py"; remove it from the '
        "route once the chain is in place: CREATE TABLE IF NOT EXISTS change_requests"
    )
    assert "add_custom_column() creates schema from what the request sends: a TODO" in (
        converted[-1].message
    )


def test_drops_temporary_tables_and_data_of_a_route_are_not_converted() -> None:
    items, diags = extracted()
    texts = " ".join(i.sql for i in items if isinstance(i, Statement))
    assert "import_rows" not in texts and "INSERT" not in texts and "DELETE" not in texts
    listed = [(d.origin.line, d.message) for d in diags.items if d.code == "L2A505"]
    assert [line for line, _ in listed] == [
        line_of('text("DROP TABLE IF EXISTS import_rows")'),
        line_of("CREATE TEMPORARY TABLE"),
        APP.count("\n", 0, APP.rindex("DROP TABLE IF EXISTS import_rows")) + 1,
    ]
    assert listed[0][1].startswith("DDL in request handler import_partners() drops schema: not ")
    assert "creates a temporary table" in listed[1][1]
    # No notes about the request's data work.
    assert all("INSERT" not in d.message for d in diags.items)


def test_the_same_table_created_by_two_routes_is_converted_once_and_warned_twice() -> None:
    source = textwrap.dedent(
        """\
        @app.route("/a")
        def a():
            conn.execute("CREATE TABLE IF NOT EXISTS seen (id INTEGER)")

        @app.route("/b")
        def b():
            conn.execute("CREATE TABLE IF NOT EXISTS seen (id INTEGER)")
            conn.execute("INSERT INTO seen VALUES (1)")

        def helper():
            conn.execute("CREATE TABLE unused (id INTEGER)")
        """
    )
    items, diags = extracted(source)
    assert [i.sql for i in items if isinstance(i, Statement)] == [
        "CREATE TABLE IF NOT EXISTS seen (id INTEGER)"
    ]
    warned = [d.origin.line for d in diags.items if d.code == "L2A504"]
    assert warned == [3, 7]


def test_routes_of_a_file_with_start_up_ddl_come_after_it() -> None:
    source = textwrap.dedent(
        """\
        def create_app():
            app = Flask(__name__)
            with app.app_context():
                db.session.execute(text("CREATE TABLE IF NOT EXISTS jobs (id INTEGER)"))

            @app.get("/jobs")
            def jobs():
                db.session.execute(text("CREATE TABLE IF NOT EXISTS jobs (id INTEGER)"))
                db.session.execute(text("CREATE TABLE IF NOT EXISTS job_log (id INTEGER)"))
                return db.session.execute(text("SELECT * FROM jobs")).all()

            return app
        """
    )
    items, diags = extracted(source)
    assert [i.sql for i in items if isinstance(i, Statement)] == [
        "CREATE TABLE IF NOT EXISTS jobs (id INTEGER)",
        "CREATE TABLE IF NOT EXISTS job_log (id INTEGER)",
    ]
    assert [("request handler" in d.message, d.origin.line) for d in diags.items] == [
        (True, 8),
        (True, 9),
        (False, 4),
    ]


# ---- discovery, scan, check -------------------------------------------------------------------


def test_an_app_file_with_route_ddl_only_is_a_source(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            **FILES,
            "wsgi.py": "from app import create_app\n\napp = create_app()\n",
            "server.py": "@app.post('/x')\ndef x():\n    conn.execute('DROP TABLE IF EXISTS t')\n",
        },
    )
    found = discover(tmp_path, Config(), Diagnostics(), dialect="sqlite")
    assert [(s.path, s.startup) for s in found.sources] == [
        ("sql_migrations/001_partners.sql", False),
        ("app.py", True),
    ]
    assert found.sources[1].reason == (
        "creates schema lazily in request handlers (register_change_request, "
        "add_custom_column): after every other source; only that DDL is converted"
    )


def test_scan_lists_route_ddl(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    out = ok(cli("scan", str(tmp_path), "--dialect", "sqlite"))
    assert "2. app.py  [creates schema lazily in request handlers" in out
    assert out.count("DDL in request handler") == 8
    document = json.loads(ok(cli("scan", str(tmp_path), "--dialect", "sqlite", "--json")))
    codes = [d["code"] for d in document["diagnostics"] if "request handler" in d["message"]]
    assert sorted(codes) == ["L2A504"] * 5 + ["L2A505"] * 3


def test_check_asks_to_remove_the_route_ddl_and_archive_leaves_the_app(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", FILES)
    ok(cli("convert", str(project), "--dialect", "sqlite"))
    [startup] = (project / "migrations" / "versions").glob("*_startup_app.py")
    text = startup.read_text()
    assert "startup_sources = ('app.py',)" in text
    assert "import_rows" not in text and "INSERT" not in text
    out = ok(cli("archive", str(project)))
    assert "Left in place: app.py (application code" in out
    assert (project / "app.py").read_text() == APP
    result = cli("check", str(project))
    assert result.returncode == 1
    assert (
        f"app.py:{line_of('CREATE TABLE IF NOT EXISTS') - 1}: DDL in request handler "
        "register_change_request() creates schema when the route is requested; converted into "
        "revision" in result.stdout
    )
    assert "remove it from the route" in result.stdout
    assert "import_rows" not in result.stdout


# ---- legacy replay ------------------------------------------------------------------------------


def replay(project: Path, url_factory, dialect: str) -> None:
    out = ok(cli("convert", str(project), "--dialect", dialect))
    assert "app.py" in out
    migrations = project / "migrations"
    chain = revisions(migrations)
    assert len(chain) == 2

    # The legacy way: the SQL file, the app started, the routes requested.
    requested = url_factory()
    run_legacy_source("sql_migrations/001_partners.sql", requested, project)
    run_app(project, requested, REQUEST_ROUTES)
    fresh = url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh, defaults=True) == schema_summary(requested, defaults=True)

    # A database where the route was never requested: stamp finds the revision before.
    never = url_factory()
    run_legacy_source("sql_migrations/001_partners.sql", never, project)
    run_app(project, never, "from app import create_app\n\ncreate_app()\n")
    ok(cli("stamp", str(project), "--url", never, "--yes"))
    alembic(migrations, never, "upgrade", "head")
    assert schema_summary(never, defaults=True) == schema_summary(requested, defaults=True)
    # And the app still runs its routes on the upgraded database (they are idempotent).
    run_app(project, never, REQUEST_ROUTES)
    assert_same(requested, never)
    alembic(migrations, fresh, "downgrade", "base")
    assert schema_summary(fresh)["tables"] == {}


def test_replay_route_ddl_sqlite(tmp_path: Path, sqlite_url_factory) -> None:
    replay(write_project(tmp_path / "project", FILES), sqlite_url_factory, "sqlite")


@pytest.mark.postgres
def test_replay_route_ddl_postgres(tmp_path: Path, pg_url_factory) -> None:
    replay(write_project(tmp_path / "project", FILES), pg_url_factory, "postgres")
