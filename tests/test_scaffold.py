"""scaffold: the migrations folder works with plain Alembic, `flask db`, and a shared connection."""

from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from converter.ir import ops as o
from converter.ir.revision import Revision, SourceRef
from converter.render.file import render_revision
from converter.render.scaffold import scaffold_files

WIDGETS = o.CreateTable(
    "widgets",
    (
        o.ColumnDef("id", o.TypeSpec("Integer"), nullable=False, primary_key=True),
        o.ColumnDef("name", o.TypeSpec("String", kwargs=(("length", 50),)), nullable=False),
    ),
)


def _revision(*upgrade: o.Op, downgrade: tuple[o.Op, ...] = (o.DropTable("widgets"),)) -> Revision:
    return Revision(
        "aaaabbbbcccc",
        None,
        "widgets",
        "widgets",
        (SourceRef("w.sql", "0" * 64),),
        (WIDGETS, *upgrade),
        downgrade,
    )


def _folder(tmp_path: Path, dialect: str = "sqlite", rev: Revision | None = None) -> Path:
    """A scaffolded migrations folder with one rendered revision."""
    rev = rev or _revision()
    folder = tmp_path / "migrations"
    files = {**scaffold_files(dialect), f"versions/{rev.filename}": render_revision(rev, dialect)}
    for rel, content in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(content, encoding="utf-8")
    return folder


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "FLASK_APP")
    }
    return {**env, **extra}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _alembic(folder: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return _run(
        [sys.executable, "-m", "alembic", "-c", str(folder / "alembic.ini"), *args],
        cwd,
        _env(**env),
    )


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


# ---- the files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_scaffold_has_the_flask_migrate_layout(dialect):
    files = scaffold_files(dialect)
    assert list(files) == ["README", "alembic.ini", "env.py", "script.py.mako", "versions/.gitkeep"]
    assert "\nscript_location = %(here)s\n" in files["alembic.ini"]
    assert "[logger_flask_migrate]" in files["alembic.ini"]
    assert dialect in files["README"]
    assert files["versions/.gitkeep"] == ""
    compile(files["env.py"], "env.py", "exec")
    assert scaffold_files(dialect) == files


def test_no_database_url_is_stored_and_flask_is_imported_lazily():
    files = scaffold_files("postgresql")
    ini_settings = [
        line for line in files["alembic.ini"].splitlines() if line.startswith("sqlalchemy.url")
    ]
    assert ini_settings == []
    assert not any("@" in text for text in files.values())
    tree = ast.parse(files["env.py"])
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = {alias.name for node in top_level for alias in node.names} | {
        node.module for node in top_level if isinstance(node, ast.ImportFrom)
    }
    assert not any(name and name.startswith("flask") for name in names)


def test_script_template_makes_revisions_like_flask_migrate(tmp_path):
    folder = _folder(tmp_path)
    cfg = Config(str(folder / "alembic.ini"))
    script = command.revision(cfg, message="next step", rev_id="ddddeeeeffff")
    text = Path(script.path).read_text()
    assert "revision = 'ddddeeeeffff'\ndown_revision = 'aaaabbbbcccc'\n" in text
    assert "def upgrade():\n    pass\n" in text
    compile(text, script.path, "exec")


# ---- plain alembic -----------------------------------------------------------------------------


def test_plain_alembic_uses_DATABASE_URL_from_any_directory(tmp_path):
    folder = _folder(tmp_path)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = _alembic(folder, "upgrade", "head", cwd=elsewhere, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert _tables(url) == {"alembic_version", "widgets"}
    assert "Running upgrade  -> aaaabbbbcccc" in result.stderr
    assert _alembic(folder, "downgrade", "base", cwd=elsewhere, DATABASE_URL=url).returncode == 0
    assert _tables(url) == {"alembic_version"}
    after = {
        p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert after == before


def test_plain_alembic_accepts_SQLALCHEMY_DATABASE_URI(tmp_path):
    url = f"sqlite:///{tmp_path / 'uri.db'}"
    result = _alembic(
        _folder(tmp_path), "upgrade", "head", cwd=tmp_path, SQLALCHEMY_DATABASE_URI=url
    )
    assert result.returncode == 0, result.stderr
    assert "widgets" in _tables(url)


def test_x_url_wins_over_the_environment(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = _alembic(
        _folder(tmp_path),
        "-x",
        f"url={url}",
        "upgrade",
        "head",
        cwd=tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'no.db'}",
    )
    assert result.returncode == 0, result.stderr
    assert "widgets" in _tables(url)


def test_plain_alembic_without_a_url_fails_clearly(tmp_path):
    result = _alembic(_folder(tmp_path), "upgrade", "head", cwd=tmp_path)
    assert result.returncode != 0
    assert "No database URL" in result.stderr and "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_alembic_works_without_flask_installed(tmp_path):
    blocker = tmp_path / "no_flask"
    (blocker / "flask").mkdir(parents=True)
    (blocker / "flask" / "__init__.py").write_text("raise ImportError('flask is not installed')\n")
    url = f"sqlite:///{tmp_path / 'noflask.db'}"
    result = _alembic(
        _folder(tmp_path),
        "upgrade",
        "head",
        cwd=tmp_path,
        DATABASE_URL=url,
        PYTHONPATH=str(blocker),
    )
    assert result.returncode == 0, result.stderr
    assert "widgets" in _tables(url)


def test_offline_mode_prints_sql_and_accepts_heroku_style_urls(tmp_path):
    rev = _revision(o.CreateIndex("ix_w", "widgets", (o.IndexElement("name"),), concurrently=True))
    folder = _folder(tmp_path, "postgresql", rev)
    result = _alembic(
        folder,
        "upgrade",
        "head",
        "--sql",
        cwd=tmp_path,
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE widgets (" in result.stdout
    assert "CREATE INDEX CONCURRENTLY ix_w ON widgets (name);" in result.stdout
    assert "INSERT INTO alembic_version (version_num) VALUES ('aaaabbbbcccc')" in result.stdout


# ---- flask db ----------------------------------------------------------------------------------

FLASK_APP = """
    import os

    from flask import Flask
    from flask_migrate import Migrate
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["APP_DB"]
    db = SQLAlchemy(app)
    migrate = Migrate(app, db, directory=os.environ["APP_MIGRATIONS"])


    class Widget(db.Model):
        __tablename__ = "widgets"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50), nullable=False)
"""


def _flask(tmp_path: Path, folder: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "app.py").write_text(textwrap.dedent(FLASK_APP))
    env = _env(FLASK_APP="app", APP_DB=url, APP_MIGRATIONS=str(folder))
    return _run([sys.executable, "-m", "flask", "db", *args], tmp_path, env)


def test_flask_db_upgrade_uses_the_app_database_and_models(tmp_path):
    folder = _folder(tmp_path)
    url = f"sqlite:///{tmp_path / 'flask.db'}"
    result = _flask(tmp_path, folder, url, "upgrade")
    assert result.returncode == 0, result.stderr
    assert _tables(url) == {"alembic_version", "widgets"}
    check = _flask(tmp_path, folder, url, "check")
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    assert _flask(tmp_path, folder, url, "downgrade", "base").returncode == 0
    assert _tables(url) == {"alembic_version"}


def test_flask_db_migrate_autogenerates_from_the_app_models(tmp_path):
    folder = _folder(tmp_path)
    url = f"sqlite:///{tmp_path / 'auto.db'}"
    assert _flask(tmp_path, folder, url, "upgrade").returncode == 0
    app = textwrap.dedent(FLASK_APP) + "    colour = db.Column(db.String(20))\n"
    (tmp_path / "app.py").write_text(app)
    env = _env(FLASK_APP="app", APP_DB=url, APP_MIGRATIONS=str(folder))
    result = _run(
        [sys.executable, "-m", "flask", "db", "migrate", "-m", "add colour"], tmp_path, env
    )
    assert result.returncode == 0, result.stderr
    [new] = (folder / "versions").glob("*add_colour.py")
    text = new.read_text()
    assert "down_revision = 'aaaabbbbcccc'" in text
    assert "with op.batch_alter_table('widgets', schema=None) as batch_op:" in text
    upgrade = _run([sys.executable, "-m", "flask", "db", "upgrade"], tmp_path, env)
    assert upgrade.returncode == 0, upgrade.stderr
    engine = sa.create_engine(url)
    try:
        assert "colour" in {c["name"] for c in sa.inspect(engine).get_columns("widgets")}
    finally:
        engine.dispose()


def test_flask_db_upgrade_sql_mode(tmp_path):
    result = _flask(
        tmp_path, _folder(tmp_path), f"sqlite:///{tmp_path / 'f.db'}", "upgrade", "--sql"
    )
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE widgets (" in result.stdout


# ---- a program passing its connection ----------------------------------------------------------


def test_programmatic_connection_runs_and_commits_without_touching_logging(tmp_path):
    folder = _folder(tmp_path)
    url = f"sqlite:///{tmp_path / 'prog.db'}"
    root_handlers = list(logging.getLogger().handlers)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            cfg = Config(str(folder / "alembic.ini"))
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            assert connection.dialect.name == "sqlite"
    finally:
        engine.dispose()
    assert _tables(url) == {"alembic_version", "widgets"}
    assert logging.getLogger().handlers == root_handlers


def test_programmatic_connection_without_ini_file(tmp_path):
    folder = _folder(tmp_path)
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        cfg = Config()
        cfg.set_main_option("script_location", str(folder))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        assert "widgets" in sa.inspect(connection).get_table_names()
    engine.dispose()


@pytest.mark.postgres
def test_plain_alembic_on_postgresql_with_autocommit_block(tmp_path, pg_url):
    """Also: a URL naming no driver gets an installed one (SQLAlchemy 2.1 would pick psycopg 3)."""
    url = (
        sa.engine.make_url(pg_url)
        .set(drivername="postgresql+psycopg2")
        .render_as_string(hide_password=False)
    )
    rev = _revision(
        o.CreateIndex("ix_w", "widgets", (o.IndexElement("name"),), concurrently=True),
        downgrade=(o.DropIndex("ix_w", "widgets", concurrently=True), o.DropTable("widgets")),
    )
    folder = _folder(tmp_path, "postgresql", rev)
    bare = (
        sa.engine.make_url(pg_url)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
    result = _alembic(folder, "upgrade", "head", cwd=tmp_path, DATABASE_URL=bare)
    assert result.returncode == 0, result.stderr
    engine = sa.create_engine(url)
    try:
        assert [ix["name"] for ix in sa.inspect(engine).get_indexes("widgets")] == ["ix_w"]
    finally:
        engine.dispose()
    result = _alembic(folder, "downgrade", "base", cwd=tmp_path, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert _tables(url) == {"alembic_version"}
