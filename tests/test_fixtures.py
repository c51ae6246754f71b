"""The fixture projects are what they claim to be, and the legacy-build harness works.

- every prefix of every fixture's history builds the legacy way (SQLite; PostgreSQL for the PG
  fixture, with real psql and psycopg2);
- after the whole history the database is exactly today's models.py: Alembic's compare_metadata
  finds nothing, and an independent inspector summary equals create_all(models.py) on an empty
  database (server defaults, CHECKs, enum labels, partial-index predicates and constraint names
  included), up to the documented differences;
- the data is what the scripts intend;
- copy_project(git=True) builds the history the tests rely on.
"""

from __future__ import annotations

import ast
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from legacy import (
    FIXTURES,
    LegacyScriptError,
    all_fixtures,
    build_legacy_database,
    build_models_database,
    copy_project,
    dump_data,
    load_fixture,
    load_models_file,
    sa_url,
    schema_summary,
)

FIXTURE_NAMES = all_fixtures()
SQLITE_FIXTURES = [n for n in FIXTURE_NAMES if load_fixture(n).dialect == "sqlite"]
PG_FIXTURES = [n for n in FIXTURE_NAMES if load_fixture(n).dialect == "postgresql"]
MYSQL_FIXTURES = [n for n in FIXTURE_NAMES if load_fixture(n).dialect == "mysql"]


def _steps(names: list[str]) -> list[tuple[str, int]]:
    return [(n, k) for n in names for k in range(len(load_fixture(n).history) + 1)]


def _all() -> list:
    """Every fixture; the PostgreSQL ones marked `postgres`, the MySQL ones `mysql`."""
    marks = {n: pytest.mark.postgres for n in PG_FIXTURES}
    marks.update({n: pytest.mark.mysql for n in MYSQL_FIXTURES})
    return [pytest.param(n, marks=marks[n]) if n in marks else n for n in FIXTURE_NAMES]


def _url_for(fx, sqlite_url, request) -> str:
    if fx.dialect == "sqlite":
        return sqlite_url
    factory = "mysql_url_factory" if fx.dialect == "mysql" else "pg_url_factory"
    return request.getfixturevalue(factory)()


def _diff(url: str, metadata: sa.MetaData) -> list:
    engine = sa.create_engine(sa_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()


def test_expected_fixtures_exist():
    assert {"sqlite_taskboard", "postgres_invoicing", "sqlite_messy"} <= set(FIXTURE_NAMES)


# --------------------------------------------------------------------------------------------
# layout


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_layout(name):
    fx = load_fixture(name)
    p = fx.project
    assert (p / "app.py").is_file() and (p / "requirements.txt").is_file()
    assert fx.models_path.is_file() and fx.initial_models.is_file()
    assert not (p / "migrations" / "env.py").exists(), "a legacy project has no Alembic set-up"
    app_src = (p / "app.py").read_text()
    assert 'os.environ.get("DATABASE_URL"' in app_src and "SQLALCHEMY_DATABASE_URI" in app_src
    assert "db.create_all()" in app_src
    for f in (fx.models_path, fx.initial_models):
        src = f.read_text()
        assert "db = SQLAlchemy()" in src and "import app" not in src
    assert len(set(fx.history)) == len(fx.history)
    for rel in fx.history:
        assert (p / rel).is_file(), rel
        assert rel.endswith((".py", ".sql"))
    assert set(fx.skip) <= set(fx.history)
    for src, helpers in fx.companions.items():
        assert src in fx.history
        for h in helpers:
            assert (p / h).is_file() and h not in fx.history
    # every legacy-looking file is in the history (and nothing else is)
    legacy_like = {
        f.relative_to(p).as_posix()
        for f in p.rglob("*")
        if f.is_file()
        and (re.fullmatch(r"migrate_.*\.py", f.name) or f.parent.name == "migrations_manual_sql")
    }
    # (plus the sources only the default discovery finds, listed in [sources] discovered)
    assert legacy_like | set(fx.config["sources"].get("discovered", ())) == set(fx.history)
    # every Python file parses
    for f in p.rglob("*.py"):
        ast.parse(f.read_text(), filename=str(f))
    assert fx.seed is not None and fx.seed.name == f"seed_{fx.dialect}.sql"


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_models_import_without_app(name):
    fx = load_fixture(name)
    today = load_models_file(fx.models_path)
    before = load_models_file(fx.initial_models)
    assert today.tables and before.tables
    assert set(before.tables) <= set(today.tables) | {"__none__"}
    # loading twice gives independent MetaData (unique module names)
    assert load_models_file(fx.models_path) is not today


def test_taskboard_order_follows_numeric_prefixes():
    fx = load_fixture("sqlite_taskboard")

    def num(rel: str) -> int:
        return int(re.match(r"migrate_(\d+)_", Path(rel).name).group(1))

    assert sorted(fx.history, key=num) == list(fx.history)
    assert all(Path(r).name.startswith("migrate_") for r in fx.history)


def test_invoicing_python_sources_have_no_numbers():
    fx = load_fixture("postgres_invoicing")
    py = [r for r in fx.history if r.endswith(".py")]
    sql = [r for r in fx.history if r.endswith(".sql")]
    assert len(py) >= 3 and len(sql) >= 4
    assert not any(re.search(r"\d", Path(r).stem) for r in py)
    assert sql == sorted(sql)  # the .sql series is numbered; interleaving comes from git only


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_expect_entries_point_at_real_lines(name):
    fx = load_fixture(name)
    for e in fx.config.get("expect", []):
        path, line = e["at"].rsplit(":", 1)
        text = (fx.project / path).read_text().splitlines()[int(line) - 1]
        assert e["snippet"] in text, (e, text)


# --------------------------------------------------------------------------------------------
# legacy builds, every prefix of the history


@pytest.mark.parametrize("name,k", _steps(SQLITE_FIXTURES))
def test_legacy_build_sqlite(name, k, sqlite_url, sqlite_url_factory, legacy_sqlite):
    fx = load_fixture(name)
    build_legacy_database(fx, sqlite_url, k=k)
    data = dump_data(sqlite_url)
    assert data, "the build left no tables"
    _check_models_at(fx, k, sqlite_url, sqlite_url_factory)
    # the session templates other tests copy (built one source at a time) are the same database
    template = legacy_sqlite.url(fx, k)
    assert dump_data(template) == data
    assert schema_summary(template) == schema_summary(sqlite_url)


@pytest.mark.postgres
@pytest.mark.parametrize("name,k", _steps(PG_FIXTURES))
def test_legacy_build_postgres(name, k, pg_url, pg_url_factory):
    fx = load_fixture(name)
    build_legacy_database(fx, pg_url, k=k)
    assert dump_data(pg_url)
    summary = schema_summary(pg_url)
    if name == "postgres_invoicing":
        # psql really ran 001 (enum), psycopg2 really ran the tiers script
        assert ("invoice_status" in summary["enums"]) == (k >= 1)
        cols = {c[0] for c in summary["tables"]["customers"]["columns"]}
        assert ("tier" in cols) == (k >= 2)
        assert ("settings" in cols) == (k >= 3)
        ix = {i[0] for t in summary["tables"].values() for i in t["indexes"]}
        assert ("ix_invoices_issued_on" in ix) == (k >= 6)
        assert ("ix_invoices_customer_id" in ix) == (k >= 7)
        assert summary["views"] == (["open_invoices"] if k >= 8 else [])
    _check_models_at(fx, k, pg_url, pg_url_factory)


@pytest.mark.mysql
@pytest.mark.parametrize("name,k", _steps(MYSQL_FIXTURES))
def test_legacy_build_mysql(name, k, mysql_url, mysql_url_factory):
    fx = load_fixture(name)
    build_legacy_database(fx, mysql_url, k=k)
    assert dump_data(mysql_url)
    summary = schema_summary(mysql_url, names=True, column_order=True)
    if name == "mysql_library":
        # the mariadb client ran 001 and 003, PyMySQL the status and loans scripts
        books = summary["tables"]["books"]
        assert [c[0] for c in books["columns"]][2] == ("isbn" if k >= 1 else "author_id")
        assert ("'archived'" in dict((c[0], c[1]) for c in books["columns"])["status"]) == (k >= 2)
        authors = [c[0] for c in summary["tables"]["authors"]["columns"]]
        assert authors[0] == ("legacy_id" if k >= 3 else "id")
        loans = "book_loans" if k >= 6 else "loans"
        assert (loans in summary["tables"]) == (k >= 4)
        fk_names = {fk[0] for fk in books["fks"]}
        assert fk_names == ({"fk_books_author"} if k >= 5 else {"books_ibfk_1"})
        if k >= 4:  # the mariadb client ran 005's CHANGE ... AFTER
            borrower = summary["tables"][loans]["columns"][-1][0]
            assert borrower == ("borrower_name" if k >= 7 else "returned_on")
    _check_models_at(fx, k, mysql_url, mysql_url_factory)


def _check_models_at(fx, k: int, url: str, fresh_url) -> None:
    """The models recorded for step k (initial_models, models_history/NN.py, models.py) describe
    the database after k steps: compare_metadata is empty, and (strict) the inspector summary
    equals create_all(those models) on an empty database, views aside."""
    if k == 0:
        models = fx.initial_models
    elif k == len(fx.history):
        models = fx.models_path
    else:
        models = fx.models_at(k)
    if models is None:
        return
    assert _diff(url, load_models_file(models)) == [], models.name
    fresh = fresh_url()
    build_models_database(models, fresh)
    opts = dict(names=True, defaults=True, column_order=True)
    legacy, expected = schema_summary(url, **opts), schema_summary(fresh, **opts)
    legacy["views"] = expected["views"]
    assert legacy == expected, models.name


# --------------------------------------------------------------------------------------------
# the final database is today's models


def _final_url(name, sqlite_url, request) -> str:
    fx = load_fixture(name)
    url = _url_for(fx, sqlite_url, request)
    build_legacy_database(fx, url)
    return url


@pytest.mark.parametrize("name", _all())
def test_final_schema_matches_models(name, sqlite_url, request):
    fx = load_fixture(name)
    url = _final_url(name, sqlite_url, request)
    assert _diff(url, load_models_file(fx.models_path)) == []
    # negative control: the comparison does bite
    assert _diff(url, load_models_file(fx.initial_models)) != []


@pytest.mark.parametrize("name", _all())
def test_final_schema_equals_create_all_of_models(name, sqlite_url, tmp_path, request):
    """Stricter than compare_metadata: defaults, CHECKs, enum labels, partial-index predicates,
    constraint names and column order all equal create_all(models.py) on an empty database."""
    fx = load_fixture(name)
    url = _final_url(name, sqlite_url, request)
    fresh = (
        f"sqlite:///{tmp_path / 'fresh.db'}"
        if fx.dialect == "sqlite"
        else _url_for(fx, sqlite_url, request)
    )
    build_models_database(fx.models_path, fresh)
    opts = dict(names=True, defaults=True, column_order=True)
    legacy, models = schema_summary(url, **opts), schema_summary(fresh, **opts)
    # documented: views are not described by models (fixture.toml [equality] not_in_models)
    expected_views = [
        v.split(" ", 1)[1]
        for v in fx.config.get("equality", {}).get("not_in_models", [])
        if v.startswith("view ")
    ]
    assert legacy["views"] == sorted(expected_views)
    legacy["views"] = models["views"]
    assert legacy == models


# --------------------------------------------------------------------------------------------
# the data is what the scripts intend


@pytest.mark.parametrize("name", _all())
def test_data_is_deterministic(name, sqlite_url, request):
    fx = load_fixture(name)
    a = _final_url(name, sqlite_url, request)
    b = _url_for(fx, sqlite_url.replace("legacy.db", "legacy2.db"), request)
    build_legacy_database(fx, b)
    assert dump_data(a) == dump_data(b)


def test_taskboard_data(sqlite_url):
    fx = load_fixture("sqlite_taskboard")
    build_legacy_database(fx, sqlite_url, k=0)
    before = dump_data(sqlite_url)
    assert len(before["tasks"]) == 6
    build_legacy_database(fx, sqlite_url.replace("legacy.db", "full.db"))
    d = dump_data(sqlite_url.replace("legacy.db", "full.db"))
    # tasks: id, title, description, project_id, is_done, created_at, priority, due_date
    tasks = {r[0]: r for r in d["tasks"]}
    assert sorted(tasks) == [1, 2, 3, 4, 5, 6]  # the rebuild kept every row
    assert tasks[3][1] == "untitled" and tasks[6][1] == "untitled"  # COALESCE(title, 'untitled')
    assert tasks[1][1] == "Draft sitemap"
    assert {r[6] for r in tasks.values()} == {2}  # priority backfill
    assert tasks[5][7] == "2023-03-31" and tasks[1][7] is None  # UPDATE in scripts/sql/003
    assert tasks[1][4] == 1 and tasks[6][4] == 0  # done -> is_done kept values, NULL -> 0
    assert tasks[1][5] == "2023-01-10 08:00:00.000000"
    # users: ..., display_name, timezone, last_login
    assert [(r[1], r[4], r[5]) for r in d["users"]] == [
        ("alice", "alice", "UTC"),
        ("bob", "bob", "UTC"),
        ("carol", "carol", "UTC"),
    ]
    assert [(r[1], r[3]) for r in d["projects"]] == [
        ("Website relaunch", 0),
        ("Mobile app", 0),
        ("Quarterly report", 1),
    ]
    assert [r[1] for r in d["tags"]] == ["bug", "feature", "chore"]
    assert d["task_tags"] == [(2, 2), (4, 1)]
    assert d["notifications"] == []


@pytest.mark.postgres
def test_invoicing_data(pg_url):
    fx = load_fixture("postgres_invoicing")
    build_legacy_database(fx, pg_url)
    d = dump_data(pg_url)
    # customers: id, name, email, created_at, tier, settings
    cust = {r[0]: r for r in d["customers"]}
    assert {i: r[4] for i, r in cust.items()} == {
        1: "standard",
        2: "gold",
        3: "standard",
        4: "standard",
    }
    assert cust[1][5] == (
        '{"invoice_email":"ap@acme.test",'
        '"portal_url":"https://portal.acme.test/billing",'
        '"reminder_time":"09:30"}'
    )
    assert cust[3][5] == '{"send_reminders":false}' and cust[2][5] == "{}"
    # invoices: id, customer_id, number, amount, status, issued_on, internal_notes
    inv = {r[0]: r for r in d["invoices"]}
    assert inv[2][3] == Decimal("100.00") and inv[5][3] == Decimal("310.13")  # round(::numeric, 2)
    assert inv[4][3] == Decimal("0") and inv[4][4] == "draft"  # backfills before SET NOT NULL
    assert inv[1][6] == "net 30"  # RENAME COLUMN kept data
    assert len(inv[1]) == 7  # legacy_ref dropped
    # order: one per issued invoice, the void one cancelled
    orders = d["order"]
    assert [r[3] for r in orders] == [
        "ORD-2022-0001",
        "ORD-2022-0002",
        "ORD-2022-0003",
        "ORD-2022-0005",
        "ORD-2022-0006",
    ]
    assert orders[-1][6] == "2022-04-22 00:00:00" and orders[0][6] is None
    engine = sa.create_engine(sa_url(pg_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM open_invoices")).scalar()
            assert n == 4
            # ON DELETE CASCADE really is there
            conn.execute(sa.text("INSERT INTO customers (id, name) VALUES (99, 'Temp')"))
            conn.execute(
                sa.text(
                    'INSERT INTO "order" (customer_id, reference, placed_at) '
                    "VALUES (99, 'ORD-TMP', '2024-01-01')"
                )
            )
            conn.execute(sa.text("DELETE FROM customers WHERE id = 99"))
            left = conn.execute(sa.text('SELECT count(*) FROM "order" WHERE customer_id = 99'))
            assert left.scalar() == 0
            conn.rollback()
    finally:
        engine.dispose()


def test_messy_data(sqlite_url):
    fx = load_fixture("sqlite_messy")
    build_legacy_database(fx, sqlite_url)
    d = dump_data(sqlite_url)
    assert [r[2] for r in d["users"]] == [
        "ann@example.com",
        "ben@example.com",
        None,
        "dev@example.org",
    ]  # row-by-row fix
    assert {r[3] for r in d["users"]} == {None}  # nickname added by the dynamic script
    assert d["tags"] == [(1, "todo; later"), (2, "it's done")]
    assert {r[4] for r in d["notes"]} == {0}
    assert d["audit_log"] == []  # created by db.create_all() in a legacy script


# --------------------------------------------------------------------------------------------
# harness behaviour


def test_failing_script_raises_with_stderr(tmp_path, sqlite_url):
    fx = load_fixture("sqlite_taskboard")
    proj = copy_project(fx, tmp_path / "proj")
    (proj / fx.history[0]).write_text("import sys\nsys.exit('boom: no such table')\n")
    with pytest.raises(LegacyScriptError, match="boom: no such table"):
        build_legacy_database(fx, sqlite_url, k=1, project=proj)


def test_failing_sql_file_raises(tmp_path, sqlite_url):
    fx = load_fixture("sqlite_messy")
    proj = copy_project(fx, tmp_path / "proj")
    (proj / fx.history[0]).write_text("CREATE TABLE users (id INTEGER);\n")
    with pytest.raises(LegacyScriptError, match="already exists"):
        build_legacy_database(fx, sqlite_url, k=1, project=proj)


def test_build_leaves_fixture_clean(sqlite_url):
    fx = load_fixture("sqlite_taskboard")
    before = sorted(p.relative_to(fx.project) for p in fx.project.rglob("*"))
    build_legacy_database(fx, sqlite_url)
    after = sorted(p.relative_to(fx.project) for p in fx.project.rglob("*"))
    assert before == after


def test_k_out_of_range(sqlite_url):
    with pytest.raises(ValueError):
        build_legacy_database("sqlite_messy", sqlite_url, k=99)


def test_wrong_dialect_rejected(sqlite_url):
    with pytest.raises(ValueError):
        build_legacy_database("postgres_invoicing", sqlite_url)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_copy_project_git_history(name, tmp_path):
    fx = load_fixture(name)
    dest = copy_project(fx, tmp_path / "repo", git=True)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=dest, capture_output=True, text=True, check=True
        ).stdout

    assert git("status", "--porcelain") == ""
    # the final tree is the project, byte for byte
    for f in fx.project.rglob("*"):
        if f.is_file() and "__pycache__" not in f.parts:
            assert (dest / f.relative_to(fx.project)).read_bytes() == f.read_bytes()
    # one commit per history entry, in order, after the initial commit
    added = git(
        "log",
        "--reverse",
        "--diff-filter=A",
        "--name-only",
        "--format=%x00%ad",
        "--date=iso-strict",
    ).split("\x00")[1:]
    commits = [[ln for ln in c.splitlines() if ln.strip()] for c in added]
    assert len(commits) == len(fx.history) + 1
    initial_files = set(commits[0][1:])
    assert not initial_files & set(fx.history)
    for entry, commit in zip(fx.history, commits[1:]):
        assert entry in commit[1:]
        assert set(commit[1:]) - {entry} <= set(fx.companions.get(entry, ()))
    dates = [c[0] for c in commits]
    assert dates == sorted(dates) and dates[0].startswith("2023-01-02T10:00:00")
    # models.py started as initial_models.py
    first = git("rev-list", "--max-parents=0", "HEAD").strip()
    models_rel = fx.models_path.relative_to(fx.project).as_posix()
    assert git("show", f"{first}:{models_rel}") == fx.initial_models.read_text()
    # ... and followed models_history/NN.py, ending as today's models.py
    shas = git("log", "--reverse", "--format=%H").split()
    assert len(shas) == len(fx.history) + 1
    for i, sha in enumerate(shas[1:-1], start=1):
        snap = fx.models_at(i)
        if snap is not None:
            assert git("show", f"{sha}:{models_rel}") == snap.read_text(), i
    # deterministic: same commits again
    dest2 = copy_project(fx, tmp_path / "repo2", git=True)
    head2 = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=dest2, capture_output=True, text=True, check=True
    ).stdout
    assert head2 == git("rev-parse", "HEAD")


def test_fixtures_dir():
    assert FIXTURES.is_dir() and (FIXTURES / "sqlite_taskboard" / "fixture.toml").is_file()
