"""Invitations: who was invited to an event, with a personal link, and how they answered."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow

TOKEN_PURPOSE = "invitation"


class InvitationStatus(StrEnum):
    pending = "pending"        # written; the invitation message is not delivered yet
    sent = "sent"              # the message left for the invitee's mail server
    registered = "registered"  # the link was used: single use, it works no more
    declined = "declined"      # the invitee said no; the link still lets them change their mind
    revoked = "revoked"        # the organizer withdrew it: the link stopped working at once
    expired = "expired"        # never stored: pending or sent past its expiry (see Invitation.state)


# The stored states in which the link still works (until it expires).
USABLE = (InvitationStatus.pending, InvitationStatus.sent, InvitationStatus.declined)


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        # One invitation per person per event: an import never invites twice.
        sa.UniqueConstraint("event_id", "email_normalized", name="uq_invitations_event_email"),
        sa.Index("ix_invitations_event_status", "event_id", "status"),
        sa.CheckConstraint("status != 'expired'", name="expired_is_not_stored"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    email_normalized: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    organization: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="th")
    # The link's token is made from the seed with the secret key
    # (eventsvc.tokens); the database keeps only its SHA-256.
    token_seed: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(enum_column(InvitationStatus), default=InvitationStatus.pending)
    # None: the link works until registration closes.
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    send_count: Mapped[int] = mapped_column(default=0, server_default="0")
    registered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    declined_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    event = relationship("Event")

    @property
    def token(self):
        from ..tokens import token_for

        return token_for(TOKEN_PURPOSE, self.token_seed)

    def effective_expiry(self):
        """When the link stops working: its own expiry, else when registration closes."""
        event = self.event
        return self.expires_at or event.registration_closes_at or event.ends_at

    def state(self, now=None):
        """The status as the organizer sees it: pending and sent turn "expired" once past the expiry."""
        expiry = self.effective_expiry()
        if self.status in (InvitationStatus.pending, InvitationStatus.sent) and expiry and (now or clock.now()) >= expiry:
            return InvitationStatus.expired
        return self.status

    @classmethod
    def state_expression(cls, default_expiry, now):
        """state() in SQL, for one event whose default expiry is `default_expiry`."""
        expiry = sa.func.coalesce(cls.expires_at, default_expiry) if default_expiry else cls.expires_at
        return sa.case(
            (sa.and_(cls.status.in_([InvitationStatus.pending, InvitationStatus.sent]), expiry <= now),
             InvitationStatus.expired.value),
            else_=cls.status,
        )

    def state_time(self, now=None):
        """When the invitation reached its present state."""
        state = self.state(now)
        return {
            InvitationStatus.pending: self.created_at, InvitationStatus.sent: self.sent_at,
            InvitationStatus.registered: self.registered_at, InvitationStatus.declined: self.declined_at,
            InvitationStatus.revoked: self.revoked_at, InvitationStatus.expired: self.effective_expiry(),
        }[state]

    def __repr__(self):
        return f"<Invitation {self.id} {self.status}>"
