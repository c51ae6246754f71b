"""Find a project's legacy sources and their historical order."""
