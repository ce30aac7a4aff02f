"""Alembic migrations of the Guichet database; run them with ``guichet db upgrade``."""
