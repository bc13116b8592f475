"""Marshmallow schemas of API v1: they validate the input and generate /api/v1/openapi.json."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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
    capacity = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
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
    venue_name_en = fields.String(validate=validate.Length(max=300))
    venue_room_en = fields.String(validate=validate.Length(max=200))
    venue_address_en = fields.String(validate=validate.Length(max=500))
    registration_mode = fields.String(validate=_choice(RegistrationMode))
    capacity = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
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


class SessionRef(Schema):
    id = fields.Integer()
    name_th = fields.String()
    name_en = fields.String()
    starts_at = fields.AwareDateTime()


class SessionOut(SessionRef):
    ends_at = fields.AwareDateTime()
    capacity = fields.Integer(allow_none=True)
    seats_left = fields.Integer(allow_none=True)
    stream_url = fields.String(attribute="public_stream_url", metadata={"description": "empty when the stream is for registrants only"})
    stream_visibility = fields.String()
    recording_url = fields.Method("_recording_url", metadata={"type": "string", "description": "empty until the session has ended"})

    def _recording_url(self, session):
        from .. import clock
        from ..livestream.services import public_recording_url

        return public_recording_url(session, clock.now())


class SessionOutForOrganizer(SessionOut):
    stream_url = fields.String()
    recording_url = fields.String()


class VenueOut(Schema):
    name = fields.String(attribute="venue_name")
    room = fields.String(attribute="venue_room")
    floor = fields.String(attribute="venue_floor")
    address = fields.String(attribute="venue_address")
    name_en = fields.String(attribute="venue_name_en")
    room_en = fields.String(attribute="venue_room_en")
    address_en = fields.String(attribute="venue_address_en")


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
    email = fields.String(validate=validate.Length(min=3, max=254), metadata={
        "description": "required, except with `invite`: then the invitation's e-mail applies"})
    phone = fields.String(validate=validate.Length(max=30))
    organization = fields.String(validate=validate.Length(max=300))
    position = fields.String(validate=validate.Length(max=200))
    sector = fields.String(required=True, validate=_choice(Sector))
    attendance = fields.String(validate=_choice(Attendance))
    sessions = fields.List(fields.Integer(strict=True), validate=validate.Length(max=100))
    consent_processing = fields.Boolean(required=True, truthy={True}, falsy={False})
    consent_listing = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    invite = fields.String(validate=validate.Length(max=200), metadata={
        "description": "the token of the personal link /events/<slug>/register?invite=<token>"})
    locale = fields.String(validate=validate.OneOf(["th", "en"]))

    @validates_schema(skip_on_field_errors=False)
    def _email_or_invite(self, data, **kwargs):
        if "email" not in data and "invite" not in data:
            raise ValidationError("Missing data for required field.", field_name="email")


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
    ticket_url = fields.String(allow_none=True, metadata={"description": "what the QR opens: /t/<code>"})
    qr_url = fields.String(allow_none=True, metadata={"description": "the ticket's QR code, PNG"})
    calendar_url = fields.String(allow_none=True, metadata={"description": "this person's sessions, .ics"})
    message = fields.String()


class CheckinIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata={
        "description": "the ticket code, or the whole ticket URL the QR holds"})
    session_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    nonce = fields.String(validate=validate.Regexp(r"^[\x21-\x7e]{1,64}$"), metadata={
        "description": "the scanner's key for this scan: a retry with the same nonce records nothing more"})


class CheckinHolder(Schema):
    name = fields.String()
    organization = fields.String()
    status = fields.String()


class CheckinOut(Schema):
    result = fields.String(metadata={"enum": ["checked_in", "already_checked_in"]})
    session_id = fields.Integer()
    checked_in_at = fields.AwareDateTime()
    checked_in_by = fields.String(allow_none=True)
    method = fields.String()
    registration = fields.Nested(CheckinHolder)


class SessionAttendanceOut(SessionRef):
    registered = fields.Integer()
    checked_in = fields.Integer()
    joined_online = fields.Integer()
    took_part = fields.Integer()


class BreakdownOut(Schema):
    key = fields.String(metadata={"description": "the sector, or the organization as typed"})
    registered = fields.Integer()
    took_part = fields.Integer()


class AttendanceOut(Schema):
    registered = fields.Integer()
    took_part = fields.Integer()
    sessions = fields.List(fields.Nested(SessionAttendanceOut))
    by_sector = fields.List(fields.Nested(BreakdownOut))
    by_organization = fields.List(fields.Nested(BreakdownOut))


class AttendeeOut(Schema):
    name = fields.String()
    organization = fields.String()
    sector = fields.String()


class AttendeeListOut(Schema):
    event = fields.String()
    registered = fields.Integer(metadata={"description": "everyone registered (confirmed), listed or not"})
    listed = fields.Integer()
    attendees = fields.List(fields.Nested(AttendeeOut))


class RegistrationQuery(Schema):
    status = fields.String(validate=_choice(RegistrationStatus))


class InviteeIn(Schema):
    """One invitee; each is checked on its own, and a bad one is reported in the answer, not refused with the call."""

    email = fields.String(required=True, validate=validate.Length(max=1000))
    name = fields.String(validate=validate.Length(max=1000))
    organization = fields.String(validate=validate.Length(max=1000))
    position = fields.String(validate=validate.Length(max=1000))
    language = fields.String(validate=validate.Length(max=20), metadata={"description": "th (default) or en"})


class InvitationsIn(Schema):
    invitees = fields.List(fields.Nested(InviteeIn), required=True, validate=validate.Length(min=1, max=20000))
    send = fields.Boolean(load_default=True, metadata={"description": "write the invitation e-mails (default true)"})
    expires_at = AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "when the links stop working; default: when registration closes"})


class RowErrorOut(Schema):
    code = fields.String(metadata={"enum": ["missing_email", "bad_email", "too_long", "invalid", "bad_language",
                                            "duplicate", "already_invited"]})
    message = fields.String()


class InvitationResultOut(Schema):
    """One invitee of the request, in the order given."""

    index = fields.Integer()
    email = fields.String()
    status = fields.String(metadata={"enum": ["pending", "rejected"]})
    id = fields.Integer(allow_none=True)
    invite_url = fields.String(allow_none=True, metadata={"description": "the personal link, given only in this answer"})
    error = fields.Nested(RowErrorOut, allow_none=True)


class InvitationsCreatedOut(Schema):
    invited = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(InvitationResultOut))


class InvitationOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    organization = fields.String()
    position = fields.String()
    language = fields.String(attribute="locale")
    status = fields.Function(lambda inv: inv.state().value, metadata={"enum": ["pending", "sent", "registered",
                                                                               "declined", "revoked", "expired"]})
    status_at = fields.Function(lambda inv: _iso(inv.state_time()))
    send_count = fields.Integer()
    sent_at = fields.AwareDateTime(allow_none=True)
    decline_reason = fields.String()
    expires_at = fields.Function(lambda inv: _iso(inv.effective_expiry()))
    created_at = fields.AwareDateTime()


def _iso(value):
    return value.isoformat() if value else None


class InvitationQuery(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "sent", "registered", "declined", "revoked", "expired"]))
    q = fields.String(validate=validate.Length(max=100))


class ErrorBody(Schema):
    code = fields.String()
    message = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)
