"""The outbox: every message is a row written in the transaction that caused it."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class MessageStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"  # not sent, on purpose: what it was about is gone or withdrawn


class OutboxMessage(db.Model):
    """A message to send: its kind and what it is about; the worker renders it when it sends it (see kinds.py)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The worker's question: what is pending and due, oldest first.
        sa.Index("ix_outbox_messages_status_due", "status", "due_at", "id"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus), default=MessageStatus.pending)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(5), default="th")
    # What the message is about; the kind's loader reads them.
    event_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    registration_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    invitation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    # Anything else the kind needs (e.g. which session changed), as JSON.
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The subject as sent, for the organizer's list (empty until then).
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    # Fixed when the message is written, so a retried delivery carries the
    # same Message-ID and a receiving server can tell it is the same message.
    message_id: Mapped[str] = mapped_column(sa.String(250))
    # "Exactly once" for messages that a scheduled job may try to write twice.
    dedupe_key: Mapped[Optional[str]] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # A worker owns a message while claimed_until is in the future and
    # claim_token is its own; another worker cannot take it meanwhile.
    claim_token: Mapped[Optional[str]] = mapped_column(sa.String(32))
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    failed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
