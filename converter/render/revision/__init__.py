"""Render planned revisions as Alembic revision files.

`file.render_revision` writes one file; `ops` holds one renderer per op class, `elements` the
columns and constraints inside them, `literals` the exact SQL literals, `code` the layout. Every
value placed into code goes through `repr()` (or a triple-quoted literal checked with
`ast.literal_eval`).
"""
