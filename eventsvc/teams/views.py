"""The event's team page: who is on it in which role, and (for the owner) adding, changing and removing colleagues."""
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Permission, event_for, staff_required, team_event
from ..forms_common import button_action, save_form
from . import services
from .forms import AddMemberForm, RoleForm

bp = Blueprint("teams", __name__, url_prefix="/organizer/events/<slug>/team")


@bp.app_context_processor
def permission_helper():
    # Templates ask `can(event, 'manage')` to show a person only the buttons their role may use.
    return {"can": lambda event, permission: services.can(current_user, event, permission)}


def role_form(member, formdata=None):
    return RoleForm(formdata=formdata, prefix=f"member-{member.user_id}", role=member.role.value)


def _team_page(event, add_form=None, status=200):
    members = services.members(event)
    return render_template("teams/team.html", event=event, members=members,
                           add_form=add_form or AddMemberForm(formdata=None),
                           role_forms={m.user_id: role_form(m) for m in members},
                           may_change=services.can(current_user, event, Permission.team)), status


@bp.route("")
@staff_required
def team(slug):
    return _team_page(event_for(slug, Permission.view))


@bp.route("", methods=["POST"])
@staff_required
def add_member(slug):
    event = event_for(slug, Permission.team)
    form = AddMemberForm()
    done = save_form(
        form, lambda: services.add_member(event, form.email.data, form.role.data, actor=current_user),
        message=_("%(email)s is on the team. They were sent an e-mail.", email=(form.email.data or "").strip()),
        next_url=url_for(".team", slug=slug), default_field=form.email,
    )
    return done or _team_page(event, add_form=form, status=422)


@bp.route("/<id:user_id>/role", methods=["POST"])
@staff_required
def change_role(slug, user_id):
    event = event_for(slug, Permission.team)
    member = services.membership(event, user_id)
    form = role_form(member, formdata=request.form)
    return button_action(lambda: services.change_role(event, user_id, form.role.data, actor=current_user),
                         message=_("The role of %(email)s is changed.", email=member.user.email),
                         next_url=url_for(".team", slug=slug))


@bp.route("/<id:user_id>/remove", methods=["POST"])
@staff_required
def remove_member(slug, user_id):
    event = event_for(slug, Permission.team)
    return button_action(lambda: services.remove_member(event, user_id, actor=current_user),
                         message=lambda user: _("%(email)s is no longer on the team.", email=user.email),
                         next_url=url_for(".team", slug=slug))


@bp.route("/leave", methods=["POST"])
@staff_required
def leave(slug):
    event = team_event(slug)
    return button_action(lambda: services.remove_member(event, current_user.id, actor=current_user),
                         message=_("You are no longer on this event's team."),
                         next_url=url_for("events.dashboard"))
