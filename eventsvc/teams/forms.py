from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from .. import labels
from ..forms_common import AppForm, REQUIRED
from .services import ASSIGNABLE_ROLES


def _role_choices():
    return [(role.value, labels.label("team_role", role)) for role in ASSIGNABLE_ROLES]


class AddMemberForm(AppForm):
    # The service checks the address and the role (a form made by hand is refused with the same field errors).
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)],
                       description=_l("Someone without an account gets one, and a link to choose a password."))
    role = SelectField(_l("Role"), choices=_role_choices, default="organizer", validate_choice=False)


class RoleForm(AppForm):
    role = SelectField(_l("Role"), choices=_role_choices, validate_choice=False)
