"""Accounts: creating organizers, passwords, sign-ins that can be ended, API tokens, who may manage what."""
import secrets
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import now
from ..emails import normalize_email
from ..audit.services import record
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from . import password_links
from .models import AWAITING_PASSWORD, NO_PASSWORD, ApiToken, LoginSession, Role, User, hash_token

MIN_PASSWORD_LENGTH = 10
# A hash to check against when the e-mail is unknown, so that a login takes
# the same time whether or not the account exists.
_DUMMY_HASH = generate_password_hash("not a real password")


def valid_email(email):
    """The address as accounts keep it, or a field error (a line break or any control character included)."""
    if any(ord(ch) < 32 or ch == "\x7f" for ch in email or ""):
        raise ValidationFailed(fields={"email": [_l("Not a valid e-mail address.")]})
    try:
        return validate_email(normalize_email(email), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationFailed(fields={"email": [str(error)]})


def create_user(email, password, role=Role.organizer, name="", actor=None):
    email = valid_email(email)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            fields={"password": [_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(_l("An account with this e-mail already exists."))
    user = User(email=email, name=name, role=Role(role), password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    record("account.created", actor=actor, target=user, email=user.email, role=user.role)
    return user


def create_user_awaiting_password(email, role):
    """An account for a colleague added to a team: inactive, no usable password until they choose one by link."""
    email = valid_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(_l("An account with this e-mail already exists."))
    user = User(email=email, role=Role(role), active=False,
                password_hash=AWAITING_PASSWORD + secrets.token_hex(16))
    db.session.add(user)
    db.session.flush()
    return user


def set_password_by_link(token, password):
    """The person chooses their first password through the mailed link: the account becomes active.

    Any link that cannot be used (forged, expired, used, deactivated meanwhile) gets the same answer.
    """
    user = password_links.user_for_token(token, now())
    if user is None:
        raise NotFound(_l("This link cannot be used: it may have been used already or expired. "
                          "Ask the event's owner to add you again."))
    set_password(user, password, actor=user)
    user.active = True
    db.session.flush()
    return user


# The last use of an API token is written at most this often: a write per call would cost more than it tells.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
DEFAULT_TOKEN_DAYS = 365
MAX_TOKEN_DAYS = 3650


def find_user(email):
    """The account with this e-mail (any case, spaces trimmed), or NotFound."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(_l("No account with this e-mail."))
    return user


def list_users():
    """Every account, by e-mail, with how many API tokens still work: [(user, active_tokens)]."""
    active_tokens = (
        sa.select(sa.func.count(ApiToken.id))
        .where(ApiToken.user_id == User.id, *_token_is_valid(now()))
        .correlate(User)
        .scalar_subquery()
    )
    return [(user, count) for user, count in db.session.execute(sa.select(User, active_tokens).order_by(User.email))]


def set_password(user, password, actor=None):
    """A new password; every sign-in of the user ends (a stolen cookie dies with the old password)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            fields={"password": [_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    record("account.password_changed", actor=actor, target=user, email=user.email)
    db.session.flush()


def change_own_password(user, current_password, new_password):
    """The signed-in person changes their password: the current one must be right."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationFailed(fields={"current_password": [_l("This is not your current password.")]})
    set_password(user, new_password, actor=user)


def deactivate_user(user, actor=None):
    """The account can no longer sign in; its sign-ins end and its API tokens are refused while it stays so."""
    if actor is not None and actor.id == user.id:
        raise PermissionDenied(_l("You cannot deactivate your own account."))
    user.active = False
    if user.awaits_password:
        # Its set-password links must die with it: they would otherwise activate the account.
        user.password_hash = NO_PASSWORD + secrets.token_hex(16)
    end_sessions(user)
    record("account.deactivated", actor=actor, target=user, email=user.email)
    db.session.flush()


def activate_user(user, actor=None):
    user.active = True
    record("account.activated", actor=actor, target=user, email=user.email)
    db.session.flush()


def start_session(user, remember=False, days=30, hours=12, user_agent=""):
    """A new sign-in for one browser: returns its token (for the cookies); only its hash is stored.

    A remembered sign-in lasts `days`, another `hours` (its session cookie
    ends with the browser, but a copied cookie must not last for ever).
    """
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=days) if remember else timedelta(hours=hours)
    started = now()
    # The user's ended sign-ins are of no further use: drop them here, so the table stays small without a job.
    db.session.execute(
        sa.delete(LoginSession)
        .where(LoginSession.user_id == user.id,
               sa.or_(LoginSession.revoked_at.is_not(None), LoginSession.expires_at <= started))
        .execution_options(synchronize_session=False)
    )
    db.session.add(LoginSession(user=user, token_hash=hash_token(token), remember=remember, created_at=started,
                                expires_at=started + lifetime, user_agent=(user_agent or "")[:200]))
    user.last_login_at = started
    user.login_token = token
    db.session.flush()
    record("account.signed_in", actor=user, target=user, remember=remember)
    return token


def user_for_session(token):
    """The active user of a sign-in that has not ended or expired, or None."""
    if not token or len(token) > 200:
        return None
    user = db.session.scalar(
        sa.select(User)
        .join(LoginSession)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.revoked_at.is_(None),
               LoginSession.expires_at > now(), User.active.is_(True))
    )
    if user is not None:
        user.login_token = token
    return user


def sign_out(user):
    """The person signs out: every sign-in of theirs ends, on every browser (see end_sessions)."""
    end_sessions(user)
    record("account.signed_out", actor=user, target=user)


def end_sessions(user):
    """End every sign-in of `user`, on every browser: their session and remember cookies stop working."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    db.session.flush()


def authenticate(email, password):
    """The active user with this e-mail and password, or None.

    A failed attempt on an existing account is recorded (the account's own
    trail: someone guessing its password); one on an unknown address is not,
    so that nobody can fill the record with addresses of their choosing.
    """
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        record("account.sign_in_failed", actor=None, target=user, email=user.email,
               reason="deactivated" if not user.active else "wrong_password")
        return None
    return user


def issue_api_token(user, expires_days=DEFAULT_TOKEN_DAYS, actor=None):
    """Create a token for `user` valid `expires_days` days and return it; only its hash is stored."""
    if not isinstance(expires_days, int) or not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(fields={"expires_days": [_l("Between 1 and %(n)d days.", n=MAX_TOKEN_DAYS)]})
    if not user.active:
        raise Conflict(_l("This account is deactivated."))
    token = "evs_" + secrets.token_urlsafe(32)
    created = now()
    api_token = ApiToken(user=user, token_hash=ApiToken.hash(token), created_at=created,
                         expires_at=created + timedelta(days=expires_days))
    db.session.add(api_token)
    db.session.flush()
    record("token.issued", actor=actor, target=api_token, email=user.email, expires_at=api_token.expires_at)
    return token


def _token_is_valid(at):
    return (ApiToken.revoked_at.is_(None), sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > at))


def find_api_token(token):
    """The ApiToken for this bearer token when it still works (not revoked, not expired, its user active), or None."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiToken)
        .join(User)
        .where(ApiToken.token_hash == ApiToken.hash(token), *_token_is_valid(now()), User.active.is_(True))
    )


def user_for_token(token):
    api_token = find_api_token(token)
    return api_token.user if api_token is not None else None


def token_use_is_stale(api_token):
    """Whether the recorded last use is old enough to be written again."""
    return api_token.last_used_at is None or api_token.last_used_at <= now() - TOKEN_USE_RESOLUTION


def record_token_use(api_token):
    """Note that the token was used now: one conditional UPDATE, so concurrent calls write it once."""
    used = now()
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == api_token.id,
               sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= used - TOKEN_USE_RESOLUTION))
        .values(last_used_at=used)
    )
    db.session.flush()


def revoke_api_tokens(user, actor=None):
    """Revoke every API token of `user` not revoked yet; returns how many."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    db.session.flush()
    if result.rowcount:
        record("token.revoked", actor=actor, target=user, email=user.email, tokens=result.rowcount)
    return result.rowcount
