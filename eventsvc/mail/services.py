"""Writing messages to the outbox, in the caller's transaction, and what organizers see of it."""
from email.utils import make_msgid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..signals import personal_data_erased, personal_data_requested
from ..timefmt import iso
from . import kinds
from .models import MessageStatus, OutboxMessage
from .render import mail_domain

_outbox = OutboxMessage.__table__
_INSERT = sa.insert(_outbox).returning(_outbox.c.id)


def _row(kind, to, locale, event_id, registration_id, invitation_id, params, dedupe_key, not_before, now, domain):
    kinds.get(kind)  # an unknown kind is a programming error: fail in the request, not in the worker
    to = (to or "").strip()
    # The address is a header: a line break in it would add headers (Bcc:) of the caller's choosing.
    if "@" not in to or len(to) > 254 or any(ord(ch) < 32 or ch in "\x7f<>," for ch in to):
        raise ValidationFailed(fields={"email": [_l("Not a valid e-mail address.")]})
    return dict(
        kind=kind, status=MessageStatus.pending.value, to_address=to, locale=locale if locale in ("th", "en") else "th",
        event_id=event_id, registration_id=registration_id, invitation_id=invitation_id, params=params or {},
        subject="", message_id=make_msgid(domain=domain), dedupe_key=dedupe_key, created_at=now, due_at=not_before or now,
        attempts=0, last_error="",
    )


def enqueue(kind, *, to, locale, event_id=None, registration_id=None, invitation_id=None, params=None,
            dedupe_key=None, not_before=None):
    """Write a message to the outbox; the caller's commit makes it deliverable, its rollback removes it.

    Returns the new message's id. With a `dedupe_key` that was used before,
    nothing is written and None is returned: a scheduled job can run twice,
    or on two machines, and the message still goes out once.
    """
    values = _row(kind, to, locale, event_id, registration_id, invitation_id, params, dedupe_key, not_before, clock.now(),
                  mail_domain())
    if dedupe_key is None:
        return db.session.execute(_INSERT, values).scalar_one()
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_outbox)
    statement = insert.values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_outbox.c.id)
    return db.session.execute(statement).scalar()


def enqueue_many(kind, messages):
    """Write many messages of one kind in one statement; `messages` are dicts of enqueue()'s keyword arguments.

    Messages with a `dedupe_key` used before are skipped (ON CONFLICT DO
    NOTHING), however many processes write the same ones at once. Returns
    how many rows were offered.
    """
    now, domain = clock.now(), mail_domain()
    rows = [_row(kind, m["to"], m["locale"], m.get("event_id"), m.get("registration_id"), m.get("invitation_id"),
                 m.get("params"), m.get("dedupe_key"), m.get("not_before"), now, domain) for m in messages]
    if not rows:
        return 0
    if any(row["dedupe_key"] for row in rows):
        dialect = db.session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_outbox)
        db.session.execute(insert.on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)
    else:
        db.session.execute(sa.insert(_outbox), rows)
    return len(rows)


def counts_for_event(event):
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).where(OutboxMessage.event_id == event.id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in MessageStatus}
    counts.update({str(status): n for status, n in rows})
    return counts


def messages_for_event(event, status=None):
    query = sa.select(OutboxMessage).where(OutboxMessage.event_id == event.id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return query.order_by(OutboxMessage.id.desc())


def retry_failed(event, actor=None, now=None):
    """Give the event's failed messages a fresh set of tries (after the organizer fixed an address or the server); returns how many."""
    count = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.event_id == event.id, OutboxMessage.status == MessageStatus.failed)
        .values(status=MessageStatus.pending, attempts=0, due_at=now or clock.now(), failed_at=None,
                claim_token=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if count:
        record("mail.retried", actor=actor, event=event, messages=count)
    return count


def _about(registration):
    """The messages about the person: about their registration, and about the invitation it came through."""
    about = OutboxMessage.registration_id == registration.id
    if registration.invitation_id is not None:
        about = sa.or_(about, OutboxMessage.invitation_id == registration.invitation_id)
    return about


@personal_data_requested.connect
def personal_data(registration, **_):
    """The messages written about the person's registration, for their data download."""
    messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.registration_id == registration.id)
                                  .order_by(OutboxMessage.id))
    return "messages", [{"kind": m.kind, "to": m.to_address, "status": m.status.value,
                         "written_at": iso(m.created_at), "sent_at": iso(m.sent_at)} for m in messages]


@personal_data_erased.connect
def erase_personal_data(registration, now=None, **_):
    """Messages about the person not sent yet are not sent; every one of them loses the address."""
    about = _about(registration)
    db.session.execute(sa.update(OutboxMessage).where(about, OutboxMessage.status == MessageStatus.pending)
                       .values(status=MessageStatus.cancelled, last_error="erased", failed_at=now or clock.now())
                       .execution_options(synchronize_session=False))
    # The address goes, also where a mail server's refusal quoted it in the error.
    db.session.execute(sa.update(OutboxMessage).where(about).values(to_address="", last_error="erased")
                       .execution_options(synchronize_session=False))
