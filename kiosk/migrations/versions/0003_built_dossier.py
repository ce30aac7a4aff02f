"""The dossier built for an applicant session.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the built_dossier table."""
    op.create_table(
        "built_dossier",
        sa.Column(
            "applicant_id",
            sa.Integer(),
            sa.ForeignKey("applicant_session.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("too_large", sa.Text(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop the built_dossier table."""
    op.drop_table("built_dossier")
