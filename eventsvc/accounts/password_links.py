"""Links by which a person chooses their password (`/organizer/set-password/<token>`): signed, expiring, good once.

Nothing is stored: the token signs the account's id, a fingerprint of its
password hash and the time it was issued. Choosing a password changes the
hash, so the link (and any other sent before) stops working; so does a
deactivation. The mail worker makes the same token again from the outbox
row's parameters, so the outbox never holds a working link in clear.
"""
import hashlib
from datetime import datetime, timedelta, timezone

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from .models import User

_SALT = "eventsvc.set-password"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user):
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def link_token(user, issued_at):
    """The token of the link for `user`, issued at `issued_at` (an aware datetime): the same inputs, the same token."""
    return _serializer().dumps([user.id, _fingerprint(user), int(issued_at.timestamp())])


def user_for_token(token, now):
    """The account this token lets choose a password, or None (forged, expired, used, or the account changed)."""
    if not isinstance(token, str) or len(token) > 300:
        return None
    try:
        user_id, fingerprint, issued = _serializer().loads(token)
        issued_at = datetime.fromtimestamp(int(issued), tz=timezone.utc)
    except (BadSignature, ValueError, TypeError):
        return None
    if now - issued_at > timedelta(hours=current_app.config["SET_PASSWORD_LINK_HOURS"]) or issued_at > now:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.awaits_password or _fingerprint(user) != fingerprint:
        return None
    return user
