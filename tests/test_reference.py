"""Loading the models' MetaData from a project, and reference snapshots."""

from __future__ import annotations

import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql

from converter.core.errors import DatabaseError, InputError
from converter.database.reference import load_metadata, metadata_snapshot, url_snapshot
from converter.database.snapshot.diff import diff_snapshots

FLASK_MODELS = """
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()


    class User(db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String(120), unique=True, nullable=False)
        posts = db.relationship("Post", backref="author")


    class Post(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"))
        title = db.Column(db.String(200), index=True)
"""

DECLARATIVE_MODELS = """
    import enum

    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Mood(enum.Enum):
        sad = "sad"
        happy = "happy"


    class Person(Base):
        __tablename__ = "person"
        id: Mapped[int] = mapped_column(primary_key=True)
        mood: Mapped[Mood] = mapped_column(sa.Enum(Mood, name="mood"))
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def load_error(root: Path, spec: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_metadata(root, spec)
    return info.value


# --- load_metadata -------------------------------------------------------------------------


def test_flask_sqlalchemy_models(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": FLASK_MODELS})
    metadata = load_metadata(tmp_path, "models:db")
    assert sorted(metadata.tables) == ["post", "users"]
    assert sorted(load_metadata(tmp_path, "models").tables) == ["post", "users"]  # tries `db`


def test_declarative_base_and_plain_metadata(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": DECLARATIVE_MODELS,
            "schema.py": """
            import sqlalchemy as sa
            metadata = sa.MetaData()
            sa.Table("things", metadata, sa.Column("id", sa.Integer, primary_key=True))
        """,
        },
    )
    assert list(load_metadata(tmp_path, "app.models:Base").tables) == ["person"]
    assert list(load_metadata(tmp_path, "app/models.py").tables) == ["person"]  # tries `Base`
    assert list(load_metadata(tmp_path, "schema:metadata").tables) == ["things"]


def test_two_versions_of_one_module_in_one_process(tmp_path: Path) -> None:
    old = write(tmp_path / "old", {"models.py": FLASK_MODELS})
    new = write(
        tmp_path / "new",
        {
            "models.py": FLASK_MODELS + "\n    class Tag(db.Model):\n        id = db.Column("
            "db.Integer, primary_key=True)\n"
        },
    )
    path_before = list(sys.path)
    assert sorted(load_metadata(old, "models:db").tables) == ["post", "users"]
    assert sorted(load_metadata(new, "models:db").tables) == ["post", "tag", "users"]
    assert sorted(load_metadata(old, "models:db").tables) == ["post", "users"]
    assert sys.path == path_before
    assert "models" not in sys.modules


def test_a_module_of_the_same_name_already_imported_is_put_back(tmp_path: Path) -> None:
    other = write(tmp_path / "other", {"models.py": "marker = 'other'\n"})
    project = write(tmp_path / "project", {"models.py": FLASK_MODELS})
    sys.path.insert(0, str(other))
    try:
        import models  # type: ignore[import-not-found]

        assert sorted(load_metadata(project, "models:db").tables) == ["post", "users"]
        assert sys.modules["models"] is models
    finally:
        sys.path.remove(str(other))
        sys.modules.pop("models", None)


def test_missing_module(tmp_path: Path) -> None:
    error = load_error(tmp_path, "app.models:db")
    assert str(error) == f"--models app.models:db: no module named 'app' in {tmp_path.resolve()}"
    assert error.exit_code == 2


def test_missing_attribute(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": FLASK_MODELS})
    assert str(load_error(tmp_path, "models:database")) == (
        "--models models:database: models (models.py) has no attribute 'database'"
    )


def test_no_default_attribute(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": "x = 1\n"})
    assert "has none of db, metadata, Base" in str(load_error(tmp_path, "models"))


def test_wrong_kind_of_object(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": FLASK_MODELS + "\n    app_name = 'x'\n    def write(): pass\n"})
    assert str(load_error(tmp_path, "models:app_name")) == (
        "--models models:app_name: is a str, not a MetaData, a declarative base or a "
        "Flask-SQLAlchemy object"
    )
    assert "is a function, not a MetaData" in str(load_error(tmp_path, "models:write"))


def test_exception_while_importing_names_the_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": "from app.helpers import setup\n\nsetup()\n",
            "app/helpers.py": "def setup():\n    config = {}\n    return config['DATABASE_URL']\n",
        },
    )
    error = load_error(tmp_path, "app.models:db")
    assert str(error) == (
        "app/helpers.py:3: error while importing app.models: KeyError: 'DATABASE_URL'"
    )
    assert "app.models" not in sys.modules and "app" not in sys.modules


def test_missing_dependency_and_syntax_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"models.py": "import os\nimport flask_nonexistent_ext\n", "broken.py": "db = (\n"},
    )
    assert str(load_error(tmp_path, "models")) == (
        "models.py:2: error while importing models: "
        "ModuleNotFoundError: No module named 'flask_nonexistent_ext'"
    )
    error = load_error(tmp_path, "broken:db")
    assert error.origin is not None and error.origin.path == "broken.py"
    assert "SyntaxError" in error.message


def test_bad_spec(tmp_path: Path) -> None:
    assert "expected module:attribute" in str(load_error(tmp_path, "my-models:db"))
    assert "expected module:attribute" in str(load_error(tmp_path, ""))


# --- --baseline-models FILE.py:ATTR: a path the user typed, anywhere ----------------------


def baseline_error(root: Path, spec: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_metadata(root, spec, flag="--baseline-models", any_file=True)
    return info.value


def test_baseline_models_file_outside_the_project(tmp_path: Path, monkeypatch) -> None:
    project = write(tmp_path / "project", {"models.py": FLASK_MODELS})
    write(tmp_path / "old", {"models_2019.py": FLASK_MODELS, "helpers.py": "x = 1\n"})
    path_before = list(sys.path)
    outside = str(tmp_path / "old" / "models_2019.py")
    metadata = load_metadata(project, f"{outside}:db", flag="--baseline-models", any_file=True)
    assert sorted(metadata.tables) == ["post", "users"]
    monkeypatch.chdir(project)  # relative to the working directory when not in the project
    relative = load_metadata(project, "../old/models_2019.py:db", any_file=True)
    assert sorted(relative.tables) == ["post", "users"]
    assert sys.path == path_before
    assert "models_2019" not in sys.modules and "sqlalchemy" in sys.modules


def test_baseline_models_file_inside_the_project_is_imported_as_its_module(
    tmp_path: Path,
) -> None:
    old = DECLARATIVE_MODELS + "\n    from . import x\n"
    write(tmp_path, {"app/__init__.py": "", "app/old.py": old})
    write(tmp_path, {"app/x.py": ""})
    spec = "app/old.py:Base"  # a relative import only works inside its package
    assert list(load_metadata(tmp_path, spec, any_file=True).tables) == ["person"]
    write(tmp_path, {"2019-old/models.py": FLASK_MODELS})  # no import could spell this one
    assert "users" in load_metadata(tmp_path, "2019-old/models.py:db", any_file=True).tables


def test_baseline_models_errors_name_the_flag_given(tmp_path: Path) -> None:
    project = write(tmp_path / "project", {})
    old = write(
        tmp_path / "old", {"m.py": FLASK_MODELS, "bad.py": "import os\nraise KeyError('X')\n"}
    )
    assert str(baseline_error(project, f"{old}/m.py:nope")) == (
        f"--baseline-models {old}/m.py:nope: m (m.py) has no attribute 'nope'"
    )
    assert str(baseline_error(project, f"{old}/none.py:db")) == (
        f"--baseline-models {old}/none.py:db: no such file ({old}/none.py)"
    )
    error = baseline_error(project, f"{old}/bad.py:db")
    assert str(error) == f"{old.resolve()}/bad.py:2: error while importing bad: KeyError: 'X'"
    assert "bad" not in sys.modules
    assert str(baseline_error(project, "missing:db")).startswith("--baseline-models missing:db:")
    assert "expected module:attribute" in str(load_error(project, f"{old}/m.py:db"))  # --models


# --- reference snapshots -------------------------------------------------------------------


def test_metadata_snapshot_on_sqlite_equals_the_legacy_database(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": FLASK_MODELS})
    reference = metadata_snapshot(load_metadata(tmp_path, "models:db"), "sqlite")
    legacy = tmp_path / "legacy.db"
    with sqlite3.connect(legacy) as db:
        db.executescript("""
            CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(120) NOT NULL UNIQUE);
            CREATE TABLE post (id INTEGER PRIMARY KEY,
                               user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
                               title VARCHAR(200));
            CREATE INDEX ix_post_title ON post (title);
        """)
    assert diff_snapshots(reference, url_snapshot(f"sqlite:///{legacy}")) == []


@pytest.mark.postgres
def test_metadata_snapshot_on_postgres_has_the_enum(tmp_path: Path, pg_server_url: str) -> None:
    write(tmp_path, {"models.py": DECLARATIVE_MODELS})
    snapshot = metadata_snapshot(
        load_metadata(tmp_path, "models:Base"), "postgres", server_url=pg_server_url
    )
    assert [(e.name, e.values) for e in snapshot.enums] == [("mood", ("sad", "happy"))]
    assert snapshot.tables[0].column_map["mood"].type == "ENUM mood"


def test_models_that_the_dialect_cannot_create(tmp_path: Path) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("d", sa.dialects.postgresql.ARRAY(sa.Integer)),
    )
    with pytest.raises(InputError) as info:
        metadata_snapshot(metadata, "sqlite")
    assert str(info.value) == (
        "the models cannot be created on sqlite: (in table 't', column 'd'): "
        "can't render element of type ARRAY"
    )


def test_url_snapshot_reads_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    assert url_snapshot(f"sqlite:///{path}").table_names == ["t"]
    assert path.read_bytes() == before
    with pytest.raises(DatabaseError, match="database file does not exist"):
        url_snapshot(f"sqlite:///{tmp_path / 'nope.db'}")


@pytest.mark.postgres
def test_url_snapshot_of_postgres_is_read_only(pg_server_url: str) -> None:
    from converter.database.scratch import scratch_database
    from converter.database.urls import connect

    with scratch_database("postgres", server_url=pg_server_url) as url:
        with connect(url).begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        assert url_snapshot(url).table_names == ["t"]


@pytest.mark.postgres
def test_metadata_snapshot_creates_the_schemas_the_models_use(pg_server_url: str) -> None:
    metadata = sa.MetaData()
    sa.Table("invoice", metadata, sa.Column("id", sa.Integer, primary_key=True), schema="billing")
    sa.Table("customer", metadata, sa.Column("id", sa.Integer, primary_key=True))
    snapshot = metadata_snapshot(metadata, "postgres", server_url=pg_server_url)
    assert "customer" in snapshot.table_names
