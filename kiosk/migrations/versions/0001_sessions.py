"""Browser and applicant sessions.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the session tables."""
    op.create_table(
        "browser_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_browser_session_last_seen_at", "browser_session", ["last_seen_at"])
    op.create_table(
        "applicant_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("resume_code", sa.String(16), nullable=False, unique=True),
        sa.Column("pin_hash", sa.String(200), nullable=True),
        sa.Column("failed_pin_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("finder_answers", sa.Text(), nullable=False),
        sa.Column("procedure_id", sa.String(48), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("current_page", sa.String(48), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("saved_for_later", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("resumable_until", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_applicant_session_status", "applicant_session", ["status"])
    op.create_index(
        "ix_applicant_session_resumable_until", "applicant_session", ["resumable_until"]
    )


def downgrade() -> None:
    """Drop the session tables."""
    op.drop_table("applicant_session")
    op.drop_table("browser_session")
