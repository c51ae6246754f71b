"""Shared below every stage: errors, diagnostics, dialects, project settings, process helpers."""
