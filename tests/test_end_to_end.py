"""The test that matters most.

For each fixture project: build databases the legacy way (initial create_all, the seed, then the
legacy scripts themselves, first k of them for every k), convert the project with the installed
console script, then check with plain Alembic:
(a) upgrade head on an empty database gives the schema of the database that ran every legacy
    script (and of today's models);
(b) downgrade base leaves no tables;
(c) for every k, the k-script database stamped at script k's revision and upgraded to head has the
    same schema AND data as the database that ran all legacy scripts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from legacy import (
    LegacyTemplates,
    build_legacy_database,
    build_models_database,
    copy_project,
    dump_data,
    load_fixture,
    sa_url,
    schema_summary,
)

CLI = str(Path(sys.executable).parent / "legacy2alembic")
ALEMBIC = str(Path(sys.executable).parent / "alembic")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, cwd=cwd, check=False)


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


def revisions_by_source(migrations: Path) -> tuple[str, dict[str, str]]:
    """(baseline revision id, legacy source path -> revision id), read from the generated files."""
    cfg = Config(str(migrations / "alembic.ini"))
    cfg.set_main_option("script_location", str(migrations))
    script = ScriptDirectory.from_config(cfg)
    baseline = ""
    by_source: dict[str, str] = {}
    for rev in script.walk_revisions():
        sources = getattr(rev.module, "legacy_sources", ())
        if not sources:
            baseline = rev.revision
        for path, _sha in sources:
            by_source[path] = rev.revision
    return baseline, by_source


def table_names(url: str) -> list[str]:
    engine = sa.create_engine(sa_url(url))
    try:
        return sorted(t for t in sa.inspect(engine).get_table_names() if t != "alembic_version")
    finally:
        engine.dispose()


def converted(fixture_name: str, tmp_path: Path, *, git: bool) -> tuple[Path, Path]:
    fixture = load_fixture(fixture_name)
    project = copy_project(fixture, tmp_path / "project", git=git)
    dialect = "postgresql" if fixture.dialect.startswith("postgres") else fixture.dialect
    result = run_cli("convert", str(project), "--dialect", dialect, "--models", fixture.models)
    assert result.returncode == 0, result.stdout + result.stderr
    return project, project / "migrations"


def check_chain(
    fixture_name: str,
    tmp_path: Path,
    url_factory,
    legacy: Callable[[int | None], str],
    *,
    git: bool,
) -> None:
    """`legacy(k)`: a new database that ran the first k legacy sources (all when None)."""
    fixture = load_fixture(fixture_name)
    project, migrations = converted(fixture_name, tmp_path, git=git)
    baseline, by_source = revisions_by_source(migrations)

    full = legacy(None)
    expected_schema = schema_summary(full)
    expected_data = dump_data(full)

    fresh = url_factory()
    alembic(migrations, fresh, "upgrade", "head")
    assert schema_summary(fresh) == expected_schema  # (a)
    alembic(migrations, fresh, "downgrade", "base")
    assert table_names(fresh) == []  # (b)

    for k in range(len(fixture.history) + 1):  # (c)
        applied = [p for p in fixture.history[:k] if p not in fixture.skip]
        target = by_source[applied[-1]] if applied else baseline
        url = legacy(k)
        alembic(migrations, url, "stamp", target)
        alembic(migrations, url, "upgrade", "head")
        assert schema_summary(url) == expected_schema, f"schema differs after k={k}"
        assert dump_data(url) == expected_data, f"data differs after k={k}"


def sqlite_legacy(
    templates: LegacyTemplates, url_factory, fixture: str = "sqlite_taskboard"
) -> Callable[[int | None], str]:
    """Legacy databases of `fixture` copied from the session's templates
    (legacy.LegacyTemplates: each script runs once per session, not once per k)."""

    def legacy(k: int | None) -> str:
        url = url_factory()
        templates.copy(fixture, url, k)
        return url

    return legacy


def test_sqlite_taskboard_chain(tmp_path: Path, sqlite_url_factory, legacy_sqlite) -> None:
    legacy = sqlite_legacy(legacy_sqlite, sqlite_url_factory)
    check_chain("sqlite_taskboard", tmp_path, sqlite_url_factory, legacy, git=False)


def test_sqlite_taskboard_chain_in_git_history(
    tmp_path: Path, sqlite_url_factory, legacy_sqlite
) -> None:
    legacy = sqlite_legacy(legacy_sqlite, sqlite_url_factory)
    check_chain("sqlite_taskboard", tmp_path, sqlite_url_factory, legacy, git=True)


def test_sqlite_fieldnotes_chain_in_git_history(
    tmp_path: Path, sqlite_url_factory, legacy_sqlite
) -> None:
    """Sources found where real projects keep them (root, migrations/ beside the scaffold, sql/,
    scripts/), a .sql + script twin converted once, the MySQL files left out."""
    legacy = sqlite_legacy(legacy_sqlite, sqlite_url_factory, "sqlite_fieldnotes")
    check_chain("sqlite_fieldnotes", tmp_path, sqlite_url_factory, legacy, git=True)
    _, by_source = revisions_by_source(tmp_path / "project" / "migrations")
    assert sorted(by_source) == sorted(load_fixture("sqlite_fieldnotes").applied)


@pytest.mark.postgres
def test_postgres_invoicing_chain(tmp_path: Path, pg_url_factory) -> None:
    (tmp_path / "legacy").mkdir()
    templates = LegacyTemplates(tmp_path / "legacy", pg_url_factory)

    def legacy(k: int | None) -> str:
        return pg_url_factory(templates.url("postgres_invoicing", k))

    check_chain("postgres_invoicing", tmp_path, pg_url_factory, legacy, git=True)


def test_convert_is_deterministic_and_never_overwrites(tmp_path: Path) -> None:
    project, migrations = converted("sqlite_taskboard", tmp_path, git=False)
    first = {
        p.relative_to(migrations): p.read_bytes() for p in migrations.rglob("*") if p.is_file()
    }
    again = run_cli("convert", str(project), "--dialect", "sqlite", "--models", "models:db")
    assert again.returncode == 0, again.stderr
    assert "already up to date" in again.stdout
    other = tmp_path / "other"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("migrations"))
    run_cli("convert", str(other), "--dialect", "sqlite", "--models", "models:db")
    second = {
        p.relative_to(other / "migrations"): p.read_bytes()
        for p in (other / "migrations").rglob("*")
        if p.is_file()
    }
    assert first == second
    victim = next(migrations.glob("versions/*.py"))
    victim.write_text(victim.read_text() + "\n# edited by hand\n")
    refused = run_cli("convert", str(project), "--dialect", "sqlite", "--models", "models:db")
    assert refused.returncode == 2
    assert victim.name in refused.stderr
    assert victim.read_text().endswith("# edited by hand\n")


def test_verify_passes_on_converted_project(tmp_path: Path) -> None:
    project, migrations = converted("sqlite_taskboard", tmp_path, git=False)
    result = run_cli("verify", str(project), "--dialect", "sqlite", "--models", "models:db")
    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_fails_with_diff_when_models_drift(tmp_path: Path) -> None:
    project, migrations = converted("sqlite_taskboard", tmp_path, git=False)
    models = project / "models.py"
    models.write_text(
        models.read_text() + "\n\nclass Drift(db.Model):\n"
        "    __tablename__ = 'drift_table'\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
    )
    result = run_cli("verify", str(project), "--dialect", "sqlite", "--models", "models:db")
    assert result.returncode == 1
    assert "drift_table" in result.stdout + result.stderr


def test_squash_writes_one_revision_that_verifies(tmp_path: Path) -> None:
    fixture = load_fixture("sqlite_taskboard")
    project = copy_project(fixture, tmp_path / "project", git=True)
    result = run_cli(
        "convert", str(project), "--dialect", "sqlite", "--models", fixture.models, "--squash"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [only] = list((project / "migrations" / "versions").glob("*.py"))
    assert "legacy_squashed" in only.name
    verified = run_cli("verify", str(project), "--dialect", "sqlite", "--models", fixture.models)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.mysql
def test_mysql_library_chain(tmp_path: Path, mysql_url_factory) -> None:
    def legacy(k: int | None) -> str:  # MySQL has no template databases: built afresh
        url = mysql_url_factory()
        build_legacy_database("mysql_library", url, k)
        return url

    check_chain("mysql_library", tmp_path, mysql_url_factory, legacy, git=True)


def mysql_charsets(url: str) -> dict[str, str]:
    """Each table's collation (it names the character set too)."""
    engine = sa.create_engine(sa_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT table_name, table_collation FROM information_schema.tables "
                    "WHERE table_schema = DATABASE() AND table_name <> 'alembic_version'"
                )
            )
            return dict(sorted((str(name), str(collation)) for name, collation in rows))
    finally:
        engine.dispose()


def mysql_state(url: str, *, column_order: bool) -> tuple[dict, dict[str, str]]:
    """Schema (constraint names, defaults, implicit indexes included) and table charsets."""
    summary = schema_summary(url, names=True, defaults=True, column_order=column_order)
    return summary, mysql_charsets(url)


@pytest.mark.mysql
def test_mysql_every_step_goes_down_and_up_again(tmp_path: Path, mysql_url) -> None:
    """At every revision, downgrade -1 gives back the schema before it (unnamed foreign keys
    under InnoDB's names and the indexes InnoDB made for them, the character set CONVERT TO
    changed, columns added as exact SQL), and upgrade +1 then gives the same schema again,
    column order included (no "Duplicate column name", no error 1553)."""
    fixture = load_fixture("mysql_library")
    _, migrations = converted("mysql_library", tmp_path, git=True)
    baseline, by_source = revisions_by_source(migrations)
    alembic(migrations, mysql_url, "upgrade", baseline)
    for source in fixture.history:
        before = mysql_state(mysql_url, column_order=False)
        alembic(migrations, mysql_url, "upgrade", by_source[source])
        after = mysql_state(mysql_url, column_order=True)
        alembic(migrations, mysql_url, "downgrade", "-1")
        assert mysql_state(mysql_url, column_order=False) == before, source
        alembic(migrations, mysql_url, "upgrade", "+1")
        assert mysql_state(mysql_url, column_order=True) == after, source
    alembic(migrations, mysql_url, "downgrade", "base")
    assert table_names(mysql_url) == []


@pytest.mark.mysql
def test_mysql_fresh_upgrade_on_a_latin1_database_builds_what_create_all_builds(
    tmp_path: Path, mysql_server_url: str, mysql_url_factory
) -> None:
    """The baseline keeps mysql_engine / mysql_charset of the old models: on a database whose
    default is latin1, upgrade head gives the character sets create_all gives."""
    fixture = load_fixture("mysql_library")
    _, migrations = converted("mysql_library", tmp_path, git=True)
    chain, models = mysql_url_factory(), mysql_url_factory()
    engine = sa.create_engine(sa_url(mysql_server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for url in (chain, models):
                name = sa.engine.make_url(url).database
                conn.exec_driver_sql(f"ALTER DATABASE `{name}` CHARACTER SET latin1")
    finally:
        engine.dispose()
    alembic(migrations, chain, "upgrade", "head")
    build_models_database(fixture.models_path, models)
    assert mysql_charsets(chain) == mysql_charsets(models)
    assert set(mysql_charsets(chain).values()) == {"utf8mb4_general_ci"}


BOOKS_WITH_INDEXED_KEY = """
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Author(db.Model):
    __tablename__ = "authors"
    id = db.Column(db.Integer, primary_key=True)


class Book(db.Model):
    __tablename__ = "books"
    id = db.Column(db.Integer, primary_key=True)
    author_id = db.Column(db.Integer, db.ForeignKey("authors.id"), nullable=False, index=True)
    pages = db.Column(db.Integer)
"""


@pytest.mark.mysql
def test_mysql_verify_downgrades_a_table_whose_key_needs_its_index(
    tmp_path: Path, mysql_server_url: str
) -> None:
    """The baseline creates books with a key and an index on its column (index=True): the
    downgrade drops the table with its index (dropping the index first is error 1553)."""
    project = tmp_path / "project"
    (project / "migrations_manual_sql").mkdir(parents=True)
    (project / "models.py").write_text(BOOKS_WITH_INDEXED_KEY)
    (project / "migrations_manual_sql" / "001_pages.sql").write_text(
        "ALTER TABLE books ADD COLUMN pages INT NULL;\n"
    )
    args = ("--dialect", "mysql", "--models", "models:db")
    converted_ = run_cli("convert", str(project), *args)
    assert converted_.returncode == 0, converted_.stdout + converted_.stderr
    verified = run_cli("verify", str(project), *args, "--server-url", mysql_server_url, "-q")
    assert verified.returncode == 0, verified.stdout + verified.stderr
