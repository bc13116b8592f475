"""Seats: taken and given back with conditional UPDATEs that never oversell, the lock order, the waitlist.

Every seat change on an event goes through here: registering, cancelling,
changing sessions, the team's promotions and walk-ins (registration.services
and registration.management), and the events capability's capacity changes
(the seats_changed signal).
"""
import sqlalchemy as sa

from .. import clock
from ..audit.services import SYSTEM, record
from ..events.models import Event, EventSession
from ..events.signals import seats_changed, session_in_use
from ..extensions import db
from .models import Registration, RegistrationStatus, registration_sessions
from .notices import notify


_events = Event.__table__
_sessions = EventSession.__table__
# Built once: the seat is taken only while `seats_taken < capacity`, in the
# UPDATE itself, so the row lock (PostgreSQL) or the write lock (SQLite)
# makes it safe under any concurrency. updated_at keeps meaning "last edited".
_TAKE_EVENT_SEAT = (
    sa.update(_events)
    .where(_events.c.id == sa.bindparam("target"),
           sa.or_(_events.c.capacity.is_(None), _events.c.seats_taken < _events.c.capacity))
    .values(seats_taken=_events.c.seats_taken + 1, updated_at=_events.c.updated_at)
)
_TAKE_SESSION_SEATS = (
    sa.update(_sessions)
    .where(_sessions.c.id.in_(sa.bindparam("targets", expanding=True)),
           sa.or_(_sessions.c.capacity.is_(None), _sessions.c.seats_taken < _sessions.c.capacity))
    .values(seats_taken=_sessions.c.seats_taken + 1)
    .returning(_sessions.c.id)
)
# When no seat was taken the UPDATE locked nothing; take the row lock anyway
# (PostgreSQL; SQLite's write lock is already held).
LOCK_EVENT = sa.select(_events.c.id).where(_events.c.id == sa.bindparam("target")).with_for_update()
_RELEASE_EVENT_SEAT = (
    sa.update(_events)
    .where(_events.c.id == sa.bindparam("target"), _events.c.seats_taken > 0)
    .values(seats_taken=_events.c.seats_taken - 1, updated_at=_events.c.updated_at)
)
_RELEASE_SESSION_SEATS = (
    sa.update(_sessions)
    .where(_sessions.c.id.in_(sa.bindparam("targets", expanding=True)), _sessions.c.seats_taken > 0)
    .values(seats_taken=_sessions.c.seats_taken - 1)
)


def take_seats(event, sessions):
    """Take one seat on the event and on each session, all or none; True if taken."""
    connection = db.session.connection()
    if connection.execute(_TAKE_EVENT_SEAT, {"target": event.id}).rowcount != 1:
        return False
    if not sessions:
        return True
    taken = connection.execute(_TAKE_SESSION_SEATS, {"targets": [s.id for s in sessions]}).scalars().all()
    if len(taken) == len(sessions):
        return True
    # A session is full: give back what this call took.
    connection.execute(_RELEASE_EVENT_SEAT, {"target": event.id})
    if taken:
        connection.execute(_RELEASE_SESSION_SEATS, {"targets": taken})
    return False


def release_seats(event, sessions):
    connection = db.session.connection()
    connection.execute(_RELEASE_EVENT_SEAT, {"target": event.id})
    if sessions:
        connection.execute(_RELEASE_SESSION_SEATS, {"targets": [s.id for s in sessions]})


def move_session_seats(added, dropped):
    """A confirmed person changes sessions: each added one takes a seat (all or none), each dropped one gives
    its seat back. Returns the added sessions that were full; then nothing changed."""
    connection = db.session.connection()
    if added:
        taken = connection.execute(_TAKE_SESSION_SEATS, {"targets": [s.id for s in added]}).scalars().all()
        if len(taken) != len(added):
            if taken:
                connection.execute(_RELEASE_SESSION_SEATS, {"targets": taken})
            return [s for s in added if s.id not in taken]
    if dropped:
        connection.execute(_RELEASE_SESSION_SEATS, {"targets": [s.id for s in dropped]})
    return []


@session_in_use.connect
def _session_has_registrations(session, **_):
    return db.session.scalar(sa.select(sa.literal(True)).select_from(registration_sessions)
                             .where(registration_sessions.c.session_id == session.id).limit(1)) is not None


@seats_changed.connect
def _seats_changed(event, **_):
    promote_waitlist(event)


def promote_waitlist(event, now=None):
    """Confirm waitlisted people, first come first served, while seats allow.

    A person whose chosen session is full is passed over for the next one
    whose sessions still have room. Returns the promoted registrations.
    Nobody is promoted into a cancelled or finished event.
    """
    now = now or clock.now()
    if event.is_cancelled or is_over(event, now):
        return []
    promoted = []
    waiting = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.waitlisted)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    for registration in waiting:
        if not _seat_free_on_event(event):
            break
        if not take_seats(event, registration.sessions):
            continue
        changed = db.session.execute(
            sa.update(Registration)
            .where(Registration.id == registration.id, Registration.status == RegistrationStatus.waitlisted)
            .values(status=RegistrationStatus.confirmed, confirmed_at=now or clock.now())
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
            promoted.append(registration)
            notify(registration, "registration_promoted")
            record("registration.promoted", actor=SYSTEM, registration=registration,
                   changes={"status": ["waitlisted", "confirmed"]})
        else:  # promoted or cancelled meanwhile by a concurrent request
            release_seats(event, registration.sessions)
    expire_counters(event, promoted)
    return promoted


def _seat_free_on_event(event):
    capacity, taken = db.session.execute(
        sa.select(Event.capacity, Event.seats_taken).where(Event.id == event.id)
    ).one()
    return capacity is None or taken < capacity


def expire_counters(event, registrations=()):
    """The conditional UPDATEs bypass the ORM; reload what they changed when next read."""
    db.session.expire(event, ["seats_taken"])
    for session in event.sessions:
        db.session.expire(session, ["seats_taken"])
    for registration in registrations:
        db.session.expire(registration, ["status", "confirmed_at"])


def lock_for_seats(registration):
    """Take the event's row lock, then read the registration afresh: the order every seat change keeps.

    Registering takes the same lock with its seat UPDATE; cancelling,
    changing sessions and the waitlist take it first. So two of them on one
    event never interleave (no seat given back twice, no deadlock), and
    what follows works from the registration as it is now, not as it was
    read before the lock. SQLite's BEGIN IMMEDIATE already serialises them.
    """
    db.session.connection().execute(LOCK_EVENT, {"target": registration.event_id})
    db.session.refresh(registration)
    db.session.expire(registration, ["sessions"])


def is_over(event, now):
    return bool(event.ends_at and now >= event.ends_at)
