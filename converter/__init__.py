"""legacy2alembic: convert legacy schema scripts into a verified Alembic revision chain."""

__version__ = "0.1.0"
