"""The event's team managing registrants by hand: one person's record, corrections, cancelling with a reason,
sending the confirmation again, moving up from the waitlist, adding someone at the door or on the phone.

The seats are registration/services.py's (the same conditional UPDATEs, the same lock order); this module adds
what an organizer may do beyond the registrant's own rules, and records every action in the audit trail
(registrants' personal values never: only which of those fields changed).
"""
import unicodedata
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import clock
from ..audit.models import AuditEntry
from ..audit.services import changes_between, record, snapshot
from ..checkin.services import log_of
from ..emails import normalize_email
from ..errors import CapacityReached, Conflict, NotFound, ValidationFailed
from ..events.models import Event, EventSession
from ..extensions import db
from ..invitations.models import Invitation
from ..livestream.models import OnlineAttendance
from ..mail.models import OutboxMessage
from ..questions import services as question_services
from . import notices, seats, services
from .models import Registration, RegistrationStatus

# Registrants' personal values: the audit trail says that they changed, never what they were or became.
PERSONAL = ("title_prefix", "first_name", "last_name", "email", "phone", "organization", "position")
# What the team may correct. Consent to be listed stays the person's own choice.
CORRECTABLE = PERSONAL + ("sector", "attendance", "sessions")
REASON_MAX = 1000


def find_registration(event, registration_id):
    """The registration `registration_id` of `event`; another event's, or none, is NotFound."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound(_l("No such registration."))
    return registration


@dataclass
class RegistrantRecord:
    """Everything the team sees about one registrant, loaded by the service (templates never query)."""

    registration: Registration
    history: list        # AuditEntry rows about them, newest first
    messages: list       # OutboxMessage rows about them, newest first
    checkins: list       # the check-in log, undos included, oldest first
    online_joins: list   # OnlineAttendance rows, one per session joined
    invitation: Optional[Invitation]
    answers: list        # [(question, answer)] to the event's registration questions, in the form's order


def registrant_record(registration):
    rid = registration.id
    return RegistrantRecord(
        registration=registration,
        history=db.session.scalars(sa.select(AuditEntry).where(AuditEntry.registration_id == rid)
                                   .order_by(AuditEntry.id.desc())).all(),
        messages=db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.registration_id == rid)
                                    .order_by(OutboxMessage.id.desc())).all(),
        checkins=log_of(registration),
        online_joins=db.session.scalars(sa.select(OnlineAttendance).where(OnlineAttendance.registration_id == rid)
                                        .order_by(OnlineAttendance.first_joined_at)).all(),
        invitation=db.session.get(Invitation, registration.invitation_id) if registration.invitation_id else None,
        answers=question_services.answers_of(registration),
    )


def current_values(registration):
    """The correctable fields as a form or a PATCH sends them: what a partial change is merged into."""
    values = {name: getattr(registration, name) for name in PERSONAL}
    values.update(sector=registration.sector.value, attendance=registration.attendance.value,
                  sessions=[s.id for s in registration.sessions])
    return values


def _tracked(registration):
    values = snapshot(registration, PERSONAL + ("sector", "attendance", "status"))
    values["sessions"] = sorted(s.id for s in registration.sessions)
    return values


def _refuse_erased(registration):
    if registration.erased_at is not None:
        raise Conflict(_l("This person's data was erased at their request; nothing can be done with it."))


def update_registration(registration, data, actor, now=None):
    """Correct details and sessions, at any time: the seat rules hold (a session with no seat left is refused).

    `data` may name only the fields that change; the others keep their values.
    """
    _refuse_erased(registration)
    seats.lock_for_seats(registration)
    before = _tracked(registration)
    given = {name: value for name, value in data.items() if name in CORRECTABLE}
    services.update_registration(
        registration, {**current_values(registration), **given, "consent_listing": registration.consent_listing},
        actor=actor, now=now or clock.now(), by_organizer=True)
    changes = changes_between(before, _tracked(registration), private=PERSONAL)
    if changes:
        record("registration.changed", actor=actor, registration=registration, changes=changes)
    return registration


def clean_reason(reason):
    """The reason as it goes into the mail: trimmed; line breaks allowed, other control characters not."""
    if reason is None:
        return ""
    if not isinstance(reason, str):
        raise ValidationFailed(fields={"reason": [_l("Not valid text.")]})
    reason = unicodedata.normalize("NFC", reason).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in reason):
        raise ValidationFailed(fields={"reason": [_l("Control characters are not allowed.")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(fields={"reason": [_l("At most %(n)d characters.", n=REASON_MAX)]})
    return reason


def cancel_registration(registration, actor, reason="", now=None):
    """Cancel on the person's behalf; `reason` goes into the cancellation mail. A seat freed goes to the waitlist.

    Cancelling what is already cancelled changes nothing and records nothing. Returns the people moved up.
    """
    reason = clean_reason(reason)
    _refuse_erased(registration)
    seats.lock_for_seats(registration)
    previous = registration.status
    if previous == RegistrationStatus.cancelled:
        return []
    # The service records the cancellation (with the reason and who moved up), as for the person's own.
    return services.cancel_registration(registration, actor=actor, now=now or clock.now(), reason=reason)


_RESENT_KINDS = {RegistrationStatus.confirmed: "registration_confirmed",
                 RegistrationStatus.waitlisted: "registration_waitlisted"}


def resend_confirmation(registration, actor):
    """Mail the person their confirmation again, with the ticket (the waitlist message while they wait)."""
    _refuse_erased(registration)
    kind = _RESENT_KINDS.get(registration.status)
    if kind is None:
        raise Conflict(_l("This registration is cancelled: there is no confirmation to send."))
    notices.notify(registration, kind)
    record("registration.resent", actor=actor, registration=registration, kind=kind)
    return kind


def promote(registration, actor, now=None):
    """Move a waitlisted person up, ahead of the queue: they take a seat on the event and their sessions, or
    nothing happens (CapacityReached) when one of them is full."""
    _refuse_erased(registration)
    now = now or clock.now()
    seats.lock_for_seats(registration)
    if registration.status != RegistrationStatus.waitlisted:
        raise Conflict(_l("Only a person on the waitlist can be moved up."))
    event = registration.event
    if event.is_cancelled or (event.ends_at and now >= event.ends_at):
        raise Conflict(_l("The event is cancelled or over; nobody can be moved up."))
    if not seats.take_seats(event, registration.sessions):
        raise CapacityReached(_l("No seat is left: the event or one of this person's sessions is full."))
    registration.status = RegistrationStatus.confirmed
    registration.confirmed_at = now
    registration.updated_at = now
    db.session.flush()
    seats.expire_counters(event)
    notices.notify(registration, "registration_promoted")
    record("registration.promoted", actor=actor, registration=registration,
           changes={"status": [RegistrationStatus.waitlisted.value, RegistrationStatus.confirmed.value]})
    return registration


def add_registration(event, data, actor, *, consent_confirmed, override_capacity=False, submission_key=None,
                     now=None):
    """Register someone by hand (a walk-in at the door, a phone call), marked added_by_organizer.

    Allowed before registration opens and after it closed (never on a
    cancelled or unpublished event), on an invite-only event without an
    invitation. The person must have agreed to the processing of their data:
    the organizer confirms it (`consent_confirmed`). Seats as for anyone: a
    full event puts them on its waitlist, or refuses them without one. With
    `override_capacity`, the event's capacity (and that of each chosen
    session that is full) is raised by one in the same transaction, so that
    the database's rule seats_taken <= capacity still holds and the raise is
    there to read, recorded as event.capacity_raised on the event and on the
    person. Returns services' RegistrationResult; an address already
    registered comes back with created=False and nothing is changed.
    """
    if not consent_confirmed:
        raise ValidationFailed(fields={"consent_processing": [
            _l("Confirm that the person agreed to the processing of their data.")]})
    now = now or clock.now()
    data = {**data, "consent_processing": True}
    raised = _raise_capacity_for(event, data) if override_capacity else None
    result = services.register(event, data, actor=actor, now=now, submission_key=submission_key,
                               added_by_organizer=True)
    if not result.created:
        return result  # nothing was raised for it: _raise_capacity_for saw it under the same lock
    registration = result.registration
    record("registration.added", actor=actor, registration=registration,
           changes={"status": [None, registration.status.value]}, override_capacity=bool(override_capacity),
           sessions=[s.id for s in registration.sessions])
    if raised:
        record("event.capacity_raised", actor=actor, registration=registration, changes=raised,
               reason="registration.added with override_capacity")
    return result


_events = Event.__table__
_sessions = EventSession.__table__
_RAISE_EVENT = (sa.update(_events)
                .where(_events.c.id == sa.bindparam("target"), _events.c.capacity.is_not(None),
                       _events.c.seats_taken >= _events.c.capacity)
                .values(capacity=_events.c.capacity + 1, updated_at=_events.c.updated_at)
                .returning(_events.c.capacity))
_RAISE_SESSIONS = (sa.update(_sessions)
                   .where(_sessions.c.id.in_(sa.bindparam("targets", expanding=True)),
                          _sessions.c.capacity.is_not(None), _sessions.c.seats_taken >= _sessions.c.capacity)
                   .values(capacity=_sessions.c.capacity + 1)
                   .returning(_sessions.c.id, _sessions.c.capacity))


def _raise_capacity_for(event, data):
    """Raise by one the capacity of the event and of the chosen sessions that are full, under the event's lock.

    Nothing is raised for an address already registered (register() returns it) or when there is room.
    Returns the changes, {"capacity": [old, new], "session 3 capacity": [old, new]}, or {}.
    """
    clean = services.clean_registration_data(event, data)  # field errors first, before anything is raised
    connection = db.session.connection()
    connection.execute(seats.LOCK_EVENT, {"target": event.id})
    if connection.execute(services._FIND_ACTIVE, {"event": event.id,
                                                  "email": normalize_email(clean["email"])}).scalar() is not None:
        return {}
    changes = {}
    new_capacity = connection.execute(_RAISE_EVENT, {"target": event.id}).scalar()
    if new_capacity is not None:
        changes["capacity"] = [new_capacity - 1, new_capacity]
    for session_id, capacity in connection.execute(_RAISE_SESSIONS, {"targets": [s.id for s in clean["sessions"]]}):
        changes[f"session {session_id} capacity"] = [capacity - 1, capacity]
    db.session.expire(event, ["capacity"])
    for session in clean["sessions"]:
        db.session.expire(session, ["capacity"])
    return changes
