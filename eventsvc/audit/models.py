"""One row per action of a person, a token, a registrant or the system. Never changed, never deleted.

No foreign keys: the record outlives what it names (a deleted event, a draft
document). No personal data of registrants either: a change to a registrant's
name or contacts records which fields changed, never their values, so that
erasure leaves the record whole and the record keeps nothing erasure must remove.
"""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import StrEnum, UTCDateTime, enum_column, utcnow


class ActorKind(StrEnum):
    user = "user"              # a signed-in person in the back office
    token = "token"            # an API token (the user it belongs to is recorded too)
    registrant = "registrant"  # the registrant themself, through their personal link
    system = "system"          # the service on its own (the waitlist moving up, a scheduled job)


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_event_id", "event_id", "id"),
        sa.Index("ix_audit_entries_registration_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What happened, as a dotted name: event.updated, registration.cancelled, checkin.undone, export.downloaded...
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    actor_kind: Mapped[ActorKind] = mapped_column(enum_column(ActorKind))
    actor_user_id: Mapped[Optional[int]] = mapped_column(index=True)
    # The actor's e-mail when it happened (staff accounts), so the record reads alone.
    actor_label: Mapped[str] = mapped_column(sa.String(254), default="")
    api_token_id: Mapped[Optional[int]] = mapped_column()
    event_id: Mapped[Optional[int]] = mapped_column()
    registration_id: Mapped[Optional[int]] = mapped_column()
    # The object acted on, when it is not the event or the registration themselves: session, document, member...
    target_type: Mapped[str] = mapped_column(sa.String(40), default="")
    target_id: Mapped[Optional[int]] = mapped_column()
    # {"field": [before, after]} for edits; registrants' personal fields as [null, null] (changed, values not kept).
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Anything else worth reading later: a reason, a count, an export's format and filter.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)


APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit_entries are append-only'); END",
        "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit_entries are append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_entries are append-only'; END $$",
        "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
        # TRUNCATE skips row triggers: refuse it with a statement trigger.
        "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()",
    ],
}


@sa.event.listens_for(AuditEntry.__table__, "after_create")
def _append_only(table, connection, **kwargs):
    for statement in APPEND_ONLY.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(AuditEntry.__table__, "before_drop")
def _drop_append_only(table, connection, **kwargs):
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_entries_append_only() CASCADE")
