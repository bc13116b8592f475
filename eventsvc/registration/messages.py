"""The messages about a registration, rendered by the mail worker from the registration as it is then."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..events.models import Event
from ..extensions import db
from ..mail.kinds import message_kind
from ..mail.render import external_url
from ..tickets import calendar, qr
from .models import Registration, RegistrationStatus


def preload_registrations(messages):
    """The batch's registrations with their event (and its sessions) and their own sessions: a few queries."""
    ids = {m.registration_id for m in messages if m.registration_id}
    if not ids:
        return []
    return db.session.scalars(sa.select(Registration).where(Registration.id.in_(ids)).options(
        joinedload(Registration.event).selectinload(Event.sessions), selectinload(Registration.sessions),
    )).unique().all()


def registration_context(message):
    # Read again (the batch preloaded it): an erasure since then must stop the message.
    registration = db.session.get(Registration, message.registration_id, populate_existing=True) \
        if message.registration_id else None
    if registration is None or registration.erased_at is not None:
        return None
    token = registration.manage_token
    code = registration.ticket_code
    return {
        "registration": registration,
        "event": registration.event,
        "manage_url": external_url("registration.my_registration", token=token) if token else None,
        "ticket_url": external_url("tickets.ticket", code=code) if code else None,
        # Why the event's team cancelled it (registration_cancelled), in their words.
        "reason": message.params.get("reason", ""),
        "changed_sessions": [s for s in registration.sessions if s.id in set(message.params.get("session_ids", ()))],
        # Online attendees find each session's join link in the body, not only in the .ics.
        "join_url": lambda session: calendar.join_url(registration, session),
    }


def _calendar_file(context):
    registration = context["registration"]
    return (f"{registration.event.slug}.ics", "text/calendar; method=PUBLISH",
            calendar.registration_ics(registration, registration.locale))


def ticket_and_calendar(context):
    """The ticket's QR (PNG, drawn now or taken from the cache) and the person's calendar entry."""
    files = []
    # Online attendees have no door to show a QR at.
    if context["ticket_url"] and context["registration"].attendance.value != "online":
        png, mimetype = qr.image(context["ticket_url"], "png")
        files.append(("ticket-qr.png", mimetype, png))
    files.append(_calendar_file(context))
    return files


def calendar_only(context):
    return [_calendar_file(context)]


for _kind, _template, _attachments in (
    ("registration_confirmed", "registration/confirmed", ticket_and_calendar),
    ("registration_waitlisted", "registration/waitlisted", None),
    ("registration_promoted", "registration/promoted", ticket_and_calendar),
    ("registration_cancelled", "registration/cancelled", calendar_only),
    ("calendar_update", "registration/calendar_update", calendar_only),
    ("event_cancelled", "registration/event_cancelled", calendar_only),
    ("session_cancelled", "registration/session_cancelled", calendar_only),
):
    message_kind(_kind, _template, attachments=_attachments, preload=preload_registrations)(registration_context)


def _personal_link_context(message):
    """"Lost your link?": the same link again, while the registration is active; the ticket once it is confirmed."""
    context = registration_context(message)
    if context is None or not context["registration"].is_active or not context["manage_url"]:
        return None
    if context["registration"].status != RegistrationStatus.confirmed:
        context["ticket_url"] = None
    return context


def _personal_link_files(context):
    return ticket_and_calendar(context) if context["ticket_url"] else []


message_kind("personal_link", "registration/personal_link", attachments=_personal_link_files,
             preload=preload_registrations)(_personal_link_context)
