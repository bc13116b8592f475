"""Webhooks: the URLs an event's organizers registered, and the queue of deliveries to them."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class WebhookEventType(StrEnum):
    registration_created = "registration.created"
    registration_cancelled = "registration.cancelled"
    checkin_created = "checkin.created"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"        # every try used up; an organizer may send it again
    cancelled = "cancelled"  # not sent, on purpose: the person's data was erased meanwhile


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    # The WebhookEventType values this URL receives.
    event_types: Mapped[list] = mapped_column(sa.JSON)
    # Kept in clear: the HMAC needs it. Shown to the organizer once, when made or rotated.
    secret: Mapped[str] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    event = relationship("Event")

    def receives(self, event_type):
        return str(event_type) in self.event_types

    def __repr__(self):
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One event for one URL: written in the transaction that caused it; the worker posts it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The worker's question: what is pending and due, and is it the first pending one of its URL.
        sa.Index("ix_webhook_deliveries_status_due", "status", "due_at", "id"),
        sa.Index("ix_webhook_deliveries_endpoint_status", "endpoint_id", "status", "id"),
        sa.CheckConstraint("attempts >= 0", name="webhook_attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent in X-Eventsvc-Delivery and in the body: the same on every try, so a receiver can de-duplicate.
    delivery_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    event_type: Mapped[WebhookEventType] = mapped_column(enum_column(WebhookEventType))
    # The body as it will be posted (built when it happened, not when it is sent).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.pending)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_status_code: Mapped[Optional[int]] = mapped_column()
    # A worker owns a delivery while claimed_until is in the future and claim_token is its own.
    claim_token: Mapped[Optional[str]] = mapped_column(sa.String(32))
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    failed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    endpoint = relationship(WebhookEndpoint)

    def __repr__(self):
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status}>"
