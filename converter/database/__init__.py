"""Live databases: URLs, snapshots of a schema, scratch databases, the reference, verify."""
