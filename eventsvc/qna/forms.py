"""The registrant's question form."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms_common import REQUIRED, AppForm
from .services import BODY_MAX, NAME_MAX


class AskForm(AppForm):
    body = TextAreaField(_l("Your question"), validators=[DataRequired(REQUIRED), Length(max=BODY_MAX)],
                         description=_l("At most %(n)d characters.", n=BODY_MAX),
                         render_kw={"rows": 4, "maxlength": BODY_MAX})
    display_name = StringField(
        _l("Name to show with the question"), validators=[Length(max=NAME_MAX)],
        description=_l("Leave it empty to ask anonymously. Your question and this name are shown to the room, the "
                       "online attendees and the presenter once a moderator approves it, and go into the hearing's "
                       "summary report. If you later erase your data, the name is removed; the question stays, "
                       "anonymous, so that the hearing's record stays whole."),
        render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})
