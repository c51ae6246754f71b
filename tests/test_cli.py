"""The installed console script, run as a user would: exit codes, messages, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).parent / "legacy2alembic")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=False)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def make(root: Path, files: dict[str, bytes | str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def assert_refused(result: subprocess.CompletedProcess[str], where: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {where}"), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


BAD_INPUTS = {
    "python syntax error": (
        {"migrate_a.py": "import sqlite3\ndef f(:\n    pass\n"},
        "migrate_a.py:2: Python syntax error",
    ),
    "non-UTF-8 file": (
        {
            "migrations_manual_sql/001_a.sql": b"ALTER TABLE t ADD COLUMN a INT;\nUPDATE t SET a = '\xff';\n"  # noqa: E501
        },
        "migrations_manual_sql/001_a.sql:2: not valid UTF-8",
    ),
    "unterminated string": (
        {
            "migrations_manual_sql/001_a.sql": "ALTER TABLE t ADD COLUMN a INT;\nUPDATE t SET a = 'open;\n"  # noqa: E501
        },
        "migrations_manual_sql/001_a.sql:2:",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_file_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    files, where = BAD_INPUTS[case]
    project = make(tmp_path / "project", files)
    before = tree(project)
    assert_refused(run("convert", str(project), "--dialect", "sqlite"), where)
    assert tree(project) == before


def test_missing_models_module(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p",
        {
            "migrate_a.py": "import sqlite3\n"
            "sqlite3.connect('x').execute('CREATE TABLE t (id INT)')\n"
        },
    )
    before = tree(project)
    result = run("convert", str(project), "--dialect", "sqlite", "--models", "nomodels:db")
    assert_refused(result, "--models nomodels:db: no module named 'nomodels'")
    assert tree(project) == before


def test_empty_project_and_missing_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert_refused(
        run("convert", str(tmp_path / "empty"), "--dialect", "sqlite"), "no legacy sources found"
    )
    assert not (tmp_path / "empty" / "migrations").exists()
    assert_refused(run("scan", str(tmp_path / "absent")), f"{tmp_path / 'absent'}")


def test_unknown_dialect_is_a_usage_error(tmp_path: Path) -> None:
    result = run("convert", str(tmp_path), "--dialect", "oracle")
    assert result.returncode == 2 and "oracle" in result.stderr


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from converter.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlglot', 'sqlalchemy', 'jinja2', 'alembic') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_python_m_converter_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "converter", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "convert" in result.stdout


def test_scan_json_lists_sources_statements_and_create_all(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p",
        {
            "app.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\ndb.create_all()\n",  # noqa: E501
            "migrate_002_b.py": "import sqlite3\nc = sqlite3.connect('x')\n"
            'c.execute("UPDATE t SET a = 1")\n',
            "migrations_manual_sql/001_a.sql": "BEGIN;\nALTER TABLE t ADD COLUMN a INT;\nCOMMIT;\n",
        },
    )
    result = run("scan", str(project), "--dialect", "sqlite", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [s["path"] for s in data["sources"]] == [
        "migrations_manual_sql/001_a.sql",
        "migrate_002_b.py",
    ]
    kinds = [(st["line"], st["kind"]) for st in data["sources"][0]["statements"]]
    assert kinds == [(1, "ignored"), (2, "schema"), (3, "ignored")]
    assert data["sources"][1]["statements"][0]["kind"] == "data"
    assert [(c["file"], c["line"]) for c in data["create_all_calls"]] == [("app.py", 3)]
    assert not (project / "migrations").exists()


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p",
        {"migrations_manual_sql/001_a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"},
    )
    result = run("convert", str(project), "--dialect", "sqlite", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Would write" in result.stdout and "001_a.py" in result.stdout
    assert not (project / "migrations").exists()


def test_sql_file_read_by_a_script_is_converted_once(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p",
        {
            "migrations_manual_sql/001_add.sql": "ALTER TABLE t ADD COLUMN a INT;\n",
            "migrate_002_run_sql.py": "import sqlite3\nconn = sqlite3.connect('app.db')\n"
            "conn.executescript(open('migrations_manual_sql/001_add.sql')"
            ".read())\n",
        },
    )
    data = json.loads(run("scan", str(project), "--dialect", "sqlite", "--json").stdout)
    assert [s["path"] for s in data["sources"]] == ["migrate_002_run_sql.py"]
    [statement] = data["sources"][0]["statements"]
    assert (statement["file"], statement["line"]) == ("migrations_manual_sql/001_add.sql", 1)
    assert data["skipped"] == [
        {"path": "migrations_manual_sql/001_add.sql", "reason": "read by migrate_002_run_sql.py"}
    ]


def test_archived_scripts_are_not_legacy_sources_any_more(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p",
        {"migrations_manual_sql/001_a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"},
    )
    assert run("convert", str(project), "--dialect", "sqlite").returncode == 0
    archived = run("archive", str(project))
    assert archived.returncode == 0, archived.stderr
    assert (project / "legacy_migrations/migrations_manual_sql/001_a.sql").is_file()
    data = json.loads(run("scan", str(project), "--dialect", "sqlite", "--json").stdout)
    assert data["sources"] == []


def test_reference_url_is_read_only_and_gives_the_baseline(tmp_path: Path) -> None:
    import sqlite3

    project = make(
        tmp_path / "p", {"migrations_manual_sql/001_a.sql": "ALTER TABLE t ADD COLUMN a INT;\n"}
    )
    db = tmp_path / "live.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INT)")
    before = db.read_bytes()
    result = run(
        "convert", str(project), "--dialect", "sqlite", "--reference-url", f"sqlite:///{db}"
    )
    assert result.returncode == 0, result.stderr
    assert db.read_bytes() == before
    [baseline] = (project / "migrations" / "versions").glob("*_baseline.py")
    text = baseline.read_text()
    assert "op.create_table(" in text and "'id'" in text and "'a'" not in text


OLD_MODELS = """from flask_sqlalchemy import SQLAlchemy
db = SQLAlchemy()
class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
"""


def test_baseline_models_as_a_file_outside_the_project(tmp_path: Path) -> None:
    models = OLD_MODELS + "    email = db.Column(db.String(120))\n"
    script = "import sqlite3\nc = sqlite3.connect('a.db')\nc.execute('ALTER TABLE users ADD COLUMN email VARCHAR(120)')\n"  # noqa: E501
    project = make(tmp_path / "project", {"models.py": models, "migrate_001_email.py": script})
    old = make(tmp_path / "old", {"models_2019.py": OLD_MODELS}) / "models_2019.py"
    args = ["convert", str(project), "--dialect", "sqlite", "--models", "models:db"]
    missing = run(*args, "--baseline-models", f"{old}:nope")
    assert_refused(missing, f"--baseline-models {old}:nope: models_2019 (models_2019.py) has no")
    assert not (project / "migrations").exists()
    result = run(*args, "--baseline-models", f"{old}:db")
    assert result.returncode == 0, result.stderr
    [baseline] = (project / "migrations" / "versions").glob("*_baseline.py")
    assert "'users'" in baseline.read_text() and "'email'" not in baseline.read_text()


def test_python_2_script_is_refused_with_a_hint(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p", {"migrate_old.py": 'cur.execute("DROP TABLE t")\nprint "done"\n'}
    )
    result = run("convert", str(project), "--dialect", "sqlite")
    assert_refused(result, "migrate_old.py:2: Python syntax error")
    assert "Python 2" in result.stderr and "2to3" in result.stderr


def test_no_sources_names_the_sql_folders_no_pattern_matches(tmp_path: Path) -> None:
    settings = '[tool.legacy2alembic]\nsql-globs = ["db/*.sql"]\n'
    files = {"sql/up/001_jobs.sql": "CREATE TABLE jobs (id INT);\n", "pyproject.toml": settings}
    project = make(tmp_path / "p", files)
    result = run("convert", str(project), "--dialect", "postgresql")
    assert_refused(result, "no legacy sources found")
    assert "sql/up/" in result.stderr and "sql-globs" in result.stderr


def test_converting_again_for_another_dialect_says_what_is_in_the_way(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p",
        {"migrations_manual_sql/001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"},
    )
    assert run("convert", str(project), "--dialect", "sqlite").returncode == 0
    before = tree(project)
    result = run("convert", str(project), "--dialect", "postgresql")
    assert_refused(
        result,
        f"{project / 'migrations' / 'versions'} already holds revisions "
        "legacy2alembic wrote from other input",
    )
    assert "another --dialect" in result.stderr
    assert tree(project) == before
