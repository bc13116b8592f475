"""The reminder before a session: online attendees get their join link, on-site ones the venue and their QR."""
from ..events.models import EventSession
from ..extensions import db
from ..mail.kinds import message_kind
from ..registration.messages import preload_registrations, registration_context
from ..tickets import calendar, qr


def reminder_context(message):
    context = registration_context(message)
    if context is None:
        return None
    registration = context["registration"]
    session = db.session.get(EventSession, message.params.get("session_id") or 0)
    if session is None or registration.status.value != "confirmed" or session.is_cancelled:
        return None  # the session was deleted or cancelled, or the person cancelled meanwhile: nothing to remind
    online = registration.attendance.value == "online"
    return dict(context, session=session, which=message.params.get("which"), online=online,
                join_url=calendar.join_url(registration, session) if online else None,
                venue=calendar.venue_text(registration.event))


def _qr_for_the_door(context):
    if context["online"] or not context["ticket_url"]:
        return []
    png, mimetype = qr.image(context["ticket_url"], "png")
    return [("ticket-qr.png", mimetype, png)]


message_kind("reminder", "registration/reminder", attachments=_qr_for_the_door,
             preload=preload_registrations)(reminder_context)
