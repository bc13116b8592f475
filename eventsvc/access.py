"""The access layer: load what a request names and check the caller's right to it, in one place.

Every blueprint and the API use it; no capability imports another's views for
this. The caller is the signed-in user (HTML) or the API token's user (`g.api_user`);
what each team role may do is `teams.models.ROLE_PERMISSIONS`. Unknown objects are
404, known ones the caller may not touch 403 (drafts are 404 to the public).
"""
from functools import wraps

from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .errors import NotFound, PermissionDenied
from .events import services as event_services
from .events.models import EventStatus
from .teams.models import Permission
from .teams.services import can, role_on

__all__ = ["Permission", "can", "caller", "event_for", "team_event", "public_event", "staff_required", "organizer_required"]


def caller():
    """Who is asking: the API token's user inside the API, else the signed-in user (or anonymous)."""
    return g.get("api_user") or current_user


def event_for(slug, permission=Permission.manage, **load):
    """The event at `slug` (404 if none), when the caller has `permission` on it (403 otherwise).

    `permission` may be a tuple: any one of them will do (the back office page opens for viewers and door staff).
    """
    event = event_services.get_event(slug, **load)
    if event is None:
        raise NotFound(_l("No such event."))
    wanted = permission if isinstance(permission, tuple) else (permission,)
    if not any(can(caller(), event, p) for p in wanted):
        raise PermissionDenied(_l("Your role on this event's team does not allow this (or you are not on its team)."))
    return event


def team_event(slug, **load):
    """The event at `slug` when the caller is on its team in any role (to leave it); 404, else 403."""
    event = event_services.get_event(slug, **load)
    if event is None:
        raise NotFound(_l("No such event."))
    if role_on(caller(), event) is None:
        raise PermissionDenied(_l("You are not on this event's team."))
    return event


def public_event(slug, **load):
    """An event anyone may see: published or cancelled; a draft only to its team (404 to everyone else)."""
    event = event_services.get_event(slug, **load)
    if event is None or event.status == EventStatus.draft and not can(caller(), event, Permission.view):
        raise NotFound(_l("No such event."))
    return event


def staff_required(view):
    """Any signed-in account: what it may do on an event is its team role, checked by `event_for`."""
    return login_required(view)


def organizer_required(view):
    """Accounts that may create events (organizers and admins)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.can_organize:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
