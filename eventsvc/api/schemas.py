"""Marshmallow schemas of API v1: they validate the input and generate /api/v1/openapi.json."""
import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from ..events.models import EventFormat, EventKind, EventStatus, RegistrationMode, StreamVisibility
from ..events.services import get_event
from ..questions.models import QuestionKind
from ..questions.services import questions_of
from ..registration.models import Attendance, RegistrationStatus, Sector


def _choice(enum_cls):
    return validate.OneOf([m.value for m in enum_cls])


# The rules below are the services' own (events/services.py, registration/services.py),
# said here too so that the OpenAPI document states them: a client (or schemathesis)
# that follows the document is not refused.

# No control characters (Unicode category Cc), as the services refuse them.
NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
# ...and, in text of several lines, except line breaks and tabs.
NO_CONTROL_MULTILINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
# Not blank: the services strip spaces, and a required name must keep something.
NOT_BLANK = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
HTTPS_LINK = r"^(https://[^\s\x00-\x1f\x7f-\x9f]*)?$"
SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$"
# ISO 8601 as marshmallow reads it, the zone optional (then Bangkok time); years
# 2001 to 2198 as written: the services keep 2000-2199 in UTC, which a zone
# written next to the first or last day could leave.
DATE_TIME = (r"^(200[1-9]|20[1-9][0-9]|21[0-8][0-9]|219[0-8])-"
             r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))"
             r"[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?$")


class Pattern(validate.Validator):
    """A regular expression the OpenAPI document shows (apispec reads `regex`), refused with the services' message."""

    def __init__(self, pattern):
        self.regex = re.compile(pattern)

    def __call__(self, value):
        if self.regex.match(value):
            return value
        return self._refuse(value)

    def _refuse(self, value):
        if self.regex.pattern == SLUG:
            raise ValidationError([_l("Use 1–80 lower-case letters, digits and dashes.")])
        if self.regex.pattern == NOT_BLANK and not value.strip():
            raise ValidationError([_l("This field is required.")])
        if isinstance(self, StreamLink) and not value.startswith("https://"):
            raise ValidationError([_l("The link must start with https://.")])
        if isinstance(self, StreamLink):
            raise ValidationError([_l("Not a valid link.")])
        raise ValidationError([_l("Control characters are not allowed.")])


def text(*, pattern=NO_CONTROL, max_length=None, min_length=None, **kwargs):
    """A string field whose rules the OpenAPI document states: its length and what it may contain."""
    validators = [Pattern(pattern)]
    if max_length is not None or min_length is not None:
        validators.insert(0, validate.Length(min=min_length, max=max_length))
    return fields.String(validate=validators, **kwargs)


_DATE_TIME = re.compile(DATE_TIME)


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with a time zone; a time without one is taken as Bangkok time (Asia/Bangkok, UTC+7).

    Documented by its pattern, not as `format: date-time`: that format wants a zone.
    """

    def __init__(self, **kwargs):
        from ..timefmt import BANGKOK

        metadata = kwargs.pop("metadata", {})
        description = metadata.get("description", "")
        metadata["description"] = ((description + "; ") if description else "") + (
            "ISO 8601 date and time, e.g. 2027-02-25T09:30:00+07:00; without a zone, Bangkok time "
            "(Asia/Bangkok, UTC+7); years 2001 to 2198; 29 February only in a leap year")
        metadata["pattern"] = DATE_TIME
        super().__init__(default_timezone=BANGKOK, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not _DATE_TIME.match(value):
            raise ValidationError([_l("A date and time (ISO 8601) between the years 2001 and 2198.")])
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """true or false, as the document says: not 1, "yes" or "on" (and 1 == True in a Python set)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class BoundedList(fields.List):
    """A list whose length (validate.Length) is checked before any item is converted.

    marshmallow converts every item, then validates the length: a list of a
    million items would be converted whole only to be refused.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            for validator in self.validators:
                if isinstance(validator, validate.Length):
                    validator(value)
        return super()._deserialize(value, attr, data, **kwargs)


class StreamLink(Pattern):
    """https, on a host of EVENTSVC_STREAM_HOSTS: the document's pattern lists the hosts this server allows."""

    def __init__(self):
        super().__init__(HTTPS_LINK)

    @property
    def regex(self):
        from flask import current_app, has_app_context

        if not has_app_context():
            return self._https
        hosts = [h.strip().lower() for h in current_app.config["STREAM_HOSTS"] if h.strip()]
        names = "|".join(r"[a-z0-9-]+(\.[a-z0-9-]+)*" + re.escape(h[1:]) if h.startswith("*.") else re.escape(h)
                         for h in hosts)
        return re.compile(r"^(https://(" + names + r")([/?#][^\s\x00-\x1f\x7f-\x9f]*)?)?$")

    @regex.setter
    def regex(self, value):
        self._https = value

    def __call__(self, value):
        # The services check the host (and say which hosts), after this.
        if self._https.match(value):
            return value
        return self._refuse(value)


def _link(description):
    return fields.String(validate=[validate.Length(max=500), StreamLink()], metadata={"description": description + (
        "; https only, on a host of EVENTSVC_STREAM_HOSTS (the pattern lists them); empty: no link")})


class SessionIn(Schema):
    """A session; it must end after it starts."""

    name_th = text(pattern=NOT_BLANK, min_length=1, max_length=300, required=True)
    name_en = text(max_length=300)
    starts_at = AwareDateTime(required=True)
    ends_at = AwareDateTime(required=True, metadata={"description": "after starts_at"})
    capacity = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    stream_url = _link("the livestream")
    stream_visibility = fields.String(validate=_choice(StreamVisibility))
    recording_url = _link("the recording")

    @validates_schema(skip_on_field_errors=False)  # in the same round as the fields' own errors
    def _ends_after_it_starts(self, data, **kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError([_l("The session must end after it starts.")], field_name="ends_at")


class SessionPatch(SessionIn):
    """The same fields as SessionIn; used with partial=True. A new time must still end after the session starts."""


SLUG_DESCRIPTION = "the event's address, /events/<slug>; it cannot change once the event is published (422)"


class EventFields(Schema):
    """An event's fields. Registration must close after it opens."""

    slug = text(pattern=SLUG, min_length=1, max_length=80, metadata={"description": SLUG_DESCRIPTION})
    title_th = text(pattern=NOT_BLANK, min_length=1, max_length=300)
    title_en = text(max_length=300)
    description_th = text(pattern=NO_CONTROL_MULTILINE, max_length=20000)
    description_en = text(pattern=NO_CONTROL_MULTILINE, max_length=20000)
    organizer_name_th = text(max_length=300)
    organizer_name_en = text(max_length=300)
    kind = fields.String(validate=_choice(EventKind))
    format = fields.String(validate=_choice(EventFormat))
    venue_name = text(max_length=300)
    venue_room = text(max_length=200)
    venue_floor = text(max_length=50)
    venue_address = text(pattern=NO_CONTROL_MULTILINE, max_length=500)
    venue_name_en = text(max_length=300)
    venue_room_en = text(max_length=200)
    venue_address_en = text(pattern=NO_CONTROL_MULTILINE, max_length=500)
    registration_mode = fields.String(validate=_choice(RegistrationMode))
    capacity = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    waitlist = StrictBoolean()
    registration_opens_at = AwareDateTime(allow_none=True)
    registration_closes_at = AwareDateTime(allow_none=True, metadata={"description": "after registration_opens_at"})
    status = fields.String(validate=_choice(EventStatus))
    contact_name = text(max_length=200)
    contact_phone = text(max_length=50)
    contact_email = fields.Email(validate=[validate.Length(max=254), Pattern(NO_CONTROL)], metadata={
        "description": "checked as a deliverable address (special-use domains such as .test or .local are refused, 422)"})
    attendee_list_published = StrictBoolean()

    @validates_schema(skip_on_field_errors=False)  # in the same round as the fields' own errors
    def _closes_after_it_opens(self, data, **kwargs):
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if opens and closes and closes <= opens:
            raise ValidationError([_l("Registration must close after it opens.")], field_name="registration_closes_at")


class EventCreate(EventFields):
    slug = text(pattern=SLUG, min_length=1, max_length=80, required=True, metadata={"description": SLUG_DESCRIPTION})
    title_th = text(pattern=NOT_BLANK, min_length=1, max_length=300, required=True)
    sessions = BoundedList(fields.Nested(SessionIn), validate=validate.Length(max=100), load_default=list)

    @validates("slug")
    def _slug_is_free(self, value, **kwargs):
        # Stored state, asked here as well as in the service, so that a taken address comes back in the
        # same round as the other fields' errors (the service alone would only run once they are fixed).
        if get_event(value) is not None:
            raise ValidationError([_l("This address is already taken.")])


class EventPatch(EventFields):
    # With "status": "cancelled": the organizer's reason, sent as typed to everyone who is told.
    cancel_reason = fields.String(validate=validate.Length(max=2000))


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


class ChoiceOut(Schema):
    key = fields.String(metadata={"description": "what an answer sends and keeps (labels may be corrected later)"})
    th = fields.String()
    en = fields.String()


class QuestionOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in QuestionKind]})
    label_th = fields.String()
    label_en = fields.String()
    required = fields.Boolean()
    choices = fields.List(fields.Nested(ChoiceOut), metadata={"description": "empty for the text kinds"})


class EventQuestions(fields.List):
    """An event's questions, read from the questions capability (the event has no such attribute)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return questions_of(obj)


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


class EventDetailOut(EventOut):
    """One event: with its registration questions (the list of events leaves them out: a query per event)."""

    questions = EventQuestions(fields.Nested(QuestionOut), dump_only=True, metadata={
        "description": "the registration form's questions, in their order; answer them in `answers` when registering"})


class EventOutForOrganizer(EventDetailOut):
    sessions = fields.List(fields.Nested(SessionOutForOrganizer))
    seats_taken = fields.Integer()


class RegistrationIn(Schema):
    title_prefix = text(max_length=50)
    first_name = text(pattern=NOT_BLANK, min_length=1, max_length=100, required=True)
    last_name = text(pattern=NOT_BLANK, min_length=1, max_length=100, required=True)
    email = fields.String(validate=validate.Length(min=3, max=254), metadata={
        "format": "email", "description": "required, except with `invite`: then the invitation's e-mail applies "
        "(an organizer adding someone by hand always gives it: the invitation is not used then, 422 without it); "
        "checked as a deliverable address (special-use domains such as .test or .local are refused, 422)"})
    phone = text(max_length=30)
    organization = text(max_length=300)
    position = text(max_length=200)
    sector = fields.String(required=True, validate=_choice(Sector))
    attendance = fields.String(validate=_choice(Attendance), metadata={
        "description": "required when the event is both on site and online (format hybrid): 422 without it"})
    sessions = BoundedList(fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)),
                           validate=validate.Length(max=100), metadata={"description": "ids of this event's sessions"})
    consent_processing = StrictBoolean(required=True, validate=validate.Equal(True, error=_l("We need your consent to process your data to register you.")),
                                        metadata={"description": "the person's consent to process their data: must be true"})
    consent_listing = StrictBoolean(load_default=False)
    invite = fields.String(validate=validate.Length(max=200), metadata={
        "description": "the token of the personal link /events/<slug>/register?invite=<token>"})
    locale = fields.String(validate=validate.OneOf(["th", "en"]))
    added_by_organizer = StrictBoolean(load_default=False, metadata={
        "description": "with a token of the event's team that may manage it (403 otherwise): a registration entered "
        "by hand (a walk-in, a phone call), the person's consent confirmed by the organizer; the registration "
        "window and the invitation do not apply, the capacity does (the waitlist, or 409 full)"})
    override_capacity = StrictBoolean(load_default=False, metadata={
        "description": "implies added_by_organizer (the same token, 403 otherwise): when the event or a chosen "
        "session is full, its capacity is raised by one for this person (recorded in the audit trail)"})
    answers = fields.Dict(
        keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
            "description": "answers to the event's `questions`, by question id: text for `short_text` (at most 300 "
            "characters) and `long_text` (3000), a choice's `key` for `one_choice`, a list of keys for "
            "`several_choices`; a required question needs one. A wrong answer is a 422 with the field "
            "`answers.<id>`"})

    @validates_schema(skip_on_field_errors=False)
    def _email_or_invite(self, data, **kwargs):
        if "email" not in data and "invite" not in data:
            raise ValidationError("Missing data for required field.", field_name="email")
        if "email" not in data and (data.get("added_by_organizer") or data.get("override_capacity")):
            raise ValidationError(_l("Give the e-mail of the person you add by hand: an invitation is not used then."),
                                  field_name="email")


class ResendLinkIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(min=3, max=254))


class ResendLinkOut(Schema):
    message = fields.String()


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
    added_by_organizer = fields.Boolean()
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
    invitees = BoundedList(fields.Nested(InviteeIn), required=True, validate=validate.Length(min=1, max=20000))
    send = StrictBoolean(load_default=True, metadata={"description": "write the invitation e-mails (default true)"})
    expires_at = AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "when the links stop working, in the future (422 otherwise); default: when registration closes"})


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
    code = fields.String(required=True, metadata={"description": "stable, for programs: invalid, not_found, too_large..."})
    message = fields.String(required=True, metadata={"description": "for people, in the language of Accept-Language (Thai by default)"})
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "the field errors, by field (sessions.0.starts_at for a list's item)"})


class ErrorOut(Schema):
    """Every error of this API."""

    error = fields.Nested(ErrorBody, required=True)


# Examples in the document, for the main calls (from the seeds: a public hearing on a draft plan).
EXAMPLE_EVENT = {
    "slug": "hearing-draft-plan-2027",
    "title_th": "การรับฟังความคิดเห็นต่อ (ร่าง) แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ",
    "title_en": "Public hearing on the draft national economic and social development plan",
    "kind": "public_hearing",
    "format": "hybrid",
    "registration_mode": "open",
    "capacity": 300,
    "waitlist": True,
    "venue_name": "ศูนย์ประชุมแห่งชาติสิริกิติ์",
    "venue_room": "ห้องบอลรูม",
    "venue_floor": "ชั้น 3",
    "registration_closes_at": "2027-02-20T16:30:00",
    "contact_name": "สมหญิง ใจดี",
    "contact_email": "hearing@example.go.th",
    "status": "published",
    "sessions": [
        {"name_th": "ช่วงเช้า", "name_en": "Morning", "starts_at": "2027-02-25T09:00:00",
         "ends_at": "2027-02-25T12:00:00", "stream_url": "https://www.youtube.com/watch?v=example",
         "stream_visibility": "public"},
        {"name_th": "ช่วงบ่าย", "name_en": "Afternoon", "starts_at": "2027-02-25T13:00:00",
         "ends_at": "2027-02-25T16:00:00", "stream_visibility": "registrants"},
    ],
}
EXAMPLE_REGISTRATION = {
    "title_prefix": "นาย",
    "first_name": "สมชาย",
    "last_name": "ใจดี",
    "email": "somchai@example.org",
    "organization": "สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ",
    "sector": "government",
    "attendance": "onsite",
    "consent_processing": True,
    "consent_listing": False,
}
EXAMPLE_REGISTERED = {
    "status": "confirmed",
    "created": True,
    "event": "hearing-draft-plan-2027",
    "sessions": [1, 2],
    "attendance": "onsite",
    "manage_url": "https://events.example.go.th/my/7cTq...",
    "ticket_url": "https://events.example.go.th/t/AbC...",
    "qr_url": "https://events.example.go.th/t/AbC.../qr.png",
    "calendar_url": "https://events.example.go.th/my/7cTq.../calendar.ics",
    "message": "ลงทะเบียนเรียบร้อยแล้ว",
}
