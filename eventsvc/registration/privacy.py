"""A person's data (PDPA): the download of everything kept about them, and its erasure.

The registration's own part is here; every other capability adds or blanks
its own through signals.personal_data_requested / personal_data_erased.
"""
import sqlalchemy as sa

from .. import clock
from ..audit.services import record
from ..extensions import db
from ..signals import personal_data_erased, personal_data_requested
from ..timefmt import iso
from ..tokens import digest, new_seed
from .models import Registration
from .services import can_cancel, cancel_registration


def erase_registration(registration, actor=None, now=None):
    """Erase the person's data (PDPA): everything that names them goes; the numbers of the event stay.

    An upcoming registration is cancelled first (its seat goes to the
    waitlist). The row itself stays, blank, with its status, sector,
    attendance and sessions, so that the counts of a past event do not
    change; the personal link and the ticket stop working. Every other
    capability blanks its own part (signals.personal_data_erased): the
    invitation and the messages lose the address and the name, messages not
    yet sent are not sent, free-text answers go.
    """
    now = now or clock.now()
    if registration.erased_at is not None:
        return registration
    if can_cancel(registration, now):
        cancel_registration(registration, actor=actor, now=now)
    record("registration.erased", actor=actor, registration=registration)
    blank = dict(title_prefix="", first_name="", last_name="", email="", phone="", organization="", position="",
                 consent_listing=False, manage_seed=None, manage_token_hash=digest(new_seed()),
                 submission_key_hash=None, ticket_id=None, erased_at=now, updated_at=now,
                 # Unique among the event's active rows, and nobody's address.
                 email_normalized=f"erased-{registration.id}")
    db.session.execute(sa.update(Registration).where(Registration.id == registration.id).values(**blank)
                       .execution_options(synchronize_session=False))
    personal_data_erased.send(registration, actor=actor, now=now)
    db.session.expire(registration)
    return registration


def personal_data(registration):
    """Everything kept about the person, as they may download it: the registration's part, then each
    capability's own (signals.personal_data_requested: each receiver answers (key, value) or None)."""
    event = registration.event
    data = {
        "event": {"slug": event.slug, "title_th": event.title_th, "title_en": event.title_en},
        "registration": {
            "status": registration.status.value, "title_prefix": registration.title_prefix,
            "first_name": registration.first_name, "last_name": registration.last_name,
            "email": registration.email, "phone": registration.phone, "organization": registration.organization,
            "position": registration.position, "sector": registration.sector.value,
            "attendance": registration.attendance.value, "language": registration.locale,
            "sessions": [{"id": s.id, "name_th": s.name_th, "name_en": s.name_en, "starts_at": iso(s.starts_at),
                          "ends_at": iso(s.ends_at)} for s in registration.sessions],
            "registered_at": iso(registration.created_at), "confirmed_at": iso(registration.confirmed_at),
            "cancelled_at": iso(registration.cancelled_at), "updated_at": iso(registration.updated_at),
        },
        "consents": {
            "processing_given_at": iso(registration.consent_processing_at),
            "listed_publicly": registration.consent_listing,
        },
    }
    for _receiver, part in personal_data_requested.send(registration):
        if part is not None:
            key, value = part
            data[key] = value
    return data
