"""An event's satisfaction survey (its questions and target) and the answers, one per person and session."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, enum_column, utcnow
from ..registration.models import Attendance


class Survey(db.Model):
    """The questions asked after each session of the event.

    `questions` is a list of {"key", "kind": "scale" | "text", "label_th", "label_en"}:
    the standard ones by their key (overall, content, speakers, venue, stream, suggestions;
    labels from the catalog), the organizer's own with their labels. "overall"
    (1-5) is always asked: it is the share satisfied against the target.
    """

    __tablename__ = "surveys"
    __table_args__ = (
        sa.CheckConstraint("target_percent >= 1 AND target_percent <= 100", name="target_is_a_percentage"),
    )

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    target_percent: Mapped[int] = mapped_column(default=85, server_default="85")
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")


class SurveyResponse(db.Model):
    """One person's answers about one session they took part in (on site or online)."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "registration_id", name="uq_survey_responses_session_registration"),
        sa.CheckConstraint("overall >= 1 AND overall <= 5", name="overall_on_the_scale"),
        sa.Index("ix_survey_responses_event", "event_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    # How they took part in that session: checked in on site, or joined online.
    mode: Mapped[Attendance] = mapped_column(enum_column(Attendance, name="surveymode"))
    overall: Mapped[int] = mapped_column()
    # The other answers by question key: 1-5 for a scale, text for a free-text question (erasure keeps the text).
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("EventSession")
    registration = relationship("Registration")
