"""Route plans: versions of a rep's day, their stops and the stores left out

Revision ID: 581fa029b67c
Revises: 0b8e5fd0d132
Create Date: 2026-11-23 18:08:43.640395
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import fieldsales.db.types

revision: str = "581fa029b67c"
down_revision: str | None = "0b8e5fd0d132"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "route_plans",
        sa.Column("rep_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("current", "superseded", name="planstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("selection", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "start_kind",
            sa.Enum(
                "home",
                "point",
                "store",
                "first_store",
                "last_store",
                name="endpointkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_lat", sa.Float(), nullable=True),
        sa.Column("start_lon", sa.Float(), nullable=True),
        sa.Column("start_store_id", sa.Uuid(), nullable=True),
        sa.Column(
            "end_kind",
            sa.Enum(
                "home",
                "point",
                "store",
                "first_store",
                "last_store",
                name="endpointkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("end_lat", sa.Float(), nullable=True),
        sa.Column("end_lon", sa.Float(), nullable=True),
        sa.Column("end_store_id", sa.Uuid(), nullable=True),
        sa.Column("day_start", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("latest_return", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("break_minutes", sa.Integer(), nullable=True),
        sa.Column("break_earliest", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("break_latest", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("break_start", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("break_end", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("solver", sa.String(length=120), nullable=False),
        sa.Column("proven_optimal", sa.Boolean(), nullable=False),
        sa.Column("planning_ms", sa.Float(), nullable=False),
        sa.Column("travel_source", sa.String(length=40), nullable=False),
        sa.Column("travel_fallback", sa.Boolean(), nullable=False),
        sa.Column("travel_fallback_reason", sa.Text(), nullable=True),
        sa.Column("departure", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("arrival", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("travel_s", sa.Integer(), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=False),
        sa.Column("service_s", sa.Integer(), nullable=False),
        sa.Column("break_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("served_priority", sa.Integer(), nullable=False),
        sa.Column("replan_lat", sa.Float(), nullable=True),
        sa.Column("replan_lon", sa.Float(), nullable=True),
        sa.Column("replan_at", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "done_store_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "skipped_store_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_route_plans_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["end_store_id"], ["stores.id"], name=op.f("fk_route_plans_end_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["route_plans.id"], name=op.f("fk_route_plans_parent_id_route_plans")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["users.id"], name=op.f("fk_route_plans_rep_id_users")),
        sa.ForeignKeyConstraint(
            ["start_store_id"], ["stores.id"], name=op.f("fk_route_plans_start_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_plans")),
        sa.UniqueConstraint(
            "rep_id", "day", "number", name=op.f("uq_route_plans_rep_id_day_number")
        ),
    )
    op.create_index("ix_route_plans_day_status", "route_plans", ["day", "status"], unique=False)
    op.create_table(
        "route_plan_drops",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("appointment_at", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["route_plans.id"],
            name=op.f("fk_route_plan_drops_plan_id_route_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_route_plan_drops_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_plan_drops")),
        sa.UniqueConstraint(
            "plan_id", "position", name=op.f("uq_route_plan_drops_plan_id_position")
        ),
    )
    op.create_index(
        op.f("ix_route_plan_drops_plan_id"), "route_plan_drops", ["plan_id"], unique=False
    )
    op.create_table(
        "route_plan_stops",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("arrival", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=False),
        sa.Column("service_start", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("departure", fieldsales.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("travel_from_previous_s", sa.Integer(), nullable=False),
        sa.Column("distance_from_previous_m", sa.Integer(), nullable=True),
        sa.Column("window_kind", sa.String(length=16), nullable=True),
        sa.Column("window_start", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_end", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dwell_minutes", sa.Integer(), nullable=False),
        sa.Column("dwell_source", sa.String(length=60), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("appointment_at", fieldsales.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["route_plans.id"],
            name=op.f("fk_route_plan_stops_plan_id_route_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_route_plan_stops_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_plan_stops")),
        sa.UniqueConstraint(
            "plan_id", "position", name=op.f("uq_route_plan_stops_plan_id_position")
        ),
    )
    op.create_index(
        "ix_route_plan_stops_store_id_service_start",
        "route_plan_stops",
        ["store_id", "service_start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_route_plan_stops_store_id_service_start", table_name="route_plan_stops")
    op.drop_table("route_plan_stops")
    op.drop_index(op.f("ix_route_plan_drops_plan_id"), table_name="route_plan_drops")
    op.drop_table("route_plan_drops")
    op.drop_index("ix_route_plans_day_status", table_name="route_plans")
    op.drop_table("route_plans")
