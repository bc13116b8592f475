"""The messages about a registration, rendered by the mail worker from the registration as it is then."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..mail.kinds import message_kind
from ..mail.render import external_url
from .models import Registration


def preload_registrations(messages):
    """The batch's registrations with their event and sessions: three queries for the whole batch."""
    ids = {m.registration_id for m in messages if m.registration_id}
    if not ids:
        return []
    return db.session.scalars(sa.select(Registration).where(Registration.id.in_(ids))
                              .options(joinedload(Registration.event), selectinload(Registration.sessions))).unique().all()


def registration_context(message):
    registration = db.session.get(Registration, message.registration_id) if message.registration_id else None
    if registration is None:
        return None
    token = registration.manage_token
    return {
        "registration": registration,
        "event": registration.event,
        "manage_url": external_url("registration.my_registration", token=token) if token else None,
    }


for _kind, _template in (
    ("registration_confirmed", "registration/confirmed"),
    ("registration_waitlisted", "registration/waitlisted"),
    ("registration_promoted", "registration/promoted"),
    ("registration_cancelled", "registration/cancelled"),
):
    message_kind(_kind, _template, preload=preload_registrations)(registration_context)
