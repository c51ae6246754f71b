"""Issue 13, the output side: hostile and interrupted runs of archive, stamp and fix-create-all.

archive moves nothing outside the project (paths in revision files, a symlinked --dest, a
manifest or journal naming outside paths), and a run killed midway (kill -9, SIGTERM, Ctrl-C)
is finished by the next one into the same tree an uninterrupted run leaves.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from legacy import sa_url
from test_archive import EPOCH, cli, converted, git, make, ok, small_project, tree

PAUSED_ARCHIVE = str(Path(__file__).parent / "paused_archive.py")


def _revision_with_sources(project: Path, sources: str) -> None:
    """Point the first recorded legacy source of a revision file at `sources`."""
    versions = sorted((project / "migrations" / "versions").glob("*.py"))
    for file in versions:
        text = file.read_text()
        if "legacy_sources = (" in text:
            start = text.index("legacy_sources = (")
            end = text.index(")\n", text.index("(", start + 18)) + 2
            file.write_text(text[:start] + f"legacy_sources = ({sources},)\n" + text[end:])
            return
    raise AssertionError("no revision records legacy sources")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    victim = make(tmp_path / "victim", {"secret.txt": "secret\n"})
    return victim


# ---- item 2: nothing outside the project is moved ----------------------------------------------


@pytest.mark.parametrize("kind", ["dotdot", "absolute"])
def test_archive_refuses_recorded_sources_outside_the_project(
    tmp_path: Path, outside: Path, kind: str
) -> None:
    project = small_project(tmp_path / "p")
    path = "../victim/secret.txt" if kind == "dotdot" else str(outside / "secret.txt")
    sha = "0" * 64
    _revision_with_sources(project, repr((path, sha)))
    before, victim = tree(project), tree(outside)
    result = cli("archive", str(project))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "outside the project" in result.stderr and "Traceback" not in result.stderr
    assert tree(project) == before and tree(outside) == victim


def test_archive_refuses_a_recorded_source_that_is_a_symlink_out(
    tmp_path: Path, outside: Path
) -> None:
    project = small_project(tmp_path / "p")
    os.symlink(outside / "secret.txt", project / "leak.sql")
    _revision_with_sources(project, repr(("leak.sql", "0" * 64)))
    result = cli("archive", str(project))
    assert result.returncode == 2 and "leak.sql" in result.stderr
    assert (project / "leak.sql").is_symlink() and tree(outside) == {"secret.txt": b"secret\n"}


@pytest.mark.parametrize("dest", ["legacy_migrations", "link/legacy"])
def test_archive_refuses_a_dest_through_a_symlink_out(
    tmp_path: Path, outside: Path, dest: str
) -> None:
    project = small_project(tmp_path / "p")
    os.symlink(outside, project / dest.split("/")[0])
    before = tree(project)
    result = cli("archive", str(project), "--dest", dest)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--dest" in result.stderr and "outside the project" in result.stderr
    assert tree(project) == before and tree(outside) == {"secret.txt": b"secret\n"}


def test_archive_refuses_a_target_folder_that_is_a_symlink_out(
    tmp_path: Path, outside: Path
) -> None:
    project = small_project(tmp_path / "p")
    (project / "legacy_migrations").mkdir()
    os.symlink(outside, project / "legacy_migrations" / "migrations_manual_sql")
    result = cli("archive", str(project))
    assert result.returncode == 2 and "outside the project" in result.stderr
    assert tree(outside) == {"secret.txt": b"secret\n"}
    assert (project / "migrate_001_users.py").is_file()


@pytest.mark.parametrize("key", ["path", "archived_as"])
def test_archive_and_check_refuse_a_manifest_naming_outside_paths(tmp_path: Path, key: str) -> None:
    project = small_project(tmp_path / "p")
    entry = {"path": "x.sql", "archived_as": "legacy_migrations/x.sql", "sha256": "0" * 64}
    entry[key] = "../victim/secret.txt"
    make(project, {"legacy_migrations/MANIFEST.json": json.dumps({"files": [entry]})})
    before = tree(project)
    for command in ("archive", "check"):
        result = cli(command, str(project))
        assert result.returncode == 2, result.stdout + result.stderr
        assert "outside the project" in result.stderr
    assert tree(project) == before


def test_archive_refuses_a_journal_naming_outside_paths(tmp_path: Path, outside: Path) -> None:
    project = small_project(tmp_path / "p")
    journal = {
        "dest": "legacy_migrations",
        "moves": [
            {"path": str(outside / "secret.txt"), "target": "legacy_migrations/s", "sha256": "",
             "git": False}
        ],
        "records": {"MANIFEST.json": "", "README.md": ""},
        "saved": {"MANIFEST.json": None, "README.md": None},
        "dest_existed": False,
    }  # fmt: skip
    make(project, {"legacy_migrations/.l2a-journal.json": json.dumps(journal)})
    before = tree(project)
    result = cli("archive", str(project))
    assert result.returncode == 2 and "outside the project" in result.stderr
    assert tree(project) == before and tree(outside) == {"secret.txt": b"secret\n"}


# ---- item 3: an interrupted archive is finished by the next run --------------------------------


def _interrupted(project: Path, how: signal.Signals, after: int = 2) -> subprocess.CompletedProcess:
    """Run archive with a pause after each file; deliver `how` during the pause after `after`
    files (a deferred signal takes effect when the pause ends)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    proc = subprocess.Popen(
        [sys.executable, PAUSED_ARCHIVE, "2", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    moved = 0
    for line in proc.stderr:
        moved += line.startswith("moved ")
        if moved == after:
            break
    else:
        pytest.fail("the archive ended before pausing")
    proc.send_signal(how)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _consistent_with_manifest(project: Path) -> None:
    import hashlib

    manifest = json.loads((project / "legacy_migrations/MANIFEST.json").read_text())
    for entry in manifest["files"]:
        data = (project / entry["archived_as"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert not (project / entry["path"]).exists()
    assert not (project / "legacy_migrations/.l2a-journal.json").exists()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_archive_is_finished_by_the_next_run(
    tmp_path: Path, how: signal.Signals
) -> None:
    reference = converted("sqlite_taskboard", tmp_path / "reference")
    ok(cli("archive", str(reference)))
    project = converted("sqlite_taskboard", tmp_path / "p")

    stopped = _interrupted(project, how)
    journal = project / "legacy_migrations/.l2a-journal.json"
    assert journal.is_file(), stopped.stderr
    if how != signal.SIGKILL:
        assert stopped.returncode == 128 + how, stopped.stderr
        assert "after moving 2 of" in stopped.stderr and "run archive again" in stopped.stderr
        assert "Traceback" not in stopped.stderr

    again = cli("archive", str(project))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Finished an interrupted archive run" in again.stdout
    _consistent_with_manifest(project)
    assert tree(project) == tree(reference)
    assert git(project, "status", "--porcelain") == git(reference, "status", "--porcelain")


def test_an_interrupted_archive_outside_git_is_finished_too(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    stopped = _interrupted(project, signal.SIGKILL, after=1)
    assert stopped.returncode == -signal.SIGKILL
    ok(cli("archive", str(project)))
    _consistent_with_manifest(project)
    assert not (project / "migrate_001_users.py").exists()


def test_an_interrupted_archive_whose_files_moved_meanwhile_is_rolled_back(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    before = tree(project)
    _interrupted(project, signal.SIGKILL, after=1)
    source = project / "migrations_manual_sql/003_notes_sqlite.sql"
    source.rename(tmp_path / "elsewhere.sql")  # on neither side any more
    result = cli("archive", str(project))
    assert "Rolled back an interrupted archive run: moved 1 file(s) back" in result.stdout
    assert "migrations_manual_sql/003_notes_sqlite.sql" in result.stdout
    assert result.returncode == 2  # then the plan refuses: a converted source is missing
    assert "neither in place nor in the archive" in result.stderr
    (tmp_path / "elsewhere.sql").rename(source)
    assert tree(project) == before
    assert not (project / "legacy_migrations").exists()


def test_dry_run_says_an_interrupted_run_is_pending(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    _interrupted(project, signal.SIGKILL, after=1)
    before = tree(project)
    result = cli("archive", str(project), "--dry-run")
    assert result.returncode == 2 and "interrupted archive run" in result.stderr
    assert tree(project) == before


# ---- item 3: a killed stamp leaves no scratch database behind ----------------------------------

HOLD_SCRATCH = """
import sys, time
from converter.database.scratch import scratch_database
with scratch_database("postgres", server_url=sys.argv[1]) as url:
    print(url.rsplit("/", 1)[-1], flush=True)
    time.sleep(120)
"""


def _databases(server_url: str) -> set[str]:
    engine = sa.create_engine(sa_url(server_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return {r[0] for r in conn.exec_driver_sql("SELECT datname FROM pg_database")}
    finally:
        engine.dispose()


def _holding_scratch(server_url: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRATCH, server_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    name = proc.stdout.readline().strip()
    assert name.startswith("l2a_scratch_") and f"_{proc.pid}_" in name, name
    assert name in _databases(server_url)
    return proc, name


@pytest.mark.postgres
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP])
def test_scratch_database_dropped_on_sigterm_and_sighup(
    pg_server_url: str, how: signal.Signals
) -> None:
    proc, name = _holding_scratch(pg_server_url)
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    assert "Terminated" in err
    assert name not in _databases(pg_server_url)


@pytest.mark.postgres
def test_scratch_database_left_by_kill_9_is_dropped_by_the_next_run(pg_server_url: str) -> None:
    from converter.database.scratch import scratch_database

    proc, stale = _holding_scratch(pg_server_url)
    alive, live = _holding_scratch(pg_server_url)
    proc.kill()
    proc.wait(timeout=30)
    assert stale in _databases(pg_server_url)
    try:
        with scratch_database("postgres", server_url=pg_server_url):
            found = _databases(pg_server_url)
            assert stale not in found
            assert live in found  # a run still going keeps its own
    finally:
        alive.send_signal(signal.SIGTERM)
        alive.communicate(timeout=60)
    assert live not in _databases(pg_server_url)


# ---- item 5: every form of password is masked ---------------------------------------------------

SECRET = "Sup3rSecretQ"
FORMS = {
    "userinfo": f"postgresql://l2a:{SECRET}@127.0.0.1:1/postgres",
    "query": f"postgresql://l2a@127.0.0.1:1/postgres?password={SECRET}",
    "libpq": f"host=127.0.0.1 port=1 user=l2a password={SECRET} dbname=postgres",
    "libpq quoted": f"host=127.0.0.1 password='{SECRET} x' dbname=postgres",
    "spaces": f"postgresql ://l2a:{SECRET} x@127.0.0.1:1/postgres",
    "unescaped @": f"postgresql://l2a:Sup3r@{SECRET}@127.0.0.1:1/postgres",
    "bare": f"::not a url me:{SECRET}@host",
}


@pytest.mark.parametrize("form", FORMS.values(), ids=list(FORMS))
def test_mask_url_hides_every_form(form: str) -> None:
    from converter.database.urls import mask_url

    masked = mask_url(form)
    assert SECRET not in masked and "Sup3r" not in masked and "***" in masked


def test_driver_messages_echoing_the_password_are_masked() -> None:
    from converter.core.errors import DatabaseError
    from converter.database.urls import connect

    url = f"postgresql://l2a:Sup3r@{SECRET}@l2a-no-such-host.invalid:1/postgres"
    with pytest.raises(DatabaseError) as info:
        connect(url)  # the driver reports the host `SECRET@l2a-no-such-host...`
    assert SECRET not in str(info.value) and "Sup3r" not in str(info.value)


@pytest.mark.parametrize("form", FORMS.values(), ids=list(FORMS))
def test_scratch_url_errors_are_masked(form: str) -> None:
    from converter.core.errors import ConverterError
    from converter.database.scratch import scratch_database

    with pytest.raises(ConverterError) as info, scratch_database("postgres", scratch_url=form):
        pass
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("form", FORMS.values(), ids=list(FORMS))
def test_stamp_masks_every_form_in_text_json_and_url_file(tmp_path: Path, form: str) -> None:
    project = small_project(tmp_path / "p")
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f"# fleet\n{form}\n")
    for args in (
        ["--url", form],
        ["--url", form, "--json"],
        ["--url-file", str(url_file), "--json"],
        ["--url", "sqlite:///nowhere.db", "--scratch-url", form],
    ):
        result = cli("stamp", str(project), *args, "--yes")
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert SECRET not in result.stdout + result.stderr, args


# ---- item 8: fix-create-all leaves alone what it is not sure of ---------------------------------


def test_a_second_database_in_an_app_context_is_left_alone(tmp_path: Path) -> None:
    from test_fix_create_all import fixed, summary

    app = """\
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)
db2 = SQLAlchemy(app)
migrate = Migrate(app, db)
with app.app_context():
    db2.create_all()
"""
    assert fixed(tmp_path, {"app.py": app}) == {}
    assert (
        "app.py:10: db2.create_all(): left alone (Flask-Migrate manages `db`, not `db2`"
        in summary(tmp_path)
    )


def test_two_apps_in_one_file_get_no_upgrade_without_migrate(tmp_path: Path) -> None:
    from test_fix_create_all import MODELS, fixed, summary

    app = """\
from flask import Flask

from models import db

public = Flask("public")
admin = Flask("admin")
db.init_app(public)
db.init_app(admin)
with admin.app_context():
    db.create_all()
"""
    assert fixed(tmp_path, {"models.py": MODELS, "app.py": app}) == {}
    listed = summary(tmp_path)
    assert "app.py:10: db.create_all(): left alone (several Flask apps in this file" in listed
    assert "db is bound to an app in several places" in listed
