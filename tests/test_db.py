"""The database: pragmas that protect acknowledged saves, migrations that match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import text

from kiosk import db
from kiosk.models import Base


def test_every_connection_is_wal_with_full_sync(app: Flask) -> None:
    with db.get_engine(app).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_migrations_match_the_models(app: Flask) -> None:
    engine = db.get_engine(app)
    assert db.is_current(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
