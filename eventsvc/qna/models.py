"""Questions asked by registrants during a session, and their upvotes."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class QuestionStatus(StrEnum):
    pending = "pending"  # seen by the moderator only
    approved = "approved"  # shown to the room, the online attendees and the presenter's screen
    hidden = "hidden"


class SessionQuestion(db.Model):
    __tablename__ = "session_questions"
    __table_args__ = (
        sa.Index("ix_session_questions_session_status", "session_id", "status", "id"),
        sa.CheckConstraint("votes >= 0", name="votes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"))
    registration_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"),
                                                           index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    # The name shown with the question; "" = anonymous. Erasure blanks it, the question stays.
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[QuestionStatus] = mapped_column(enum_column(QuestionStatus), default=QuestionStatus.pending)
    pinned: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Kept equal to the rows of session_question_votes by the service that writes both.
    votes: Mapped[int] = mapped_column(default=0, server_default="0")
    moderated_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session = relationship("EventSession")
    registration = relationship("Registration")


class SessionQuestionVote(db.Model):
    """One registrant's upvote of one question: at most one each (the primary key)."""

    __tablename__ = "session_question_votes"

    question_id: Mapped[int] = mapped_column(sa.ForeignKey("session_questions.id", ondelete="CASCADE"),
                                             primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
