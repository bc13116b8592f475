"""API v1: an event's webhooks (list, register, remove). The same services as the organizer's page."""
from flask import g
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from ..extensions import db
from ..webhooks import services as webhook_services
from .schemas import BoundedList
from .views import Permission, _documented, _managed_event, _tag, blp, token_required

EVENT_TYPES = webhook_services.EVENT_TYPES
# What the document can say of a URL; the service checks the rest (no user name or password in it, a host
# that resolves to public addresses only) and answers a 422 on `url`.
URL_PATTERN = r"^https://[^\s/?#\\]+([/?#][^\s\x00-\x1f\x7f]*)?$"


class WebhookURL(validate.Regexp):
    """The document's pattern for a webhook URL, refused with the services' own messages."""

    def __init__(self):
        super().__init__(URL_PATTERN)

    def __call__(self, value):
        if not value.startswith("https://"):
            raise ValidationError([_l("The URL must start with https://.")])
        if self.regex.match(value) is None:
            raise ValidationError([_l("This is not a valid URL.")])
        return value


class WebhookIn(Schema):
    url = fields.String(required=True, validate=[
        validate.Length(min=1, max=webhook_services.MAX_URL_LENGTH),
        WebhookURL()],
                        metadata={"description": "https only; its host must resolve to public addresses only",
                                  "example": "https://crm.example.go.th/hooks/eventsvc"})
    events = BoundedList(fields.String(validate=validate.OneOf(EVENT_TYPES)),
                         validate=validate.Length(min=1, max=len(EVENT_TYPES)),
                         metadata={"description": "what to send; all of them when left out"})


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String(metadata={"enum": EVENT_TYPES}), attribute="event_types")
    active = fields.Boolean()
    created_at = fields.AwareDateTime()


class WebhookCreatedOut(WebhookOut):
    secret = fields.String(metadata={"description": "the signing secret: given in this answer only"})


def _service_data(data):
    return {"url": data["url"], "event_types": data.get("events")}


@blp.route("/events/<slug>/webhooks")
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, WebhookOut(many=True))
@_documented(401, 403, 404)
@_tag("webhooks")
def list_webhooks(slug):
    """The event's webhook URLs (organizers), without their secrets."""
    return webhook_services.endpoints_for(_managed_event(slug, Permission.manage))


@blp.route("/events/<slug>/webhooks", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(WebhookIn)
@blp.response(201, WebhookCreatedOut)
@_documented(401, 403, 404, 422, 413, 415)
@_tag("webhooks")
def create_webhook(data, slug):
    """Register an https URL for the event's `registration.created`, `registration.cancelled`, `checkin.created`.

    The answer carries the signing `secret`, shown only here. A URL that is
    not https, whose host does not resolve, or resolves to a private,
    loopback, link-local or reserved address is 422 on `url`.
    """
    event = _managed_event(slug, Permission.manage)
    endpoint, secret = webhook_services.create_endpoint(event, _service_data(data), actor=g.api_user)
    db.session.commit()
    return {"id": endpoint.id, "url": endpoint.url, "event_types": endpoint.event_types,
            "active": endpoint.active, "created_at": endpoint.created_at, "secret": secret}


@blp.route("/events/<slug>/webhooks/<id:webhook_id>", methods=["DELETE"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(204)
@_documented(401, 403, 404)
@_tag("webhooks")
def delete_webhook(slug, webhook_id):
    """Remove a webhook URL and its deliveries."""
    event = _managed_event(slug, Permission.manage)
    webhook_services.remove_endpoint(webhook_services.find_endpoint(event, webhook_id), actor=g.api_user)
    db.session.commit()
    return ""
