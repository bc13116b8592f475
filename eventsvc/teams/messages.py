"""The mails to a colleague put on an event's team, rendered by the mail worker from the account and event as they are then."""
from datetime import datetime, timezone

from ..accounts.models import User
from ..accounts.password_links import link_token
from ..events.models import Event
from ..extensions import db
from ..mail.kinds import message_kind
from ..mail.render import external_url


def _context(message):
    user = db.session.get(User, message.params.get("user_id"))
    event = db.session.get(Event, message.event_id) if message.event_id else None
    if user is None or event is None:
        return None
    return {"user": user, "event": event, "role": message.params.get("role", ""),
            "added_by": message.params.get("added_by", ""),
            "event_url": external_url("events.manage_event", slug=event.slug),
            "login_url": external_url("accounts.login")}


def _account_created_context(message):
    context = _context(message)
    # Once the password is chosen (through this link or a later one) the link is dead: nothing worth sending.
    if context is None or not context["user"].awaits_password:
        return None
    issued_at = datetime.fromtimestamp(message.params["issued_at"], tz=timezone.utc)
    token = link_token(context["user"], issued_at)
    return dict(context, set_password_url=external_url("accounts.set_password", token=token))


message_kind("team_member_added", "teams/member_added")(_context)
message_kind("team_account_created", "teams/account_created")(_account_created_context)
