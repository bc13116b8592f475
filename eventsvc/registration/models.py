"""Registrations of people for events and the sessions they chose."""
import hashlib
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow
from ..tickets.codes import code_for
from ..tokens import token_for


MANAGE_PURPOSE = "manage"


class RegistrationStatus(StrEnum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class Attendance(StrEnum):
    onsite = "onsite"
    online = "online"


class Sector(StrEnum):
    government = "government"
    state_enterprise = "state_enterprise"
    private = "private"
    academic = "academic"
    civil_society = "civil_society"
    public = "public"


registration_sessions = sa.Table(
    "registration_sessions",
    db.metadata,
    sa.Column("registration_id", sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("session_id", sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def format_name(title_prefix, first_name, last_name):
    """A person's name as shown: Thai writes the title against the name (นางสาวสมหญิง), English prefixes take a space (Dr. John)."""
    joiner = " " if title_prefix.isascii() and title_prefix else ""
    return " ".join(p for p in (title_prefix + joiner + first_name, last_name) if p)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per person per event (DESIGN: rules).
        sa.Index(
            "uq_registrations_event_email_active",
            "event_id",
            "email_normalized",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        sa.Index("ix_registrations_event_status_created", "event_id", "status", "created_at", "id"),
        # An event's registrations in id order: the keyset pages of the exports.
        sa.Index("ix_registrations_event_id", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    title_prefix: Mapped[str] = mapped_column(sa.String(50), default="")
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    email_normalized: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    organization: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    sector: Mapped[Sector] = mapped_column(enum_column(Sector))
    attendance: Mapped[Attendance] = mapped_column(enum_column(Attendance))
    locale: Mapped[str] = mapped_column(sa.String(5), default="th")
    consent_processing_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_listing: Mapped[bool] = mapped_column(default=False)
    # /my/<token>: the token is made from this seed with the secret key
    # (eventsvc.tokens); only its SHA-256 is kept. Rows written before
    # seeds existed have none, and their link cannot be mailed again.
    manage_seed: Mapped[Optional[str]] = mapped_column(sa.String(32))
    manage_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The random key of the form (or the API's Idempotency-Key) that created
    # this registration, hashed; a repeat of the same submission proves it is
    # the same person and may be shown the personal link again.
    submission_key_hash: Mapped[Optional[str]] = mapped_column(sa.String(64))
    # The ticket's random id (eventsvc/tickets/codes.py): what the QR names.
    # Not the personal link; None once the registration is erased.
    ticket_id: Mapped[Optional[str]] = mapped_column(sa.String(22), unique=True)
    # Registered through this invitation (on an open event too).
    invitation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    # Entered by the event's team (a walk-in at the door, a phone call), not by the person on the form.
    added_by_organizer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The person asked for their data to be erased (PDPA): the row stays,
    # blank, so that the event's numbers do not change.
    erased_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    event = relationship("Event")
    sessions = relationship("EventSession", secondary=registration_sessions, order_by="EventSession.starts_at")

    @hybrid_property
    def is_active(self):
        return self.status != RegistrationStatus.cancelled

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls):
        return cls.status != RegistrationStatus.cancelled

    @property
    def full_name(self):
        return format_name(self.title_prefix, self.first_name, self.last_name)

    @classmethod
    def searchable_names(cls):
        """The name as a search matches it: with the title typed against it (นายสมชาย ใจดี) and without."""
        return (cls.title_prefix + cls.first_name + " " + cls.last_name, cls.first_name + " " + cls.last_name)

    @property
    def ticket_code(self):
        """What the QR carries after /t/, or None once erased."""
        return code_for(self.ticket_id) if self.ticket_id else None

    @property
    def manage_token(self):
        """The token of /my/<token>, or None for a row from before seeds."""
        return token_for(MANAGE_PURPOSE, self.manage_seed) if self.manage_seed else None

    @staticmethod
    def hash_key(value):
        return hashlib.sha256(value.encode()).hexdigest()

    def __repr__(self):
        return f"<Registration {self.id} {self.status}>"
