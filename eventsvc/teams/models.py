"""A person's role on one event. The event's owner is a member too (role `owner`), kept with `events.owner_id`."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class TeamRole(StrEnum):
    owner = "owner"          # everything, the team and deleting the event included
    organizer = "organizer"  # everything except the team and deletion
    checkin = "checkin"      # the door only
    viewer = "viewer"        # lists and reports, read only


class Permission(StrEnum):
    view = "view"        # the event's back office pages, lists, exports, reports: read only
    manage = "manage"    # edit, publish, cancel, registrants, invitations, messages, webhooks
    door = "door"        # check people in (and undo)
    team = "team"        # add and remove colleagues
    delete = "delete"    # delete the event


ROLE_PERMISSIONS = {
    TeamRole.owner: frozenset(Permission),
    TeamRole.organizer: frozenset({Permission.view, Permission.manage, Permission.door}),
    TeamRole.checkin: frozenset({Permission.door}),
    TeamRole.viewer: frozenset({Permission.view}),
}


class EventMember(db.Model):
    __tablename__ = "event_members"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "user_id", name="uq_event_members_event_user"),
        # One owner per event: the unique index is partial, on the owner rows only.
        sa.Index("uq_event_members_one_owner", "event_id", unique=True,
                 sqlite_where=sa.text("role = 'owner'"), postgresql_where=sa.text("role = 'owner'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole))
    added_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    added_by = relationship("User", foreign_keys=[added_by_id])
