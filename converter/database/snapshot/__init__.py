"""A normalized, hashable description of a live schema, and a readable diff of two of them.

`read.read_snapshot` reads one (`sqlite` is SQLite's catalog reader), `normalize` says what is
compared and how, `model` holds the types, `diff` compares two snapshots.
"""
