"""age-restricted products and the staff age check before capture (#19)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Catalog field: the minimum age to buy a product.
    op.add_column("products", sa.Column("age_min", sa.Integer(), nullable=True))
    # The staff age check a basket with such products waits for before it is paid.
    op.create_table(
        "age_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=True),
        sa.Column("required_age", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("created_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", backend.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_age_checks_trip_id_trips")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_age_checks_store_id_stores")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_age_checks_unit_id_units")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], name=op.f("fk_age_checks_staff_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_age_checks")),
        sa.UniqueConstraint("trip_id", name=op.f("uq_age_checks_trip_id")),
    )
    op.create_index("ix_age_checks_open", "age_checks", ["store_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_age_checks_open", table_name="age_checks")
    op.drop_table("age_checks")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("age_min")
