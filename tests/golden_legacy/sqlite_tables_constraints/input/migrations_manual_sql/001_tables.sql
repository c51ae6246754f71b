-- Tables with every kind of constraint, then a rename and a drop.
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name VARCHAR(100) NOT NULL UNIQUE
);

CREATE TABLE users (
    id INTEGER NOT NULL,
    org_id INTEGER REFERENCES orgs (id) ON DELETE CASCADE,
    email VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'new',
    CONSTRAINT pk_users PRIMARY KEY (id),
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT ck_users_status CHECK (status IN ('new', 'active'))
);

CREATE TABLE scratch (id INTEGER PRIMARY KEY);
ALTER TABLE scratch RENAME TO scratch_old;
DROP TABLE scratch_old;
