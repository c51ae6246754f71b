"""Plan the revision chain on a schema model: baseline, passes, downgrades, revision ids.

`schema` holds the model and three dispatchers (apply, unapply, reverse); `replay` and `downgrade`
register one function per op class on them, so both are imported here, once.
"""

from converter.plan import downgrade, replay  # noqa: F401 - they register on schema's dispatchers
