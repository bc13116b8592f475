"""Registration: the window, seats that are never oversold, the waitlist, one registration per person."""
import unicodedata
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import clock
from ..audit.services import changes_between, record, snapshot
from ..emails import normalize_email
from ..errors import (
    CapacityReached, Conflict, InvitationInvalid, InvitationRequired, RegistrationClosed, ValidationFailed,
)
from ..events.models import EventFormat, EventStatus
from ..extensions import db
from ..invitations.services import claim
from ..questions import services as question_services
from ..tickets.codes import new_ticket_id
from ..signals import personal_link_requested, registration_cancelled, registration_created
from ..tokens import digest, new_seed, token_for
from .models import MANAGE_PURPOSE, Attendance, Registration, RegistrationStatus, Sector, registration_sessions
from .notices import notify
from .seats import (
    LOCK_EVENT, expire_counters, is_over, lock_for_seats, move_session_seats, promote_waitlist, release_seats,
    take_seats,
)

FIELD_LIMITS = {
    "title_prefix": 50, "first_name": 100, "last_name": 100, "organization": 300,
    "position": 200, "phone": 30, "email": 254,
}
REQUIRED_FIELDS = ("first_name", "last_name", "email")


class WindowState:
    open = "open"
    not_yet_open = "not_yet_open"
    closed = "closed"
    cancelled = "cancelled"
    not_published = "not_published"


def window_state(event, now=None):
    """Whether registration for `event` is open at `now`, and if not, why."""
    now = now or clock.now()
    if event.status == EventStatus.cancelled:
        return WindowState.cancelled
    if event.status != EventStatus.published:
        return WindowState.not_published
    if event.registration_opens_at and now < event.registration_opens_at:
        return WindowState.not_yet_open
    closes = event.registration_closes_at or event.ends_at
    if closes and now >= closes:
        return WindowState.closed
    return WindowState.open


def _clean_text(value):
    """Trim and fold inner white space; control characters (a newline in a header) are refused."""
    value = unicodedata.normalize("NFC", value or "")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t" for ch in value):
        return None
    return " ".join(value.split())


def _allowed_attendance(event):
    if event.format == EventFormat.online:
        return (Attendance.online,)
    if event.format == EventFormat.onsite:
        return (Attendance.onsite,)
    return (Attendance.onsite, Attendance.online)


def clean_registration_data(event, data, with_answers=True):
    """Validate what a person typed; returns clean values or raises ValidationFailed with field errors.

    With `with_answers`, the answers to the event's questions too (`data["answers"]`, errors `answers.<id>`),
    returned as clean["answers"].
    """
    errors, clean = {}, {}
    if with_answers:
        clean["answers"], errors = question_services.clean_answers(event, data.get("answers"))
    for field, limit in FIELD_LIMITS.items():
        value = data.get(field) or ""
        if not isinstance(value, str):
            errors[field] = [_l("Not valid text.")]
            continue
        value = _clean_text(value)
        if value is None:
            errors[field] = [_l("Line breaks and control characters are not allowed.")]
        elif len(value) > limit:
            errors[field] = [_l("At most %(n)d characters.", n=limit)]
        elif field in REQUIRED_FIELDS and not value:
            errors[field] = [_l("This field is required.")]
        else:
            clean[field] = value
    if "email" in clean:
        try:
            clean["email"] = validate_email(clean["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = [_l("Not a valid e-mail address.")]
    try:
        clean["sector"] = Sector(data.get("sector") or "")
    except ValueError:
        errors["sector"] = [_l("Please choose a sector.")]
    allowed = _allowed_attendance(event)
    attendance = data.get("attendance") or (allowed[0].value if len(allowed) == 1 else "")
    try:
        clean["attendance"] = Attendance(attendance)
        if clean["attendance"] not in allowed:
            raise ValueError
    except ValueError:
        errors["attendance"] = [_l("Please choose how you will attend.")]
    if data.get("consent_processing") is not True:
        errors["consent_processing"] = [_l("We need your consent to process your data to register you.")]
    clean["consent_listing"] = data.get("consent_listing") is True
    clean["locale"] = data.get("locale") if data.get("locale") in ("th", "en") else "th"
    session_ids = data.get("sessions")
    # A cancelled session is no longer offered, nor taken when asked for by id.
    open_sessions = [s for s in event.sessions if s.cancelled_at is None]
    by_id = {s.id: s for s in open_sessions}
    if not open_sessions:
        errors["sessions"] = [_l("This event has no sessions yet.")]
    elif not session_ids:
        if sessions_overlap(open_sessions):
            errors["sessions"] = [_l("Please choose the session you will attend.")]
        clean["sessions"] = list(open_sessions)
    else:
        unknown = [i for i in session_ids if i not in by_id]
        if unknown:
            errors["sessions"] = [_l("Unknown session: %(ids)s.", ids=", ".join(map(str, unknown)))]
        else:
            clean["sessions"] = [by_id[i] for i in dict.fromkeys(session_ids)]
            if sessions_overlap(clean["sessions"]):
                errors["sessions"] = [_l("These sessions take place at the same time; please choose one of them.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def one_session_only(sessions):
    """Whether the sessions all run at the same time, so that a person can take only one of them."""
    sessions = list(sessions)
    return len(sessions) > 1 and all(
        a.starts_at < b.ends_at and b.starts_at < a.ends_at
        for i, a in enumerate(sessions) for b in sessions[i + 1:])


def sessions_overlap(sessions):
    """Whether any two of the sessions run at the same time (parallel topic groups)."""
    ordered = sorted(sessions, key=lambda s: s.starts_at)
    return any(later.starts_at < earlier.ends_at for earlier, later in zip(ordered, ordered[1:]))


@dataclass
class RegistrationResult:
    registration: Registration
    created: bool
    # The personal link's token, present only when this answer may show it:
    # on creation, or to the same submission repeated (a double click).
    manage_token: Optional[str] = None


def register(event, data, *, invitation=None, submission_key=None, actor=None, now=None, added_by_organizer=False):
    """Register a person for `event`, through `invitation` when they came with one.

    Returns a RegistrationResult; the same person again (same normalised
    e-mail) gets their existing registration back with created=False.
    Raises RegistrationClosed, InvitationRequired, InvitationInvalid,
    CapacityReached or ValidationFailed. An invitation fixes the e-mail and
    is used up in this transaction (single use).

    This is the hot path of a busy hearing: a handful of statements, each
    built once (compiled once), and no savepoint. The seat UPDATE comes
    first and locks the event's row until the transaction ends, so the
    check for an existing registration that follows cannot race with a
    concurrent request for the same person (on SQLite the write lock of
    BEGIN IMMEDIATE does the same). The confirmation is one more INSERT:
    the mail worker renders it later.

    `added_by_organizer` (the event's team entering someone by hand, see
    management.add_registration): the window and the invitation do not
    apply, a cancelled or unpublished event still refuses; seats as always.
    """
    state = window_state(event, now)
    if state != WindowState.open and not (added_by_organizer and state in (WindowState.closed,
                                                                            WindowState.not_yet_open)):
        raise RegistrationClosed(_window_message(state))
    if invitation is None and event.is_invite_only and not added_by_organizer:
        raise InvitationRequired()
    if invitation is not None:
        if invitation.event_id != event.id:
            raise InvitationInvalid()
        data = _with_invited_email(data, invitation)
    clean = clean_registration_data(event, data)
    sessions = clean.pop("sessions")
    answers = clean.pop("answers")
    email_normalized = normalize_email(clean["email"])
    now = now or clock.now()
    connection = db.session.connection()

    if invitation is not None:
        if not claim(invitation, now):
            raise InvitationInvalid()
    confirmed = take_seats(event, sessions)
    if not confirmed:
        connection.execute(LOCK_EVENT, {"target": event.id})
    existing_id = connection.execute(_FIND_ACTIVE, {"event": event.id, "email": email_normalized}).scalar()
    if existing_id is not None:
        if confirmed:
            release_seats(event, sessions)
        expire_counters(event)
        return _existing_result(db.session.get(Registration, existing_id), submission_key)
    if not confirmed and not event.waitlist:
        raise CapacityReached()

    seed = new_seed()
    manage_token = token_for(MANAGE_PURPOSE, seed)
    values = dict(
        clean,
        event_id=event.id,
        status=RegistrationStatus.confirmed if confirmed else RegistrationStatus.waitlisted,
        confirmed_at=now if confirmed else None,
        cancelled_at=None,
        email_normalized=email_normalized,
        manage_seed=seed,
        manage_token_hash=digest(manage_token),
        ticket_id=new_ticket_id(),
        submission_key_hash=Registration.hash_key(submission_key) if submission_key else None,
        invitation_id=invitation.id if invitation is not None else None,
        consent_processing_at=now,
        added_by_organizer=added_by_organizer,
        created_at=now,
        updated_at=now,
    )
    new_id = connection.execute(_INSERT_REGISTRATION, values).scalar_one()
    connection.execute(
        _INSERT_REGISTRATION_SESSIONS, [{"registration_id": new_id, "session_id": s.id} for s in sessions]
    )
    expire_counters(event)
    registration = _attach(Registration(id=new_id, **values), event, sessions)
    question_services.save_answers(registration, answers)
    notify(registration, "registration_confirmed" if confirmed else "registration_waitlisted")
    if not added_by_organizer:  # by hand (a walk-in, a phone call): management records registration.added
        record("registration.created", actor=actor, registration=registration, status=registration.status,
               sessions=[s.id for s in sessions], invited=invitation is not None)
    registration_created.send(registration, actor=actor)
    return RegistrationResult(registration, True, manage_token)


def _with_invited_email(data, invitation):
    """The invitation's e-mail, whatever else was sent: a different one is a field error, none is filled in."""
    given = data.get("email")
    if given and isinstance(given, str) and normalize_email(given) != invitation.email_normalized:
        raise ValidationFailed(fields={"email": [_l("The e-mail is fixed by your invitation: %(email)s.",
                                                    email=invitation.email)]})
    return dict(data, email=invitation.email)


_registrations = Registration.__table__
_INSERT_REGISTRATION = sa.insert(_registrations).returning(_registrations.c.id)
_INSERT_REGISTRATION_SESSIONS = sa.insert(registration_sessions)
_FIND_ACTIVE = sa.select(_registrations.c.id).where(
    _registrations.c.event_id == sa.bindparam("event"),
    _registrations.c.email_normalized == sa.bindparam("email"),
    _registrations.c.status != RegistrationStatus.cancelled.value,
)


def _attach(registration, event, sessions):
    """Make a registration written by Core a persistent ORM object, without reloading it."""
    make_transient_to_detached(registration)
    db.session.add(registration)
    set_committed_value(registration, "event", event)
    set_committed_value(registration, "sessions", list(sessions))
    return registration


def _window_message(state):
    return {
        WindowState.cancelled: _l("This event has been cancelled."),
        WindowState.not_published: _l("This event is not open for registration."),
        WindowState.not_yet_open: _l("Registration has not opened yet."),
        WindowState.closed: _l("Registration for this event is closed."),
    }[state]


def _existing_result(registration, submission_key):
    """The existing registration; its personal link only to the submission that created it.

    The link is the one already mailed (the token is made again from its
    seed), so a double click never invalidates the confirmation message.
    """
    if submission_key and registration.submission_key_hash == Registration.hash_key(submission_key):
        if registration.manage_seed is None:  # a row from before seeds: its old link cannot be made again
            registration.manage_seed = new_seed()
            registration.manage_token_hash = digest(registration.manage_token)
            db.session.flush()
        return RegistrationResult(registration, created=False, manage_token=registration.manage_token)
    return RegistrationResult(registration, created=False)


def cancel_registration(registration, actor=None, now=None, reason=""):
    """Cancel; a confirmed person's seat goes to the next on the waitlist. Idempotent.

    A registration made through an invitation gives the invitation back to
    the invitee as "declined": its link works again until it expires, in
    case they change their mind, and the organizer sees who dropped out.
    """
    now = now or clock.now()
    event = registration.event
    if registration.status == RegistrationStatus.cancelled:
        return []
    if is_over(event, now):
        raise Conflict(_l("The event is over; the registration can no longer be cancelled."))
    lock_for_seats(registration)
    previous = registration.status
    if previous == RegistrationStatus.cancelled:
        return []  # cancelled a moment ago by a concurrent request
    changed = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id, Registration.status == previous)
        .values(status=RegistrationStatus.cancelled, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(registration, ["status", "cancelled_at"])
    if changed != 1:
        return []
    notify(registration, "registration_cancelled", params={"reason": reason} if reason else None)
    registration_cancelled.send(registration, actor=actor, reason=reason, now=now)
    promoted = []
    if previous == RegistrationStatus.confirmed:
        release_seats(event, registration.sessions)
        promoted = promote_waitlist(event, now)
    record("registration.cancelled", actor=actor, registration=registration, reason=reason,
           changes={"status": [previous, RegistrationStatus.cancelled]}, promoted=[p.id for p in promoted])
    expire_counters(event)
    return promoted


def registrations_for(event, status=None):
    query = sa.select(Registration).where(Registration.event_id == event.id)
    if status is not None:
        query = query.where(Registration.status == status)
    return query.order_by(Registration.created_at, Registration.id)


def counts_by_status(event):
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    ).all()
    counts = {status.value: 0 for status in RegistrationStatus}
    counts.update({status.value if hasattr(status, "value") else status: n for status, n in rows})
    return counts


def replayed_through_invitation(event, invitation_token, submission_key):
    """What this very submission made through this invitation a moment ago (a double click, a retried request).

    The link is used up by then, so the repeat would otherwise be refused
    as a wrong link; the submission's own random key proves it is the same
    person, as for any repeated registration. Returns a RegistrationResult
    or None.
    """
    from ..invitations.models import Invitation
    from ..tokens import well_formed

    if not submission_key or not well_formed(invitation_token):
        return None
    registration = db.session.scalar(
        sa.select(Registration).join(Invitation, Registration.invitation_id == Invitation.id).where(
            Invitation.token_hash == digest(invitation_token), Invitation.event_id == event.id,
            Registration.submission_key_hash == Registration.hash_key(submission_key), Registration.is_active,
        )
    )
    return _existing_result(registration, submission_key) if registration is not None else None


def send_personal_link(event, email, now=None):
    """"Lost your link?": mail the personal link of this address's active registration for `event` again.

    The link is the one already mailed (made again from the registration's seed), so the first message keeps
    working; a row from before seeds gets a new seed, its old link being unrecoverable anyway. A cancelled or
    erased registration gets nothing; an invitee who has not registered is left to the listeners of
    personal_link_requested (invitations sends their invitation again). Returns the registration mailed, or
    None: for the caller's logs and tests only, since its answer must be the same whatever the address.
    """
    email_normalized = normalize_email(email)
    registration = db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.email_normalized == email_normalized,
        Registration.is_active, Registration.erased_at.is_(None)))
    if registration is not None:
        if registration.manage_seed is None:
            registration.manage_seed = new_seed()
            registration.manage_token_hash = digest(registration.manage_token)
            db.session.flush()
        notify(registration, "personal_link")
    personal_link_requested.send(event, email_normalized=email_normalized, registration=registration,
                                 now=now or clock.now())
    return registration


def find_registration_by_token(token):
    # Links from before seeds were 32 characters; today's are 43 (eventsvc.tokens).
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(Registration).where(Registration.manage_token_hash == Registration.hash_key(token))
    )


# ---- the registrant's own changes -------------------------------------------------

# What names or reaches the person: the audit trail says that it changed, never its value (see audit.models).
PERSONAL_FIELDS = ("title_prefix", "first_name", "last_name", "email", "organization", "position", "phone")
EDITABLE = ("title_prefix", "first_name", "last_name", "email", "organization", "position", "phone", "sector",
            "attendance", "sessions", "consent_listing", "answers")


def can_change(registration, now=None):
    """Whether the person may still change their details and sessions: active, and registration open."""
    return registration.is_active and window_state(registration.event, now) == WindowState.open


def can_cancel(registration, now=None):
    """Whether the person may still cancel: active, and the event not over."""
    event = registration.event
    return registration.is_active and not is_over(event, now or clock.now())


def update_registration(registration, data, actor=None, now=None, by_organizer=False):
    """The person changes their details or sessions while registration is open.

    A confirmed person keeps their seat on the event; a newly chosen
    session must have a seat left (taken with the same conditional UPDATE
    as at registration), a dropped one is given back and may let someone in
    from the waitlist. An invited person's e-mail stays the invitation's.
    `by_organizer` (management.update_registration): the event's team
    corrects it at any time, the e-mail of an invitee too; seats as always.
    """
    event = registration.event
    lock_for_seats(registration)
    if not registration.is_active:
        raise Conflict(_l("This registration was cancelled; register again instead."))
    state = window_state(event, now)
    if state != WindowState.open and not by_organizer:
        raise RegistrationClosed(_l("Registration is closed: the registration can no longer be changed."))
    data = {key: value for key, value in data.items() if key in EDITABLE}
    if registration.invitation_id is not None and not by_organizer:
        given = data.get("email")
        if given and normalize_email(given) != registration.email_normalized:
            raise ValidationFailed(fields={"email": [_l("The e-mail is fixed by your invitation: %(email)s.",
                                                        email=registration.email)]})
        data["email"] = registration.email
    # Answers change only when given: a call that leaves them out keeps them.
    clean = clean_registration_data(event, {**data, "consent_processing": True, "locale": registration.locale},
                                    with_answers="answers" in data)
    sessions = clean.pop("sessions")
    answers = clean.pop("answers", None)
    clean.pop("locale")
    email_normalized = normalize_email(clean["email"])
    if email_normalized != registration.email_normalized and db.session.execute(
        _FIND_ACTIVE, {"event": event.id, "email": email_normalized}
    ).scalar() is not None:
        raise ValidationFailed(fields={"email": [_l("This e-mail address is already registered for this event.")]})
    before = {s.id for s in registration.sessions}
    added = [s for s in sessions if s.id not in before]
    dropped = [s for s in registration.sessions if s.id not in {s.id for s in sessions}]
    if registration.status == RegistrationStatus.confirmed and (full := move_session_seats(added, dropped)):
        names = ", ".join(s.name_th for s in full)
        raise ValidationFailed(fields={"sessions": [_l("No seat is left in: %(sessions)s.", sessions=names)]})
    fields = [*clean, "sessions"]
    before = snapshot(registration, fields)
    for key, value in clean.items():
        setattr(registration, key, value)
    registration.email_normalized = email_normalized
    registration.sessions = sessions
    # A correction by the event's team is recorded by management.update_registration, sessions included.
    if not by_organizer and (changes := changes_between(before, snapshot(registration, fields),
                                                        private=PERSONAL_FIELDS)):
        record("registration.updated", actor=actor, registration=registration, changes=changes)
    registration.updated_at = now or clock.now()
    if answers is not None:
        question_services.replace_answers(registration, answers)
    db.session.flush()
    expire_counters(event)
    if dropped and registration.status == RegistrationStatus.confirmed:
        promote_waitlist(event, now)
    return registration


def online_counts_by_session(event):
    """{session id: confirmed online attendees}: the organizer is warned of a session they cannot join yet."""
    rows = db.session.execute(
        sa.select(registration_sessions.c.session_id, sa.func.count())
        .join(Registration, Registration.id == registration_sessions.c.registration_id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed,
               Registration.attendance == Attendance.online, Registration.erased_at.is_(None))
        .group_by(registration_sessions.c.session_id)
    ).all()
    return dict(rows)
