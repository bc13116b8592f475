"""Who may do what on an event: the one place that answers it (the access layer and the services ask here)."""
import sqlalchemy as sa
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import clock
from ..accounts import services as accounts
from ..accounts.models import Role, User
from ..audit.services import record
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..events.models import Event
from ..extensions import db
from ..mail.services import enqueue
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


# ---- the team: adding, changing and removing colleagues ------------------------------------------

# The roles an owner may give. A second owner is refused: an event has one owner (a unique index says so too).
ASSIGNABLE_ROLES = (TeamRole.organizer, TeamRole.checkin, TeamRole.viewer)


def members(event):
    """The event's team, the owner first, then by when they were added: [EventMember] with user and added_by."""
    order = sa.case((EventMember.role == TeamRole.owner, 0), else_=1)
    return db.session.scalars(
        sa.select(EventMember).where(EventMember.event_id == event.id)
        .options(joinedload(EventMember.user), joinedload(EventMember.added_by))
        .order_by(order, EventMember.created_at, EventMember.id)
    ).all()


def _member_row(event, user_id):
    return db.session.scalar(sa.select(EventMember).where(EventMember.event_id == event.id,
                                                          EventMember.user_id == user_id))


def membership(event, user_id):
    """The EventMember of `user_id` on the event, or NotFound (a user of another event's team is not found either)."""
    member = _member_row(event, user_id)
    if member is None:
        raise NotFound(_l("This person is not on the event's team."))
    return member


def _assignable_role(role):
    try:
        role = TeamRole(role)
    except ValueError:
        role = None
    if role not in ASSIGNABLE_ROLES:
        raise ValidationFailed(fields={"role": [_l("Choose organizer, check-in staff or viewer.")]})
    return role


def _require(actor, event, permission):
    if not can(actor, event, permission):
        raise PermissionDenied(_l("Your role on this event's team does not allow this (or you are not on its team)."))


def add_member(event, email, role, actor):
    """The owner (or an admin) puts a colleague on the event's team by e-mail.

    Someone without an account gets one: inactive, no usable password, global
    role `organizer` when added as organizer (they may then create events of
    their own), `checkin` otherwise; a mail carries the link to choose a
    password. An account still waiting for its password gets a new link; any
    other account a mail saying they were added. A deactivated account is
    refused (an admin reactivates it first). Returns the EventMember.
    """
    _require(actor, event, Permission.team)
    errors = {}
    try:
        email = accounts.valid_email(email)
    except ValidationFailed:
        errors["email"] = [_l("Not a valid e-mail address.")]
    try:
        role = _assignable_role(role)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    created = user is None
    if created:
        user = accounts.create_user_awaiting_password(
            email, Role.organizer if role == TeamRole.organizer else Role.checkin)
    elif not user.active and not user.awaits_password:
        raise ValidationFailed(fields={"email": [_l(
            "This account is deactivated. An administrator must activate it before it can join a team.")]})
    already = ValidationFailed(fields={"email": [_l("This person is already on the event's team.")]})
    if not created and _member_row(event, user.id) is not None:
        raise already
    member = EventMember(event_id=event.id, user_id=user.id, role=role, added_by_id=actor.id, created_at=clock.now())
    try:
        with db.session.begin_nested():  # two owners adding the same person at once: the unique constraint decides
            db.session.add(member)
    except sa.exc.IntegrityError:
        raise already from None
    forget_roles(user)
    awaiting = user.awaits_password
    enqueue("team_account_created" if awaiting else "team_member_added", to=user.email,
            locale=_mail_locale(), event_id=event.id,
            params={"user_id": user.id, "role": role.value, "added_by": actor.email,
                    "issued_at": int(clock.now().timestamp())})
    record("team.member_added", actor=actor, event=event, target=user, role=role.value, email=user.email,
           account_created=created)
    return member


def _mail_locale():
    # The colleague reads the mail in the language the person adding them works in (Thai unless they chose English).
    return str(get_locale() or "th") if has_request_context() else "th"


def change_role(event, user_id, role, actor):
    """The owner gives a member another role (not owner: there is one owner, and the owner's role stays)."""
    _require(actor, event, Permission.team)
    role = _assignable_role(role)
    member = membership(event, user_id)
    if member.role == TeamRole.owner:
        raise ValidationFailed(fields={"role": [_l("The owner's role cannot be changed.")]})
    if member.role == role:
        return member
    before = member.role.value
    member.role = role
    db.session.flush()
    forget_roles(member.user)
    record("team.role_changed", actor=actor, event=event, target=member.user,
           changes={"role": [before, role.value]}, email=member.user.email)
    return member


def remove_member(event, user_id, actor):
    """The owner (or an admin) removes a member; any member but the owner may remove themself. The owner stays."""
    member = membership(event, user_id)
    leaving = actor is not None and getattr(actor, "id", None) == member.user_id
    if not leaving:
        _require(actor, event, Permission.team)
    if member.role == TeamRole.owner:
        raise Conflict(_l("The owner cannot be removed from the event's team."))
    user, role = member.user, member.role.value
    db.session.delete(member)
    db.session.flush()
    forget_roles(user)
    record("team.member_removed", actor=actor, event=event, target=user, role=role, email=user.email,
           left=leaving)
    return user
