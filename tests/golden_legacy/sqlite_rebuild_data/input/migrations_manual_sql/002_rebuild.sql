-- SQLite cannot add a NOT NULL column without a default: the classic table rebuild.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE projects_new (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    slug VARCHAR(100) NOT NULL
);
INSERT INTO projects_new (id, name, slug)
SELECT id, name, lower(replace(name, ' ', '-')) FROM projects;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;
COMMIT;
PRAGMA foreign_keys=ON;
UPDATE projects SET name = trim(name) WHERE name LIKE ' %';
DELETE FROM projects WHERE slug = '';
