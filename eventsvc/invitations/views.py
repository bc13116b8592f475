"""The organizer's invitation pages."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..spreadsheets import csv_response, export_language
from ..access import Permission, event_for, staff_required
from ..audit.services import record_export
from ..extensions import db
from ..forms_common import apply_field_errors, button_action
from ..errors import DomainError, ValidationFailed
from . import services
from .forms import ImportForm, InviteForm
from .models import InvitationStatus

bp = Blueprint("invitations", __name__)


# ---- the organizer ---------------------------------------------------------------

STATES = [s.value for s in InvitationStatus]


def _list_page(event, invite_form=None, import_form=None, status=200, **extra):
    state = request.args.get("state") or None
    if state not in (None, *STATES):
        abort(400)
    search = request.args.get("q", "")
    if not 1 <= request.args.get("page", 1, type=int) <= 1_000_000:
        abort(404)
    page = db.paginate(services.invitations_for(event, state, search), per_page=100, max_per_page=500)
    return render_template(
        "invitations/organizer_list.html", event=event, page=page, state=state, search=search,
        counts=services.counts_by_state(event), undelivered=services.undelivered_invitation_ids(event),
        invite_form=invite_form or InviteForm(formdata=None), import_form=import_form or ImportForm(formdata=None),
        **extra,
    ), status


@bp.route("/organizer/events/<slug>/invitations")
@staff_required
def event_invitations(slug):
    return _list_page(event_for(slug, Permission.view))


@bp.route("/organizer/events/<slug>/invitations", methods=["POST"])
@staff_required
def add_invitation(slug):
    event = event_for(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        return _list_page(event, invite_form=form, status=422)
    try:
        result = services.invite(event, [form.invitee()], actor=current_user, send=form.send.data,
                                 expires_at=form.expires_at.utc)
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, error.fields, default_field=form.email)
        return _list_page(event, invite_form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        form.email.errors = [str(error.message)]
        return _list_page(event, invite_form=form, status=error.status)
    if result.rejected:
        db.session.rollback()
        form.email.errors = [str(result.rejected[0].reason)]
        return _list_page(event, invite_form=form, status=409 if result.rejected[0].code == "already_invited" else 422)
    db.session.commit()
    [invited] = result.invited
    # The link is shown this once (as in the API's answer), e.g. to send it by another channel.
    return _list_page(event, new_link=services.invite_url(invited.token, event), new_invitee=invited, status=201)


@bp.route("/organizer/events/<slug>/invitations/import", methods=["POST"])
@staff_required
def import_invitations(slug):
    event = event_for(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        return _list_page(event, import_form=form, status=422)
    content = form.content()
    if content is None:
        form.file.errors = [_("Choose a CSV file or paste the list.")]
        return _list_page(event, import_form=form, status=422)
    try:
        result = services.import_invitees(event, content, actor=current_user, send=form.send.data,
                                          expires_at=form.expires_at.utc)
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, error.fields, default_field=form.file)
        return _list_page(event, import_form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        form.file.errors = [str(error.message)]
        return _list_page(event, import_form=form, status=error.status)
    db.session.commit()
    return render_template("invitations/import_report.html", event=event, result=result, sent=form.send.data)


def _invitation_or_404(event, invitation_id):
    invitation = services.find_for_event(event, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _back(slug):
    """Back to the list as the organizer left it (filter, search, page)."""
    args = {k: v for k, v in request.args.items() if k in ("state", "q", "page")}
    return url_for("invitations.event_invitations", slug=slug, **args)


# One button per row: what it does, and what the organizer is told.
ROW_ACTIONS = {
    "resend": (services.resend, _l("The invitation will be sent again, with the same link.")),
    "revoke": (services.revoke, _l("The invitation is withdrawn; its link no longer works.")),
    "reissue": (services.reissue, _l("A new link was made and will be sent; the old link no longer works.")),
}


@bp.route("/organizer/events/<slug>/invitations/<id:invitation_id>/<any(resend, revoke, reissue):action>",
          methods=["POST"])
@staff_required
def invitation_action(slug, invitation_id, action):
    event = event_for(slug)
    invitation = _invitation_or_404(event, invitation_id)
    service, message = ROW_ACTIONS[action]
    return button_action(lambda: service(invitation, actor=current_user), message=message, next_url=_back(slug))


@bp.route("/organizer/events/<slug>/invitations/send-unsent", methods=["POST"])
@staff_required
def send_unsent(slug):
    event = event_for(slug)
    return button_action(lambda: services.send_unsent(event, actor=current_user),
                         message=lambda n: _("%(n)d invitations will be sent.", n=n), next_url=_back(slug))


@bp.route("/organizer/events/<slug>/invitations.csv")
@staff_required
def export(slug):
    event = event_for(slug, Permission.view)
    language = export_language()
    record_export("invitations_csv", actor=current_user, event=event, language=language)
    db.session.commit()
    return csv_response(services.export_rows(event, language=language), f"invitations-{event.slug}.csv")
