from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from ..forms_common import AppForm, BangkokDateTimeField, REQUIRED

LANGUAGE_CHOICES = [SelectChoice("th", "ไทย"), SelectChoice("en", "English")]


class InviteForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254),
                                                 Email(_l("Not a valid e-mail address."))])
    name = StringField(_l("Name"), validators=[Length(max=200)], description=_l("e.g. นายสมชาย ใจดี"))
    organization = StringField(_l("Organization"), validators=[Length(max=300)])
    position = StringField(_l("Position"), validators=[Length(max=200)])
    language = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES, default="th")
    expires_at = BangkokDateTimeField(_l("Link valid until"), description=_l("Leave empty: until registration closes."))
    send = BooleanField(_l("Send the invitation by e-mail now"), default=True)

    def invitee(self):
        return {"email": self.email.data, "name": self.name.data, "organization": self.organization.data,
                "position": self.position.data, "language": self.language.data}


class ImportForm(AppForm):
    file = FileField(_l("CSV file"))
    text = TextAreaField(_l("Or paste the list"), validators=[Length(max=6_000_000)],
                         description=_l("Copy the rows from Excel or Google Sheets, the line with the column names first."))
    expires_at = BangkokDateTimeField(_l("Links valid until"), description=_l("Leave empty: until registration closes."))
    send = BooleanField(_l("Send the invitations by e-mail now"), default=True)

    def content(self):
        """The uploaded file's bytes, else the pasted text; None when neither was given."""
        upload = self.file.data
        if upload is not None and getattr(upload, "filename", ""):
            return upload.read()
        return self.text.data if (self.text.data or "").strip() else None


class DeclineForm(AppForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=1000)])
