"""fix-create-all: start-up create_all() becomes flask_migrate.upgrade(); the edited app still
imports, starts, and `flask db upgrade` builds the schema; tests' calls are listed, untouched."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from legacy import copy_project, load_fixture
from test_archive import cli, converted, git, make, ok, tree

from converter.core.config import Config
from converter.core.errors import InputError
from converter.retire.fix_create_all.choose import FIX_COMMENT
from converter.retire.fix_create_all.plan import plan_fix
from converter.retire.fix_create_all.write import write_fixes

FIXTURES = ["sqlite_taskboard", "sqlite_messy", "postgres_invoicing"]
CONFTEST = (
    "from models import db\n\n\ndef make_db(app):\n    with app.app_context():\n"
    "        db.create_all()\n"
)


def python(project: Path, code: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "FLASK_APP": "app"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_diff_then_write_on_the_fixtures(tmp_path: Path, fixture: str) -> None:
    project = copy_project(load_fixture(fixture), tmp_path / "p", git=True)
    make(project, {"tests/conftest.py": CONFTEST})
    before = tree(project)
    out = ok(cli("fix-create-all", str(project)))
    assert "+from flask_migrate import Migrate, upgrade\n" in out
    assert "+migrate = Migrate(app, db)\n" in out
    assert "-        db.create_all()" in out and "+        upgrade()" in out
    assert "tests/conftest.py:6: db.create_all(): left alone (tests and fixtures" in out
    assert tree(project) == before

    out = ok(cli("fix-create-all", str(project), "--write"))
    assert "wrote app.py (the original is in git" in out
    assert git(project, "status", "--porcelain") == " M app.py\n?? tests/\n"
    assert (project / "tests/conftest.py").read_text() == CONFTEST
    imported = python(project, "import app; print(app.migrate.db is app.db)", tmp_path / "x.db")
    assert imported.stdout == "True\n", imported.stderr


@pytest.mark.parametrize("fixture", ["sqlite_taskboard", "sqlite_messy"])
def test_the_fixed_app_builds_its_schema_with_flask_migrate(tmp_path: Path, fixture: str) -> None:
    project = converted(fixture, tmp_path / "p")
    ok(cli("fix-create-all", str(project), "--write"))
    models = set(load_fixture(fixture).config.get("tables", ())) or _model_tables(project)

    upgraded = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "db", "upgrade"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "FLASK_APP": "app", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"},
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert tables(tmp_path / "cli.db") == models | {"alembic_version"}

    started = python(
        project,
        "import flask, runpy\n"
        "flask.Flask.run = lambda self, **kw: print('started')\n"
        "runpy.run_path('app.py', run_name='__main__')\n",
        tmp_path / "start.db",
    )
    assert started.stdout.endswith("started\n"), started.stderr
    assert tables(tmp_path / "start.db") == models | {"alembic_version"}


def _model_tables(project: Path) -> set[str]:
    code = "import models; print(' '.join(sorted(models.db.metadata.tables)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


# ---- the shapes a start-up call takes ----------------------------------------------------------


def fixed(tmp_path: Path, files: dict[str, str]) -> dict[str, str]:
    """path -> new text of every file the plan changes; each must still compile."""
    project = make(tmp_path / "p", {k: textwrap.dedent(v) for k, v in files.items()})
    plan = plan_fix(project, Config())
    result = {fix.source.path: fix.new for fix in plan.files}
    for path, text in result.items():
        compile(text, path, "exec")
    return result


def summary(tmp_path: Path) -> str:
    return "\n".join(plan_fix(tmp_path / "p", Config()).summary())


MODELS = "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n"
MIGRATE = "from flask_migrate import Migrate\n\nfrom models import db\n\nmigrate = Migrate(db=db)\n"


def test_app_factory(tmp_path: Path) -> None:
    app = """\
        from flask import Flask

        from models import db


        def create_app():
            app = Flask(__name__)
            db.init_app(app)
            with app.app_context():
                db.create_all()  # first run
            return app
        """
    assert fixed(tmp_path, {"models.py": MODELS, "app/__init__.py": app}) == {
        "app/__init__.py": textwrap.dedent("""\
        from flask import Flask
        from flask_migrate import Migrate, upgrade

        from models import db


        def create_app():
            app = Flask(__name__)
            db.init_app(app)
            migrate = Migrate(app, db)
            with app.app_context():
                upgrade()  # first run
            return app
        """)
    }


def test_module_level_after_app_creation_is_wrapped_in_an_app_context(tmp_path: Path) -> None:
    app = """\
        \"\"\"The app.\"\"\"
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        application = Flask(__name__)
        db = SQLAlchemy(application)
        db.create_all()
        """
    assert fixed(tmp_path, {"app.py": app})["app.py"] == textwrap.dedent("""\
        \"\"\"The app.\"\"\"
        from flask import Flask
        from flask_migrate import Migrate, upgrade
        from flask_sqlalchemy import SQLAlchemy

        application = Flask(__name__)
        db = SQLAlchemy(application)
        migrate = Migrate(application, db)
        with application.app_context():
            upgrade()
        """)


def test_plain_sqlalchemy_metadata_create_all_is_left_alone(tmp_path: Path) -> None:
    """Issue 13, item 8: not Flask-SQLAlchemy's db, so Flask-Migrate would not build it."""
    setup = """\
        from models import Base


        def init_db(engine):
            Base.metadata.create_all(engine)
            Base.metadata.create_all(bind=engine)


        def setup_tables(engine):
            Base.metadata.create_all(engine)
            print("ready")
        """
    assert fixed(tmp_path, {"setup.py": setup}) == {}
    listed = summary(tmp_path)
    assert (
        "setup.py:5: Base.metadata.create_all(engine): left alone (`Base.metadata` is not a "
        "Flask-SQLAlchemy db of the app" in listed
    )
    assert "setup.py:10: Base.metadata.create_all(engine): left alone" in listed


def test_without_an_app_the_call_is_removed_with_a_comment(tmp_path: Path) -> None:
    setup = """\
        from models import db


        def init_db():
            db.create_all()
            db.create_all()
        """
    new = fixed(tmp_path, {"models.py": MODELS, "setup.py": setup})["setup.py"]
    assert new == textwrap.dedent(f"""\
        from models import db


        def init_db():
            pass  {FIX_COMMENT}
            {FIX_COMMENT}
        """)
    assert "Flask-Migrate is not set up (no Migrate(app, db))" in summary(tmp_path)


def test_an_app_local_to_another_function_is_not_used(tmp_path: Path) -> None:
    factory = """\
        from flask import Flask


        def create_app():
            app = Flask(__name__)
            return app


        db.create_all()
        """
    new = fixed(tmp_path, {"models.py": MODELS, "factory.py": factory})["factory.py"]
    assert new == textwrap.dedent(factory).replace("db.create_all()", FIX_COMMENT)


def test_calls_it_cannot_edit_safely_are_listed(tmp_path: Path) -> None:
    app = """\
        from flask import Flask

        from models import db

        app = Flask(__name__)
        db.init_app(app)
        with app.app_context():
            print("start"); db.create_all()
            created = db.create_all()


        @app.route("/reset")
        def reset():
            db.create_all()
        """
    assert fixed(tmp_path, {"models.py": MODELS, "app.py": app}) == {
        "app.py": textwrap.dedent(app)
        .replace(
            "from flask import Flask\n",
            "from flask import Flask\nfrom flask_migrate import Migrate\n",
        )
        .replace("db.init_app(app)\n", "db.init_app(app)\nmigrate = Migrate(app, db)\n")
    }
    listed = summary(tmp_path)
    assert "app.py:8: db.create_all(): left alone (shares its line with other code" in listed
    assert "app.py:9: created = db.create_all(): left alone (not a statement of its own" in listed
    assert "app.py:14: db.create_all(): left alone (runs only when its function is called" in listed


def test_existing_migrate_and_a_local_upgrade_name(tmp_path: Path) -> None:
    app = """\
        from flask import Flask
        from flask_migrate import Migrate

        from models import db

        app = Flask(__name__)
        db.init_app(app)
        Migrate(app, db)


        def upgrade():
            pass


        if __name__ == "__main__":
            with app.app_context():
                db.create_all()
        """
    new = fixed(tmp_path, {"models.py": MODELS, "app.py": app})["app.py"]
    assert new == textwrap.dedent(app).replace(
        "from flask_migrate import Migrate\n",
        "from flask_migrate import Migrate\nimport flask_migrate\n",
    ).replace("        db.create_all()", "        flask_migrate.upgrade()")
    assert "Flask-Migrate is set up: Migrate(...) at app.py:8" in summary(tmp_path)


def test_crlf_and_non_ascii_text_are_kept(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    text = (
        "# café\r\nfrom flask import Flask\r\nfrom models import db\r\n\r\n"
        "app = Flask('é')\r\nwith app.app_context():\r\n    x = 'ü'; y = 1\r\n"
        "    db.create_all()  # ü\r\n"
    )
    (project / "app.py").write_bytes(text.encode())
    make(project, {"models.py": MODELS, "ext.py": MIGRATE})
    new = plan_fix(project, Config()).files[0].new
    assert new == text.replace(
        "from flask import Flask\r\n",
        "from flask import Flask\r\nfrom flask_migrate import upgrade\r\n",
    ).replace("db.create_all()  # ü", "upgrade()  # ü")


# ---- writing -----------------------------------------------------------------------------------

APP = """\
from flask import Flask

from models import db

app = Flask(__name__)
db.init_app(app)
with app.app_context():
    db.create_all()
"""


def test_outside_git_the_original_is_kept_as_bak(tmp_path: Path) -> None:
    project = make(tmp_path / "p", {"models.py": MODELS, "app.py": APP})
    out = ok(cli("fix-create-all", str(project), "--write"))
    assert "wrote app.py (the original is app.py.bak)" in out
    assert (project / "app.py.bak").read_text() == APP
    assert "upgrade()" in (project / "app.py").read_text()
    again = ok(cli("fix-create-all", str(project), "--write"))
    assert again.startswith("No start-up create_all() call to replace.")
    assert "Flask-Migrate is set up" in again


@pytest.mark.parametrize("committed", [True, False], ids=["modified", "untracked"])
def test_in_git_an_uncommitted_original_is_kept_as_a_blob(tmp_path: Path, committed: bool) -> None:
    """No stray app.py.bak in a work tree: the original (uncommitted edits included) goes into
    git's object store, and the summary says how to get it back."""
    project = make(tmp_path / "p", {"models.py": MODELS, "app.py": APP})
    git(project, "init", "-q")
    if committed:
        git(project, "add", "app.py", "models.py")
        git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "app")
    edited = APP.replace("app = Flask(__name__)", "app = Flask(__name__)  # edited, unsaved")
    (project / "app.py").write_text(edited)
    out = ok(cli("fix-create-all", str(project), "--write"))
    assert not (project / "app.py.bak").exists()
    [line] = [line for line in out.splitlines() if line.startswith("wrote app.py")]
    blob = line.split("as blob ")[1].split(":")[0]
    assert f"restore it with `git cat-file -p {blob} > app.py`" in line
    assert git(project, "cat-file", "-p", blob) == edited
    assert "upgrade()" in (project / "app.py").read_text()
    subprocess.run(f"git cat-file -p {blob} > app.py", shell=True, cwd=project, check=True)
    assert (project / "app.py").read_text() == edited
    document = json.loads(cli("fix-create-all", str(project), "--write", "--json").stdout)
    assert [b.split(" as blob ")[1][:40] for b in document["backups"]] == [blob]


def test_refuses_when_a_bak_file_is_in_the_way(tmp_path: Path) -> None:
    project = make(tmp_path / "p", {"models.py": MODELS, "app.py": APP, "app.py.bak": "old\n"})
    before = tree(project)
    result = cli("fix-create-all", str(project), "--write")
    assert result.returncode == 2 and "app.py.bak exists; refusing to overwrite it" in result.stderr
    assert tree(project) == before


def test_refuses_when_the_file_changed_after_planning(tmp_path: Path) -> None:
    project = make(tmp_path / "p", {"models.py": MODELS, "app.py": APP})
    plan = plan_fix(project, Config())
    (project / "app.py").write_text(APP + "# edited\n")
    with pytest.raises(InputError, match="changed while it was being read"):
        write_fixes(project, plan)
    assert (project / "app.py").read_text() == APP + "# edited\n"


def test_a_failed_write_puts_every_file_back(tmp_path: Path, monkeypatch) -> None:
    from converter.retire.fix_create_all import write

    project = make(
        tmp_path / "p",
        {
            "models.py": MODELS,
            "app.py": APP,
            "manage.py": APP.replace("app = Flask", "web = Flask"),
            "ext.py": MIGRATE,
        },
    )
    before = tree(project)
    plan = plan_fix(project, Config())
    assert [fix.source.path for fix in plan.files] == ["app.py", "manage.py"]
    real, calls = write._replace, []

    def failing(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(write, "_replace", failing)
    with pytest.raises(InputError, match="disk full.*put back"):
        write_fixes(project, plan)
    assert tree(project) == before
