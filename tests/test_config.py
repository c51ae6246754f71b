"""Settings from [tool.legacy2alembic] in pyproject.toml, and CLI overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from converter.core.config import DEFAULT_EXCLUDE, DEFAULT_PY_GLOBS, Config, load_config
from converter.core.diagnostics import Origin
from converter.core.errors import InputError


def write_pyproject(root: Path, text: str) -> None:
    (root / "pyproject.toml").write_text(text, encoding="utf-8")


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()
    assert Config().py_globs == DEFAULT_PY_GLOBS
    assert "node_modules" in Config().exclude and "**/migrations/*.sql" in Config().sql_globs


def test_defaults_without_the_table(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[project]\nname = "app"\n\n[tool.ruff]\nline-length = 100\n')
    assert load_config(tmp_path) == Config()


def test_reads_every_key_with_dashes_or_underscores(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        "[tool.legacy2alembic]\n"
        'py-globs = ["scripts/upgrade_*.py"]\n'
        'sql_globs = ["db/*.sql"]\n'
        'exclude = ["vendor", "legacy/old"]\n'
        'dialect = "postgresql"\n'
        'models = "app.models:db"\n'
        'order = "order.txt"\n',
    )
    assert load_config(tmp_path) == Config(
        py_globs=("scripts/upgrade_*.py",),
        sql_globs=("db/*.sql",),
        exclude=("vendor", "legacy/old"),
        dialect="postgresql",
        models="app.models:db",
        order="order.txt",
    )


def test_malformed_toml_points_at_its_line(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.legacy2alembic]\ndialect = "sqlite"\nmodels = \n')
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    assert caught.value.origin == Origin("pyproject.toml", 3)
    assert str(caught.value).startswith("pyproject.toml:3: malformed TOML")


def test_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.legacy2alembic]\ndialect = "sqlite"\nsql-glob = ["x.sql"]\n')
    with pytest.raises(InputError, match="unknown key 'sql-glob'") as caught:
        load_config(tmp_path)
    assert caught.value.origin == Origin("pyproject.toml", 3)


@pytest.mark.parametrize(
    "line",
    ['py-globs = "migrate_*.py"', "exclude = [1, 2]", "dialect = 3", 'models = ""'],
)
def test_wrong_types_are_input_errors(tmp_path: Path, line: str) -> None:
    write_pyproject(tmp_path, f"[tool.legacy2alembic]\n{line}\n")
    with pytest.raises(InputError, match="must be") as caught:
        load_config(tmp_path)
    assert caught.value.origin == Origin("pyproject.toml", 2)


def test_same_key_spelled_twice_is_an_error(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.legacy2alembic]\npy-globs = ["a"]\npy_globs = ["b"]\n')
    with pytest.raises(InputError, match="given twice"):
        load_config(tmp_path)


def test_table_that_is_not_a_table(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool]\nlegacy2alembic = "yes"\n')
    with pytest.raises(InputError, match="must be a table"):
        load_config(tmp_path)


def test_merged_applies_only_given_overrides() -> None:
    base = Config(dialect="sqlite", models="app:db")
    merged = base.merged(dialect="postgres", models=None, exclude=["vendor"])
    assert merged == Config(dialect="postgres", models="app:db", exclude=("vendor",))
    assert base.dialect == "sqlite"
    assert merged.exclude != DEFAULT_EXCLUDE


def test_merged_rejects_unknown_fields() -> None:
    with pytest.raises(TypeError, match="dialekt"):
        Config().merged(dialekt="sqlite")
