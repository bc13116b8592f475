"""Webhooks' rules: registering, removing and rotating an event's URLs; writing a delivery for each event that happens.

The receivers below listen to eventsvc.signals: registration and check-in do
not know webhooks exist. A delivery is written in the transaction of what
caused it (flush, never commit), so a rolled-back registration sends nothing
and a committed one is never lost.
"""
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock, signals
from ..audit.services import record
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..registration.models import Registration
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEventType
from .transport import UnsafeURL, check_url

EVENT_TYPES = [t.value for t in WebhookEventType]
MAX_URL_LENGTH = 2000
# What a payload says about a person: what an integration (a CRM, a badge printer) needs to act on it;
# never the phone, the personal /my/ link or the ticket code (a ticket anyone could present).
PERSONAL_FIELDS = ("title_prefix", "first_name", "last_name", "email", "organization")


def new_secret():
    return "whsec_" + secrets.token_hex(24)


def check_endpoint(data):
    """The field errors of a new endpoint ({} when it may be registered); resolves the host."""
    errors = {}
    url = (data.get("url") or "").strip()
    if not url:
        errors["url"] = [_l("This field is required.")]
    elif len(url) > MAX_URL_LENGTH:
        errors["url"] = [_l("Too long.")]
    else:
        try:
            check_url(url, current_app.config["WEBHOOK_ALLOW_PRIVATE"])
        except UnsafeURL as error:
            errors["url"] = [error.message]
    types = data.get("event_types")
    if types is not None and (not types or any(t not in EVENT_TYPES for t in types)):
        errors["event_types"] = [_l("Choose one or more of: %(types)s.", types=", ".join(EVENT_TYPES))]
    return errors


def create_endpoint(event, data, *, actor):
    """Register `data["url"]` for `event`; returns (endpoint, its secret: shown to the organizer only now)."""
    errors = check_endpoint(data)
    if errors:
        raise ValidationFailed(fields=errors)
    types = data.get("event_types") or EVENT_TYPES
    endpoint = WebhookEndpoint(event_id=event.id, url=data["url"].strip(),
                               event_types=[t for t in EVENT_TYPES if t in types], secret=new_secret(),
                               active=True, created_by_id=getattr(actor, "id", None), created_at=clock.now())
    db.session.add(endpoint)
    db.session.flush()
    record("webhook.created", actor=actor, event=event, target=endpoint, url=endpoint.url,
           event_types=endpoint.event_types)
    return endpoint, endpoint.secret


def endpoints_for(event):
    return db.session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.event_id == event.id)
                              .order_by(WebhookEndpoint.id)).all()


def _of_event(model, event, row_id, missing):
    """The row `row_id` of `model` when it belongs to `event`; NotFound otherwise (another event's ids included)."""
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        raise NotFound(missing)
    return row


def find_endpoint(event, endpoint_id):
    return _of_event(WebhookEndpoint, event, endpoint_id, _l("No such webhook."))


def remove_endpoint(endpoint, *, actor):
    """Remove the URL and its deliveries (sent or not); the audit trail keeps that it existed."""
    record("webhook.removed", actor=actor, event=endpoint.event, target=endpoint, url=endpoint.url)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()


def set_active(endpoint, active, *, actor):
    """Disabled: nothing new is written for it and what is pending waits; enabled again, it goes out in order."""
    if endpoint.active == active:
        return endpoint
    endpoint.active = active
    db.session.flush()
    record("webhook.enabled" if active else "webhook.disabled", actor=actor, event=endpoint.event,
           target=endpoint, url=endpoint.url)
    return endpoint


def rotate_secret(endpoint, *, actor):
    """A new secret at once (deliveries from now on are signed with it); returns it, shown only now."""
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = clock.now()
    db.session.flush()
    record("webhook.secret_rotated", actor=actor, event=endpoint.event, target=endpoint,
           url=endpoint.url)
    return endpoint.secret


def recent_deliveries(event, limit=50):
    return db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)
                              .options(joinedload(WebhookDelivery.endpoint))
                              .order_by(WebhookDelivery.id.desc()).limit(limit)).all()


def find_delivery(event, delivery_id):
    return _of_event(WebhookDelivery, event, delivery_id, _l("No such delivery."))


def resend_delivery(delivery, *, actor):
    """A failed delivery goes again, with the same delivery id, as soon as the worker runs."""
    if delivery.status != DeliveryStatus.failed:
        raise Conflict(_l("Only a failed delivery can be sent again."))
    delivery.status = DeliveryStatus.pending
    delivery.attempts = 0
    delivery.due_at = clock.now()
    delivery.failed_at = None
    db.session.flush()
    record("webhook.delivery_resent", actor=actor, event=delivery.endpoint.event, target=delivery,
           delivery_id=delivery.delivery_id, event_type=delivery.event_type)
    return delivery


# ---- what the signals write ---------------------------------------------------------------

def _registration_body(registration):
    body = {"id": registration.id, "status": registration.status.value,
            "attendance": registration.attendance.value, "sector": registration.sector.value,
            "sessions": [s.id for s in registration.sessions],
            "created_at": registration.created_at.isoformat() if registration.created_at else None,
            "cancelled_at": registration.cancelled_at.isoformat() if registration.cancelled_at else None}
    body.update({name: getattr(registration, name) for name in PERSONAL_FIELDS})
    return body


def enqueue(event_id, event_slug, event_type, data, registration_id=None, now=None):
    """One delivery per active endpoint of the event that receives `event_type`; flush, no commit."""
    endpoints = db.session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.event_id == event_id, WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)).all()
    now = now or clock.now()
    written = []
    for endpoint in endpoints:
        if not endpoint.receives(event_type):
            continue
        delivery_id = str(uuid.uuid4())
        payload = {"id": delivery_id, "type": str(event_type), "event": event_slug,
                   "occurred_at": now.isoformat(), "data": data}
        delivery = WebhookDelivery(delivery_id=delivery_id, endpoint_id=endpoint.id, event_id=event_id,
                                   registration_id=registration_id, event_type=event_type, payload=payload,
                                   status=DeliveryStatus.pending, created_at=now, due_at=now, attempts=0,
                                   last_error="")
        db.session.add(delivery)
        written.append(delivery)
    if written:
        db.session.flush()
    return written


@signals.registration_created.connect
def _on_registration_created(registration, **_kwargs):
    enqueue(registration.event_id, registration.event.slug, WebhookEventType.registration_created,
            {"registration": _registration_body(registration)}, registration.id)


@signals.registration_cancelled.connect
def _on_registration_cancelled(registration, reason="", now=None, **_kwargs):
    enqueue(registration.event_id, registration.event.slug, WebhookEventType.registration_cancelled,
            {"registration": _registration_body(registration), "reason": reason or ""}, registration.id, now=now)


@signals.checkin_created.connect
def _on_checkin_created(checkin, **_kwargs):
    registration = db.session.get(Registration, checkin.registration_id)
    enqueue(checkin.event_id, registration.event.slug, WebhookEventType.checkin_created,
            {"registration": _registration_body(registration),
             "checkin": {"id": checkin.id, "session_id": checkin.session_id, "method": checkin.method.value,
                         "checked_in_at": checkin.created_at.isoformat() if checkin.created_at else None}},
            registration.id)


@signals.personal_data_requested.connect
def _on_personal_data_requested(registration, **_kwargs):
    """A person's download: which systems were sent their data, what and when (the payloads themselves are theirs)."""
    deliveries = db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.registration_id == registration.id)
                                    .order_by(WebhookDelivery.id)).all()
    if not deliveries:
        return None
    return "webhook_deliveries", [
        {"id": d.delivery_id, "type": d.event_type.value, "url": d.endpoint.url, "status": d.status.value,
         "created_at": d.created_at.isoformat(), "sent_at": d.sent_at.isoformat() if d.sent_at else None,
         "payload": d.payload} for d in deliveries]


@signals.personal_data_erased.connect
def _on_personal_data_erased(registration, **_kwargs):
    """The person's name and address leave every stored payload; what was not sent yet is not sent."""
    deliveries = db.session.scalars(sa.select(WebhookDelivery)
                                    .where(WebhookDelivery.registration_id == registration.id)).all()
    for delivery in deliveries:
        payload = dict(delivery.payload)
        data = dict(payload.get("data") or {})
        person = dict(data.get("registration") or {})
        person.update({name: None for name in PERSONAL_FIELDS if name in person})
        data["registration"] = person
        payload["data"] = data
        delivery.payload = payload
        if delivery.status == DeliveryStatus.pending:
            delivery.status = DeliveryStatus.cancelled
            delivery.last_error = "personal data erased"
    db.session.flush()
