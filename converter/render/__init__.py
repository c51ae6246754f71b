"""Render planned revisions as files: revision text, the scaffold, atomic writes."""
