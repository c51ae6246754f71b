"""Find a project's legacy sources and put them in the order they were applied historically.

Order comes from git when the project is a work tree (the commit that first added each file), then
from numeric or date prefixes, then from natural name order; an order file overrides all of it.
Existing Alembic folders are reported and never read as legacy sources. `discovery.discover` is
the entry point.
"""
