"""The forms of comments: the organizer's settings and sections, the comment, moderation, the mailed link."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms_common import AppForm, BangkokDateTimeField, REQUIRED
from ..labels import SECTOR
from .models import CommentAccess

ACCESS_LABELS = {
    CommentAccess.registrants.value: _l("Registrants, through their personal link"),
    CommentAccess.email.value: _l("Anyone who confirms their e-mail address through a link mailed to them"),
}

STATUS_LABELS = {
    "pending": _l("Awaiting moderation"),
    "published": _l("Published"),
    "hidden": _l("Hidden"),
}


class SettingsForm(AppForm):
    opens_at = BangkokDateTimeField(_l("Comments open"), description=_l(
        "Empty: when the event is published."))
    closes_at = BangkokDateTimeField(_l("Comments close"), description=_l(
        "Empty: 15 days after they open, or when the hearing's last session ends if that is later."))
    access = RadioField(_l("Who may comment"), choices=[SelectChoice(k, v) for k, v in ACCESS_LABELS.items()],
                        default=CommentAccess.registrants.value)

    def service_data(self):
        return {"opens_at": self.opens_at.utc, "closes_at": self.closes_at.utc, "access": self.access.data}


class SectionsForm(AppForm):
    headings = TextAreaField(_l("Sections"), validators=[Length(max=40000)], description=_l(
        "One heading a line, in the document's order, e.g. ยุทธศาสตร์ที่ 1. A section that has comments cannot be "
        "removed; changing its heading's text removes it."), render_kw={"rows": 10})


class CommentForm(AppForm):
    place = SelectField(_l("Your comment is about"), choices=[], validate_choice=True)
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(REQUIRED)], render_kw={"rows": 8})
    show_name = RadioField(_l("On the public page"), choices=[SelectChoice("no", _l("Show my comment as anonymous")),
                                                           SelectChoice("yes", _l("Show my name with my comment"))],
                           default="no")
    name = StringField(_l("Name to show"), validators=[Optional(), Length(max=200)])
    sector = SelectField(_l("Sector"), choices=[SelectChoice(k, v) for k, v in SECTOR.items()])

    def set_places(self, places):
        self.place.choices = [SelectChoice(value, label) for value, label in places]

    def service_data(self):
        document, _sep, section = (self.place.data or "0-0").partition("-")
        return {"body": self.body.data, "document_id": int(document) if document not in ("", "0") else None,
                "section": int(section) if section not in ("", "0") else None,
                "show_name": self.show_name.data == "yes", "name": self.name.data, "sector": self.sector.data}


class HideForm(AppForm):
    reason = TextAreaField(_l("Reason for hiding"), validators=[DataRequired(REQUIRED), Length(max=1000)],
                           render_kw={"rows": 2})


class ReplyForm(AppForm):
    body = TextAreaField(_l("Reply (คำชี้แจง)"), render_kw={"rows": 3})


class AccessForm(AppForm):
    email = EmailField(_l("Your e-mail address"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(REQUIRED), Length(max=254), Email(_l("Not a valid e-mail address."))])
