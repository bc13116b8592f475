"""Check-in at the door: one active check-in per person and session, whatever the number of scans; its window, its undo, the live counts."""
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit.services import record
from ..signals import checkin_created, personal_data_requested
from ..teams.services import can_manage
from ..collation import thai_order
from ..errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models_base import contains_any, search_text
from ..registration.models import Registration, RegistrationStatus, registration_sessions
from ..tickets.codes import ticket_id_from
from ..timefmt import BANGKOK, format_datetime, iso, to_local
from .models import Checkin, CheckinAction, CheckinMethod, active_condition
from ..templating import current_locale

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


def _locale():
    return current_locale()


class CheckinNotOpen(CheckinRefused):
    """Too early: the session's check-in opens at `opens_at` (409 `checkin_not_open`)."""

    def __init__(self, opens_at):
        self.opens_at = opens_at
        when = LazyString(lambda: format_datetime(opens_at, _locale()))
        super().__init__(_l("Check-in for this session is not open yet; it opens %(when)s", when=when),
                         "checkin_not_open")


class CheckinClosed(CheckinRefused):
    """Too late: the session's day is over (409 `checkin_closed`)."""

    def __init__(self, closed_at):
        self.closed_at = closed_at
        super().__init__(_l("Check-in for this session is closed."), "checkin_closed")


class UndoRefused(Conflict):
    code = reason = "undo_refused"


class UndoNotAllowed(PermissionDenied):
    reason = "undo_not_allowed"
    code, message = "undo_not_allowed", _l("Only the person who checked them in, or an organizer of the event, can undo it.")


@dataclass
class CheckinResult:
    result: str             # "checked_in", "already_checked_in" or "undone"
    checkin: Checkin        # the active check-in of this person for this session (the one undone, for "undone")
    registration: Registration

    @property
    def is_new(self):
        return self.result == "checked_in"


def window(session):
    """(opens, closes) of a session's check-in: OPENS_MINUTES before it starts until the end of its last Bangkok day."""
    opens = session.starts_at - timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES"])
    last_day = to_local(session.ends_at).date()
    closes = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=BANGKOK)
    return opens, closes


def _check_window(session, now):
    opens, closes = window(session)
    if now < opens:
        raise CheckinNotOpen(opens)
    if now >= closes:
        raise CheckinClosed(closes)


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


def window_state(session, now=None):
    """"not_open", "open" or "closed": what the door says above its scan field."""
    opens, closes = window(session)
    now = now or clock.now()
    return "not_open" if now < opens else "closed" if now >= closes else "open"


def current_session(registration, now=None):
    """The ticket's session that is on now (or open for check-in), else the next one today, else None."""
    now = now or clock.now()
    opens = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES"])
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
    """Check `registration` in for `session`: one active check-in whatever the number of scans; the same nonce is the same call.

    Returns a CheckinResult ("checked_in" the first time, then
    "already_checked_in" with the active one's time and staff); raises
    CheckinRefused for a ticket that does not admit its holder here, and its
    CheckinNotOpen / CheckinClosed outside the session's window.
    """
    method = CheckinMethod(method)
    now = now or clock.now()
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
    _check_window(session, now)
    # The attempt after the last undo: simultaneous scans all compute the same one and the
    # unique constraint keeps one row (ON CONFLICT DO NOTHING, then read the row that won).
    attempt = _undos(registration, session)
    inserted = _insert_once(dict(event_id=event.id, session_id=session.id, registration_id=registration.id,
                                 staff_id=staff_id, method=method.value, nonce=nonce, created_at=now,
                                 action=CheckinAction.check_in.value, attempt=attempt))
    if nonce is not None and not inserted:
        # A retry of this very call that raced with its first try.
        repeated = _by_nonce(staff_id, nonce)
        if repeated is not None:
            return _repeat_of(repeated, registration, session)
    active = db.session.scalar(sa.select(Checkin).where(
        Checkin.registration_id == registration.id, Checkin.session_id == session.id,
        Checkin.action == CheckinAction.check_in, Checkin.attempt == attempt))
    if inserted:
        record("checkin.created", actor=staff, registration=registration, target=active, session_id=session.id,
               method=method)
        checkin_created.send(active, actor=staff)
    return CheckinResult("checked_in" if inserted else "already_checked_in", active, registration)


def _undos(registration, session):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Checkin).where(
        Checkin.registration_id == registration.id, Checkin.session_id == session.id,
        Checkin.action == CheckinAction.undo))


def active_checkin(registration, session):
    """The check-in that counts for this person and session now (the last one, when no undo followed it), or None."""
    return _active_of(registration).get(session.id)


def undo_check_in(registration, session, actor, now=None):
    """Take back the active check-in of `registration` for `session`: a new `undo` row, the check-in stays in the log.

    Allowed to the staff member who checked them in and to an organizer of the
    event (or an admin), on the same Bangkok day as the check-in. An undo that
    finds nothing to undo (a second click, or another device first) answers
    "undone" again without writing anything.
    """
    now = now or clock.now()
    if session.event_id != registration.event_id:
        raise UndoRefused(_l("This ticket is for another event."))
    active = active_checkin(registration, session)
    if active is None:
        last = db.session.scalar(sa.select(Checkin).where(
            Checkin.registration_id == registration.id, Checkin.session_id == session.id)
            .order_by(Checkin.attempt.desc(), Checkin.id.desc()).limit(1))
        if last is not None and last.action == CheckinAction.undo:
            return CheckinResult("undone", last, registration)
        raise UndoRefused(_l("This person is not checked in for this session."))
    actor_id = getattr(actor, "id", None)
    if not (actor_id is not None and actor_id == active.staff_id) and not can_manage(actor, registration.event):
        raise UndoNotAllowed()
    if to_local(active.created_at).date() != to_local(now).date():
        raise UndoRefused(_l("A check-in can only be undone on the day it was made."))
    if _insert_once(dict(event_id=active.event_id, session_id=session.id, registration_id=registration.id,
                         staff_id=actor_id, method=active.method.value, nonce=None, created_at=now,
                         action=CheckinAction.undo.value, attempt=active.attempt)):
        record("checkin.undone", actor=actor, registration=registration, target=active, session_id=session.id)
    return CheckinResult("undone", active, registration)


def _by_nonce(staff_id, nonce):
    return db.session.scalar(sa.select(Checkin).where(Checkin.staff_id == staff_id, Checkin.nonce == nonce))


def _repeat_of(checkin, registration, session):
    if (checkin.registration_id, checkin.session_id) != (registration.id, session.id):
        raise ValidationFailed(fields={"nonce": [_l("This nonce was used for another check-in.")]})
    return CheckinResult("checked_in", checkin, registration)


def _active_of(registration):
    rows = db.session.scalars(sa.select(Checkin).where(Checkin.registration_id == registration.id, active_condition())
                              .options(selectinload(Checkin.staff)))
    return {row.session_id: row for row in rows}


def checkins_of(registration):
    """{session id: active Checkin} of one registration."""
    return _active_of(registration)


def log_of(registration):
    """Every entry of the log for one registration, check-ins and undos, oldest first (the person's data export)."""
    return db.session.scalars(sa.select(Checkin).where(Checkin.registration_id == registration.id)
                              .order_by(Checkin.created_at, Checkin.id)).all()


@personal_data_requested.connect
def personal_data(registration, **_):
    """The person's part of the door's log for their data download: the whole log, an undone check-in
    followed by its undo. Erasure leaves the log alone: it names nobody once the registration is blank."""
    return "check_ins", [{"session_id": c.session_id, "at": iso(c.created_at), "method": c.method.value,
                          "action": c.action.value} for c in log_of(registration)]


def may_undo(checkin, actor, now=None):
    """Whether `actor` may undo `checkin` now (the buttons on the ticket and the door)."""
    if checkin is None or actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if to_local(checkin.created_at).date() != to_local(now or clock.now()).date():
        return False
    return actor.id == checkin.staff_id or can_manage(actor, checkin.session.event)


def counts_by_session(event):
    """{session id: {"registered": confirmed people for it, "checked_in": ...}}, two GROUP BY queries."""
    registered = dict(db.session.execute(
        sa.select(registration_sessions.c.session_id, sa.func.count())
        .join(Registration, Registration.id == registration_sessions.c.registration_id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)
        .group_by(registration_sessions.c.session_id)
    ).all())
    checked_in = dict(db.session.execute(
        sa.select(Checkin.session_id, sa.func.count()).where(Checkin.event_id == event.id, active_condition())
        .group_by(Checkin.session_id)
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
        .order_by(*thai_order(Registration.first_name, Registration.last_name), Registration.id).limit(limit)
    ).all()


def checked_in_among(registrations):
    """Ids of those of `registrations` checked in for any session (the organizer's page of the list)."""
    ids = [r.id for r in registrations]
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Checkin.registration_id).where(Checkin.registration_id.in_(ids),
                                                                           active_condition())))


def checked_in_ids(event, session):
    """Ids of the registrations checked in for `session`."""
    if session is None:
        return set()
    return set(db.session.scalars(sa.select(Checkin.registration_id).where(Checkin.session_id == session.id,
                                                                           active_condition())))
