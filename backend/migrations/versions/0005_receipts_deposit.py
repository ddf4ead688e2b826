"""receipts (store details, receipt number, VAT per line) and deposit (Pfand) on products (#19)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Catalog fields: the VAT rate (basis points) and the deposit per piece.
    op.add_column("products", sa.Column("vat_rate_bp", sa.Integer(), nullable=True))
    op.add_column("products", sa.Column("deposit_minor", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("deposit_minor")
        batch.drop_column("vat_rate_bp")
