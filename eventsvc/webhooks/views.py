"""The organizer's webhooks page: the event's URLs, adding and removing them, recent deliveries."""
from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Permission, event_for, staff_required
from ..errors import ValidationFailed
from ..extensions import db
from ..forms_common import ActionForm, apply_field_errors, button_action
from ..resubmit import back, csrf_failed
from . import services
from .forms import EVENT_TYPE_LABELS, WebhookForm

bp = Blueprint("webhooks", __name__)


def _page(event, form=None, new_secret=None, status=200):
    return render_template("webhooks/organizer_webhooks.html", event=event, form=form or WebhookForm(),
                           endpoints=services.endpoints_for(event), deliveries=services.recent_deliveries(event),
                           type_labels=EVENT_TYPE_LABELS, new_secret=new_secret), status


@bp.route("/organizer/events/<slug>/webhooks", methods=["GET", "POST"])
@staff_required
def event_webhooks(slug):
    event = event_for(slug, Permission.manage)
    form = WebhookForm()
    if not form.validate_on_submit():
        if form.is_submitted() and "csrf_token" not in form.errors and not form.url.errors:
            # The URL's own rules in the same round: the person fixes every field at once.
            apply_field_errors(form, {"url": services.check_endpoint({"url": form.url.data}).get("url", [])})
        return _page(event, form, status=422 if form.is_submitted() else 200)
    try:
        endpoint, secret = services.create_endpoint(event, form.service_data(), actor=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, error.fields, default_field=form.url)
        return _page(event, form, status=422)
    db.session.commit()
    # The secret is shown on this answer only (no-store): never put in a redirect, a flash or a log.
    return _page(event, WebhookForm(formdata=None), new_secret=(endpoint, secret))


def _endpoint_action(slug, endpoint_id, action, message):
    event = event_for(slug, Permission.manage)
    endpoint = services.find_endpoint(event, endpoint_id)
    return button_action(lambda: action(endpoint), message=message,
                         next_url=url_for("webhooks.event_webhooks", slug=slug))


@bp.route("/organizer/events/<slug>/webhooks/<id:endpoint_id>/remove", methods=["POST"])
@staff_required
def remove(slug, endpoint_id):
    return _endpoint_action(slug, endpoint_id, lambda e: services.remove_endpoint(e, actor=current_user),
                            _("The webhook was removed."))


@bp.route("/organizer/events/<slug>/webhooks/<id:endpoint_id>/disable", methods=["POST"])
@staff_required
def disable(slug, endpoint_id):
    return _endpoint_action(slug, endpoint_id, lambda e: services.set_active(e, False, actor=current_user),
                            _("The webhook is paused: nothing is sent to it until you turn it on again."))


@bp.route("/organizer/events/<slug>/webhooks/<id:endpoint_id>/enable", methods=["POST"])
@staff_required
def enable(slug, endpoint_id):
    return _endpoint_action(slug, endpoint_id, lambda e: services.set_active(e, True, actor=current_user),
                            _("The webhook is on again."))


@bp.route("/organizer/events/<slug>/webhooks/<id:endpoint_id>/rotate", methods=["POST"])
@staff_required
def rotate(slug, endpoint_id):
    event = event_for(slug, Permission.manage)
    endpoint = services.find_endpoint(event, endpoint_id)
    if not ActionForm().validate_on_submit():
        if csrf_failed():
            return back()
        abort(400)
    secret = services.rotate_secret(endpoint, actor=current_user)
    db.session.commit()
    return _page(event, new_secret=(endpoint, secret))


@bp.route("/organizer/events/<slug>/webhooks/deliveries/<id:delivery_id>/resend", methods=["POST"])
@staff_required
def resend(slug, delivery_id):
    event = event_for(slug, Permission.manage)
    delivery = services.find_delivery(event, delivery_id)
    return button_action(lambda: services.resend_delivery(delivery, actor=current_user),
                         message=_("The delivery will be sent again."),
                         next_url=url_for("webhooks.event_webhooks", slug=slug))
