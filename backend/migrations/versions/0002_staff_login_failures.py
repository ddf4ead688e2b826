"""staff sign-in throttling: wrong passwords per account and client address

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_login_failures",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", backend.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_staff_login_failures")),
    )


def downgrade() -> None:
    op.drop_table("staff_login_failures")
