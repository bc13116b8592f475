"""Each recipient's copy of an organizer's message, rendered by the mail worker when it leaves."""
from ..clock import now as clock_now
from ..extensions import db
from ..invitations.models import Invitation
from ..mail.kinds import message_kind
from ..registration.messages import preload_registrations
from ..registration.models import Registration
from . import services
from .models import MESSAGE_KIND, EventMessage


def copy_context(outbox_message):
    message = db.session.get(EventMessage, outbox_message.params.get("message_id") or 0, populate_existing=True)
    registration = invitation = None
    if outbox_message.registration_id:
        registration = db.session.get(Registration, outbox_message.registration_id, populate_existing=True)
    elif outbox_message.invitation_id:
        invitation = db.session.get(Invitation, outbox_message.invitation_id, populate_existing=True)
    now = clock_now()
    if not services.still_concerned(message, registration, invitation, now):
        return None
    name = registration.full_name if registration is not None else invitation.name
    return services.message_context(message, message.event, name, services.personal_link(registration, invitation, now),
                                     invitation is not None)


message_kind(MESSAGE_KIND, "messaging/message", preload=preload_registrations)(copy_context)
