"""The summary an organizer published on the event page: a stored file, so later data changes do not alter it."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class SummarySource(StrEnum):
    uploaded = "uploaded"  # a PDF or DOCX the agency edited and uploaded
    generated = "generated"  # the report's PDF as it was when published


class EventSummary(db.Model):
    """At most one per event (the primary key): replacing it swaps the file; withdrawing deletes the row."""

    __tablename__ = "event_summaries"
    __table_args__ = (sa.CheckConstraint("size > 0", name="summary_not_empty"),)

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[SummarySource] = mapped_column(enum_column(SummarySource))
    filename: Mapped[str] = mapped_column(sa.String(255))
    # Under the instance's attachments folder, like the event's documents.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    event = relationship("Event")
