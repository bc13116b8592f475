"""An event's registration questions and the answers given to them."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class QuestionKind(StrEnum):
    short_text = "short_text"
    long_text = "long_text"
    one_choice = "one_choice"
    several_choices = "several_choices"


CHOICE_KINDS = frozenset({QuestionKind.one_choice, QuestionKind.several_choices})
TEXT_LIMITS = {QuestionKind.short_text: 300, QuestionKind.long_text: 3000}


class RegistrationQuestion(db.Model):
    """One question of an event's registration form.

    `choices` is a list of {"key", "th", "en"}: answers keep the key, so that a
    label corrected later still reads right in every answer and export. A
    question removed after people answered it is hidden (`removed_at`), its
    answers kept.
    """

    __tablename__ = "registration_questions"
    __table_args__ = (sa.Index("ix_registration_questions_event_position", "event_id", "position", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    label_th: Mapped[str] = mapped_column(sa.String(300))
    label_en: Mapped[str] = mapped_column(sa.String(300), default="")
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    event = relationship("Event")

    def label(self, locale):
        return self.label_en if locale == "en" and self.label_en else self.label_th

    @property
    def has_choices(self):
        return self.kind in CHOICE_KINDS

    def choice_label(self, key, locale):
        for choice in self.choices or ():
            if choice["key"] == key:
                return choice["en"] if locale == "en" and choice.get("en") else choice["th"]
        return key


class RegistrationAnswer(db.Model):
    """One person's answer to one question: the text typed, or the keys of the choices ticked."""

    __tablename__ = "registration_answers"
    __table_args__ = (sa.UniqueConstraint("registration_id", "question_id", name="uq_registration_answers_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("registration_questions.id", ondelete="CASCADE"),
                                             index=True)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)

    question: Mapped[RegistrationQuestion] = relationship()
