"""Marshmallow schemas of API v1: they validate the input and generate /api/v1/openapi.json."""
from marshmallow import Schema, fields, validate

from ..events.models import EventFormat, EventKind, EventStatus, RegistrationMode, StreamVisibility
from ..registration.models import Attendance, RegistrationStatus, Sector


def _choice(enum_cls):
    return validate.OneOf([m.value for m in enum_cls])


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with a time zone; a time without one is taken as Bangkok time."""

    def __init__(self, **kwargs):
        from ..timefmt import BANGKOK

        super().__init__(default_timezone=BANGKOK, **kwargs)


class SessionIn(Schema):
    name_th = fields.String(required=True, validate=validate.Length(min=1, max=300))
    name_en = fields.String(validate=validate.Length(max=300))
    starts_at = AwareDateTime(required=True)
    ends_at = AwareDateTime(required=True)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    stream_url = fields.String(validate=validate.Length(max=500))
    stream_visibility = fields.String(validate=_choice(StreamVisibility))
    recording_url = fields.String(validate=validate.Length(max=500))


class SessionPatch(SessionIn):
    """The same fields as SessionIn; used with partial=True."""


class EventFields(Schema):
    slug = fields.String(validate=validate.Length(min=1, max=80))
    title_th = fields.String(validate=validate.Length(min=1, max=300))
    title_en = fields.String(validate=validate.Length(max=300))
    description_th = fields.String(validate=validate.Length(max=20000))
    description_en = fields.String(validate=validate.Length(max=20000))
    organizer_name_th = fields.String(validate=validate.Length(max=300))
    organizer_name_en = fields.String(validate=validate.Length(max=300))
    kind = fields.String(validate=_choice(EventKind))
    format = fields.String(validate=_choice(EventFormat))
    venue_name = fields.String(validate=validate.Length(max=300))
    venue_room = fields.String(validate=validate.Length(max=200))
    venue_floor = fields.String(validate=validate.Length(max=50))
    venue_address = fields.String(validate=validate.Length(max=500))
    registration_mode = fields.String(validate=_choice(RegistrationMode))
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    waitlist = fields.Boolean()
    registration_opens_at = AwareDateTime(allow_none=True)
    registration_closes_at = AwareDateTime(allow_none=True)
    status = fields.String(validate=_choice(EventStatus))
    contact_name = fields.String(validate=validate.Length(max=200))
    contact_phone = fields.String(validate=validate.Length(max=50))
    contact_email = fields.Email(validate=validate.Length(max=254))
    attendee_list_published = fields.Boolean()


class EventCreate(EventFields):
    slug = fields.String(required=True, validate=validate.Length(min=1, max=80))
    title_th = fields.String(required=True, validate=validate.Length(min=1, max=300))
    sessions = fields.List(fields.Nested(SessionIn), validate=validate.Length(max=100), load_default=list)


class EventPatch(EventFields):
    pass


class SessionOut(Schema):
    id = fields.Integer()
    name_th = fields.String()
    name_en = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    capacity = fields.Integer(allow_none=True)
    seats_left = fields.Integer(allow_none=True)
    stream_url = fields.String(attribute="public_stream_url", metadata={"description": "empty when the stream is for registrants only"})
    stream_visibility = fields.String()
    recording_url = fields.String()


class SessionOutForOrganizer(SessionOut):
    stream_url = fields.String()


class VenueOut(Schema):
    name = fields.String(attribute="venue_name")
    room = fields.String(attribute="venue_room")
    floor = fields.String(attribute="venue_floor")
    address = fields.String(attribute="venue_address")


class ContactOut(Schema):
    name = fields.String(attribute="contact_name")
    phone = fields.String(attribute="contact_phone")
    email = fields.String(attribute="contact_email")


class EventOut(Schema):
    slug = fields.String()
    url = fields.Method("_url")
    kind = fields.String()
    status = fields.String()
    title_th = fields.String()
    title_en = fields.String()
    description_th = fields.String()
    description_en = fields.String()
    organizer_name_th = fields.String()
    organizer_name_en = fields.String()
    format = fields.String()
    venue = fields.Function(lambda e: VenueOut().dump(e))
    contact = fields.Function(lambda e: ContactOut().dump(e))
    registration_mode = fields.String()
    registration = fields.Method("_registration")
    capacity = fields.Integer(allow_none=True)
    seats_left = fields.Integer(allow_none=True)
    waitlist = fields.Boolean()
    registration_opens_at = fields.AwareDateTime(allow_none=True)
    registration_closes_at = fields.AwareDateTime(allow_none=True)
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    view_count = fields.Integer()
    attendee_list_published = fields.Boolean()
    sessions = fields.List(fields.Nested(SessionOut))

    def _url(self, event):
        from flask import current_app

        return f"{current_app.config['BASE_URL']}/events/{event.slug}"

    def _registration(self, event):
        from ..registration.services import window_state

        return window_state(event)


class EventOutForOrganizer(EventOut):
    sessions = fields.List(fields.Nested(SessionOutForOrganizer))
    seats_taken = fields.Integer()


class RegistrationIn(Schema):
    title_prefix = fields.String(validate=validate.Length(max=50))
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    phone = fields.String(validate=validate.Length(max=30))
    organization = fields.String(validate=validate.Length(max=300))
    position = fields.String(validate=validate.Length(max=200))
    sector = fields.String(required=True, validate=_choice(Sector))
    attendance = fields.String(validate=_choice(Attendance))
    sessions = fields.List(fields.Integer(strict=True), validate=validate.Length(max=100))
    consent_processing = fields.Boolean(required=True, truthy={True}, falsy={False})
    consent_listing = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    invite = fields.String(validate=validate.Length(max=200))
    locale = fields.String(validate=validate.OneOf(["th", "en"]))


class RegistrationOut(Schema):
    id = fields.Integer()
    status = fields.String()
    event = fields.Function(lambda r: r.event.slug)
    first_name = fields.String()
    last_name = fields.String()
    title_prefix = fields.String()
    organization = fields.String()
    position = fields.String()
    sector = fields.String()
    email = fields.String()
    phone = fields.String()
    attendance = fields.String()
    sessions = fields.Function(lambda r: [s.id for s in r.sessions])
    consent_listing = fields.Boolean()
    created_at = fields.AwareDateTime()
    confirmed_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)


class RegistrationCreated(Schema):
    """What the person who registered gets back (no other person's data)."""

    status = fields.String(allow_none=True, metadata={
        "enum": [s.value for s in RegistrationStatus],
        "description": "null when the e-mail was registered already and no Idempotency-Key proves the caller is that person"})
    created = fields.Boolean()
    event = fields.String()
    sessions = fields.List(fields.Integer())
    attendance = fields.String(allow_none=True)
    manage_url = fields.String(allow_none=True, metadata={
        "description": "the personal page; only on creation, or to a repeat carrying the same Idempotency-Key"})
    message = fields.String()


class RegistrationQuery(Schema):
    status = fields.String(validate=_choice(RegistrationStatus))


class ErrorBody(Schema):
    code = fields.String()
    message = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)
