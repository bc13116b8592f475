from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TelField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import labels
from ..forms_common import AppForm, REQUIRED

TITLE_PREFIXES = ["นาย", "นาง", "นางสาว", "ดร.", "ผศ.", "รศ.", "ศ.", "Mr.", "Ms.", "Mrs.", "Dr."]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RegistrationForm(AppForm):
    title_prefixes = TITLE_PREFIXES
    question_fields = ()  # the names of the fields added for the event's questions (questions.forms.with_questions)

    submission_key = HiddenField()
    title_prefix = StringField(_l("Name prefix"), validators=[Length(max=50)], description=_l("e.g. นาย, นาง, นางสาว, ดร."))
    first_name = StringField(_l("First name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    organization = StringField(_l("Organization"), validators=[Length(max=300)])
    position = StringField(_l("Position"), validators=[Length(max=200)])
    sector = SelectField(_l("Sector"), choices=[SelectChoice("", _l("— choose —"))] + labels.choices("sector"),
                         validators=[DataRequired(_l("Please choose a sector."))])
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254),
                                                 Email(_l("Not a valid e-mail address."))])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=30)])
    attendance = RadioField(_l("I will attend"), choices=labels.choices("attendance"), validators=[Optional()])
    sessions = MultiCheckboxField(_l("Sessions"), coerce=int, validators=[Optional()])
    consent_processing = BooleanField(validators=[DataRequired(_l("We need your consent to process your data to register you."))])
    consent_listing = BooleanField(default=False)

    def service_data(self, locale):
        return {
            "title_prefix": self.title_prefix.data,
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "organization": self.organization.data,
            "position": self.position.data,
            "sector": self.sector.data,
            "email": self.email.data,
            "phone": self.phone.data,
            "attendance": self.attendance.data,
            "sessions": self.sessions.data,
            "consent_processing": bool(self.consent_processing.data),
            "consent_listing": bool(self.consent_listing.data),
            "locale": locale,
        }


class EditRegistrationForm(RegistrationForm):
    """The registrant changes their details and sessions (consent to processing was given at registration)."""

    submission_key = None
    consent_processing = None
    DETAILS = ("title_prefix", "first_name", "last_name", "organization", "position", "sector", "email", "phone",
               "attendance", "sessions")

    def details(self):
        return {name: getattr(self, name).data for name in self.DETAILS}

    def service_data(self, locale):
        return {**self.details(), "consent_listing": bool(self.consent_listing.data)}


class MyLinkForm(AppForm):
    """"Lost your link?": an e-mail address in; the same answer whatever it is."""

    email = EmailField(_l("E-mail you registered with"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(REQUIRED), Length(max=254), Email(_l("Not a valid e-mail address."))])


class AddRegistrationForm(RegistrationForm):
    """The event's team registers someone by hand (a walk-in, a phone call): they confirm the person's consent."""

    consent_processing = BooleanField(
        _l("The person agreed to the processing of their data for this event"),
        validators=[DataRequired(_l("Confirm that the person agreed to the processing of their data."))])
    consent_listing = BooleanField(_l("The person agreed to be shown in the public list of participants"),
                                   default=False)
    locale = RadioField(_l("Language of their e-mails"), choices=[SelectChoice("th", "ไทย"), SelectChoice("en", "English")], default="th")
    override_capacity = BooleanField(
        _l("Over capacity if full: raise the capacity by one for this person"), default=False,
        description=_l("Without it, a full event puts the person on the waitlist (or refuses them without one)."))

    def service_data(self, locale=None):
        return super().service_data(self.locale.data if self.locale.data in ("th", "en") else "th")


class CorrectRegistrationForm(EditRegistrationForm):
    """The event's team corrects a registrant's details and sessions (consent to be listed stays theirs)."""

    consent_listing = None

    def service_data(self, locale=None):
        return self.details()
