"""Online attendance: who joined which session's stream, first and last time."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime, utcnow


class OnlineAttendance(db.Model):
    """One row per person and session, however often they join (one UPSERT per join)."""

    __tablename__ = "online_attendance"
    __table_args__ = (
        sa.UniqueConstraint("registration_id", "session_id", name="uq_online_attendance_registration_session"),
        sa.Index("ix_online_attendance_event_session", "event_id", "session_id"),
        sa.CheckConstraint("joins >= 1", name="joined_at_least_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("event_sessions.id"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    first_joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    joins: Mapped[int] = mapped_column(default=1, server_default="1")
