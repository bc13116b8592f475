"""A message an organizer wrote to some of an event's people; each recipient's copy is a row of the outbox."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, utcnow

# The outbox kind of each recipient's copy (messages.py renders it).
MESSAGE_KIND = "event_message"


class EventMessageState(StrEnum):
    scheduled = "scheduled"  # in the outbox, waiting for its time; can still be cancelled
    sent = "sent"            # handed to the outbox: each copy's own state says whether it left
    cancelled = "cancelled"  # withdrawn before its time: no copy went


class EventMessage(db.Model):
    """What was written, to whom (the filter) and when it goes.

    The recipients are chosen when the organizer sends or schedules it, and
    each gets one outbox row then (due at `send_at`): the count is the
    count of those rows, and a scheduled message does not pick up people
    who register later.
    """

    __tablename__ = "event_messages"
    __table_args__ = (
        sa.Index("ix_event_messages_event_id", "event_id", "id"),
        sa.CheckConstraint("recipient_count >= 0", name="recipient_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(200))
    # Markdown (eventsvc/richtext.py): paragraphs, lists, links; raw HTML is shown as text.
    body: Mapped[str] = mapped_column(sa.Text)
    # The filter as cleaned by services.clean_filter: {"status": "confirmed", "session_id": 3, ...}.
    filter: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    recipient_count: Mapped[int] = mapped_column(default=0)
    # {"th": n, "en": m}: how many copies go out in each language.
    recipients_by_language: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # When it goes (the moment it was sent, for "send now").
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    event = relationship("Event")
    created_by = relationship("User", foreign_keys=[created_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])

    def state(self, now):
        if self.cancelled_at is not None:
            return EventMessageState.cancelled
        return EventMessageState.scheduled if now < self.send_at else EventMessageState.sent

    def __repr__(self):
        return f"<EventMessage {self.id} event={self.event_id}>"
