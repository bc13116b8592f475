"""The organizer's view of an event's messages: what is waiting, what failed and why."""
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Permission, event_for, staff_required
from ..extensions import db
from ..forms_common import button_action
from . import services
from .models import MessageStatus

from .reasons import readable_reason
from .render import preview_subject

bp = Blueprint("mail", __name__)


@bp.route("/organizer/events/<slug>/messages")
@staff_required
def event_messages(slug):
    event = event_for(slug, Permission.view)
    status = request.args.get("status")
    status = MessageStatus(status) if status in MessageStatus.__members__ else None
    page = db.paginate(services.messages_for_event(event, status), per_page=100, max_per_page=500)
    return render_template("mail/organizer_messages.html", event=event, page=page, status=status and status.value,
                           counts=services.counts_for_event(event), reason=readable_reason,
                           subjects={m.id: preview_subject(m) for m in page.items if not m.subject})


@bp.route("/organizer/events/<slug>/messages/retry", methods=["POST"])
@staff_required
def retry_failed(slug):
    event = event_for(slug)
    return button_action(lambda: services.retry_failed(event, actor=current_user),
                         message=_("Failed messages will be tried again."),
                         next_url=url_for("mail.event_messages", slug=slug))
