"""Invitations: inviting people (one, a list, an import), their personal link, their answer, the organizer's view."""
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock
from .. import labels
from ..audit.services import REGISTRANT, record
from ..emails import normalize_email
from ..errors import Conflict, InvitationInvalid, ValidationFailed
from ..events.models import EventStatus
from ..events.signals import cancellation_audience, event_cancelled
from ..extensions import db
from ..mail.models import MessageStatus, OutboxMessage
from ..mail.services import enqueue, enqueue_many
from ..models_base import contains_any, search_text
from ..signals import personal_data_erased, personal_data_requested, personal_link_requested
from ..signals import registration_cancelled as registration_cancelled_signal
from ..spreadsheets import Column, table
from ..timefmt import iso
from ..tokens import digest, new_seed, token_for, well_formed
from . import importing
from .models import TOKEN_PURPOSE, USABLE, Invitation, InvitationStatus
from ..mail.render import external_url
from ..registration.models import Registration

LIMITS = {"email": 254, "name": 200, "organization": 300, "position": 200}
LANGUAGES = {
    "": "th", "th": "th", "tha": "th", "thai": "th", "ไทย": "th", "ภาษาไทย": "th",
    "en": "en", "eng": "en", "english": "en", "อังกฤษ": "en", "ภาษาอังกฤษ": "en",
}
@dataclass
class Rejection:
    """An invitee that was not invited: where (line of the file, or index in the API list), who, why."""

    position: int
    email: str
    code: str
    reason: str


@dataclass
class Invited:
    """An invitee that was invited now; `token` is the personal link's, shown to the organizer once."""

    position: int
    id: int
    email: str
    name: str
    token: str


@dataclass
class InviteResult:
    invited: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)  # an imported list's columns not used, headers as written


# Unicode's "Cc" category: C0, DEL and C1 controls (a newline in a header, a bell...).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class RowRejected(Exception):
    def __init__(self, code, reason):
        super().__init__(code)
        self.code, self.reason = code, reason


def _clean_text(value, limit):
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RowRejected("invalid", _l("Not valid text."))
    value = unicodedata.normalize("NFC", value)
    if _CONTROL.search(value):
        raise RowRejected("invalid", _l("Line breaks and control characters are not allowed."))
    value = " ".join(value.split())
    if len(value) > limit:
        raise RowRejected("too_long", _l("At most %(n)d characters.", n=limit))
    return value


def clean_invitee(raw):
    """The invitee's fields, checked; raises RowRejected with a reason."""
    email = raw.get("email")
    if isinstance(email, str) and any(ch in email for ch in "\r\n"):
        raise RowRejected("bad_email", _l("Not a valid e-mail address."))
    email = _clean_text(email, LIMITS["email"])
    if not email:
        raise RowRejected("missing_email", _l("The e-mail is missing."))
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise RowRejected("bad_email", _l("Not a valid e-mail address.")) from None
    clean = {"email": email}
    if not raw.get("name") and any(raw.get(part) for part in ("title_prefix", "first_name", "last_name")):
        # The name in parts (an API caller or a list kept as คำนำหน้า / ชื่อ / นามสกุล).
        raw = {**raw, "name": importing.join_name(*(_clean_text(raw.get(part), LIMITS["name"])
                                                    for part in ("title_prefix", "first_name", "last_name")))}
    for name in ("name", "organization", "position"):
        clean[name] = _clean_text(raw.get(name), LIMITS[name])
    language = _clean_text(raw.get("language") or raw.get("locale"), 20).lower()
    if language not in LANGUAGES:
        raise RowRejected("bad_language", _l("Unknown language: use th or en."))
    clean["locale"] = LANGUAGES[language]
    return clean


def _check_can_invite(event, send, expires_at, now):
    if event.status == EventStatus.cancelled:
        raise Conflict(_l("This event has been cancelled."))
    if send and event.status != EventStatus.published:
        raise Conflict(_l("Publish the event before sending invitations (the link leads to its page). "
                          "You can add invitees now without sending."))
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed(fields={"expires_at": [_l("The expiry must be in the future.")]})
    if expires_at is not None and expires_at.year >= 2200:
        raise ValidationFailed(fields={"expires_at": [_l("Choose a date between the years 2000 and 2199.")]})


def invite(event, invitees, *, actor=None, send=True, expires_at=None, positions=None, now=None):
    """Invite people to `event`: each valid invitee not invited before gets an invitation (and its message).

    `invitees` are dicts (email, name, organization, position, language);
    `positions` say where each came from (line numbers of a file; by default
    0, 1, ... as in an API list). Returns an InviteResult in the order given:
    the invitations made now, with their tokens, and the rejected rows with
    a reason. Everything is written with one INSERT per table.
    """
    now = now or clock.now()
    _check_can_invite(event, send, expires_at, now)
    positions_given = positions is not None
    positions = list(positions) if positions_given else list(range(len(invitees)))
    result = InviteResult()
    already = set(db.session.scalars(sa.select(Invitation.email_normalized).where(Invitation.event_id == event.id)))
    seen = {}
    accepted = []
    for position, raw in zip(positions, invitees):
        raw_email = str(raw.get("email") or "")[:254] if isinstance(raw, dict) else ""
        try:
            if not isinstance(raw, dict):
                raise RowRejected("invalid", _l("Not valid text."))
            clean = clean_invitee(raw)
            key = normalize_email(clean["email"])
            if key in already:
                raise RowRejected("already_invited", _l("Already invited to this event."))
            if key in seen:
                raise RowRejected("duplicate", _l("Listed twice: also at %(position)d.", position=seen[key]))
        except RowRejected as rejected:
            result.rejected.append(Rejection(position, raw_email, rejected.code, rejected.reason))
            continue
        seen[key] = position
        seed = new_seed()
        token = token_for(TOKEN_PURPOSE, seed)
        accepted.append((position, token, dict(
            clean, event_id=event.id, email_normalized=key, token_seed=seed, token_hash=digest(token),
            status=InvitationStatus.pending, expires_at=expires_at, created_at=now,
            created_by_id=getattr(actor, "id", None), send_count=1 if send else 0, decline_reason="",
        )))
    if not accepted:
        return result
    table = Invitation.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    # ON CONFLICT: the same list imported twice at once (a double click) invites each person once.
    statement = insert.on_conflict_do_nothing(index_elements=["event_id", "email_normalized"]).returning(
        table.c.id, table.c.email_normalized)
    made = {email: new_id for new_id, email in db.session.execute(statement, [v for _, _, v in accepted]).all()}
    for position, token, values in accepted:
        new_id = made.get(values["email_normalized"])
        if new_id is None:
            result.rejected.append(Rejection(position, values["email"], "already_invited",
                                             _l("Already invited to this event.")))
        else:
            result.invited.append(Invited(position, new_id, values["email"], values["name"], token))
    result.rejected.sort(key=lambda rejection: rejection.position)
    # One entry per list (an import of 5,000 is one action); `positions` come with a file's lines only.
    record("invitation.imported" if positions_given else "invitation.invited", actor=actor, event=event,
           invited=len(result.invited), rejected=len(result.rejected), sent=send,
           invitation_ids=[invited.id for invited in result.invited][:100])
    if send:
        by_id = {invited.id: invited for invited in result.invited}
        locales = {values["email_normalized"]: values["locale"] for _, _, values in accepted}
        enqueue_many("invitation", [
            {"to": by_id[new_id].email, "locale": locales[email], "event_id": event.id, "invitation_id": new_id}
            for email, new_id in made.items()
        ])
    return result


def import_invitees(event, data, *, actor=None, send=True, expires_at=None, now=None):
    """Invite everyone in an uploaded or pasted list (see importing.py); rows are reported by line number.

    Raises ValidationFailed (field "file") when the whole list is refused:
    then nothing is imported.
    """
    config = current_app.config
    try:
        sheet = importing.read_list(data, config["INVITATION_IMPORT_MAX_ROWS"],
                                    config["INVITATION_IMPORT_MAX_MB"] * 1024 * 1024)
    except importing.ImportRefused as refused:
        raise ValidationFailed(fields={"file": [refused.message]}) from None
    rows = sheet.rows
    short = [Rejection(row.line, "", "missing_column", _l("The row has no e-mail column."))
             for row in rows if row.short]
    complete = [row for row in rows if not row.short]
    result = invite(event, [row.values for row in complete], actor=actor, send=send, expires_at=expires_at,
                    positions=[row.line for row in complete], now=now)
    result.rejected = sorted(short + result.rejected, key=lambda r: r.position)
    result.ignored_columns = sheet.ignored
    return result


def invite_url(invitation_or_token, event=None):
    if isinstance(invitation_or_token, Invitation):
        event, token = invitation_or_token.event, invitation_or_token.token
    else:
        token = invitation_or_token
    return external_url("registration.register", slug=event.slug, invite=token)


# ---- the invitee -----------------------------------------------------------------

def is_usable(invitation, now=None):
    expiry = invitation.effective_expiry()
    return invitation.status in USABLE and not (expiry and (now or clock.now()) >= expiry)


def find_usable(event, token, now=None):
    """The invitation to `event` whose link this is, if the link still works; else None.

    Unknown, malformed, used, revoked, expired or another event's: all
    None, so that a caller cannot tell them apart.
    """
    if not well_formed(token):
        return None
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == digest(token)))
    if invitation is None or invitation.event_id != event.id or not is_usable(invitation, now):
        return None
    return invitation


_invitations = Invitation.__table__
_CLAIM = (
    sa.update(_invitations)
    .where(_invitations.c.id == sa.bindparam("target"),
           _invitations.c.status.in_([s.value for s in USABLE]),
           sa.or_(_invitations.c.expires_at.is_(None), _invitations.c.expires_at > sa.bindparam("now")))
    .values(status=InvitationStatus.registered.value, registered_at=sa.bindparam("now"))
)


def claim(invitation, now):
    """Use the invitation up (single use), in the registration's transaction; False if it is no longer usable.

    One conditional UPDATE: of two registrations through one link at the
    same moment, one wins; the other's transaction is rolled back.
    """
    changed = db.session.execute(_CLAIM, {"target": invitation.id, "now": now}).rowcount
    db.session.expire(invitation, ["status", "registered_at"])
    return changed == 1


@registration_cancelled_signal.connect
def give_invitation_back(registration, now=None, **kwargs):
    """The invitee cancelled (or was cancelled): the invitation is theirs again, as "declined", link working."""
    if registration.invitation_id is None:
        return
    table = Invitation.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == registration.invitation_id,
                               table.c.status == InvitationStatus.registered.value)
        .values(status=InvitationStatus.declined.value, declined_at=now, decline_reason="")
    )


def _has_active_registration(invitation):
    return db.session.scalar(sa.select(Registration.id).where(
        Registration.invitation_id == invitation.id, Registration.is_active)) is not None


def registration_defaults(invitation):
    """The registration form's fields from the invitation: e-mail, name split into prefix, first and last."""
    prefix, first, last = importing.split_name(invitation.name)
    return {"email": invitation.email, "title_prefix": prefix, "first_name": first, "last_name": last,
            "organization": invitation.organization, "position": invitation.position}


def decline(invitation, reason="", now=None):
    """The invitee cannot come. The link keeps working until it expires, in case they change their mind.

    A receipt goes to the invitee the first time; a second decline (a
    double click) only updates the reason.
    """
    now = now or clock.now()
    if not is_usable(invitation, now):
        raise InvitationInvalid()
    try:
        reason = _clean_text((reason or "").replace("\r", " ").replace("\n", " "), 1000)
    except RowRejected as rejected:
        raise ValidationFailed(fields={"reason": [rejected.reason]}) from None
    first_time = invitation.status != InvitationStatus.declined
    invitation.status = InvitationStatus.declined
    invitation.declined_at = now
    invitation.decline_reason = reason
    db.session.flush()
    if first_time:
        # Only the invitee declines, through their own link.
        record("invitation.declined", actor=REGISTRANT, event=invitation.event, target=invitation)
        enqueue("invitation_declined", to=invitation.email, locale=invitation.locale, event_id=invitation.event_id,
                invitation_id=invitation.id)
    return invitation


# ---- the organizer ----------------------------------------------------------------

def resend(invitation, actor=None, now=None):
    """Send the invitation again, with the same link."""
    now = now or clock.now()
    if invitation.event.status != EventStatus.published:
        raise Conflict(_l("Publish the event before sending invitations (the link leads to its page). "
                          "You can add invitees now without sending."))
    if not is_usable(invitation, now):
        raise Conflict(_l("This invitation can no longer be used; give it a new link instead."))
    invitation.send_count += 1
    db.session.flush()
    record("invitation.resent", actor=actor, event=invitation.event, target=invitation)
    enqueue("invitation", to=invitation.email, locale=invitation.locale, event_id=invitation.event_id,
            invitation_id=invitation.id)
    return invitation


def send_unsent(event, actor=None, now=None):
    """Send every usable invitation that was never sent (added without sending, e.g. before publishing)."""
    now = now or clock.now()
    waiting = [inv for inv in db.session.scalars(
        sa.select(Invitation).where(Invitation.event_id == event.id, Invitation.send_count == 0,
                                    Invitation.status.in_(USABLE))
    ) if is_usable(inv, now)]
    if waiting and event.status != EventStatus.published:
        raise Conflict(_l("Publish the event before sending invitations (the link leads to its page). "
                          "You can add invitees now without sending."))
    for invitation in waiting:
        invitation.send_count = 1
    db.session.flush()
    if waiting:
        record("invitation.sent", actor=actor, event=event, sent=len(waiting))
    return enqueue_many("invitation", [
        {"to": inv.email, "locale": inv.locale, "event_id": event.id, "invitation_id": inv.id} for inv in waiting
    ])


def revoke(invitation, actor=None, now=None):
    """Withdraw the invitation: the link stops working at once, and unsent messages with it are not sent."""
    if invitation.status == InvitationStatus.registered and _has_active_registration(invitation):
        raise Conflict(_l("This person has registered already; cancel the registration instead."))
    if invitation.status == InvitationStatus.revoked:
        return invitation
    invitation.status = InvitationStatus.revoked
    invitation.revoked_at = now or clock.now()
    db.session.flush()
    record("invitation.revoked", actor=actor, event=invitation.event, target=invitation)
    _cancel_pending_messages(invitation, _l("The invitation was withdrawn."))
    return invitation


def reissue(invitation, actor=None, expires_at=None, now=None):
    """A new link for the invitation (the old one stops working), sent at once: after a revocation,
    an expiry, or a link that went to the wrong person."""
    now = now or clock.now()
    if invitation.status == InvitationStatus.registered and _has_active_registration(invitation):
        raise Conflict(_l("This person has registered already; cancel the registration instead."))
    _check_can_invite(invitation.event, True, expires_at, now)
    _cancel_pending_messages(invitation, _l("A new link replaced this one."))
    seed = new_seed()
    invitation.token_seed = seed
    invitation.token_hash = digest(token_for(TOKEN_PURPOSE, seed))
    invitation.status = InvitationStatus.pending
    invitation.expires_at = expires_at
    invitation.revoked_at = None
    invitation.send_count += 1
    db.session.flush()
    record("invitation.reissued", actor=actor, event=invitation.event, target=invitation)
    enqueue("invitation", to=invitation.email, locale=invitation.locale, event_id=invitation.event_id,
            invitation_id=invitation.id)
    return invitation


def _cancel_pending_messages(invitation, reason):
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind == "invitation",
               OutboxMessage.status == MessageStatus.pending)
        .values(status=MessageStatus.cancelled, last_error=str(reason), failed_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def _default_expiry(event):
    return event.registration_closes_at or event.ends_at


def counts_by_state(event, now=None):
    state = Invitation.state_expression(_default_expiry(event), now or clock.now())
    rows = db.session.execute(
        sa.select(state, sa.func.count()).where(Invitation.event_id == event.id).group_by(state)
    ).all()
    counts = {s.value: 0 for s in InvitationStatus}
    counts.update({str(value): n for value, n in rows})
    counts["total"] = sum(n for _, n in rows)
    return counts


def invitations_for(event, state=None, search=None, now=None):
    """The event's invitations, newest first; `state` as the organizer sees it; `search` in e-mail, name, organization."""
    query = sa.select(Invitation).where(Invitation.event_id == event.id)
    if state is not None:
        query = query.where(Invitation.state_expression(_default_expiry(event), now or clock.now()) == str(state))
    search = search_text(search)
    if search:
        query = query.where(contains_any((Invitation.email, Invitation.name, Invitation.organization), search))
    return query.order_by(Invitation.created_at.desc(), Invitation.id.desc())


def undelivered_invitation_ids(event):
    """Invitations whose latest invitation message failed: the organizer should check the address."""
    latest = (
        sa.select(OutboxMessage.invitation_id, sa.func.max(OutboxMessage.id).label("last"))
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind == "invitation")
        .group_by(OutboxMessage.invitation_id).subquery()
    )
    return set(db.session.scalars(
        sa.select(OutboxMessage.invitation_id).join(latest, OutboxMessage.id == latest.c.last)
        .where(OutboxMessage.status == MessageStatus.failed)
    ))


EXPORT_COLUMNS = (
    Column("email", _l("E-mail"), width=28),
    Column("name", _l("Name"), width=26),
    Column("organization", _l("Organization"), width=30),
    Column("position", _l("Position"), width=22),
    Column("language", _l("Language"), "enum", labels.LANGUAGE, width=10),
    Column("status", _l("Status"), "enum", labels.INVITATION_STATUS, width=14),
    Column("status_at", _l("Status since"), "datetime", width=20),
    Column("times_sent", _l("Times sent"), "number", width=10),
    Column("decline_reason", _l("Reason for declining"), width=30),
    Column("expires_at", _l("Link expires"), "datetime", width=20),
)


def export_rows(event, now=None, language=None):
    """The list for a spreadsheet: a header, then one row per invitation (no personal link: it is shown once).

    `language` "th"/"en" for the organizer's language, None for codes (spreadsheets.table).
    """
    now = now or clock.now()
    query = sa.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)

    def records():  # a generator: the query runs as the response streams, not before
        for invitation in db.session.scalars(query.execution_options(yield_per=1000)):
            yield (invitation.email, invitation.name, invitation.organization, invitation.position, invitation.locale,
                   invitation.state(now), invitation.state_time(now), invitation.send_count,
                   invitation.decline_reason, invitation.effective_expiry())

    return table(EXPORT_COLUMNS, records(), language)


def find_for_event(event, invitation_id) -> Optional[Invitation]:
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.event_id == event.id else None


@personal_link_requested.connect
def _send_invitation_again(event, email_normalized, registration, now, **extra):
    """An invitee who lost their invitation before registering gets it again: the same link, while it can be used.

    Looked up whatever the address, so that a known and an unknown one cost the same.
    """
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.email_normalized == email_normalized))
    if registration is not None or invitation is None or event.status != EventStatus.published:
        return
    if not is_usable(invitation, now):
        return
    invitation.send_count += 1
    db.session.flush()
    enqueue("invitation", to=invitation.email, locale=invitation.locale, event_id=invitation.event_id,
            invitation_id=invitation.id)


# ---- the event is cancelled ---------------------------------------------------------

def unanswered(event, now=None):
    """The invitations delivered and not answered yet (sent, link not expired), in id order.

    A pending invitation has not reached its invitee: its mail is dropped
    instead (invitations/messages.py), so nobody hears of a cancellation of
    something they were never invited to.
    """
    state = Invitation.state_expression(event.registration_closes_at or event.ends_at, now or clock.now())
    return sa.select(Invitation).where(
        Invitation.event_id == event.id, state == InvitationStatus.sent.value).order_by(Invitation.id)


def count_unanswered(event, now=None):
    return db.session.scalar(sa.select(sa.func.count()).select_from(unanswered(event, now).subquery()))


@cancellation_audience.connect
def _invitees_to_tell(event, session=None, **_):
    """Cancelling the whole event tells the invitees who have not answered; a session's cancellation does not."""
    return ("invitees", count_unanswered(event)) if session is None else None


@event_cancelled.connect
def tell_unanswered_invitees(event, **_):
    """An invitee who has not answered is told too; the invitation mail not yet sent is dropped (see messages)."""
    return enqueue_many("invitation_event_cancelled", [
        {"to": invitation.email, "locale": invitation.locale, "event_id": event.id, "invitation_id": invitation.id}
        for invitation in db.session.scalars(unanswered(event))
    ])


@personal_data_requested.connect
def personal_data(registration, **_):
    """The invitation the person registered through, for their data download (nothing when they were not invited)."""
    if registration.invitation_id is None:
        return None
    invitation = db.session.get(Invitation, registration.invitation_id)
    return "invitation", {"email": invitation.email, "name": invitation.name, "organization": invitation.organization,
                          "position": invitation.position, "invited_at": iso(invitation.created_at),
                          "sent_at": iso(invitation.sent_at)}


@personal_data_erased.connect
def erase_personal_data(registration, **_):
    """The invitation keeps its place in the counts and loses the address, the name and the reason given."""
    if registration.invitation_id is None:
        return
    db.session.execute(sa.update(Invitation).where(Invitation.id == registration.invitation_id).values(
        email="", email_normalized=f"erased-{registration.invitation_id}", name="", organization="",
        position="", decline_reason="").execution_options(synchronize_session=False))
