"""Form pieces shared by the capabilities."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.validators import Optional

from .timefmt import local_to_utc


class ActionForm(FlaskForm):
    """A button that changes something: a form with nothing but its CSRF token."""


class BangkokDateTimeField(DateTimeLocalField):
    """<input type=datetime-local>, read as Bangkok time, given to services in UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators or [Optional()], format="%Y-%m-%dT%H:%M", **kwargs)

    @property
    def utc(self):
        return local_to_utc(self.data)

    def process_data(self, value):
        from .timefmt import to_local

        super().process_data(to_local(value).replace(tzinfo=None) if value else value)


def apply_field_errors(form, fields, default_field=None):
    """Put a service's field errors onto the form; returns those that matched no field."""
    unmatched = {}
    for name, messages in fields.items():
        field = getattr(form, name.split(".")[-1] if name.startswith("sessions.") else name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [str(m) for m in messages]
        elif default_field is not None:
            default_field.errors = list(default_field.errors) + [str(m) for m in messages]
        else:
            unmatched[name] = messages
    return unmatched


REQUIRED = _l("This field is required.")
