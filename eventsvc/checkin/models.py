"""Check-ins at the door: an append-only log of who came to which session, when, checked in by whom and how.

An undo is a new row (action `undo`), never a change: the log keeps both.
"""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class CheckinMethod(StrEnum):
    qr = "qr"            # the phone's camera opened /t/<code>, one tap
    scanner = "scanner"  # a handheld scanner typed the code into the door page
    search = "search"    # found by name, organization or e-mail
    api = "api"          # a scanner app through POST /api/v1/checkins


class CheckinAction(StrEnum):
    check_in = "check_in"
    undo = "undo"        # takes back the check-in of the same person, session and attempt


class Checkin(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        # One check-in per person, session and attempt: twenty scans at once make one row. An undo
        # shares its check-in's attempt (one undo per check-in); checking in again after it is attempt + 1.
        sa.UniqueConstraint("registration_id", "session_id", "action", "attempt",
                            name="uq_checkins_registration_session_attempt"),
        sa.CheckConstraint("attempt >= 0", name="attempt_not_negative"),
        # Nonces are the scanner's own: two apps counting from 1 do not collide.
        sa.UniqueConstraint("staff_id", "nonce", name="uq_checkins_staff_nonce"),
        sa.Index("ix_checkins_event_session", "event_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("event_sessions.id"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    staff_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    method: Mapped[CheckinMethod] = mapped_column(enum_column(CheckinMethod))
    action: Mapped[CheckinAction] = mapped_column(enum_column(CheckinAction), default=CheckinAction.check_in,
                                                  server_default=CheckinAction.check_in.value)
    # The number of undos before this check-in (and the attempt an undo takes back).
    attempt: Mapped[int] = mapped_column(default=0, server_default="0")
    # A scanner app's idempotency key: the same nonce again from the same staff is the same check-in.
    nonce: Mapped[Optional[str]] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("User")
    session = relationship("EventSession")


def active_condition():
    """WHERE clause for the check-in rows that count: check-ins no undo (same person, session, attempt) took back."""
    undo = aliased(Checkin)
    return sa.and_(Checkin.action == CheckinAction.check_in, ~sa.select(undo.id).where(
        undo.action == CheckinAction.undo, undo.registration_id == Checkin.registration_id,
        undo.session_id == Checkin.session_id, undo.attempt == Checkin.attempt).exists())


# The log is append-only in the database itself, not only in the code: no
# UPDATE, no DELETE (the same triggers on both backends; migration 0003
# creates them too). Registrations are never deleted (erasure blanks them).
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER checkins_no_update BEFORE UPDATE ON checkins "
        "BEGIN SELECT RAISE(ABORT, 'checkins are append-only'); END",
        "CREATE TRIGGER checkins_no_delete BEFORE DELETE ON checkins "
        "BEGIN SELECT RAISE(ABORT, 'checkins are append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION checkins_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'checkins are append-only'; END $$",
        "CREATE TRIGGER checkins_append_only BEFORE UPDATE OR DELETE ON checkins "
        "FOR EACH ROW EXECUTE FUNCTION checkins_append_only()",
    ],
}


@sa.event.listens_for(Checkin.__table__, "after_create")
def _append_only(table, connection, **kwargs):
    for statement in APPEND_ONLY.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(Checkin.__table__, "before_drop")
def _drop_append_only(table, connection, **kwargs):
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS checkins_append_only() CASCADE")
