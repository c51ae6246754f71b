"""Objects made by exact SQL (triggers, views, functions) are tracked by name with the SQL that
made them: a later script that drops one is downgraded by making it again, exactly.

Each project is run the legacy way on one database and converted on another; upgrade, downgrade
to base and upgrade again must work, and the objects must equal the legacy-built ones as the
catalog has them (sqlite_master; pg_trigger, pg_views, pg_proc).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from legacy import sa_url, schema_summary
from test_real_world_forms import (
    alembic,
    check_every_k,
    legacy_database,
    revisions,
    write_project,
)

SQLITE_TRIGGER_DROPPED_LATER = {
    "migrations_manual_sql/001_items.sql": """
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, touched INTEGER DEFAULT 0);
CREATE TRIGGER item_touch AFTER UPDATE OF name ON item
BEGIN
    UPDATE item SET touched = touched + 1 WHERE id = NEW.id;
END;
CREATE VIEW named_items AS SELECT id, name FROM item WHERE name IS NOT NULL;
INSERT INTO item (name) VALUES ('a'), (NULL);
""",
    "migrations_manual_sql/002_no_trigger.sql": """
DROP TRIGGER item_touch;
DROP VIEW named_items;
ALTER TABLE item ADD COLUMN note TEXT;
""",
}

PG_TRIGGER_DROPPED_LATER = {
    "migrations_manual_sql/001_items.sql": """
CREATE TABLE item (id SERIAL PRIMARY KEY, name TEXT, touched INTEGER DEFAULT 0);
CREATE FUNCTION touch_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.touched := OLD.touched + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER item_touch BEFORE UPDATE ON item FOR EACH ROW EXECUTE FUNCTION touch_item();
CREATE VIEW named_items AS SELECT id, name FROM item WHERE name IS NOT NULL;
INSERT INTO item (name) VALUES ('a'), (NULL);
""",
    "migrations_manual_sql/002_no_trigger.sql": """
DROP TRIGGER item_touch ON item;
DROP FUNCTION touch_item();
DROP VIEW named_items;
ALTER TABLE item ADD COLUMN note TEXT;
""",
}

_PG_OBJECTS = """
SELECT 'trigger', t.tgname, c.relname, pg_get_triggerdef(t.oid)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal
UNION ALL
SELECT 'view', viewname, '', definition FROM pg_views WHERE schemaname = 'public'
UNION ALL
SELECT 'function', p.proname, '', pg_get_functiondef(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
"""
_SQLITE_OBJECTS = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
)


def objects(url: str) -> list[tuple[str, ...]]:
    """Triggers, views and functions as the catalog has them, sorted."""
    engine = sa.create_engine(sa_url(url))
    query = _SQLITE_OBJECTS if engine.dialect.name == "sqlite" else _PG_OBJECTS
    try:
        with engine.connect() as conn:
            return sorted(tuple(row) for row in conn.execute(sa.text(query)))
    finally:
        engine.dispose()


def check_round_trip(tmp_path, files: dict[str, str], dialect: str, make_url) -> None:
    project = write_project(tmp_path / "project", files)
    check_every_k(project, files, dialect, make_url)  # upgrade, stamps at k, downgrade to base
    migrations = project / "migrations"
    chain = revisions(migrations)
    sources = list(files)
    for k in range(1, len(sources) + 1):
        legacy = make_url()
        legacy_database(project, legacy, sources[:k])
        url = make_url()
        alembic(migrations, url, "upgrade", chain[k - 1])
        alembic(migrations, url, "downgrade", "base")
        alembic(migrations, url, "upgrade", chain[-1])
        alembic(migrations, url, "downgrade", chain[k - 1])
        assert objects(url) == objects(legacy), f"objects differ at k={k}"
        assert schema_summary(url, defaults=True) == schema_summary(legacy, defaults=True)
    assert objects(legacy) == []  # the last script dropped them all


def test_sqlite_trigger_and_view_dropped_later_are_made_again_on_downgrade(
    tmp_path, sqlite_url_factory
):
    check_round_trip(tmp_path, SQLITE_TRIGGER_DROPPED_LATER, "sqlite", sqlite_url_factory)
    first = next((tmp_path / "project/migrations/versions").glob("*002_no_trigger.py")).read_text()
    assert "CREATE TRIGGER item_touch AFTER UPDATE OF name ON item" in first


@pytest.mark.postgres
def test_postgres_trigger_function_and_view_dropped_later_are_made_again_on_downgrade(
    tmp_path, pg_url_factory
):
    check_round_trip(tmp_path, PG_TRIGGER_DROPPED_LATER, "postgres", pg_url_factory)
