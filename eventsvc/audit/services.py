"""Recording an action: `record(...)` adds the row to the caller's transaction (flush, never commit).

Every service that changes something on behalf of a person calls it with the
actor it was given: a User (signed in, or through an API token: the token is
read from the request), `REGISTRANT` (the person through their own link) or
`SYSTEM`/None (the service on its own).
"""
import json
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple, Optional

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..errors import ValidationFailed
from ..extensions import db
from ..labels import label
from ..spreadsheets import Column, table
from ..timefmt import BANGKOK
from .models import ActorKind, AuditEntry

REGISTRANT = ActorKind.registrant
SYSTEM = ActorKind.system


def snapshot(obj, fields):
    """The values of `fields` on `obj`, as plain JSON values, to compare before and after an edit."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes_between(before, after, private=()):
    """{"field": [before, after]} for the fields whose value changed; `private` fields as [None, None]."""
    return {name: ([None, None] if name in private else [before.get(name), value])
            for name, value in after.items() if before.get(name) != value}


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # an enum
        return value.value
    if hasattr(value, "__tablename__"):  # a row: its id
        return value.id
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "__tablename__") for v in value):
        return sorted(v.id for v in value)  # a collection of rows (a registration's sessions): order means nothing
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(_plain(v) for v in value) if isinstance(value, (set, frozenset)) else [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _actor_fields(actor):
    if actor is None or actor == SYSTEM:
        return {"actor_kind": ActorKind.system}
    if actor == REGISTRANT:
        return {"actor_kind": ActorKind.registrant}
    token_id = g.get("api_token_id") if has_request_context() else None
    return {"actor_kind": ActorKind.token if token_id else ActorKind.user, "actor_user_id": actor.id,
            "actor_label": actor.email, "api_token_id": token_id}


def record_export(kind, *, actor, event=None, registration=None, **details):
    """Who downloaded whose data: an export of registrations, a sign-in sheet, invitations, a person's own data.

    The views call it before they send the file, and commit: the record stays
    even when the download is then broken off. `details`: the format, the
    filters chosen (never a registrant's value).
    """
    return record("export.downloaded", actor=actor, event=event, registration=registration, kind=kind, **details)


def record(action, *, actor=None, event=None, registration=None, target=None, changes=None, **data):
    """Add one AuditEntry to the current transaction and return it.

    `event`/`registration` place it on the event's and the registrant's record
    (the registration's event is taken when no event is given); `target` is any
    other object acted on (its table name and id are kept).
    """
    if event is None and registration is not None:
        event = registration.event
    entry = AuditEntry(
        action=action, event_id=event.id if event is not None else None,
        registration_id=registration.id if registration is not None else None,
        target_type=target.__tablename__ if target is not None else "",
        target_id=target.id if target is not None else None,
        changes=_plain(changes or {}), data=_plain(data), **_actor_fields(actor),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


# ---- reading the trail ---------------------------------------------------------------

# The families an organizer filters by: the part of an action's name before the dot.
FAMILIES = ("event", "session", "document", "registration", "checkin", "export", "list", "invitation", "mail",
            "team", "message", "webhook", "account", "token", "certificate", "survey", "qna", "comment")
FAMILY_LABELS = {
    "event": _l("The event"), "session": _l("Sessions"), "document": _l("Documents"),
    "registration": _l("Registrations"), "checkin": _l("Check-ins"), "export": _l("Downloads of data"),
    "list": _l("The list of participants"), "invitation": _l("Invitations"), "mail": _l("Mail"),
    "team": _l("The team"), "message": _l("Messages"), "webhook": _l("Webhooks"), "account": _l("Accounts"),
    "token": _l("API tokens"), "certificate": _l("Certificates of participation"),
    "survey": _l("Satisfaction survey"), "qna": _l("Questions during the sessions"),
    "comment": _l("Comments on the draft"),
}


class AuditFilters(NamedTuple):
    """What the page, the CSV and the API filter by; every one optional."""
    family: Optional[str] = None
    actor: Optional[str] = None            # "registrant", "system", or a user's id as text
    since: Optional[date] = None           # Bangkok dates, both included
    until: Optional[date] = None
    registration_id: Optional[int] = None


def parse_filters(args):
    """AuditFilters from a query string; ValidationFailed (field errors, in the reader's language) for a bad value."""
    errors, values = {}, {}
    family = (args.get("family") or "").strip() or None
    if family is not None and family not in FAMILIES:
        errors["family"] = [_l("Not one of the allowed values.")]
    values["family"] = family
    actor = (args.get("actor") or "").strip() or None
    if actor is not None and actor not in ("registrant", "system") and not (actor.isdigit() and len(actor) < 10):
        errors["actor"] = [_l("Not one of the allowed values.")]
    values["actor"] = actor
    for name in ("since", "until"):
        text = (args.get(name) or "").strip()
        values[name] = None
        try:
            values[name] = date.fromisoformat(text) if text else None
            if values[name] is not None and not 2000 <= values[name].year < 2200:
                raise ValueError
        except ValueError:
            errors[name] = [_l("Choose a date between the years 2000 and 2199.")]
    text = (args.get("registration_id") or "").strip().lstrip("#")
    if text and not (text.isdigit() and 0 < int(text) < 2**31):
        errors["registration_id"] = [_l("Give the registration's number.")]
    values["registration_id"] = int(text) if text and not errors.get("registration_id") else None
    if values["since"] and values["until"] and values["until"] < values["since"]:
        errors["until"] = [_l("The end of the range must not be before its start.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return AuditFilters(**values)


def entries_for(event=None, registration=None, filters=AuditFilters()):
    """The entries of an event, or of one registration (both, or neither: everything), newest first, as a SELECT."""
    query = sa.select(AuditEntry)
    if event is not None:
        query = query.where(AuditEntry.event_id == event.id)
    if registration is not None:
        query = query.where(AuditEntry.registration_id == registration.id)
    if filters.family:
        query = query.where(AuditEntry.action.startswith(filters.family + ".", autoescape=True))
    if filters.actor in ("registrant", "system"):
        query = query.where(AuditEntry.actor_kind == ActorKind(filters.actor))
    elif filters.actor:
        query = query.where(AuditEntry.actor_user_id == int(filters.actor))
    # Days beyond the years anything was recorded in are no bound (and keep the arithmetic within datetime's range).
    if filters.since and filters.since > EARLIEST:
        query = query.where(AuditEntry.created_at >= _bangkok_midnight(filters.since))
    if filters.until and filters.until < LATEST:
        query = query.where(AuditEntry.created_at < _bangkok_midnight(filters.until + timedelta(days=1)))
    if filters.registration_id:
        query = query.where(AuditEntry.registration_id == filters.registration_id)
    return query.order_by(AuditEntry.id.desc())


EARLIEST, LATEST = date(1900, 1, 1), date(9000, 1, 1)


def _bangkok_midnight(day):
    return datetime.combine(day, time(0), tzinfo=BANGKOK).astimezone(timezone.utc)


def actors_of(event=None):
    """[(user id, e-mail)] of the staff who acted on `event` (on anything: None), for the filter's choices."""
    query = (sa.select(AuditEntry.actor_user_id, sa.func.max(AuditEntry.actor_label))
             .where(AuditEntry.actor_user_id.is_not(None)).group_by(AuditEntry.actor_user_id))
    if event is not None:
        query = query.where(AuditEntry.event_id == event.id)
    rows = db.session.execute(query).all()
    return sorted(rows, key=lambda row: row[1])


# How each action reads. %(actor)s is who did it; %(registration)s the registration's number, %(target)s the
# number of the session, document or invitation; the others come from the entry's data.
SENTENCES = {
    "event.created": _l("%(actor)s created the event"),
    "event.updated": _l("%(actor)s edited the event"),
    "event.published": _l("%(actor)s published the event"),
    "event.unpublished": _l("%(actor)s took the event back to draft"),
    "event.cancelled": _l("%(actor)s cancelled the event"),
    "session.added": _l("%(actor)s added session #%(target)s"),
    "session.updated": _l("%(actor)s edited session #%(target)s"),
    "session.cancelled": _l("%(actor)s cancelled session #%(target)s"),
    "session.deleted": _l("%(actor)s deleted session #%(target)s"),
    "document.added": _l("%(actor)s added the document “%(title)s”"),
    "document.deleted": _l("%(actor)s removed the document “%(title)s”"),
    "document.summary_published": _l("%(actor)s published the summary of the hearing on the event page"),
    "document.summary_withdrawn": _l("%(actor)s withdrew the summary of the hearing from the event page"),
    "registration.created": _l("%(actor)s made registration #%(registration)s"),
    "registration.updated": _l("%(actor)s changed registration #%(registration)s"),
    "registration.cancelled": _l("%(actor)s cancelled registration #%(registration)s"),
    "registration.promoted": _l("%(actor)s moved registration #%(registration)s up from the waitlist"),
    "registration.erased": _l("%(actor)s erased the personal data of registration #%(registration)s"),
    "registration.unlisted": _l("%(actor)s took registration #%(registration)s off the public list"),
    "checkin.created": _l("%(actor)s checked in registration #%(registration)s for session #%(session_id)s"),
    "checkin.undone": _l("%(actor)s undid the check-in of registration #%(registration)s for session #%(session_id)s"),
    "export.downloaded": _l("%(actor)s downloaded %(kind)s"),
    "list.published": _l("%(actor)s published the list of participants"),
    "list.withdrawn": _l("%(actor)s withdrew the list of participants"),
    "invitation.invited": _l("%(actor)s invited %(invited)s people"),
    "invitation.imported": _l("%(actor)s imported a list of invitees: %(invited)s invited"),
    "invitation.sent": _l("%(actor)s sent %(sent)s invitations not sent before"),
    "invitation.resent": _l("%(actor)s sent invitation #%(target)s again"),
    "invitation.revoked": _l("%(actor)s withdrew invitation #%(target)s"),
    "invitation.reissued": _l("%(actor)s made a new link for invitation #%(target)s"),
    "invitation.declined": _l("%(actor)s declined invitation #%(target)s"),
    "mail.retried": _l("%(actor)s tried %(messages)s failed messages again"),
    "account.created": _l("%(actor)s created the account %(email)s"),
    "account.signed_in": _l("%(actor)s signed in"),
    "account.sign_in_failed": _l("A sign-in to %(email)s failed"),
    "account.signed_out": _l("%(actor)s signed out"),
    "account.password_changed": _l("%(actor)s changed the password of %(email)s"),
    "account.deactivated": _l("%(actor)s deactivated %(email)s"),
    "account.activated": _l("%(actor)s activated %(email)s"),
    "token.issued": _l("%(actor)s issued an API token for %(email)s"),
    "token.revoked": _l("%(actor)s revoked the API tokens of %(email)s"),
    "event.duplicated": _l("%(actor)s duplicated the event"),
    "event.mail_notes_changed": _l("%(actor)s changed the event's own paragraph in the confirmation and reminders"),
    "event.capacity_raised": _l("%(actor)s raised the capacity by one for registration #%(registration)s"),
    "registration.added": _l("%(actor)s added registration #%(registration)s by hand"),
    "registration.changed": _l("%(actor)s corrected registration #%(registration)s"),
    "registration.resent": _l("%(actor)s sent the confirmation of registration #%(registration)s again"),
    "team.member_added": _l("%(actor)s added a colleague to the team"),
    "team.role_changed": _l("%(actor)s changed a colleague's role on the team"),
    "team.member_removed": _l("%(actor)s removed a colleague from the team"),
    "message.sent": _l("%(actor)s wrote to registrants (message #%(target)s)"),
    "message.scheduled": _l("%(actor)s scheduled a message to registrants (message #%(target)s)"),
    "message.cancelled": _l("%(actor)s cancelled the scheduled message #%(target)s"),
    "question.added": _l("%(actor)s added a registration question"),
    "question.changed": _l("%(actor)s edited a registration question"),
    "question.moved": _l("%(actor)s moved a registration question"),
    "question.removed": _l("%(actor)s removed a registration question"),
    "webhook.created": _l("%(actor)s registered webhook #%(target)s"),
    "webhook.removed": _l("%(actor)s removed webhook #%(target)s"),
    "webhook.enabled": _l("%(actor)s turned webhook #%(target)s on"),
    "webhook.disabled": _l("%(actor)s paused webhook #%(target)s"),
    "webhook.secret_rotated": _l("%(actor)s gave webhook #%(target)s a new secret"),
    "webhook.delivery_resent": _l("%(actor)s sent a webhook delivery again"),
    "certificate.issued": _l("%(actor)s issued the certificate of participation of registration #%(registration)s"),
    "survey.changed": _l("%(actor)s changed the satisfaction survey"),
    "survey.answered": _l("%(actor)s answered the satisfaction survey of a session"),
    "qna.asked": _l("%(actor)s asked question #%(target)s in session #%(session_id)s"),
    "qna.approved": _l("%(actor)s approved question #%(target)s of session #%(session_id)s"),
    "qna.hidden": _l("%(actor)s hid question #%(target)s of session #%(session_id)s"),
    "qna.pinned": _l("%(actor)s pinned question #%(target)s of session #%(session_id)s"),
    "qna.unpinned": _l("%(actor)s unpinned question #%(target)s of session #%(session_id)s"),
    "qna.answered": _l("%(actor)s marked question #%(target)s of session #%(session_id)s answered"),
    "qna.reopened": _l("%(actor)s marked question #%(target)s of session #%(session_id)s not answered"),
    "comment.settings_changed": _l("%(actor)s changed the comment period or who may comment"),
    "comment.sections_changed": _l("%(actor)s changed the sections of document #%(target)s"),
    "comment.posted": _l("%(actor)s commented on the draft (comment #%(target)s)"),
    "comment.published": _l("%(actor)s published comment #%(target)s"),
    "comment.hidden": _l("%(actor)s hid comment #%(target)s"),
    "comment.replied": _l("%(actor)s replied to comment #%(target)s"),
    "comment.reply_edited": _l("%(actor)s edited the reply to comment #%(target)s"),
    "comment.reply_removed": _l("%(actor)s removed the reply to comment #%(target)s"),
    "comment.address_confirmed": _l("A commenter confirmed their e-mail address"),
    "comment.commenter_erased": _l("A commenter erased their data"),
}
# Values of changed fields that are codes: shown as the pages name them (status: confirmed -> ยืนยันแล้ว).
VALUE_LABELS = {"status": ("registration_status", "event_status"), "sector": ("sector",),
                "attendance": ("attendance",)}


def readable_value(field, value):
    """A changed field's value as a reader says it; codes through labels.py, anything else as it is."""
    for group in VALUE_LABELS.get(field, ()):
        text = label(group, value)
        if text is not None and str(text) != str(value):
            return str(text)
    return value
EXPORT_KINDS = {
    "registrations_csv": _l("the registrations (CSV)"), "registrations_xlsx": _l("the registrations (Excel)"),
    "sign_in_sheet": _l("a sign-in sheet"), "invitations_csv": _l("the invitations (CSV)"),
    "personal_data": _l("their personal data"),
    "certificate": _l("a registrant's certificate of participation"),
    "commenter_data": _l("a commenter's own data"),
    "report_pdf": _l("the summary report (PDF)"), "report_docx": _l("the summary report (DOCX)"),
}
ACTOR_NAMES = {ActorKind.registrant: _l("The registrant"), ActorKind.system: _l("The system")}


def actor_name(entry, names=None):
    """Who acted, as a reader says it: the person's name (or e-mail), "The registrant", "The system"."""
    if entry.actor_kind in ACTOR_NAMES:
        return str(ACTOR_NAMES[entry.actor_kind])
    name = (names or {}).get(entry.actor_user_id) or entry.actor_label or f"#{entry.actor_user_id}"
    return str(_l("%(name)s (API token)", name=name)) if entry.actor_kind == ActorKind.token else name


def describe(entry, names=None):
    """One line, in the current language: "สมศรี cancelled registration #123"."""
    values = {key: value for key, value in entry.data.items() if isinstance(value, (str, int, float))}
    values.update(actor=actor_name(entry, names), registration=entry.registration_id or "",
                  target=entry.target_id or "", action=entry.action)
    if entry.action == "export.downloaded":
        values["kind"] = str(EXPORT_KINDS.get(entry.data.get("kind"), entry.data.get("kind", "")))
    sentence = SENTENCES.get(entry.action)
    try:
        return str(sentence % values) if sentence is not None else f"{values['actor']}: {entry.action}"
    except (KeyError, TypeError, ValueError):  # an entry older than its sentence's placeholders
        return f"{values['actor']}: {entry.action}"


class AuditLine(NamedTuple):
    entry: AuditEntry
    text: str
    reason: str
    changes: list  # [(field, before, after, private)]


def lines(entries):
    """What templates/audit/_entries.html shows, for a page of entries: each readable, its changes listed."""
    entries = list(entries)
    names = _staff_names({e.actor_user_id for e in entries if e.actor_user_id is not None})
    return [AuditLine(entry, describe(entry, names), str(entry.data.get("reason") or ""),
                      [(field, readable_value(field, before), readable_value(field, after), [before, after] == [None, None])
                       for field, (before, after) in sorted(entry.changes.items())])
            for entry in entries]


def _staff_names(user_ids):
    if not user_ids:
        return {}
    return {user_id: name for user_id, name in db.session.execute(
        sa.select(User.id, User.name).where(User.id.in_(user_ids), User.name != ""))}


AUDIT_COLUMNS = [
    Column("id", _l("Entry")), Column("created_at", _l("When"), "datetime"), Column("action", _l("Action")),
    Column("actor_kind", _l("Actor kind")), Column("actor", _l("Who")), Column("registration_id", _l("Registration")),
    Column("target", _l("Object")), Column("description", _l("What happened")), Column("reason", _l("Reason")),
    Column("changes", _l("Changes (before, after)")), Column("data", _l("Details")),
]


def export_rows(query, language=None, batch=500):
    """The header, then one row per entry of `query` (entries_for), `batch` at a time; sentences in `language`.

    Changes and details as JSON text: a spreadsheet shows them whole, and the
    CSV writer makes any cell that would start a formula plain text.
    """
    return table(AUDIT_COLUMNS, _export_records(query, language, batch), language)


def _export_records(query, language, batch):
    last_id = None
    with force_locale(language or "en"):
        while True:
            page_query = query if last_id is None else query.where(AuditEntry.id < last_id)
            entries = db.session.scalars(page_query.limit(batch)).all()
            if not entries:
                return
            for line in lines(entries):
                entry = line.entry
                yield (entry.id, entry.created_at, entry.action, entry.actor_kind.value,
                       entry.actor_label or ("" if entry.actor_kind in ACTOR_NAMES else entry.actor_user_id),
                       entry.registration_id, f"{entry.target_type} #{entry.target_id}" if entry.target_type else "",
                       line.text, line.reason, json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
                       json.dumps(entry.data, ensure_ascii=False) if entry.data else "")
            last_id = entries[-1].id
