"""An event's comment period, the sections of its documents, the comments and the agency's replies."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow
from ..registration.models import Sector


class CommentAccess(StrEnum):
    registrants = "registrants"  # through the personal link of a confirmed registration (the default)
    email = "email"  # anyone who confirms their e-mail address through a mailed link


class CommentStatus(StrEnum):
    pending = "pending"
    published = "published"
    hidden = "hidden"


class CommentSettings(db.Model):
    """How an event takes comments. No row: the defaults (registrants only, from publication for 15 days)."""

    __tablename__ = "comment_settings"
    __table_args__ = (
        sa.CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
                           name="comment_period_ordered"),
    )

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    # None: from the event's publication; closes None: `opens` + EVENTSVC_COMMENT_PERIOD_DAYS.
    opens_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closes_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    access: Mapped[CommentAccess] = mapped_column(enum_column(CommentAccess), default=CommentAccess.registrants)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")


class DocumentSection(db.Model):
    """One heading of a document (e.g. ยุทธศาสตร์ที่ 1), in the order the organizer listed them."""

    __tablename__ = "document_sections"
    __table_args__ = (sa.Index("ix_document_sections_attachment_position", "attachment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(sa.ForeignKey("attachments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    heading: Mapped[str] = mapped_column(sa.String(300))

    attachment = relationship("Attachment")


class Commenter(db.Model):
    """Someone who is not a registrant and comments after confirming their address (CommentAccess.email)."""

    __tablename__ = "commenters"
    __table_args__ = (sa.UniqueConstraint("event_id", "email_normalized", name="uq_commenters_event_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    email_normalized: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    sector: Mapped[Optional[Sector]] = mapped_column(enum_column(Sector))
    # The link mailed to them (tokens.py: only a hash kept; a new seed kills the old link).
    seed: Mapped[Optional[str]] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    event = relationship("Event")


class Comment(db.Model):
    """One opinion on the event, one of its documents or one section of a document.

    The author is a registration (through the personal link) or a commenter
    (a confirmed address). Erasure blanks `display_name`, keeps the text: the
    hearing's record stays whole, anonymous.
    """

    __tablename__ = "comments"
    __table_args__ = (
        sa.Index("ix_comments_event_status", "event_id", "status", "id"),
        sa.CheckConstraint("status != 'hidden' OR hidden_reason != ''", name="hidden_with_reason"),
        sa.CheckConstraint("registration_id IS NOT NULL OR commenter_id IS NOT NULL", name="comment_has_author"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    attachment_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("attachments.id", ondelete="SET NULL"),
                                                         index=True)
    section_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("document_sections.id", ondelete="SET NULL"),
                                                      index=True)
    registration_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"),
                                                           index=True)
    commenter_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("commenters.id", ondelete="CASCADE"),
                                                        index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    # The name shown on the public page; "" = anonymous.
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    sector: Mapped[Optional[Sector]] = mapped_column(enum_column(Sector))
    status: Mapped[CommentStatus] = mapped_column(enum_column(CommentStatus), default=CommentStatus.pending)
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")
    moderated_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The agency's reply (คำชี้แจง), shown under the comment once both are published.
    reply_body: Mapped[str] = mapped_column(sa.Text, default="")
    replied_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event = relationship("Event")
    attachment = relationship("Attachment")
    section: Mapped[Optional[DocumentSection]] = relationship()
    registration = relationship("Registration")
    commenter: Mapped[Optional[Commenter]] = relationship()
