"""unit events: a unit freed from its trip by the bound-trip time-out or by staff

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("trip_status", sa.String(length=20), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], name=op.f("fk_unit_events_staff_id_staff_users")),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_unit_events_trip_id_trips")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_events_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_events")),
    )
    op.create_index(op.f("ix_unit_events_unit_id"), "unit_events", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_events_unit_id"), table_name="unit_events")
    op.drop_table("unit_events")
