"""Check-in at the door: one check-in per person and session, whatever the number of scans, and the live counts."""
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from ..errors import Conflict, DomainError, ValidationFailed
from ..extensions import db
from ..models_base import contains_any, search_text, utcnow
from ..registration.models import Registration, RegistrationStatus, registration_sessions
from ..tickets.codes import ticket_id_from
from .models import Checkin, CheckinMethod

# Sessions open for check-in this long before they start.
OPENS_BEFORE_MINUTES = 90
_CODE_AT_END = re.compile(r"([A-Za-z0-9_-]{44})/?\s*$")
_NONCE = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII, as a scanner app's counter or UUID is


class TicketInvalid(DomainError):
    status, code, message = 404, "ticket_invalid", _l("This is not a valid ticket.")


class CheckinRefused(Conflict):
    """The ticket is real but does not let its holder in (another event, cancelled, waitlisted...).

    The page shows the ticket's own event and sessions next to the message.
    """

    code = "checkin_refused"

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason
        self.code = reason


@dataclass
class CheckinResult:
    result: str             # "checked_in" or "already_checked_in"
    checkin: Checkin        # the one check-in of this person for this session
    registration: Registration

    @property
    def is_new(self):
        return self.result == "checked_in"


def code_from_input(text):
    """The ticket code in what a scanner typed or a person pasted: the bare code or the whole /t/ URL."""
    match = _CODE_AT_END.search((text or "").strip()[:500])
    return match.group(1) if match else None


def registration_for_code(code):
    """The registration a ticket code names; TicketInvalid for a forged, altered or unknown one.

    The signature is checked first: a made-up code costs no database query.
    """
    ticket_id = ticket_id_from(code)
    if ticket_id is None:
        raise TicketInvalid()
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.ticket_id == ticket_id)
        .options(selectinload(Registration.sessions))
    )
    if registration is None:
        raise TicketInvalid()
    return registration


def current_session(registration, now=None):
    """The ticket's session that is on now (or opens for check-in soon), else the next one today, else None."""
    from datetime import timedelta

    now = now or utcnow()
    opens = timedelta(minutes=OPENS_BEFORE_MINUTES)
    sessions = sorted(registration.sessions, key=lambda s: s.starts_at)
    for session in sessions:
        if session.starts_at - opens <= now <= session.ends_at:
            return session
    today = [s for s in sessions if s.starts_at > now and s.starts_at.date() == now.date()]
    return today[0] if today else None


_checkins = Checkin.__table__


def _insert_once(values):
    """INSERT the check-in unless this person and session (or this nonce) has one already; True if inserted."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_checkins)
    statement = insert.values(**values).on_conflict_do_nothing().returning(_checkins.c.id)
    return db.session.execute(statement).scalar() is not None


def check_in(registration, session, staff, method, nonce=None, now=None):
    """Check `registration` in for `session`: one row whatever the number of scans; the same nonce is the same call.

    Returns a CheckinResult ("checked_in" the first time, then
    "already_checked_in" with the first one's time and staff); raises
    CheckinRefused for a ticket that does not admit its holder here.
    """
    method = CheckinMethod(method)
    now = now or utcnow()
    event = registration.event
    if session.event_id != registration.event_id:
        raise CheckinRefused(_l("This ticket is for another event."), "wrong_event")
    if nonce is not None and (not isinstance(nonce, str) or not _NONCE.fullmatch(nonce)):
        raise ValidationFailed(fields={"nonce": [_l("Send 1 to 64 characters.")]})
    staff_id = getattr(staff, "id", None)
    if nonce is not None:
        repeated = _by_nonce(staff_id, nonce)
        if repeated is not None:
            return _repeat_of(repeated, registration, session)
    if event.is_cancelled:
        raise CheckinRefused(_l("This event has been cancelled."), "event_cancelled")
    if session.cancelled_at is not None:
        raise CheckinRefused(_l("This session has been cancelled."), "session_cancelled")
    if registration.erased_at is not None or registration.status == RegistrationStatus.cancelled:
        raise CheckinRefused(_l("This registration was cancelled."), "cancelled")
    if registration.status == RegistrationStatus.waitlisted:
        raise CheckinRefused(_l("This person is on the waitlist and has no seat."), "waitlisted")
    if session.id not in {s.id for s in registration.sessions}:
        raise CheckinRefused(_l("Not registered for this session."), "not_registered_for_session")
    inserted = _insert_once(dict(event_id=event.id, session_id=session.id, registration_id=registration.id,
                                 staff_id=staff_id, method=method.value, nonce=nonce, created_at=now))
    if nonce is not None and not inserted:
        # A retry of this very call that raced with its first try.
        repeated = _by_nonce(staff_id, nonce)
        if repeated is not None:
            return _repeat_of(repeated, registration, session)
    first = db.session.scalar(sa.select(Checkin).where(Checkin.registration_id == registration.id,
                                                       Checkin.session_id == session.id))
    return CheckinResult("checked_in" if inserted else "already_checked_in", first, registration)


def _by_nonce(staff_id, nonce):
    return db.session.scalar(sa.select(Checkin).where(Checkin.staff_id == staff_id, Checkin.nonce == nonce))


def _repeat_of(checkin, registration, session):
    if (checkin.registration_id, checkin.session_id) != (registration.id, session.id):
        raise ValidationFailed(fields={"nonce": [_l("This nonce was used for another check-in.")]})
    return CheckinResult("checked_in", checkin, registration)


def checkins_of(registration):
    """{session id: Checkin} of one registration."""
    rows = db.session.scalars(sa.select(Checkin).where(Checkin.registration_id == registration.id)
                              .options(selectinload(Checkin.staff)))
    return {row.session_id: row for row in rows}


def counts_by_session(event):
    """{session id: {"registered": confirmed people for it, "checked_in": ...}}, two GROUP BY queries."""
    registered = dict(db.session.execute(
        sa.select(registration_sessions.c.session_id, sa.func.count())
        .join(Registration, Registration.id == registration_sessions.c.registration_id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)
        .group_by(registration_sessions.c.session_id)
    ).all())
    checked_in = dict(db.session.execute(
        sa.select(Checkin.session_id, sa.func.count()).where(Checkin.event_id == event.id).group_by(Checkin.session_id)
    ).all())
    return {s.id: {"registered": registered.get(s.id, 0), "checked_in": checked_in.get(s.id, 0)}
            for s in event.sessions}


def search(event, text, limit=50):
    """Active registrations of `event` whose name, organization or e-mail contains `text` (at least 2 characters)."""
    text = search_text(text)
    if len(text) < 2:
        return []
    columns = (*Registration.searchable_names(), Registration.organization, Registration.email)
    return db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id, Registration.is_active,
                                      contains_any(columns, text))
        .options(selectinload(Registration.sessions))
        .order_by(Registration.first_name, Registration.last_name, Registration.id).limit(limit)
    ).all()


def checked_in_among(registrations):
    """Ids of those of `registrations` checked in for any session (the organizer's page of the list)."""
    ids = [r.id for r in registrations]
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Checkin.registration_id).where(Checkin.registration_id.in_(ids))))


def checked_in_ids(event, session):
    """Ids of the registrations checked in for `session`."""
    if session is None:
        return set()
    return set(db.session.scalars(sa.select(Checkin.registration_id).where(Checkin.session_id == session.id)))
