"""The session-start check: tests stop at once unless they import and run this checkout's code."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, checkout_problems


def test_this_checkout_is_the_code_under_test() -> None:
    assert checkout_problems(ROOT) == []


def test_another_checkout_is_named_for_the_package_templates_and_console_script(
    tmp_path: Path,
) -> None:
    problems = checkout_problems(tmp_path)
    assert len(problems) == 4, problems
    assert all(str(tmp_path) in p for p in problems)
    assert sum("legacy2alembic runs" in p for p in problems) == 2
