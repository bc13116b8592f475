"""What registrants are told: the message about their own registration, and the changes to their event.

The events capability says what changed (signals); this module writes each
registrant's message to the outbox in the same transaction.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import flag_modified

from .. import clock
from ..events.signals import cancellation_audience, event_cancelled, schedule_changed, session_cancelled
from ..extensions import db
from ..mail.models import MessageStatus, OutboxMessage
from ..mail.services import enqueue, enqueue_many
from .models import Registration, registration_sessions


def notify(registration, kind, params=None):
    """Write the message about what just happened to `registration` to the outbox, in this transaction."""
    return enqueue(kind, to=registration.email, locale=registration.locale, event_id=registration.event_id,
                   registration_id=registration.id, params=params)


def _registrants_of(event, sessions=None):
    """(id, email, locale) of the event's active registrations, of some sessions only when given."""
    query = sa.select(Registration.id, Registration.email, Registration.locale).where(
        Registration.event_id == event.id, Registration.is_active, Registration.erased_at.is_(None))
    if sessions is not None:
        query = query.where(Registration.id.in_(
            sa.select(registration_sessions.c.registration_id)
            .where(registration_sessions.c.session_id.in_([s.id for s in sessions]))))
    return db.session.execute(query.order_by(Registration.id)).all()


@schedule_changed.connect
def _schedule_changed(event, sessions, **_):
    notify_schedule_change(event, sessions)


def notify_schedule_change(event, sessions, now=None):
    """An updated calendar entry to everyone registered for `sessions`, a little later and once.

    The messages wait EVENTSVC_MAIL_CHANGE_DELAY_SECONDS: a second change
    meanwhile (an organizer correcting a typo) joins the message not yet
    sent instead of writing another one. The worker renders it with the
    times and place as they are then.
    """
    now = now or clock.now()
    changed = [s.id for s in sessions]
    waiting = {m.registration_id: m for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.event_id == event.id, OutboxMessage.kind == "calendar_update",
        OutboxMessage.status == MessageStatus.pending, OutboxMessage.claim_token.is_(None)))}
    new = []
    for registration_id, email, locale in _registrants_of(event, sessions):
        message = waiting.get(registration_id)
        if message is not None:
            message.params = {**message.params, "session_ids": sorted(set(message.params.get("session_ids", [])) | set(changed))}
            flag_modified(message, "params")
            continue
        new.append({"to": email, "locale": locale, "event_id": event.id, "registration_id": registration_id,
                    "params": {"session_ids": changed},
                    "not_before": now + timedelta(seconds=current_app.config["MAIL_CHANGE_DELAY_SECONDS"])})
    enqueue_many("calendar_update", new)
    db.session.flush()
    return len(new)


@cancellation_audience.connect
def count_to_tell(event, session=None, **_):
    """How many registrants (confirmed or waitlisted) a cancellation of the event, or of `session`, tells."""
    return "registrants", len(_registrants_of(event, [session] if session is not None else None))


@event_cancelled.connect
def notify_event_cancelled(event, **_):
    """Everyone registered hears that the event is cancelled (with the reason), with a calendar file that removes it."""
    return enqueue_many("event_cancelled", [
        {"to": email, "locale": locale, "event_id": event.id, "registration_id": registration_id}
        for registration_id, email, locale in _registrants_of(event)
    ])


@session_cancelled.connect
def notify_session_cancelled(session, **_):
    """The session's registrants hear that it is cancelled, with the reason and a calendar file that removes it.

    Their registration stays: their other sessions go ahead. One whose every
    session is now cancelled keeps it too (the organizer may add a session
    in its place); their page says that nothing is left to attend.
    """
    return enqueue_many("session_cancelled", [
        {"to": email, "locale": locale, "event_id": session.event_id, "registration_id": registration_id,
         "params": {"session_ids": [session.id]}}
        for registration_id, email, locale in _registrants_of(session.event, [session])
    ])
