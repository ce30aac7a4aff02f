"""Captured pages of supporting documents, and documents marked missing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the document tables."""
    op.create_table(
        "document_page",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "applicant_id",
            sa.Integer(),
            sa.ForeignKey("applicant_session.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("document_id", sa.String(48), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("master", sa.LargeBinary(), nullable=False),
        sa.Column("preview", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Float(), nullable=False),
        sa.Column("page_format", sa.String(8), nullable=True),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_document_page_applicant_id", "document_page", ["applicant_id"])
    op.create_table(
        "document_status",
        sa.Column(
            "applicant_id",
            sa.Integer(),
            sa.ForeignKey("applicant_session.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("document_id", sa.String(48), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop the document tables."""
    op.drop_table("document_status")
    op.drop_table("document_page")
