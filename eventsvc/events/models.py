"""Events, their sessions and attached documents."""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class EventKind(StrEnum):
    public_hearing = "public_hearing"
    hearing = "hearing"
    workshop = "workshop"
    focus_group = "focus_group"
    seminar = "seminar"


class EventFormat(StrEnum):
    onsite = "onsite"
    online = "online"
    hybrid = "hybrid"


class RegistrationMode(StrEnum):
    open = "open"
    invite_only = "invite_only"


class EventStatus(StrEnum):
    draft = "draft"
    published = "published"
    cancelled = "cancelled"


class StreamVisibility(StrEnum):
    public = "public"
    registrants = "registrants"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        # The seat counter is the lock that keeps capacity from being oversold;
        # the database refuses any write that would break it.
        sa.CheckConstraint("seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)", name="seats_within_capacity"),
        sa.CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind), default=EventKind.public_hearing)
    title_th: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    description_th: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    organizer_name_th: Mapped[str] = mapped_column(sa.String(300), default="")
    organizer_name_en: Mapped[str] = mapped_column(sa.String(300), default="")
    format: Mapped[EventFormat] = mapped_column(enum_column(EventFormat), default=EventFormat.onsite)
    venue_name: Mapped[str] = mapped_column(sa.String(300), default="")
    venue_room: Mapped[str] = mapped_column(sa.String(200), default="")
    venue_floor: Mapped[str] = mapped_column(sa.String(50), default="")
    venue_address: Mapped[str] = mapped_column(sa.String(500), default="")
    # The venue in English, for English pages and mails; empty: the Thai one is shown (the floor is a number).
    venue_name_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    venue_room_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    venue_address_en: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    registration_mode: Mapped[RegistrationMode] = mapped_column(
        enum_column(RegistrationMode), default=RegistrationMode.open
    )
    capacity: Mapped[Optional[int]] = mapped_column()
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    waitlist: Mapped[bool] = mapped_column(default=True)
    registration_opens_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    status: Mapped[EventStatus] = mapped_column(enum_column(EventStatus), default=EventStatus.draft, index=True)
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    view_count: Mapped[int] = mapped_column(default=0, server_default="0")
    attendee_list_published: Mapped[bool] = mapped_column(default=False)
    # The first session's start, kept by the services so that the public
    # list can sort upcoming events without a join.
    starts_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # When it was first published (announced): the hearing's report gives it, comments open from it by default.
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The organizer's words, as typed: shown on every page and in every message about the cancellation.
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The organizers' own paragraph (Markdown) in the confirmation and in the reminders (eventsvc/messaging).
    confirmation_note_th: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    confirmation_note_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reminder_note_th: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reminder_note_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    owner = relationship("User")
    sessions: Mapped[list["EventSession"]] = relationship(
        back_populates="event", order_by="(EventSession.starts_at, EventSession.id)", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="event", order_by="Attachment.position, Attachment.id", cascade="all, delete-orphan"
    )

    def title(self, locale):
        return self.title_en if locale == "en" and self.title_en else self.title_th

    def description(self, locale):
        return self.description_en if locale == "en" and self.description_en else self.description_th

    def organizer_name(self, locale):
        return self.organizer_name_en if locale == "en" and self.organizer_name_en else self.organizer_name_th

    def mail_note(self, which, locale):
        """The organizers' paragraph for the `which` ("confirmation"/"reminder") mail, English falling back to Thai."""
        english = getattr(self, f"{which}_note_en")
        return english if locale == "en" and english.strip() else getattr(self, f"{which}_note_th")

    @property
    def is_published(self):
        return self.status == EventStatus.published

    @property
    def is_cancelled(self):
        return self.status == EventStatus.cancelled

    @property
    def is_invite_only(self):
        return self.registration_mode == RegistrationMode.invite_only

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    def __repr__(self):
        return f"<Event {self.slug}>"


class EventSession(db.Model):
    """A part of an event with its own time (e.g. the morning and the afternoon)."""

    __tablename__ = "event_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)", name="seats_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name_th: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[Optional[int]] = mapped_column()
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    stream_url: Mapped[str] = mapped_column(sa.String(500), default="")
    stream_visibility: Mapped[StreamVisibility] = mapped_column(
        enum_column(StreamVisibility), default=StreamVisibility.public
    )
    recording_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # The calendar entry's SEQUENCE (RFC 5545): raised whenever the time or place changes.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # One session cancelled on its own (the rest of the event goes ahead).
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    event: Mapped[Event] = relationship(back_populates="sessions")

    def name(self, locale):
        return self.name_en if locale == "en" and self.name_en else self.name_th

    @property
    def is_cancelled(self):
        """Cancelled on its own, or with its event."""
        return self.cancelled_at is not None or self.event.is_cancelled

    @property
    def reason_cancelled(self):
        """The organizer's reason for this session's cancellation (its own, else the event's)."""
        if self.cancelled_at is not None:
            return self.cancel_reason
        return self.event.cancel_reason if self.event.is_cancelled else ""

    @property
    def public_stream_url(self):
        if self.is_cancelled:
            return ""
        return self.stream_url if self.stream_visibility == StreamVisibility.public else ""

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)


class Attachment(db.Model):
    """A document (e.g. the draft plan) stored under the instance folder."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    download_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="attachments")


class DailyTraffic(db.Model):
    """Page views and document downloads of one event on one day (Bangkok time), for the dashboard's charts.

    Written by the same batched flush as `Event.view_count` (one UPSERT per event and day) and by each
    download; the totals on `events` and `attachments` stay the reference for "how many in all".
    """

    __tablename__ = "event_daily_traffic"
    __table_args__ = (
        sa.CheckConstraint("page_views >= 0 AND downloads >= 0", name="traffic_not_negative"),
    )

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    page_views: Mapped[int] = mapped_column(default=0, server_default="0")
    downloads: Mapped[int] = mapped_column(default=0, server_default="0")
