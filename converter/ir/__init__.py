"""The data that passes between stages: statements, ops, revisions."""
