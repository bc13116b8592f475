"""Form pieces shared by the capabilities."""
from flask import abort, flash, redirect
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, ValidationError
from wtforms.validators import Optional

from .errors import DomainError, ValidationFailed
from .extensions import db
from .resubmit import back, csrf_failed
from .timefmt import local_to_utc


class AppForm(FlaskForm):
    """Every form of the app: WTForms' own messages come from the app's catalog (Thai included)."""

    class Meta:
        def get_translations(self, form):
            from .wtforms_messages import translations

            return translations

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.meta.csrf and csrf_failed():
            # The token was refused (eventsvc/resubmit.py): not valid, but the page says so once, not the
            # token's hidden field; the fields keep only their own errors.
            self.csrf_token.errors = []
            self._errors = None
            return False
        return valid


class ActionForm(AppForm):
    """A button that changes something: a form with nothing but its CSRF token."""


class BangkokDateTimeField(DateTimeLocalField):
    """<input type=datetime-local>, read as Bangkok time, given to services in UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators or [Optional()], format="%Y-%m-%dT%H:%M", **kwargs)

    def pre_validate(self, form):
        if self.data is not None and not (2000 <= self.data.year < 2200):
            raise ValidationError(_l("Choose a date between the years 2000 and 2199."))

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


def save_form(form, action, *, message, next_url, default_field=None, check=None):
    """Validate `form` and run `action()` (one service call); then commit, flash and redirect.

    Returns the redirect, or None when the form must be shown again: its
    own errors, or the service's field errors put on the form's fields.
    `next_url` may be a callable taking what `action()` returned.
    """
    if not form.validate_on_submit():
        if check is not None and form.is_submitted() and "csrf_token" not in form.errors:
            # The service's rules too, in the same round: the person fixes every field at once.
            # (Only onto fields the form found nothing wrong with: one message per field.)
            apply_field_errors(form, {name: messages for name, messages in check().items()
                                      if not getattr(getattr(form, name, None), "errors", None)},
                               default_field=default_field)
        return None
    try:
        result = action()
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, error.fields, default_field=default_field)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(next_url(result) if callable(next_url) else next_url)


def button_action(action, *, message, next_url):
    """A POST button (ActionForm): run `action()`; a refusal is flashed, success committed. Always redirects.

    `message` may be a callable taking what `action()` returned.
    """
    if not ActionForm().validate_on_submit():
        if csrf_failed():
            return back()
        abort(400)
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        details = " ".join(str(m) for messages in error.fields.values() for m in messages)
        flash(details or str(error.message), "error")
    else:
        db.session.commit()
        flash(message(result) if callable(message) else message, "success")
    return redirect(next_url)
