"""`fix-create-all`: retire application start-up `db.create_all()` in favour of Flask-Migrate.

Once the revision chain owns the schema, a `create_all()` at start-up creates tables behind
Alembic's back. `plan.plan_fix` decides each call's fate (`choose`) and where Flask-Migrate is set
up (`migrate`); the default is a unified diff; `--write` (`write.write_fixes`) replaces each file
atomically after keeping its original: git holds it when the file is committed and unmodified,
git's object store (a blob) when it has uncommitted changes in a git work tree, else `FILE.bak`.
"""
