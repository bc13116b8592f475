"""Organizer accounts, their roles, their signed-in sessions and API tokens."""
import hashlib
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


# A password hash that no password matches: an account made for a colleague (teams) has one until they
# choose their password through the mailed link; "deactivated" replaces it if an admin deactivates them first.
AWAITING_PASSWORD = "!awaiting-password:"
NO_PASSWORD = "!deactivated:"


def hash_token(token):
    """SHA-256 of a random token: the tokens are long and random, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


class Role(StrEnum):
    admin = "admin"
    organizer = "organizer"
    checkin = "checkin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.organizer)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    logins: Mapped[list["LoginSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # The raw token of the sign-in this request runs under (set at login and by the user loader).
    login_token = None

    def get_id(self):
        """What Flask-Login keeps in the session and the remember cookie: the sign-in's token, not the user id.

        So a cookie names one sign-in (a row of login_sessions), which the
        server can end; a bare user id, which could never be taken back, is refused.
        """
        return self.login_token

    @property
    def is_active(self):
        return self.active

    @property
    def awaits_password(self):
        """Made for a colleague who has not chosen a password yet (through the mailed link)."""
        return self.password_hash.startswith(AWAITING_PASSWORD)

    @property
    def is_admin(self):
        return self.role == Role.admin

    @property
    def can_organize(self):
        return self.role in (Role.admin, Role.organizer)

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One sign-in of one browser: its session and remember cookies carry the token, only its SHA-256 is kept.

    Signing out, a password change and a deactivation revoke every row of the
    user, which ends their cookies on every browser at once.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="logins")


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL: never expires (no token is made so any more; the migration gave older tokens an expiry).
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Written at most once a minute per token (see services.TOKEN_USE_RESOLUTION), not on every call.
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    hash = staticmethod(hash_token)
