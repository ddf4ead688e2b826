"""receipts (store details, receipt number, VAT per line) and deposit (Pfand) on products (#19)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Catalog fields: the VAT rate (basis points) and the deposit per piece.
    op.add_column("products", sa.Column("vat_rate_bp", sa.Integer(), nullable=True))
    op.add_column("products", sa.Column("deposit_minor", sa.BigInteger(), server_default="0", nullable=False))
    # Store details printed on receipts, and the per-store receipt counter.
    op.add_column("stores", sa.Column("address", sa.Text(), server_default="", nullable=False))
    op.add_column("stores", sa.Column("vat_id", sa.String(20), server_default="", nullable=False))
    op.add_column("stores", sa.Column("last_receipt_number", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table(
        "receipts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_receipts_store_id_stores")),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_receipts_trip_id_trips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("store_id", "number", name=op.f("uq_receipts_store_id")),
        sa.UniqueConstraint("trip_id", name=op.f("uq_receipts_trip_id")),
    )


def downgrade() -> None:
    op.drop_table("receipts")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("last_receipt_number")
        batch.drop_column("vat_id")
        batch.drop_column("address")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("deposit_minor")
        batch.drop_column("vat_rate_bp")
