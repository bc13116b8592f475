from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from .. import labels
from ..forms_common import AppForm, BangkokDateTimeField, REQUIRED


# The description is Markdown (eventsvc/richtext.py): say how to write the three things it is for.
MARKDOWN_HINT = _l("A blank line starts a new paragraph; lines starting with \"- \" or \"1. \" make a list; "
                   "[text](https://...) makes a link. HTML is shown as typed.")


class EventForm(AppForm):
    # Optional on a new event: left empty, it is made from the English title (events/services.suggest_slug).
    slug = StringField(_l("Web address (slug)"), validators=[Length(max=80)],
                       description=_l("Lower-case letters, digits and dashes, e.g. digital-plan-2566. "
                                      "Leave empty to make it from the English title."))
    kind = SelectField(_l("Kind of event"), choices=labels.choices("kind"))
    title_th = StringField(_l("Title (Thai)"), validators=[DataRequired(REQUIRED), Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])
    organizer_name_th = StringField(_l("Organized by (Thai)"), validators=[Length(max=300)])
    organizer_name_en = StringField(_l("Organized by (English)"), validators=[Length(max=300)])
    description_th = TextAreaField(_l("Description (Thai)"), validators=[Length(max=20000)], description=MARKDOWN_HINT)
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=20000)], description=MARKDOWN_HINT)
    format = SelectField(_l("Format"), choices=labels.choices("format"))
    venue_name = StringField(_l("Venue"), validators=[Length(max=300)])
    venue_room = StringField(_l("Room"), validators=[Length(max=200)])
    venue_floor = StringField(_l("Floor"), validators=[Length(max=50)])
    venue_address = StringField(_l("Address"), validators=[Length(max=500)])
    venue_name_en = StringField(_l("Venue (English)"), validators=[Length(max=300)])
    venue_room_en = StringField(_l("Room (English)"), validators=[Length(max=200)])
    venue_address_en = StringField(_l("Address (English)"), validators=[Length(max=500)])
    registration_mode = SelectField(_l("Who may attend"), choices=labels.choices("registration_mode"))
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=0, max=1_000_000)],
                            description=_l("Leave empty for no limit."))
    waitlist = BooleanField(_l("Keep a waitlist when full"), default=True)
    registration_opens_at = BangkokDateTimeField(_l("Registration opens"))
    registration_closes_at = BangkokDateTimeField(_l("Registration closes"),
                                                  description=_l("Leave empty to close when the event ends."))
    contact_name = StringField(_l("Contact person"), validators=[Length(max=200)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=50)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])

    def service_data(self):
        data = {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "registration_opens_at", "registration_closes_at")}
        data["registration_opens_at"] = self.registration_opens_at.utc
        data["registration_closes_at"] = self.registration_closes_at.utc
        return data

    def checked_data(self):
        """service_data() of the fields the form itself accepted: the service checks them in the same round."""
        data = self.service_data()
        return {name: value for name, value in data.items() if not self._fields[name].errors}


class SessionForm(AppForm):
    name_th = StringField(_l("Session name (Thai)"), validators=[DataRequired(REQUIRED), Length(max=300)],
                          description=_l("e.g. ช่วงเช้า"))
    name_en = StringField(_l("Session name (English)"), validators=[Length(max=300)])
    starts_at = BangkokDateTimeField(_l("Starts"), validators=[DataRequired(REQUIRED)])
    ends_at = BangkokDateTimeField(_l("Ends"), validators=[DataRequired(REQUIRED)])
    capacity = IntegerField(_l("Capacity of this session"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    stream_url = URLField(_l("Livestream link"), validators=[Length(max=500)])
    stream_visibility = SelectField(_l("Who may see the livestream link"), choices=labels.choices("stream_visibility"))
    recording_url = URLField(_l("Recording link"), validators=[Length(max=500)])

    def service_data(self):
        data = {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "starts_at", "ends_at")}
        data["starts_at"] = self.starts_at.utc
        data["ends_at"] = self.ends_at.utc
        return data


class AttachmentForm(AppForm):
    title = StringField(_l("Document title"), validators=[Length(max=300)])
    file = FileField(_l("File"), validators=[FileRequired(REQUIRED)])


class CancelForm(AppForm):
    """The cancel dialog: the reason is required, and sent as typed to everyone affected."""

    reason = TextAreaField(_l("Reason for the cancellation"), validators=[DataRequired(REQUIRED), Length(max=2000)],
                           description=_l("Sent as you type it to everyone who is told, and shown on the event's pages."))


class DuplicateForm(AppForm):
    """A new draft from an event: its new address and the day of its first session."""

    slug = StringField(_l("Web address (slug) of the copy"), validators=[DataRequired(REQUIRED), Length(max=80)],
                       description=_l("Lower-case letters, digits and dashes, e.g. digital-plan-2566."))
    starts_on = DateField(_l("Day of the first session"), validators=[DataRequired(REQUIRED)],
                          description=_l("Every session moves with it, keeping its time of day and length; "
                                         "the registration window moves by the same number of days."))
    with_documents = BooleanField(_l("Copy the documents too"))

    def service_data(self):
        return {"slug": self.slug.data, "starts_on": self.starts_on.data, "with_documents": bool(self.with_documents.data)}
