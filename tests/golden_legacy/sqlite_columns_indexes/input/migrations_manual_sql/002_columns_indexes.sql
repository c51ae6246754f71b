ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;
ALTER TABLE tasks ADD COLUMN due_on DATE;
ALTER TABLE tasks RENAME COLUMN notes TO body;
CREATE INDEX ix_tasks_priority ON tasks (priority);
CREATE UNIQUE INDEX ix_tasks_title ON tasks (title);
CREATE INDEX ix_tasks_open ON tasks (due_on) WHERE priority < 3;
DROP INDEX ix_tasks_title;
ALTER TABLE tasks DROP COLUMN body;
