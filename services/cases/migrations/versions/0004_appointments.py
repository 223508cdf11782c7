"""cases: the working-day calendar (seeded with 2026's holidays and make-up days), booking rules per window,
slots and appointments (服务预约)

Revision ID: cases_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "cases_0004"
down_revision = "cases_0003"
S = "cases"
TZ = sa.DateTime(timezone=True)


def upgrade():
    from services.cases.calendar import published_days

    days = op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        schema=S,
    )
    op.bulk_insert(days, [{"day": d, "kind": k, "name": n} for d, k, n in published_days()])
    op.create_table(
        "booking_rules",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("window_id", sa.Integer, nullable=False, unique=True),
        sa.Column("weekdays", sa.String(7), nullable=False),
        sa.Column("periods", sa.JSON, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("counters", sa.Integer, nullable=False),
        sa.Column("min_days_ahead", sa.Integer, nullable=False),
        sa.Column("max_days_ahead", sa.Integer, nullable=False),
        sa.Column("closed_dates", sa.JSON, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        schema=S,
    )
    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("window_id", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("starts_at", sa.Time, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("booked", sa.Integer, nullable=False),
        sa.UniqueConstraint("window_id", "day", "starts_at"),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="places"),
        schema=S,
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("number", sa.String(24), nullable=False, unique=True),
        sa.Column("openid", sa.String(64), nullable=False, index=True),
        sa.Column("request_id", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("service_type_id", sa.Integer, nullable=False),
        sa.Column("service_type_name", sa.String(64), nullable=False),
        sa.Column("department_id", sa.Integer, index=True),
        sa.Column("window_id", sa.Integer, nullable=False),
        sa.Column("window_name", sa.String(64), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("slot_id", sa.BigInteger, sa.ForeignKey("cases.appointment_slots.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("starts_at", sa.Time, nullable=False),
        sa.Column("ends_at", sa.Time, nullable=False),
        sa.Column("contact_name", sa.String(32), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("reminded_at", TZ),
        sa.Column("checked_in_at", TZ),
        sa.Column("checked_in_by", sa.String(64), nullable=False),
        schema=S,
    )
    op.create_index("ix_appointments_status_day", "appointments", ["status", "day"], schema=S)


def downgrade():
    for table in ("appointments", "appointment_slots", "booking_rules", "calendar_days"):
        op.drop_table(table, schema=S)
