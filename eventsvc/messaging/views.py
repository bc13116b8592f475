"""The organizer's messages page: write to a filtered set of people, preview, send or schedule, follow each copy."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock
from ..access import Permission, can, event_for, staff_required
from ..errors import ValidationFailed
from ..extensions import db
from ..forms_common import apply_field_errors, button_action, save_form
from . import services
from .forms import INVITATION_CHOICES, MessageForm, NotesForm

bp = Blueprint("messaging", __name__)

STATE_LABELS = {"scheduled": _l("Scheduled"), "sent": _l("In the outbox"), "cancelled": _l("Cancelled")}


@bp.context_processor
def _labels():
    return {"state_labels": STATE_LABELS, "invitation_labels": INVITATION_CHOICES}


def _page(event, form=None, notes_form=None, preview=None, changed=False, status=200):
    messages = db.session.scalars(services.messages_for(event).limit(200)).all()
    return render_template(
        "messaging/messages.html", event=event, messages=messages, counts=services.state_counts(messages),
        now=clock.now(), may_manage=can(current_user, event, Permission.manage), preview=preview, changed=changed,
        form=form or MessageForm(event, formdata=None),
        notes_form=notes_form or NotesForm(formdata=None, obj=event),
    ), status


@bp.route("/organizer/events/<slug>/mailings")
@staff_required
def event_mailings(slug):
    return _page(event_for(slug, Permission.view))


def _put_errors(form, fields):
    # The services name the filter's fields "filter.<key>"; the form has them at the top level. An error of
    # the filter as a whole (nobody matches) is the form's own, shown in the summary.
    fields = dict(fields)
    form.form_errors.extend(str(message) for message in fields.pop("filter", ()))
    apply_field_errors(form, {name.removeprefix("filter."): messages for name, messages in fields.items()},
                       default_field=form.status)


@bp.route("/organizer/events/<slug>/mailings", methods=["POST"])
@staff_required
def write(slug):
    """"Preview" shows what each language gets and how many; "Send" (offered with the preview) writes it."""
    event = event_for(slug)
    form = MessageForm(event)
    if not form.validate_on_submit():
        return _page(event, form=form, status=422)
    try:
        if "send" not in request.form or form.previewed.data != form.digest():
            # Changed since its preview (or never previewed): shown again, not sent.
            changed = "send" in request.form
            preview = services.preview(event, form.message(), clock.now())
            form.previewed.data = form.digest()
            return _page(event, form=form, preview=preview, changed=changed)
        message = services.send(event, form.message(), actor=current_user, now=clock.now())
    except ValidationFailed as error:
        db.session.rollback()
        _put_errors(form, error.fields)
        return _page(event, form=form, status=422)
    db.session.commit()
    if message.scheduled:
        flash(_("The message to %(n)d people is scheduled.", n=message.recipient_count), "success")
    else:
        flash(_("The message to %(n)d people is on its way.", n=message.recipient_count), "success")
    return redirect(url_for("messaging.mailing", slug=slug, message_id=message.id))


@bp.route("/organizer/events/<slug>/mailings/<id:message_id>")
@staff_required
def mailing(slug, message_id):
    event = event_for(slug, Permission.view)
    message = services.find_for_event(event, message_id)
    if message is None:
        abort(404)
    page = db.paginate(services.copies(message), per_page=200, max_per_page=1000)
    return render_template("messaging/message.html", event=event, message=message, page=page, now=clock.now(),
                           counts=services.state_counts([message])[message.id],
                           may_manage=can(current_user, event, Permission.manage))


@bp.route("/organizer/events/<slug>/mailings/<id:message_id>/cancel", methods=["POST"])
@staff_required
def cancel(slug, message_id):
    event = event_for(slug)
    message = services.find_for_event(event, message_id)
    if message is None:
        abort(404)
    return button_action(lambda: services.cancel(message, actor=current_user, now=clock.now()),
                         message=_("The message is cancelled: nobody will receive it."),
                         next_url=url_for("messaging.mailing", slug=slug, message_id=message_id))


@bp.route("/organizer/events/<slug>/mailings/notes", methods=["POST"])
@staff_required
def notes(slug):
    event = event_for(slug)
    form = NotesForm()
    saved = save_form(form, lambda: services.set_notes(event, form.data, actor=current_user),
                      message=_("Your paragraphs are saved; the next confirmations and reminders carry them."),
                      next_url=url_for("messaging.event_mailings", slug=slug) + "#notes")
    return saved or _page(event, notes_form=form, status=422)
