"""The organizer's forms: a message to a filtered set of people, and the event's own paragraph in its mails."""
from flask_babel import lazy_gettext as _l
import hashlib
import json

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from .. import labels
from ..forms_common import AppForm, BangkokDateTimeField, REQUIRED
from ..templating import current_locale
from ..timefmt import format_day
from ..richtext import MAX_LENGTH as BODY_MAX_LENGTH
from .services import INVITATION_FILTERS, NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH

ANY = SelectChoice("", _l("Anyone"))
YES_NO = [ANY, SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
INVITATION_CHOICES = {
    "unanswered": _l("Invited, not answered yet (not registered, not declined)"),
    "declined": _l("Declined"),
    "expired": _l("Did not answer before the link expired"),
}


class MessageForm(AppForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(REQUIRED), Length(max=SUBJECT_MAX_LENGTH)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(REQUIRED), Length(max=BODY_MAX_LENGTH)],
                         render_kw={"rows": 10},
                         description=_l("Plain text: a blank line starts a new paragraph; \"- \" starts a list item; "
                                        "[text](https://...) is a link."))
    status = SelectField(_l("Registration status"), default="",
                         description=_l("Anyone: confirmed and waitlisted people (cancelled ones only when chosen)."))
    session_id = SelectField(_l("Session"), default="")
    attendance = SelectField(_l("Attendance"), default="")
    sector = SelectField(_l("Sector"), default="")
    checked_in = SelectField(_l("Checked in"), choices=YES_NO, default="",
                             description=_l("At the door, on the chosen session or on any."))
    joined = SelectField(_l("Joined online"), choices=YES_NO, default="",
                         description=_l("Through their join link, on the chosen session or on any."))
    invitation_status = SelectField(_l("Invitees instead of registrants"), default="",
                                    description=_l("Invitees are chosen by their answer alone: leave the other "
                                                   "filters on Anyone."))
    when = RadioField(_l("When"), choices=[SelectChoice("now", _l("Send now")), SelectChoice("later", _l("At a set time"))], default="now")
    send_at = BangkokDateTimeField(_l("Send at (Bangkok time)"))
    # What the last preview showed (digest()): "Send" sends only what was previewed.
    previewed = HiddenField()

    def __init__(self, event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [ANY, *labels.choices("registration_status")]
        locale = current_locale()
        self.session_id.choices = [ANY, *[SelectChoice(str(s.id), f"{s.name(locale)}, {format_day(s.starts_at, locale)}")
                                          for s in event.sessions]]
        self.attendance.choices = [ANY, *labels.choices("attendance")]
        self.sector.choices = [ANY, *labels.choices("sector")]
        self.invitation_status.choices = [SelectChoice("", _l("No: registrants")),
                                          *[SelectChoice(v, INVITATION_CHOICES[v]) for v in INVITATION_FILTERS]]

    def validate_send_at(self, field):
        if self.when.data == "later" and field.data is None:
            raise ValueError(_l("Choose the date and time it goes."))

    def message(self):
        """What the services take: the filter's values typed as the API sends them."""
        flags = {"yes": True, "no": False}
        filter_ = {"status": self.status.data, "session_id": self.session_id.data, "attendance": self.attendance.data,
                   "sector": self.sector.data, "checked_in": flags.get(self.checked_in.data),
                   "joined": flags.get(self.joined.data), "invitation_status": self.invitation_status.data}
        return {"subject": self.subject.data, "body": self.body.data,
                "filter": {key: value for key, value in filter_.items() if value not in (None, "")},
                "send_at": self.send_at.utc if self.when.data == "later" else None}

    def digest(self):
        return hashlib.sha256(json.dumps(self.message(), default=str, sort_keys=True).encode()).hexdigest()


class NotesForm(AppForm):
    confirmation_note_th = TextAreaField(_l("In the confirmation, in Thai"), validators=[Length(max=NOTE_MAX_LENGTH)])
    confirmation_note_en = TextAreaField(_l("In the confirmation, in English"), validators=[Length(max=NOTE_MAX_LENGTH)],
                                         description=_l("Leave empty: English mails show the Thai paragraph."))
    reminder_note_th = TextAreaField(_l("In the reminders, in Thai"), validators=[Length(max=NOTE_MAX_LENGTH)])
    reminder_note_en = TextAreaField(_l("In the reminders, in English"), validators=[Length(max=NOTE_MAX_LENGTH)],
                                     description=_l("Leave empty: English mails show the Thai paragraph."))
