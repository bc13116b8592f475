"""Reminders before each session: the day before and shortly before, each exactly once, through the outbox.

`flask --app wsgi reminders send` may run every minute, twice at the same
minute, or on two machines at once: every reminder has a key
(reminder:<which>:<session>:<registration>) that the outbox stores once.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..events.models import Event, EventSession, EventStatus
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.services import enqueue_many
from ..registration.models import Registration, RegistrationStatus, registration_sessions

DAY_BEFORE, SOON = "day_before", "soon"


def _leads():
    config = current_app.config
    return {DAY_BEFORE: timedelta(hours=config["REMINDER_DAY_BEFORE_HOURS"]),
            SOON: timedelta(minutes=config["REMINDER_SOON_MINUTES"])}


def key(which, session_id, registration_id):
    return f"reminder:{which}:{session_id}:{registration_id}"


def send_reminders(now):
    """Write every reminder that is due at `now` and not written yet; returns how many were offered."""
    leads = _leads()
    horizon = max(leads.values())
    sessions = db.session.scalars(
        sa.select(EventSession).join(Event).where(Event.status == EventStatus.published,
                                                  EventSession.cancelled_at.is_(None),
                                                  EventSession.starts_at > now,
                                                  EventSession.starts_at <= now + horizon)
    ).all()
    offered = 0
    for session in sessions:
        for which, lead in leads.items():
            due = session.starts_at - lead
            if now < due:
                continue
            if which == DAY_BEFORE and now >= session.starts_at - leads[SOON]:
                continue  # too late for "tomorrow": the one shortly before says it all
            offered += _write(session, which, due)
    return offered


def _write(session, which, due):
    prefix = f"reminder:{which}:{session.id}:"
    written = sa.select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key == sa.literal(prefix) + sa.cast(Registration.id, sa.String)).exists()
    query = (
        sa.select(Registration.id, Registration.email, Registration.locale)
        .join(registration_sessions, registration_sessions.c.registration_id == Registration.id)
        .where(registration_sessions.c.session_id == session.id, Registration.status == RegistrationStatus.confirmed,
               Registration.erased_at.is_(None), ~written)
    )
    if which == DAY_BEFORE:
        # Someone who registered after the reminder was due has just had their confirmation.
        query = query.where(Registration.created_at <= due)
    rows = db.session.execute(query).all()
    return enqueue_many("reminder", [
        {"to": email, "locale": locale, "event_id": session.event_id, "registration_id": registration_id,
         "params": {"session_id": session.id, "which": which}, "dedupe_key": key(which, session.id, registration_id)}
        for registration_id, email, locale in rows
    ])
