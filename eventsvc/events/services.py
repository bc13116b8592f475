"""Events, sessions and attachments: every rule and every write."""
import atexit
import mimetypes
import re
import secrets
import threading
import time
import unicodedata
from collections import Counter
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from werkzeug.utils import secure_filename

from .. import clock
from ..audit.services import changes_between, record, snapshot
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..teams.services import add_owner
from ..timefmt import BANGKOK, to_local
from .signals import (event_cancelled, event_duplicated, schedule_changed, seats_changed, session_cancelled,
                      session_in_use)
from .models import (
    Attachment,
    DailyTraffic,
    Event,
    EventFormat,
    EventKind,
    EventSession,
    EventStatus,
    RegistrationMode,
    StreamVisibility,
)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")

EVENT_FIELDS = {
    "slug", "kind", "title_th", "title_en", "description_th", "description_en",
    "organizer_name_th", "organizer_name_en", "format", "venue_name", "venue_room",
    "venue_floor", "venue_address", "venue_name_en", "venue_room_en", "venue_address_en", "registration_mode", "capacity", "waitlist",
    "registration_opens_at", "registration_closes_at", "status", "contact_name",
    "contact_phone", "contact_email", "attendee_list_published",
}
MULTILINE_FIELDS = {"description_th", "description_en", "venue_address", "venue_address_en"}
SESSION_FIELDS = {
    "name_th", "name_en", "starts_at", "ends_at", "capacity", "stream_url",
    "stream_visibility", "recording_url",
}
_ENUMS = {
    "kind": EventKind, "format": EventFormat, "registration_mode": RegistrationMode,
    "status": EventStatus, "stream_visibility": StreamVisibility,
}


def published_events():
    """Published events, upcoming first, then past ones, most recent first."""
    now = clock.now()
    upcoming = sa.case((Event.ends_at >= now, 0), else_=1)
    return (
        sa.select(Event)
        .where(Event.status == EventStatus.published)
        .order_by(upcoming, sa.case((Event.ends_at >= now, Event.starts_at), else_=None), Event.starts_at.desc(), Event.id)
    )


def feed_events():
    """The calendar feed: published events, and cancelled ones not over yet, so that subscribers'
    calendars receive the cancellation (STATUS:CANCELLED) instead of an entry that silently stays."""
    return (
        sa.select(Event)
        .where(sa.or_(Event.status == EventStatus.published,
                      sa.and_(Event.status == EventStatus.cancelled, Event.ends_at >= clock.now())))
        .order_by(Event.starts_at, Event.id)
    )


def get_event(slug, with_sessions=False, with_attachments=False):
    """The event with this slug, or None; its sessions (and documents) loaded in the same query when asked."""
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        return None
    query = sa.select(Event).where(Event.slug == slug)
    if with_sessions:
        query = query.options(joinedload(Event.sessions))
    if with_attachments:
        query = query.options(selectinload(Event.attachments))
    return db.session.scalars(query).unique().first()


def validate_stream_url(url, field="stream_url"):
    """https, on one of the allowed hosts (EVENTSVC_STREAM_HOSTS); '' means no link."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > 500 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationFailed(fields={field: [_l("Not a valid link.")]})
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValidationFailed(fields={field: [_l("The link must start with https://.")]})
    host = parts.hostname.lower()
    for allowed in current_app.config["STREAM_HOSTS"]:
        allowed = allowed.strip().lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return url
    raise ValidationFailed(
        fields={field: [_l("Links are allowed only to: %(hosts)s.", hosts=", ".join(current_app.config["STREAM_HOSTS"]))]}
    )


EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def _utc(value, field, errors):
    """Aware datetimes in UTC, as they will come back from the database; years 2000–2199 only."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a service")
    if not (EARLIEST.year <= value.year < LATEST.year):
        errors[field] = [_l("Choose a date between the years 2000 and 2199.")]
        return None
    return value.astimezone(timezone.utc)


def _event_fields_and_errors(data, event=None):
    """(clean fields, field errors): every error at once, so that a form or an API call shows them in one round."""
    errors = {}
    clean = {}
    for key, value in data.items():
        if key not in EVENT_FIELDS:
            continue
        value = _utc(value, key, errors)
        if isinstance(value, str):
            value = value.strip()
            if _has_control_characters(value, multiline=key in MULTILINE_FIELDS):
                errors[key] = [_l("Control characters are not allowed.")]
                continue
        # After strip(): str.strip() of a str-based enum is a plain str again.
        if key in _ENUMS and value is not None and not isinstance(value, _ENUMS[key]):
            try:
                value = _ENUMS[key](value)
            except ValueError:
                errors[key] = [_l("Not one of the allowed values.")]
                continue
        clean[key] = value
    if "slug" in clean and not SLUG_RE.match(clean["slug"] or ""):
        errors["slug"] = [_l("Use 1–80 lower-case letters, digits and dashes.")]
    if "title_th" in clean and not clean["title_th"]:
        errors["title_th"] = [_l("This field is required.")]
    capacity = clean.get("capacity", event.capacity if event else None)
    if capacity is not None and capacity < 0:
        errors["capacity"] = [_l("Must be zero or more.")]
    elif event is not None and capacity is not None and capacity < event.seats_taken:
        errors["capacity"] = [lazy_ngettext("%(num)d seat is already taken.", "%(num)d seats are already taken.", event.seats_taken)]
    opens = clean.get("registration_opens_at", event.registration_opens_at if event else None)
    closes = clean.get("registration_closes_at", event.registration_closes_at if event else None)
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = [_l("Registration must close after it opens.")]
    return clean, errors


def _clean_event_fields(data, event=None):
    clean, errors = _event_fields_and_errors(data, event)
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def suggest_slug(title_en, now=None):
    """A free web address made from the English title ("Public hearing 2027" -> "public-hearing-2027").

    With no usable English title: "event-<year>-<6 random characters>". A taken
    address gets "-2", "-3"... so that the suggestion is free when made.
    """
    base = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", title_en or "").encode("ascii", "ignore")
                  .decode().lower()).strip("-")[:70].rstrip("-")
    if not base:
        base = f"event-{(now or clock.now()).year}-{secrets.token_hex(3)}"
    return _free_slug(base)


def _free_slug(base):
    """`base`, or `base-2`, `base-3`... whichever is free now."""
    slug, n = base, 1
    while get_event(slug) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def suggest_copy_slug(source):
    """The address suggested for a copy of `source`: its own with the next free number ("focus-group-2")."""
    return _free_slug(source.slug[:70].rstrip("-"))


def event_errors(data, event=None):
    """Every field error the service would give for `data`, without writing: the form shows them in one round."""
    data = dict(data)
    if event is None and not (data.get("slug") or "").strip():
        data.pop("slug", None)
    clean, errors = _event_fields_and_errors(data, event)
    if event is None:
        if "title_th" in data and not clean.get("title_th"):
            errors.setdefault("title_th", [_l("This field is required.")])
    errors.update({k: v for k, v in _slug_errors(clean, event).items() if k not in errors})
    return errors


def _slug_errors(clean, event=None):
    slug = clean.get("slug")
    if not slug or not SLUG_RE.match(slug) or (event is not None and slug == event.slug):
        return {}
    if event is not None and event.status != EventStatus.draft:
        # /events/<slug> is printed in letters and e-mails: it stays once published.
        return {"slug": [_l("The address cannot change once the event is published.")]}
    if get_event(slug) is not None:
        return {"slug": [_l("This address is already taken.")]}
    return {}


def _has_control_characters(text, multiline=False):
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _clean_session_fields(data, index=None):
    prefix = f"sessions.{index}." if index is not None else ""
    errors = {}
    clean = {k: (v.strip() if isinstance(v, str) else _utc(v, prefix + k, errors))
             for k, v in data.items() if k in SESSION_FIELDS}
    for key, value in clean.items():
        if isinstance(value, str) and _has_control_characters(value):
            errors[prefix + key] = [_l("Control characters are not allowed.")]
    if "stream_visibility" in clean and not isinstance(clean["stream_visibility"], StreamVisibility):
        try:
            clean["stream_visibility"] = StreamVisibility(clean["stream_visibility"])
        except ValueError:
            errors[prefix + "stream_visibility"] = [_l("Not one of the allowed values.")]
    for key in ("stream_url", "recording_url"):
        if key in clean:
            try:
                clean[key] = validate_stream_url(clean[key], prefix + key)
            except ValidationFailed as error:
                errors.update(error.fields)
    if "name_th" in clean and not clean["name_th"]:
        errors[prefix + "name_th"] = [_l("This field is required.")]
    if clean.get("capacity") is not None and clean["capacity"] < 0:
        errors[prefix + "capacity"] = [_l("Must be zero or more.")]
    return clean, errors


def _check_session_times(session, prefix=""):
    if session.starts_at is None or session.ends_at is None:
        return {prefix + "starts_at": [_l("This field is required.")]}
    if session.ends_at <= session.starts_at:
        return {prefix + "ends_at": [_l("The session must end after it starts.")]}
    return {}


def _refresh_event_times(event):
    sessions = [s for s in event.sessions if s.starts_at and s.ends_at]
    event.starts_at = min((s.starts_at for s in sessions), default=None)
    event.ends_at = max((s.ends_at for s in sessions), default=None)


def create_event(owner, data, sessions=(), actor=None):
    """Create an event with its sessions; raises ValidationFailed or Conflict."""
    data = dict(data)
    if not (data.get("slug") or "").strip():
        # Left empty: made from the English title (the form's script suggests the same while typing).
        data["slug"] = suggest_slug(data.get("title_en"))
    clean, errors = _event_fields_and_errors(data)
    for name in ("slug", "title_th"):
        if not clean.get(name) and name not in errors:
            errors[name] = [_l("This field is required.")]
    errors.update({k: v for k, v in _slug_errors(clean).items() if k not in errors})
    status = clean.pop("status", EventStatus.draft)
    event = Event(owner=owner, status=EventStatus.draft, **{k: v for k, v in clean.items() if k not in errors})
    for index, session_data in enumerate(sessions):
        session_clean, session_errors = _clean_session_fields(session_data, index)
        errors.update(session_errors)
        if not session_errors:
            session = EventSession(**session_clean)
            errors.update(_check_session_times(session, f"sessions.{index}."))
            event.sessions.append(session)
    if errors:
        raise ValidationFailed(fields=errors)
    _insert_new_event(event, owner)
    record("event.created", actor=actor, event=event, slug=event.slug, sessions=len(event.sessions))
    if status != EventStatus.draft:
        set_status(event, status, actor)
    return event


def _insert_new_event(event, owner):
    """Write a new event with its sessions, `owner` on its team as the owner; a taken address is a field error."""
    _refresh_event_times(event)
    try:
        with db.session.begin_nested():
            db.session.add(event)
            db.session.flush()
    except IntegrityError:
        # Another organizer took the same address a moment ago.
        raise ValidationFailed(fields={"slug": [_l("This address is already taken.")]})
    add_owner(event, owner)


def update_event(event, data, actor=None):
    """Change the given fields; a larger capacity lets waitlisted people in."""
    if "capacity" in data:
        # Lock the row and read the seats taken now, so that a concurrent
        # registration cannot slip between the check and the write.
        db.session.refresh(event, ["seats_taken", "capacity"], with_for_update=True)
    clean, errors = _event_fields_and_errors(data, event)
    errors.update({k: v for k, v in _slug_errors(clean, event).items() if k not in errors})
    if errors:
        raise ValidationFailed(fields=errors)
    status = clean.pop("status", None)
    capacity_changed = "capacity" in clean and clean["capacity"] != event.capacity
    waitlist_changed = "waitlist" in clean and clean["waitlist"] != event.waitlist
    place_changed = any(key in PLACE_FIELDS and clean[key] != getattr(event, key) for key in clean)
    before = snapshot(event, clean)
    for key, value in clean.items():
        setattr(event, key, value)
    if changes := changes_between(before, snapshot(event, clean)):
        record("event.updated", actor=actor, event=event, changes=changes)
    if place_changed:
        _schedule_changed(event, event.sessions)
    db.session.flush()
    if status is not None and status != event.status:
        set_status(event, status, actor, reason=data.get("cancel_reason", ""))
    if capacity_changed or waitlist_changed:
        seats_changed.send(event, actor=actor)
    return event


REASON_MAX = 2000


def _clean_reason(reason, field="cancel_reason", required=False):
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else reason
    if not isinstance(reason, str):
        raise ValidationFailed(fields={field: [_l("Not a valid text.")]})
    if required and not reason:
        raise ValidationFailed(fields={field: [_l("Please give the reason: it is sent to everyone affected.")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(fields={field: [_l("At most %(num)d characters.", num=REASON_MAX)]})
    if _has_control_characters(reason, multiline=True):
        raise ValidationFailed(fields={field: [_l("Control characters are not allowed.")]})
    return reason


def _refuse_if_cancelled(event, session=None):
    """A cancelled event (or session) is final: its sessions are not edited, added or removed."""
    if event.is_cancelled:
        raise Conflict(_l("This event has been cancelled; it can no longer be changed."))
    if session is not None and session.cancelled_at is not None:
        raise Conflict(_l("This session has been cancelled; it can no longer be changed."))


# What the audit trail calls a change of status.
STATUS_ACTIONS = {EventStatus.published: "event.published", EventStatus.cancelled: "event.cancelled",
                  EventStatus.draft: "event.unpublished"}


def set_status(event, status, actor=None, reason=""):
    status = EventStatus(status)
    if event.status == EventStatus.cancelled and status != EventStatus.cancelled:
        raise Conflict(_l("A cancelled event cannot be reopened; create a new one."))
    if status == EventStatus.published and not event.sessions:
        raise ValidationFailed(fields={"status": [_l("Add at least one session before publishing.")]})
    newly_cancelled = status == EventStatus.cancelled and event.status != EventStatus.cancelled
    if newly_cancelled:
        reason = _clean_reason(reason)
    if status != event.status:
        record(STATUS_ACTIONS[status], actor=actor, event=event, changes={"status": [event.status, status]},
               **({"reason": reason} if newly_cancelled else {}))
    event.status = status
    if status == EventStatus.published and event.published_at is None:
        event.published_at = clock.now()
    if newly_cancelled:
        event.cancelled_at = clock.now()
        event.cancel_reason = reason
        db.session.flush()
        # Registrants, invitees who have not answered, reminders: each capability reacts on its own.
        event_cancelled.send(event, actor=actor)
    db.session.flush()
    return event


# Where the event takes place: a change is a change of every session's calendar entry.
PLACE_FIELDS = {"format", "venue_name", "venue_room", "venue_floor", "venue_address",
                "venue_name_en", "venue_room_en", "venue_address_en"}


def _schedule_changed(event, sessions):
    """Raise the sessions' SEQUENCE and tell their registrants, with the updated calendar entry."""
    for session in sessions:
        session.sequence += 1
    if event.status == EventStatus.published and sessions:
        db.session.flush()
        schedule_changed.send(event, sessions=sessions)


def publish_event(event, actor=None):
    return set_status(event, EventStatus.published, actor)


def cancel_event(event, reason="", actor=None, required=False):
    """Cancel: registration closes, registrations are kept so that people can be told (with the reason)."""
    if event.is_cancelled:
        raise Conflict(_l("This event has already been cancelled."))
    reason = _clean_reason(reason, required=required)
    return set_status(event, EventStatus.cancelled, actor, reason=reason)


def cancel_session(session, reason, actor=None):
    """Cancel one session; the rest of the event goes ahead. Its registrants are told, with the reason.

    The last session still on cannot be cancelled alone: that is cancelling
    the event, which closes registration too.
    """
    event = session.event
    _refuse_if_cancelled(event, session)
    reason = _clean_reason(reason, required=True)
    if not [s for s in event.sessions if s.cancelled_at is None and s.id != session.id]:
        raise Conflict(_l("This is the event's last session: cancel the whole event instead."))
    session.cancelled_at = clock.now()
    session.cancel_reason = reason
    db.session.flush()
    record("session.cancelled", actor=actor, event=event, target=session, reason=reason)
    if event.status == EventStatus.published:
        session_cancelled.send(session, actor=actor)
    db.session.flush()
    return session


def add_session(event, data, actor=None):
    _refuse_if_cancelled(event)
    clean, errors = _clean_session_fields(data)
    if errors:
        raise ValidationFailed(fields=errors)
    session = EventSession(**clean)
    errors = _check_session_times(session)
    if errors:
        raise ValidationFailed(fields=errors)
    event.sessions.append(session)
    _refresh_event_times(event)
    db.session.flush()
    record("session.added", actor=actor, event=event, target=session, name_th=session.name_th,
           starts_at=session.starts_at, ends_at=session.ends_at)
    return session


def update_session(session, data, actor=None):
    _refuse_if_cancelled(session.event, session)
    if "capacity" in data:
        db.session.refresh(session, ["seats_taken", "capacity"], with_for_update=True)  # see update_event
    clean, errors = _clean_session_fields(data)
    if clean.get("capacity") is not None and clean["capacity"] < session.seats_taken:
        errors["capacity"] = [lazy_ngettext("%(num)d seat is already taken.", "%(num)d seats are already taken.", session.seats_taken)]
    if errors:
        raise ValidationFailed(fields=errors)
    capacity_changed = "capacity" in clean and clean["capacity"] != session.capacity
    moved = any(key in ("starts_at", "ends_at") and clean[key] != getattr(session, key) for key in clean)
    before = snapshot(session, clean)
    for key, value in clean.items():
        setattr(session, key, value)
    errors = _check_session_times(session)
    if errors:
        raise ValidationFailed(fields=errors)
    if changes := changes_between(before, snapshot(session, clean)):
        record("session.updated", actor=actor, event=session.event, target=session, changes=changes)
    _refresh_event_times(session.event)
    if moved:
        _schedule_changed(session.event, [session])
    db.session.flush()
    if capacity_changed:
        seats_changed.send(session.event, actor=actor)
    return session


def delete_session(session, actor=None):
    _refuse_if_cancelled(session.event)
    # Whoever keeps rows that name the session (registrations) says so; then it cannot go.
    if any(in_use for _receiver, in_use in session_in_use.send(session)):
        raise Conflict(_l("People have registered for this session; it cannot be deleted."))
    event = session.event
    if event.status == EventStatus.published and len(event.sessions) == 1:
        raise Conflict(_l("A published event needs at least one session."))
    record("session.deleted", actor=actor, event=event, target=session, name_th=session.name_th,
           starts_at=session.starts_at, ends_at=session.ends_at)
    event.sessions.remove(session)
    db.session.flush()
    _refresh_event_times(event)
    db.session.flush()


# What a copy takes from its source: everything that describes the event, nothing about who took part in it
# (seats taken, page views, the published list, the cancellation) and not its address or its status.
COPIED_FIELDS = tuple(sorted(EVENT_FIELDS - {"slug", "status", "attendee_list_published",
                                             "registration_opens_at", "registration_closes_at"}))


def duplicate_event(source, owner, data, actor=None):
    """A new draft made from `source` for `owner` (who becomes its owner, alone on its team).

    `data`: `starts_on` (a date: the first session's new day, at the same
    time of day), `slug` (empty: suggest_copy_slug), `with_documents`. Every
    session keeps its offset from the first one and its length; the
    registration window moves by the same amount. Cancelled sessions and
    livestream and recording links (they belong to one broadcast) are not
    copied, nor anything about people: registrations, invitations,
    check-ins, team members, messages. The documents' files are copied
    when asked. Listeners of `event_duplicated` copy their own part (the
    registration questions). Raises ValidationFailed (nothing written).
    """
    errors = {}
    starts_on = data.get("starts_on")
    if not isinstance(starts_on, date) or isinstance(starts_on, datetime):
        errors["starts_on"] = [_l("This field is required.")]
    elif not EARLIEST.year <= starts_on.year < LATEST.year:
        errors["starts_on"] = [_l("Choose a date between the years 2000 and 2199.")]
    slug = data.get("slug")
    slug = slug.strip() if isinstance(slug, str) else slug
    if not slug:
        slug = suggest_copy_slug(source)
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        errors["slug"] = [_l("Use 1–80 lower-case letters, digits and dashes.")]
    elif get_event(slug) is not None:
        errors["slug"] = [_l("This address is already taken.")]
    with_documents = data.get("with_documents", False)
    if not isinstance(with_documents, bool):
        errors["with_documents"] = [_l("Must be true or false.")]
    documents = [a for a in source.attachments if with_documents is True]
    missing = [a.filename for a in documents if not attachment_path(a).exists()]
    if missing:
        errors["with_documents"] = [_l("These documents' files are missing on the server: %(names)s.",
                                       names=", ".join(missing))]
    if errors:
        raise ValidationFailed(fields=errors)

    sessions = [s for s in source.sessions if s.cancelled_at is None]
    shift = timedelta(0)
    if sessions:
        first = min(s.starts_at for s in sessions)
        new_first = datetime.combine(starts_on, to_local(first).time(), tzinfo=BANGKOK).astimezone(timezone.utc)
        shift = new_first - first
    event = Event(owner=owner, status=EventStatus.draft, slug=slug,
                  **{name: getattr(source, name) for name in COPIED_FIELDS})
    for name in ("registration_opens_at", "registration_closes_at"):
        value = getattr(source, name)
        setattr(event, name, value + shift if value is not None else None)
    for session in sessions:
        event.sessions.append(EventSession(
            name_th=session.name_th, name_en=session.name_en, starts_at=session.starts_at + shift,
            ends_at=session.ends_at + shift, capacity=session.capacity, stream_visibility=session.stream_visibility))
    moved = [event.registration_opens_at, event.registration_closes_at] + [t for s in event.sessions
                                                                          for t in (s.starts_at, s.ends_at)]
    if any(not EARLIEST <= t < LATEST for t in moved if t is not None):
        raise ValidationFailed(fields={"starts_on": [_l("Choose a date between the years 2000 and 2199.")]})
    _insert_new_event(event, owner)
    for attachment in documents:
        _copy_attachment(attachment, event)
    db.session.flush()
    event_duplicated.send(event, source=source, actor=actor)
    record("event.duplicated", actor=actor, event=source, target=event, copy=event.slug,
           with_documents=bool(documents))
    record("event.duplicated", actor=actor, event=event, source=source.slug, source_id=source.id,
           starts_on=starts_on.isoformat(), with_documents=bool(documents))
    return event


def _copy_attachment(attachment, event):
    """The document's file copied byte for byte under a new name; the copy's downloads count from zero."""
    stored_name = secrets.token_hex(16) + Path(attachment.stored_name).suffix
    shutil.copyfile(attachment_path(attachment), attachments_folder() / stored_name)
    event.attachments.append(Attachment(
        title=attachment.title, filename=attachment.filename, stored_name=stored_name,
        content_type=attachment.content_type, size=attachment.size, position=attachment.position))


def attachments_folder():
    folder = Path(current_app.instance_path) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def add_attachment(event, upload, title="", actor=None):
    """Store an uploaded file (a werkzeug FileStorage) under the instance folder."""
    original = (upload.filename or "").strip()
    # secure_filename drops Thai letters ("ร่างแผน.pdf" -> "pdf"): take the extension from the original.
    extension = Path(original.replace("\\", "/")).suffix.lower().lstrip(".")
    safe = secure_filename(original) or "document"
    allowed = [e.strip().lower() for e in current_app.config["UPLOAD_EXTENSIONS"]]
    if extension not in allowed:
        raise ValidationFailed(fields={"file": [_l("Allowed file types: %(types)s.", types=", ".join(allowed))]})
    stored_name = secrets.token_hex(16) + "." + extension
    path = attachments_folder() / stored_name
    upload.save(path)
    size = path.stat().st_size
    if size == 0:
        path.unlink()
        raise ValidationFailed(fields={"file": [_l("The file is empty.")]})
    # Keep the original (Thai) name for the download; secure_filename drops Thai letters.
    filename = Path(original.replace("\\", "/")).name[:255] or safe
    attachment = Attachment(
        title=(title or "").strip()[:300] or Path(filename).stem,
        filename=filename,
        stored_name=stored_name,
        content_type=mimetypes.guess_type(f"document.{extension}")[0] or "application/octet-stream",
        size=size,
        position=len(event.attachments),
    )
    event.attachments.append(attachment)
    try:
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    record("document.added", actor=actor, event=event, target=attachment, title=attachment.title,
           filename=attachment.filename, size=size)
    return attachment


def delete_attachment(attachment, actor=None):
    path = attachments_folder() / attachment.stored_name
    record("document.deleted", actor=actor, event=attachment.event, target=attachment, title=attachment.title,
           filename=attachment.filename)
    db.session.delete(attachment)
    db.session.flush()
    path.unlink(missing_ok=True)


def attachment_path(attachment):
    return attachments_folder() / attachment.stored_name


def record_download(attachment):
    """Count a download (the document's total and the event's day) in its own short write transaction.

    The request around it only reads; on SQLite, turning its read into a
    write would fail at once ("database is locked") when anyone else wrote.
    """
    table = Attachment.__table__
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(table).where(table.c.id == attachment.id).values(download_count=table.c.download_count + 1)
        )
        connection.execute(_count_traffic(connection.dialect.name, "downloads"),
                           {"target": attachment.event_id, "day": today_in_bangkok(), "n": 1})


_traffic = DailyTraffic.__table__
_TRAFFIC_UPSERTS = {}


def _count_traffic(dialect, column):
    """INSERT the event's row for the day or add to it: one statement, built once per dialect and column.

    It inserts from a SELECT on `events`, so that views counted in memory for an event deleted meanwhile
    are dropped instead of failing the whole flush on the foreign key.
    """
    key = (dialect, column)
    if key not in _TRAFFIC_UPSERTS:
        events = Event.__table__
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_traffic)
        statement = insert.from_select(
            ["event_id", "day", column],
            sa.select(events.c.id, sa.bindparam("day", type_=sa.Date), sa.bindparam("n", type_=sa.Integer))
            .where(events.c.id == sa.bindparam("target")),
        )
        _TRAFFIC_UPSERTS[key] = statement.on_conflict_do_update(
            index_elements=["event_id", "day"], set_={column: _traffic.c[column] + statement.excluded[column]})
    return _TRAFFIC_UPSERTS[key]


def today_in_bangkok():
    """The day a view or a download counts for: the app's clock, in Bangkok."""
    return to_local(clock.now()).date()


class PageViewCounter:
    """Page views counted in memory and written every few seconds: one UPDATE of the event's total and one
    UPSERT of its day (`event_daily_traffic`) per event and day, in one short transaction.

    A busy hearing's page must not take a write lock (SQLite) or a row lock
    (PostgreSQL) for each view; at most `flush_after` seconds of one worker's
    views are lost if it is killed (a clean exit writes them). The day is
    taken when the view happens, so a flush just after midnight puts the
    evening's views on the evening's day.
    """

    def __init__(self):
        self._lock = threading.Lock()
        # Per database (engine): two apps in one process (tests, a CLI beside a server) never mix their views.
        self._pending = {}
        self._last_write = time.monotonic()
        atexit.register(self.write)

    def add(self, event_id, day, engine, flush_after):
        with self._lock:
            self._pending.setdefault(engine, Counter())[event_id, day] += 1
            if time.monotonic() - self._last_write < flush_after:
                return
        self.write()

    def write(self):
        with self._lock:
            pending, self._pending = self._pending, {}
            self._last_write = time.monotonic()
        for engine, views in pending.items():
            if views:
                self._write(engine, views)

    @staticmethod
    def _write(engine, pending):
        per_event = Counter()
        for (event_id, _day), views in pending.items():
            per_event[event_id] += views
        table = Event.__table__
        with engine.begin() as connection:
            connection.execute(
                sa.update(table).where(table.c.id == sa.bindparam("target"))
                .values(view_count=table.c.view_count + sa.bindparam("views"), updated_at=table.c.updated_at),
                [{"target": event_id, "views": views} for event_id, views in sorted(per_event.items())],
            )
            connection.execute(
                _count_traffic(connection.dialect.name, "page_views"),
                [{"target": event_id, "day": day, "n": views} for (event_id, day), views in sorted(pending.items())],
            )


page_views = PageViewCounter()


def record_page_view(event):
    """Count a view of the event page (written in batches, see PageViewCounter)."""
    page_views.add(event.id, today_in_bangkok(), db.engine, current_app.config["VIEW_COUNT_FLUSH_SECONDS"])
