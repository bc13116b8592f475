"""Writing to a filtered set of an event's people: who they are, what each gets, sending, scheduling, cancelling.

Where the people come from: the event's registrations (never erased ones),
or, with `invitation_status`, its invitations. The filter's keys combine
with AND; a key left out does not filter. Without `status`, registrations
are the active ones (confirmed and waitlisted): cancelled people get a
message only when it asks for `"status": "cancelled"`. `invitation_status`
picks invitees and cannot be combined with the registrations' keys.

The recipients are fixed when the organizer sends or schedules: each gets
one outbox row then, due at the message's time. When a copy leaves it is
rendered as it is then, and it is dropped if the message no longer concerns
its person: the message was cancelled, the registration erased or cancelled
meanwhile (unless the message was for cancelled ones), the invitation
withdrawn or answered since.
"""
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..checkin.models import Checkin, active_condition
from ..errors import Conflict, ValidationFailed
from ..events.models import EventSession
from ..extensions import db
from ..invitations.models import Invitation, InvitationStatus
from ..invitations.services import invite_url, is_usable
from ..livestream.models import OnlineAttendance
from ..mail.models import MessageStatus, OutboxMessage
from ..mail.render import external_url, render_context
from ..mail.services import enqueue_many
from ..registration.models import Attendance, Registration, RegistrationStatus, Sector, registration_sessions
from ..richtext import MAX_LENGTH as BODY_MAX_LENGTH
from .models import MESSAGE_KIND, EventMessage

SUBJECT_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 5000
NOTE_FIELDS = ("confirmation_note_th", "confirmation_note_en", "reminder_note_th", "reminder_note_en")

# The invitees a message may be written to, by how they stand now.
INVITATION_FILTERS = ("unanswered", "declined", "expired")
REGISTRATION_KEYS = ("status", "session_id", "attendance", "sector", "checked_in", "joined")
FILTER_KEYS = REGISTRATION_KEYS + ("invitation_status",)
_CHOICES = {
    "status": [s.value for s in RegistrationStatus],
    "attendance": [a.value for a in Attendance],
    "sector": [s.value for s in Sector],
    "invitation_status": list(INVITATION_FILTERS),
}


def _control_characters(text, multiline=False):
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


# ---- the filter ----------------------------------------------------------------------

def clean_filter(event, raw):
    """The filter as stored: known keys, values checked against this event; field errors as `filter.<key>`."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed(fields={"filter": [_l("Send a JSON object.")]})
    errors, cleaned = {}, {}
    for key, value in raw.items():
        if key not in FILTER_KEYS:
            errors[f"filter.{key}"] = [_l("Unknown field.")]
        elif value is None or value == "":
            continue
        elif key in _CHOICES:
            if not isinstance(value, str) or value not in _CHOICES[key]:
                errors[f"filter.{key}"] = [_l("Not one of the allowed values.")]
            else:
                cleaned[key] = value
        elif key in ("checked_in", "joined"):
            if not isinstance(value, bool):
                errors[f"filter.{key}"] = [_l("Must be true or false.")]
            else:
                cleaned[key] = value
        elif key == "session_id":
            session_id = value if isinstance(value, int) and not isinstance(value, bool) else None
            if session_id is None and isinstance(value, str) and value.isascii() and value.isdigit():
                session_id = int(value)
            session = db.session.get(EventSession, session_id) if session_id and session_id < 2**31 else None
            if session is None or session.event_id != event.id:
                errors[f"filter.{key}"] = [_l("Unknown session: choose one of this event's sessions.")]
            else:
                cleaned[key] = session.id
    if "invitation_status" in cleaned and any(key in cleaned for key in REGISTRATION_KEYS):
        errors["filter.invitation_status"] = [_l(
            "Invitees are chosen by their answer alone: leave the registrations' filters empty.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


@dataclass(frozen=True)
class Recipient:
    email: str
    locale: str
    name: str
    registration_id: Optional[int] = None
    invitation_id: Optional[int] = None


def _registrations(event, cleaned):
    query = sa.select(Registration).where(Registration.event_id == event.id, Registration.erased_at.is_(None))
    status = cleaned.get("status")
    query = query.where(Registration.status == status if status else Registration.is_active)
    session_id = cleaned.get("session_id")
    if session_id:
        query = query.where(sa.select(registration_sessions.c.session_id).where(
            registration_sessions.c.registration_id == Registration.id,
            registration_sessions.c.session_id == session_id).exists())
    for key, column in (("attendance", Registration.attendance), ("sector", Registration.sector)):
        if key in cleaned:
            query = query.where(column == cleaned[key])
    # Checked in or joined: on the chosen session when there is one, else on any of the event's.
    if "checked_in" in cleaned:
        checked_in = sa.select(Checkin.id).where(Checkin.registration_id == Registration.id, active_condition())
        if session_id:
            checked_in = checked_in.where(Checkin.session_id == session_id)
        query = query.where(checked_in.exists() if cleaned["checked_in"] else ~checked_in.exists())
    if "joined" in cleaned:
        joined = sa.select(OnlineAttendance.id).where(OnlineAttendance.registration_id == Registration.id)
        if session_id:
            joined = joined.where(OnlineAttendance.session_id == session_id)
        query = query.where(joined.exists() if cleaned["joined"] else ~joined.exists())
    people, seen = [], set()
    # Newest first: an address with several cancelled registrations gets the message once.
    for registration in db.session.scalars(query.order_by(Registration.id.desc())):
        if registration.email_normalized not in seen:
            seen.add(registration.email_normalized)
            people.append(Recipient(registration.email, registration.locale, registration.full_name,
                                    registration_id=registration.id))
    return people[::-1]


# What each `invitation_status` of the filter means, as Invitation.state() says it.
_INVITATION_STATE = {"unanswered": InvitationStatus.sent.value, "declined": InvitationStatus.declined.value,
                     "expired": InvitationStatus.expired.value}


def _invitations(event, cleaned, now):
    state = Invitation.state_expression(event.registration_closes_at or event.ends_at, now)
    query = (sa.select(Invitation).where(Invitation.event_id == event.id,
                                         state == _INVITATION_STATE[cleaned["invitation_status"]])
             .order_by(Invitation.id))
    return [Recipient(i.email, i.locale, i.name, invitation_id=i.id) for i in db.session.scalars(query)]


def recipients(event, cleaned, now):
    """The people a message with this (cleaned) filter goes to, in order of registration or invitation."""
    if "invitation_status" in cleaned:
        return _invitations(event, cleaned, now)
    return _registrations(event, cleaned)


def by_language(people):
    counts = Counter(person.locale if person.locale in ("th", "en") else "th" for person in people)
    return {"th": counts["th"], "en": counts["en"]}


# ---- what a recipient gets -------------------------------------------------------------

def message_context(message, event, name, link_url, link_is_invitation):
    """The template context of one copy (templates/mail/messaging/message.*): the same for the worker and the preview."""
    return {"event": event, "message": message, "name": name, "link_url": link_url,
            "link_is_invitation": link_is_invitation}


def _clean_text(data, errors):
    subject = " ".join(str(data.get("subject") or "").split())
    body = str(data.get("body") or "").replace("\r\n", "\n").strip()
    if not subject:
        errors["subject"] = [_l("This field is required.")]
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = [_l("Too long.")]
    elif _control_characters(str(data.get("subject") or ""), multiline=False):
        errors["subject"] = [_l("Control characters are not allowed.")]
    if not body:
        errors["body"] = [_l("This field is required.")]
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = [_l("Too long.")]
    elif _control_characters(body, multiline=True):
        errors["body"] = [_l("Control characters are not allowed.")]
    return subject, body


def _draft(event, data, now):
    """A checked, unsaved EventMessage and its recipients; raises ValidationFailed with every field's error at once."""
    errors = {}
    subject, body = _clean_text(data, errors)
    try:
        cleaned = clean_filter(event, data.get("filter"))
    except ValidationFailed as error:
        errors.update(error.fields)
        cleaned = None
    send_at = data.get("send_at")
    if send_at is not None and send_at <= now:
        errors["send_at"] = [_l("Choose a time in the future.")]
    if errors:
        raise ValidationFailed(fields=errors)
    people = recipients(event, cleaned, now)
    if not people:
        raise ValidationFailed(fields={"filter": [_l("Nobody matches these filters: there is no one to send it to.")]})
    message = EventMessage(event_id=event.id, subject=subject, body=body, filter=cleaned,
                           recipient_count=len(people), recipients_by_language=by_language(people),
                           send_at=send_at or now, scheduled=send_at is not None, created_at=now)
    message.event = event
    return message, people


@dataclass
class Preview:
    message: EventMessage
    recipients: list
    # {"th": Rendered, "en": Rendered}: each language as its first recipient gets it (a sample name when none).
    rendered: dict


def preview(event, data, now):
    """What sending `data` would do, without writing anything: the recipients and each language's copy."""
    message, people = _draft(event, data, now)
    rendered = {}
    for locale in ("th", "en"):
        first = next((p for p in people if p.locale == locale), None)
        rendered[locale] = render_context(MESSAGE_KIND, locale, message_context(
            message, event, first.name if first else None, _sample_link(event, first), bool(first and first.invitation_id)))
    return Preview(message, people, rendered)


def _sample_link(event, person):
    # The preview shows where the personal link leads, never the link itself: it is the person's own.
    if person is not None and person.invitation_id:
        return external_url("registration.register", slug=event.slug, invite="personal-link")
    return external_url("registration.my_registration", token="personal-link")


def send(event, data, *, actor, now):
    """Write the message and one outbox row per recipient (due now, or at `send_at`); returns the EventMessage."""
    message, people = _draft(event, data, now)
    message.created_by_id = getattr(actor, "id", None)
    db.session.add(message)
    db.session.flush()
    enqueue_many(MESSAGE_KIND, [
        {"to": person.email, "locale": person.locale, "event_id": event.id,
         "registration_id": person.registration_id, "invitation_id": person.invitation_id,
         "params": {"message_id": message.id}, "not_before": message.send_at,
         # Names the copy in the outbox; unique there, so no person can get two copies of one message.
         "dedupe_key": f"event-message:{message.id}:{'r' if person.registration_id else 'i'}"
                       f"{person.registration_id or person.invitation_id}"}
        for person in people
    ])
    record("message.scheduled" if message.scheduled else "message.sent", actor=actor, event=event, target=message,
           filter=message.filter, recipients=message.recipient_count, by_language=message.recipients_by_language,
           subject=message.subject, send_at=message.send_at)
    return message


def cancel(message, *, actor, now):
    """Withdraw a scheduled message before its time: none of its copies leaves."""
    if message.cancelled_at is not None:
        raise Conflict(_l("This message was cancelled already."))
    if not message.scheduled or message.send_at <= now:
        raise Conflict(_l("This message has gone out already: it can no longer be cancelled."))
    message.cancelled_at = now
    message.cancelled_by_id = getattr(actor, "id", None)
    withdrawn = db.session.execute(
        sa.update(OutboxMessage)
        .where(*_copies_of(message), OutboxMessage.status == MessageStatus.pending)
        .values(status=MessageStatus.cancelled, last_error="withdrawn by the organizer", failed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    record("message.cancelled", actor=actor, event=message.event, target=message, filter=message.filter,
           recipients=message.recipient_count, withdrawn=withdrawn, send_at=message.send_at)
    return message


# ---- what organizers read ------------------------------------------------------------------

def _copies_of(message):
    return (OutboxMessage.event_id == message.event_id, OutboxMessage.kind == MESSAGE_KIND,
            OutboxMessage.params["message_id"].as_integer() == message.id)


def messages_for(event):
    return sa.select(EventMessage).where(EventMessage.event_id == event.id).order_by(EventMessage.id.desc())


def find_for_event(event, message_id):
    message = db.session.get(EventMessage, message_id) if 0 < message_id < 2**31 else None
    return message if message is not None and message.event_id == event.id else None


def state_counts(messages):
    """{message id: {"pending": n, "sent": n, "failed": n, "cancelled": n}} for these messages, in one query."""
    counts = {m.id: {s.value: 0 for s in MessageStatus} for m in messages}
    if not counts:
        return counts
    message_id = OutboxMessage.params["message_id"].as_integer()
    rows = db.session.execute(
        sa.select(message_id, OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.event_id == messages[0].event_id, OutboxMessage.kind == MESSAGE_KIND,
               message_id.in_(list(counts)))
        .group_by(message_id, OutboxMessage.status)
    ).all()
    for mid, status, n in rows:
        counts[mid][str(status)] = n
    return counts


def copies(message):
    """Each recipient's copy (OutboxMessage), in the order written."""
    return sa.select(OutboxMessage).where(*_copies_of(message)).order_by(OutboxMessage.id)


# ---- the organizers' paragraph in the confirmation and the reminders ----------------------

def set_notes(event, data, *, actor):
    """Set the event's own paragraphs (Markdown, Thai and English) of the confirmation and reminder mails."""
    errors, values = {}, {}
    for name in NOTE_FIELDS:
        value = str(data.get(name) or "").replace("\r\n", "\n").strip()
        if len(value) > NOTE_MAX_LENGTH:
            errors[name] = [_l("Too long.")]
        elif _control_characters(value, multiline=True):
            errors[name] = [_l("Control characters are not allowed.")]
        values[name] = value
    if errors:
        raise ValidationFailed(fields=errors)
    changes = {name: [getattr(event, name), value] for name, value in values.items() if getattr(event, name) != value}
    for name, value in values.items():
        setattr(event, name, value)
    db.session.flush()
    if changes:
        record("event.mail_notes_changed", actor=actor, event=event, target=event, changes=changes)
    return event


# ---- at delivery -----------------------------------------------------------------------------

def still_concerned(message, registration=None, invitation=None, now=None):
    """Whether a copy written earlier should still leave (see the module's docstring)."""
    if message is None or message.cancelled_at is not None:
        return False
    if registration is not None:
        if registration.erased_at is not None:
            return False
        return registration.is_active or message.filter.get("status") == RegistrationStatus.cancelled.value
    if invitation is not None:
        wanted = message.filter.get("invitation_status")
        return wanted is not None and _INVITATION_STATE[wanted] == str(invitation.state(now))
    return False


def personal_link(registration=None, invitation=None, now=None):
    """The recipient's own link in the message: their registration page, or the invitation while it can be used."""
    if registration is not None and registration.manage_token and registration.is_active:
        return external_url("registration.my_registration", token=registration.manage_token)
    if invitation is not None and is_usable(invitation, now):
        return invite_url(invitation)
    return None
