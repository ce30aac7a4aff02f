"""Encryption at rest: personal data sealed with a key per session (kiosk.crypto).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Adds ``applicant_session.sealed_key`` (the session's data key, wrapped by the
master key) and replaces every plaintext column of personal data by a sealed
one: ``answers`` and ``finder_answers``, ``document_page.master`` and
``preview``, ``built_dossier.archive`` and ``manifest``.

Rows already stored are sealed with the master key that `kiosk.db.upgrade`
hands over (``guichet db upgrade`` and ``guichet serve`` do); then the
plaintext columns are dropped with ``secure_delete`` on, and `kiosk.db.upgrade`
truncates the WAL, so that no plaintext remains in the database files. Ended
sessions hold nothing to seal; pages or dossiers left behind by one are
deleted. The dossier's ``source`` was a plain SHA-256 of the answers: it is
blanked, so an existing dossier shows as out of date and is built again.

``applicant_session`` is altered in place (ADD and DROP COLUMN): copying it,
as batch mode does, would drop the old table and, with foreign keys on,
cascade-delete every page and dossier.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

from kiosk import crypto

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SESSION_COLUMNS = {"answers": "sealed_answers", "finder_answers": "sealed_finder_answers"}
PAGE_COLUMNS = {"master": "sealed_master", "preview": "sealed_preview"}
DOSSIER_COLUMNS = {"archive": "sealed_archive", "manifest": "sealed_manifest"}
PLAIN_TYPES: dict[str, Any] = {
    "master": sa.LargeBinary(),
    "preview": sa.LargeBinary(),
    "archive": sa.LargeBinary(),
    "manifest": sa.Text(),
}


def _master_key() -> bytes:
    key: bytes | None = context.config.attributes.get("master_key")
    if key is None:
        raise RuntimeError(
            "migration 0005 must seal the answers, scans and dossiers already stored: run it "
            "with `guichet db upgrade`, which hands it the master key"
        )
    return key


def _as_bytes(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _seal_sessions(bind: sa.Connection) -> dict[int, bytes]:
    """Give every live session a data key and seal its answers; return the keys by id."""
    keys: dict[int, bytes] = {}
    rows = bind.execute(
        sa.text("SELECT id, status, answers, finder_answers FROM applicant_session")
    ).all()
    for applicant_id, status, answers, finder_answers in rows:
        if status == "ended":
            continue
        data_key = crypto.new_data_key()
        values: dict[str, Any] = {
            "id": applicant_id,
            "sealed_key": crypto.wrap_data_key(_master_key(), data_key, applicant_id),
        }
        for plain, sealed in SESSION_COLUMNS.items():
            text = answers if plain == "answers" else finder_answers
            values[sealed] = (
                crypto.seal_bytes(
                    data_key, _as_bytes(text), "applicant_session", sealed, applicant_id
                )
                if text and text != "{}"
                else None
            )
        bind.execute(
            sa.text(
                "UPDATE applicant_session SET sealed_key = :sealed_key, "
                "sealed_answers = :sealed_answers, sealed_finder_answers = :sealed_finder_answers "
                "WHERE id = :id"
            ),
            values,
        )
        keys[applicant_id] = data_key
    return keys


def _seal_rows(
    bind: sa.Connection,
    table: str,
    key_column: str,
    columns: dict[str, str],
    keys: dict[int, bytes],
) -> None:
    """Seal the plaintext columns of a child table; delete rows of sessions already ended."""
    plain = ", ".join(columns)
    for row in bind.execute(sa.text(f"SELECT {key_column}, applicant_id, {plain} FROM {table}")):
        row_key, applicant_id, *values = row
        where = {"row_key": row_key}
        if applicant_id not in keys:
            bind.execute(sa.text(f"DELETE FROM {table} WHERE {key_column} = :row_key"), where)
            continue
        sealed = {
            new: crypto.seal_bytes(keys[applicant_id], _as_bytes(value), table, new, applicant_id)
            for new, value in zip(columns.values(), values, strict=True)
        }
        assignments = ", ".join(f"{new} = :{new}" for new in columns.values())
        bind.execute(
            sa.text(f"UPDATE {table} SET {assignments} WHERE {key_column} = :row_key"),
            {**sealed, **where},
        )


def upgrade() -> None:
    """Seal the personal data stored so far, then drop its plaintext columns."""
    op.add_column("applicant_session", sa.Column("sealed_key", sa.LargeBinary(), nullable=True))
    for sealed in SESSION_COLUMNS.values():
        op.add_column("applicant_session", sa.Column(sealed, sa.LargeBinary(), nullable=True))
    for table, columns in (("document_page", PAGE_COLUMNS), ("built_dossier", DOSSIER_COLUMNS)):
        for sealed in columns.values():
            op.add_column(table, sa.Column(sealed, sa.LargeBinary(), nullable=True))

    bind = op.get_bind()
    keys = _seal_sessions(bind)
    _seal_rows(bind, "document_page", "id", PAGE_COLUMNS, keys)
    _seal_rows(bind, "built_dossier", "applicant_id", DOSSIER_COLUMNS, keys)
    bind.execute(sa.text("UPDATE built_dossier SET source = ''"))

    for plain in SESSION_COLUMNS:
        op.drop_column("applicant_session", plain)
    for table, columns in (("document_page", PAGE_COLUMNS), ("built_dossier", DOSSIER_COLUMNS)):
        # Nothing refers to these two tables: batch mode may copy them.
        with op.batch_alter_table(table) as batch:
            for plain, sealed in columns.items():
                batch.drop_column(plain)
                batch.alter_column(sealed, existing_type=sa.LargeBinary(), nullable=False)


def _open_rows(
    bind: sa.Connection,
    table: str,
    key_column: str,
    columns: dict[str, str],
    keys: dict[int, bytes],
) -> None:
    sealed_names = ", ".join(columns.values())
    query = sa.text(f"SELECT {key_column}, applicant_id, {sealed_names} FROM {table}")
    for row_key, applicant_id, *values in bind.execute(query).all():
        if applicant_id not in keys:  # left behind by an ended session: nothing to open
            bind.execute(sa.text(f"DELETE FROM {table} WHERE {key_column} = :k"), {"k": row_key})
            continue
        opened: dict[str, Any] = {
            plain: crypto.open_bytes(keys[applicant_id], bytes(value), table, sealed, applicant_id)
            for (plain, sealed), value in zip(columns.items(), values, strict=True)
        }
        if "manifest" in opened:
            opened["manifest"] = opened["manifest"].decode("utf-8")
        assignments = ", ".join(f"{plain} = :{plain}" for plain in columns)
        bind.execute(
            sa.text(f"UPDATE {table} SET {assignments} WHERE {key_column} = :row_key"),
            {**opened, "row_key": row_key},
        )


def downgrade() -> None:
    """Open the sealed data back into plaintext columns (needs the master key)."""
    for plain in SESSION_COLUMNS:
        op.add_column(
            "applicant_session",
            sa.Column(plain, sa.Text(), nullable=False, server_default="{}"),
        )
    for table, columns in (("document_page", PAGE_COLUMNS), ("built_dossier", DOSSIER_COLUMNS)):
        for plain in columns:
            op.add_column(table, sa.Column(plain, PLAIN_TYPES[plain], nullable=True))

    bind = op.get_bind()
    keys: dict[int, bytes] = {}
    query = sa.text(
        "SELECT id, sealed_key, sealed_answers, sealed_finder_answers FROM applicant_session "
        "WHERE sealed_key IS NOT NULL"
    )
    for applicant_id, wrapped, *sealed_values in bind.execute(query).all():
        keys[applicant_id] = crypto.unwrap_data_key(_master_key(), bytes(wrapped), applicant_id)
        opened = {
            plain: crypto.open_bytes(
                keys[applicant_id], bytes(value), "applicant_session", sealed, applicant_id
            ).decode("utf-8")
            if value is not None
            else "{}"
            for (plain, sealed), value in zip(SESSION_COLUMNS.items(), sealed_values, strict=True)
        }
        bind.execute(
            sa.text(
                "UPDATE applicant_session SET answers = :answers, "
                "finder_answers = :finder_answers WHERE id = :id"
            ),
            {**opened, "id": applicant_id},
        )
    _open_rows(bind, "document_page", "id", PAGE_COLUMNS, keys)
    _open_rows(bind, "built_dossier", "applicant_id", DOSSIER_COLUMNS, keys)

    for sealed in ("sealed_key", *SESSION_COLUMNS.values()):
        op.drop_column("applicant_session", sealed)
    for table, columns in (("document_page", PAGE_COLUMNS), ("built_dossier", DOSSIER_COLUMNS)):
        with op.batch_alter_table(table) as batch:
            for plain, sealed in columns.items():
                batch.drop_column(sealed)
                batch.alter_column(plain, existing_type=PLAIN_TYPES[plain], nullable=False)
