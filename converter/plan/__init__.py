"""Plan the revision chain on a schema model: baseline, passes, downgrades, revision ids."""
