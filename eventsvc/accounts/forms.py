from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from ..forms_common import AppForm, REQUIRED


class LoginForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=1000)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()
