"""Sources analysed in worker processes give exactly what one process gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from legacy import all_fixtures, copy_project, load_fixture

from converter.commands.pipeline import ConvertOptions, convert
from converter.core.config import load_config
from converter.core.diagnostics import Diagnostics
from converter.core.errors import InputError
from converter.core.fanout import PARALLEL_MIN_BYTES, auto_jobs, map_in_order


def _convert(project: Path, dialect: str, jobs: int) -> tuple[dict[str, str], list[str]]:
    out = project.parent / f"out-{jobs}"
    diags = Diagnostics()
    result = convert(
        project, load_config(project), ConvertOptions(dialect=dialect, out=out, jobs=jobs), diags
    )
    files = {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*.py"))}
    assert files and result.revisions
    return files, [str(d) for d in diags.items]


@pytest.mark.parametrize("name", all_fixtures())
def test_two_workers_write_the_same_files_and_diagnostics_as_one(tmp_path: Path, name: str) -> None:
    fixture = load_fixture(name)
    project = copy_project(fixture, tmp_path / "project")
    dialect = {"postgresql": "postgres"}.get(fixture.dialect, fixture.dialect)
    serial = _convert(project, dialect, 1)
    parallel = _convert(project, dialect, 2)
    assert parallel == serial


def test_an_error_in_a_worker_is_the_one_a_single_process_reports(tmp_path: Path) -> None:
    project = tmp_path / "project"
    sql = project / "migrations_manual_sql"
    sql.mkdir(parents=True)
    (sql / "001_ok.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);\n")
    (sql / "002_bad.sql").write_text("ALTER TABLE a ADD COLUMN b INT;\nUPDATE a SET b = 'x;\n")
    (sql / "003_bad.sql").write_text("UPDATE a SET b = 'y;\n")
    messages = []
    for jobs in (1, 2):
        with pytest.raises(InputError) as caught:
            convert(
                project,
                load_config(project),
                ConvertOptions(dialect="sqlite", out=tmp_path / f"out{jobs}", jobs=jobs),
                Diagnostics(),
            )
        messages.append(str(caught.value))
        assert not (tmp_path / f"out{jobs}").exists()
    assert messages[0] == messages[1]
    assert messages[0].startswith("migrations_manual_sql/002_bad.sql:2: unterminated")


def _square(x: int) -> int:
    return x * x


def test_map_in_order_keeps_the_order_of_its_items() -> None:
    items = list(range(50))
    assert map_in_order(_square, items, 2) == [x * x for x in items]
    assert map_in_order(_square, items, 1) == [x * x for x in items]


def test_small_projects_stay_in_one_process() -> None:
    assert auto_jobs(0) == 1
    assert auto_jobs(PARALLEL_MIN_BYTES - 1) == 1
    assert auto_jobs(PARALLEL_MIN_BYTES) >= 1


def test_with_another_thread_running_workers_start_fresh_and_give_the_same() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert map_in_order(_square, list(range(5)), 2) == [0, 1, 4, 9, 16]
    finally:
        stop.set()
        thread.join()


def _exit_in_worker(x: int) -> int:
    import os

    if os.getpid() != _PARENT:
        os._exit(1)  # a worker dying (killed, out of memory)
    return x + 1


_PARENT = __import__("os").getpid()


def test_a_dead_worker_means_the_work_is_done_in_this_process() -> None:
    assert map_in_order(_exit_in_worker, [1, 2, 3], 2) == [2, 3, 4]
