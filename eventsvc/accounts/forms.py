from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import labels
from ..forms_common import AppForm, REQUIRED


class LoginForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=1000)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()


class NewPasswordForm(AppForm):
    """An admin sets someone's password."""

    password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED), Length(max=1000)],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("The two passwords differ."))])


class ChangePasswordForm(NewPasswordForm):
    """The signed-in person changes their own password."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class NewUserForm(NewPasswordForm):
    """An admin creates an account."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=labels.choices("role"), default="organizer")
