"""Staff accounts, the append-only audit log, anonymous session statistics, overrides.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the staff, audit and statistics tables; make the audit log append-only."""
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("pin_failed_attempts", sa.Integer(), nullable=False),
        sa.Column("pin_locked_until", sa.DateTime(), nullable=True),
        sa.Column("credentials_version", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("session_reference", sa.String(16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_session_reference", "audit_event", ["session_reference"])
    # Append-only: the database itself refuses to change or remove an event.
    op.execute(
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    op.create_table(
        "session_statistic",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("procedure_id", sa.String(48), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("missing_documents", sa.Text(), nullable=False),
        sa.Column("assisted", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_session_statistic_day", "session_statistic", ["day"])
    with op.batch_alter_table("applicant_session") as table:
        table.add_column(
            sa.Column("assisted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A mediator's override of a capture warning: a reason code, who, when.
    with op.batch_alter_table("document_page") as table:
        table.add_column(sa.Column("override_reason", sa.String(32), nullable=True))
        table.add_column(sa.Column("override_by", sa.String(64), nullable=True))
        table.add_column(sa.Column("override_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop the staff, audit and statistics tables."""
    with op.batch_alter_table("document_page") as table:
        table.drop_column("override_at")
        table.drop_column("override_by")
        table.drop_column("override_reason")
    with op.batch_alter_table("applicant_session") as table:
        table.drop_column("assisted")
    op.drop_table("session_statistic")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    op.drop_table("audit_event")
    op.drop_table("staff_account")
