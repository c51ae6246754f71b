"""Render planned revisions as files: revision text, the Flask-Migrate scaffold, atomic writes.

`file.render_revision` writes one revision; `ops` holds one renderer per op class, `elements` the
columns and constraints inside them, `literals` the exact SQL literals, `code` the layout;
`scaffold` the Flask-Migrate folder from the Jinja templates; `write` the atomic, never-overwriting
writes. Every value placed into code goes through `repr()` (or a triple-quoted literal checked
with `ast.literal_eval`).
"""
