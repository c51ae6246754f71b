"""Retire the legacy sources: create_all() call sites, archive, fix-create-all, check."""
