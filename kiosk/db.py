"""The SQLite database: engine, per-request session, migrations.

SQLite runs in WAL mode with ``synchronous=FULL``: with NORMAL, the last
commits can roll back after a power cut, and an applicant's acknowledged answer
must survive one. Writers take the lock up front (``BEGIN IMMEDIATE``) so two
requests never deadlock upgrading a read lock. ``secure_delete`` overwrites
deleted rows, so erased personal data does not linger in free pages; after an
erasure the WAL is checkpointed and truncated (`checkpoint`), so that old
page versions do not linger in it either. ``temp_store=MEMORY`` keeps sorts
and temporary tables off the disk.

Views call `get_db()`; the session lives for the request and is closed on
teardown. Functions that manipulate data take a session argument and never
create one (SQLAlchemy 2.0 guidance).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


def make_engine(database: str) -> Engine:
    """Create an engine for a SQLite file with the pragmas Guichet relies on."""
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{database}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own
        # transaction handling would start transactions late and deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: a commit is one append to the -wal file, and a crash at any point
        # leaves either the whole transaction or none of it. synchronous=FULL
        # fsyncs the WAL at every commit, before the view answers: an
        # acknowledged save survives a power cut (NORMAL could lose the last
        # ones, the page cache going down with the power). tests/test_db.py
        # checks both; tests/test_crash_recovery.py kills the server mid-save.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def get_engine(app: Flask | None = None) -> Engine:
    """Return the engine of the current (or given) app."""
    app = app or current_app
    engine: Engine = app.extensions["guichet.engine"]
    return engine


def get_db() -> Session:
    """Return the database session of the current request, opening it on first use."""
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions["guichet.sessionmaker"]
        g.db_session = factory()
    session: Session = g.db_session
    return session


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """Open a session outside a request (command line, background work), committing at the end."""
    factory: sessionmaker[Session] = (app or current_app).extensions["guichet.sessionmaker"]
    with factory() as session, session.begin():
        yield session


def close_db(_error: BaseException | None = None) -> None:
    """Close the request's session; an uncommitted transaction is rolled back."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def release_db(response: Any) -> Any:
    """End the request's transaction before the session cookie is saved.

    Every transaction takes the write lock (BEGIN IMMEDIATE), and saving the
    browser session needs it too; views commit what they mean to keep, so
    anything left uncommitted here is rolled back.
    """
    close_db()
    return response


def checkpoint(engine: Engine) -> bool:
    """Copy the WAL into the database file and truncate it to zero bytes.

    Old versions of pages (erased rows, former ciphertexts) stay in the WAL
    until it is overwritten; TRUNCATE removes them. Returns False if a reader
    kept it from completing (the next erasure or purge tries again).
    """
    # A raw connection in autocommit: a checkpoint cannot run inside the
    # BEGIN IMMEDIATE that every SQLAlchemy transaction here starts with.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        busy, _frames, _copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    return int(busy) == 0


def checkpoint_after_commit(session: Session) -> None:
    """Ask for a WAL checkpoint once this session's transaction is committed (erasures)."""
    session.info[_CHECKPOINT_WANTED] = True


_CHECKPOINT_WANTED = "guichet.checkpoint_wanted"


def _checkpoint_if_wanted(session: Session) -> None:
    if session.info.pop(_CHECKPOINT_WANTED, False):
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        if not checkpoint(engine):
            logging.getLogger("guichet").warning("WAL checkpoint after an erasure did not complete")


def _forget_checkpoint(session: Session, _transaction: Any = None) -> None:
    session.info.pop(_CHECKPOINT_WANTED, None)


def alembic_config(engine: Engine) -> Config:
    """Build the Alembic configuration in code (no alembic.ini to lose)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, master_key: bytes | None = None) -> None:
    """Create the database or migrate it to the newest schema.

    `master_key` lets migration 0005 seal the personal data of a database
    made before encryption at rest; a new or empty database does not need it.
    """
    config = alembic_config(engine)
    config.attributes["master_key"] = master_key
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    # A migration may have rewritten tables that held plaintext.
    checkpoint(engine)


def is_current(engine: Engine) -> bool:
    """Tell whether the database schema is at the newest migration."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())


def init_app(app: Flask) -> None:
    """Create the engine for the app's database and close sessions after each request."""
    engine = make_engine(app.config["DATABASE"])
    app.extensions["guichet.engine"] = engine
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_commit", _checkpoint_if_wanted)
    event.listen(factory, "after_rollback", _forget_checkpoint)
    app.extensions["guichet.sessionmaker"] = factory
    app.after_request(release_db)
    app.teardown_appcontext(close_db)
