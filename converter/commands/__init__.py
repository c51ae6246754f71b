"""One module per CLI verb: resolve settings, run the stages, print the report."""
