"""Accounts: creating organizers, checking passwords, API tokens, who may manage what."""
import secrets

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ..emails import normalize_email
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models_base import utcnow
from .models import ApiToken, Role, User

MIN_PASSWORD_LENGTH = 10
# A hash to check against when the e-mail is unknown, so that a login takes
# the same time whether or not the account exists.
_DUMMY_HASH = generate_password_hash("not a real password")


def create_user(email, password, role=Role.organizer, name=""):
    email = normalize_email(email)
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationFailed(fields={"email": [str(error)]})
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            fields={"password": [_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(_l("An account with this e-mail already exists."))
    user = User(email=email, name=name, role=Role(role), password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user, password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            fields={"password": [_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )
    user.password_hash = generate_password_hash(password)
    db.session.flush()


def authenticate(email, password):
    """The active user with this e-mail and password, or None."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def issue_api_token(user):
    """Create a token for `user` and return it; only its hash is stored."""
    token = "evs_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token)))
    db.session.flush()
    return token


def user_for_token(token):
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        sa.select(User)
        .join(ApiToken)
        .where(ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked_at.is_(None), User.active.is_(True))
    )


def revoke_api_tokens(user):
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = utcnow()
    db.session.flush()


def can_manage(user, event):
    """Admins manage every event, organizers the events they own."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.admin:
        return True
    return user.role == Role.organizer and event.owner_id == user.id


def can_check_in(user, event):
    """Check-in staff work the door of any event; organizers that of their own; admins every one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.checkin or can_manage(user, event)
