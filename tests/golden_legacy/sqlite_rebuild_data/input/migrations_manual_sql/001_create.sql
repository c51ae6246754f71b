CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL
);
INSERT INTO projects (id, name) VALUES (1, 'Acme Launch');
