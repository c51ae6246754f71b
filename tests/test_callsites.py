"""create_all() call sites: where they are, and when they run."""

from __future__ import annotations

from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Level, Origin
from converter.retire.callsites import CreateAllSite, find_create_all_calls, is_test_file


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def find(root: Path, config: Config | None = None) -> tuple[list[CreateAllSite], Diagnostics]:
    diags = Diagnostics()
    return find_create_all_calls(root, config or Config(), diags), diags


def summary(sites: list[CreateAllSite]) -> list[tuple[str, str, str]]:
    return [(str(s.origin), s.call, s.scope) for s in sites]


APP = """\
from flask import Flask
from app.models import db, User

db.create_all()


def create_app():
    app = Flask(__name__)
    db.init_app(app)
    with app.app_context():
        db.create_all()
    return app


def reset(engine):
    db.metadata.create_all(
        bind=engine,
    )


with app.app_context():
    User.__table__.create(db.engine, checkfirst=True)

if __name__ == "__main__":
    db.create_all()
"""


def test_scopes_in_an_app_module(tmp_path: Path) -> None:
    write(tmp_path, "app.py", APP)
    sites, diags = find(tmp_path)
    assert summary(sites) == [
        ("app.py:4", "db.create_all()", "module"),
        ("app.py:11", "db.create_all()", "startup"),
        ("app.py:16", "db.metadata.create_all( bind=engine, )", "function"),
        ("app.py:22", "User.__table__.create(db.engine, checkfirst=True)", "startup"),
        ("app.py:25", "db.create_all()", "startup"),
    ]
    assert not any(s.in_tests or s.in_legacy for s in sites)
    assert diags.items == []


def test_startup_names_and_hooks(tmp_path: Path) -> None:
    write(
        tmp_path,
        "setup_db.py",
        "def init_db():\n    db.create_all()\n\n"
        "@app.before_first_request\ndef prepare():\n    db.create_all()\n\n"
        "class Admin:\n    def rebuild(self):\n        db.create_all()\n",
    )
    sites, _ = find(tmp_path)
    assert [s.scope for s in sites] == ["startup", "startup", "function"]


def test_tests_and_legacy_scripts_are_marked(tmp_path: Path) -> None:
    write(tmp_path, "tests/conftest.py", "def app():\n    db.create_all()\n")
    write(tmp_path, "test_models.py", "db.create_all()\n")
    write(tmp_path, "scripts/migrate_003_add_users.py", "Base.metadata.create_all(engine)\n")
    write(tmp_path, "venv/lib/site.py", "db.create_all()\n")
    sites, _ = find(tmp_path)
    assert [(str(s.origin), s.in_tests, s.in_legacy) for s in sites] == [
        ("scripts/migrate_003_add_users.py:1", False, True),
        ("test_models.py:1", True, False),
        ("tests/conftest.py:2", True, False),
    ]


def test_unparseable_files_are_warned_and_skipped(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "db.create_all()\ndef oops(:\n    pass\n")
    (tmp_path / "latin.py").write_bytes(b"db.create_all()\nname = '\xe9'\n")
    write(tmp_path, "fine.py", "db.create_all()\n")
    write(tmp_path, "broken_but_unrelated.py", "def oops(:\n")
    sites, diags = find(tmp_path)
    assert summary(sites) == [("fine.py:1", "db.create_all()", "module")]
    warnings = diags.of_level(Level.WARNING)
    assert [w.origin for w in warnings] == [Origin("broken.py", 2), Origin("latin.py", 2)]
    assert all("create_all calls not checked" in w.message for w in warnings)


def test_other_create_methods_are_not_matched(tmp_path: Path) -> None:
    write(tmp_path, "m.py", "engine.create()\nusers.create(engine)\ncreate_all()\n")
    sites, _ = find(tmp_path)
    assert sites == []


def test_is_test_file() -> None:
    assert is_test_file("tests/helpers.py") and is_test_file("pkg/test/x.py")
    assert is_test_file("conftest.py") and is_test_file("a/test_b.py")
    assert not is_test_file("app/contest.py")
