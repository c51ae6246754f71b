"""Stamp existing databases at the revision their schema really matches."""
