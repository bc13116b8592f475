"""The form that registers a webhook URL."""
from flask_babel import lazy_gettext as _l
from wtforms import URLField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, StopValidation

from ..forms_common import AppForm, REQUIRED
from ..registration.forms import MultiCheckboxField
from .models import WebhookEventType

EVENT_TYPE_LABELS = {
    WebhookEventType.registration_created.value: _l("Someone registered"),
    WebhookEventType.registration_cancelled.value: _l("A registration was cancelled"),
    WebhookEventType.checkin_created.value: _l("Someone was checked in"),
}


def at_least_one(form, field):
    # Not DataRequired: that would mark every checkbox "required", which none of them is on its own.
    if not field.data:
        raise StopValidation(_l("Choose at least one event."))


class WebhookForm(AppForm):
    url = URLField(_l("URL that receives the events"), validators=[DataRequired(REQUIRED), Length(max=2000)],
                   description=_l("https:// only; the address must be reachable from the internet."))
    event_types = MultiCheckboxField(
        _l("Events to send"), choices=[SelectChoice(value, label) for value, label in EVENT_TYPE_LABELS.items()],
        default=list(EVENT_TYPE_LABELS), validators=[at_least_one])

    def service_data(self):
        return {"url": self.url.data, "event_types": self.event_types.data}
