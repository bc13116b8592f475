"""Recording an action: `record(...)` adds the row to the caller's transaction (flush, never commit).

Every service that changes something on behalf of a person calls it with the
actor it was given: a User (signed in, or through an API token: the token is
read from the request), `REGISTRANT` (the person through their own link) or
`SYSTEM`/None (the service on its own).
"""
from flask import g, has_request_context

from ..extensions import db
from .models import ActorKind, AuditEntry

REGISTRANT = ActorKind.registrant
SYSTEM = ActorKind.system


def snapshot(obj, fields):
    """The values of `fields` on `obj`, as plain JSON values, to compare before and after an edit."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes_between(before, after, private=()):
    """{"field": [before, after]} for the fields whose value changed; `private` fields as [None, None]."""
    return {name: ([None, None] if name in private else [before.get(name), value])
            for name, value in after.items() if before.get(name) != value}


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # an enum
        return value.value
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(_plain(v) for v in value) if isinstance(value, (set, frozenset)) else [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _actor_fields(actor):
    if actor is None or actor == SYSTEM:
        return {"actor_kind": ActorKind.system}
    if actor == REGISTRANT:
        return {"actor_kind": ActorKind.registrant}
    token_id = g.get("api_token_id") if has_request_context() else None
    return {"actor_kind": ActorKind.token if token_id else ActorKind.user, "actor_user_id": actor.id,
            "actor_label": actor.email, "api_token_id": token_id}


def record(action, *, actor=None, event=None, registration=None, target=None, changes=None, **data):
    """Add one AuditEntry to the current transaction and return it.

    `event`/`registration` place it on the event's and the registrant's record
    (the registration's event is taken when no event is given); `target` is any
    other object acted on (its table name and id are kept).
    """
    if event is None and registration is not None:
        event = registration.event
    entry = AuditEntry(
        action=action, event_id=event.id if event is not None else None,
        registration_id=registration.id if registration is not None else None,
        target_type=target.__tablename__ if target is not None else "",
        target_id=target.id if target is not None else None,
        changes=_plain(changes or {}), data=_plain(data), **_actor_fields(actor),
    )
    db.session.add(entry)
    db.session.flush()
    return entry
