"""Who may do what on an event: the one place that answers it (the access layer and the services ask here)."""
import sqlalchemy as sa

from ..accounts.models import Role
from ..events.models import Event
from ..extensions import db
from .models import ROLE_PERMISSIONS, EventMember, Permission, TeamRole


def _signed_in(user):
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "active", True)


def role_on(user, event):
    """The user's TeamRole on the event, or None (admins have none unless added; they may do everything anyway)."""
    if not _signed_in(user) or event is None or event.id is None:
        return None
    cache = getattr(user, "_team_roles", None)
    if cache is None:
        cache = user._team_roles = {}
    if event.id not in cache:
        cache[event.id] = db.session.scalar(
            sa.select(EventMember.role).where(EventMember.event_id == event.id, EventMember.user_id == user.id))
    return cache[event.id]


def forget_roles(user):
    """Drop the roles read for this user (after a team change in the same request)."""
    if user is not None and hasattr(user, "_team_roles"):
        del user._team_roles


def permissions(user, event):
    if not _signed_in(user):
        return frozenset()
    if user.role == Role.admin:
        return frozenset(Permission)
    role = role_on(user, event)
    return ROLE_PERMISSIONS.get(role, frozenset())


def can(user, event, permission):
    """May `user` do `permission` (a Permission) on `event`? Admins may do everything, others by their team role."""
    return Permission(permission) in permissions(user, event)


def can_manage(user, event):
    return can(user, event, Permission.manage)


def can_view(user, event):
    return can(user, event, Permission.view)


def can_check_in(user, event):
    return can(user, event, Permission.door)


def visible_events_condition(user):
    """A WHERE clause on Event: the events whose back office `user` may open (every one for an admin)."""
    if user.role == Role.admin:
        return sa.true()
    return Event.id.in_(sa.select(EventMember.event_id).where(EventMember.user_id == user.id))


def add_owner(event, user):
    """The event's creator becomes its owner (called by the events capability on creation)."""
    db.session.add(EventMember(event_id=event.id, user_id=user.id, role=TeamRole.owner, added_by_id=user.id))
    db.session.flush()
    forget_roles(user)
