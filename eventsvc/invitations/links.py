"""Loading an invitation by its personal link, with one limit on wrong links per address.

The registration form, the decline button and the API load invitations here, so all of them draw
on the same count (shared across worker processes when EVENTSVC_REDIS_URL is set).
"""
from flask import current_app, g, request

from ..extensions import limiter
from . import services


def _offered_token():
    """The invitation token this request carries, if any: ?invite=... or "invite" in a JSON body."""
    if "invite" in request.args:
        return request.args.get("invite")
    body = request.get_json(silent=True) if request.is_json else None
    return body.get("invite") if isinstance(body, dict) else None


# Wrong invitation links count against one limit per address, shared by the
# form, the decline button and the API, and across worker processes when
# EVENTSVC_REDIS_URL is set. Only wrong links count; once over the limit,
# every request with a link is answered 429 until the window has passed.
limit_wrong_invitations = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_INVITATION"],
    scope="invitation-token",
    exempt_when=lambda: _offered_token() is None,
    deduct_when=lambda response: g.get("wrong_invitation", False),
)


def load_invitation(event, token):
    """The usable invitation to `event` for `token`, or None; a wrong token is counted (see above)."""
    if token is None:
        return None
    invitation = services.find_usable(event, token)
    g.wrong_invitation = invitation is None
    return invitation


def forgive_wrong_invitation():
    """The link was used up by this same person a moment ago (a double click): not a wrong guess."""
    g.wrong_invitation = False
