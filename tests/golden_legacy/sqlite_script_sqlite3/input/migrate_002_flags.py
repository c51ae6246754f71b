"""Add flag columns to tasks, when missing, and backfill them."""
import sqlite3

DB_PATH = "instance/app.db"
FLAGS = ["archived", "pinned"]
TABLE = "tasks"


def main():
    conn = sqlite3.connect(DB_PATH)
    cursor = conn.cursor()
    cursor.execute(f"PRAGMA table_info({TABLE})")
    columns = [row[1] for row in cursor.fetchall()]
    for flag in FLAGS:
        if flag not in columns:
            cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN {flag} BOOLEAN NOT NULL DEFAULT 0")
    cursor.execute("UPDATE tasks SET pinned = ? WHERE title LIKE ?", (1, "!%"))
    cursor.executescript(
        """
        CREATE INDEX IF NOT EXISTS ix_tasks_archived ON tasks (archived);
        INSERT INTO tasks (title) VALUES ('welcome');
        """
    )
    conn.commit()
    conn.close()


if __name__ == "__main__":
    main()
