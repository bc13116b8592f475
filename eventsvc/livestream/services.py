"""Livestreams: each session's stream at the right time, who may watch it, the stable join link, online attendance."""
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional
from urllib.parse import parse_qs, quote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import PermissionDenied
from ..events.models import StreamVisibility
from ..extensions import db
from ..registration.models import RegistrationStatus, registration_sessions
from ..signals import personal_data_requested
from ..timefmt import iso
from .models import OnlineAttendance


class StreamState:
    upcoming = "upcoming"  # the window has not opened
    live = "live"          # from STREAM_OPENS_MINUTES before the start to the end
    ended = "ended"


def opens_at(session):
    return session.starts_at - timedelta(minutes=current_app.config["STREAM_OPENS_MINUTES"])


def stream_state(session, now):
    if now < opens_at(session):
        return StreamState.upcoming
    if now <= session.ends_at:
        return StreamState.live
    return StreamState.ended


def public_recording_url(session, now):
    """The recording link anyone may see: once the session has ended, whatever the stream's visibility.

    The one rule for the event page, the anonymous API and the calendars: a link the organizer enters
    ahead of time stays hidden until the end, for public and registrants-only sessions alike.
    """
    if session.recording_url and stream_state(session, now) == StreamState.ended:
        return session.recording_url
    return ""


def live_sessions(event, now):
    """The sessions of `event` whose stream window is open now (whatever their visibility)."""
    return [s for s in event.sessions if s.stream_url and stream_state(s, now) == StreamState.live]


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def embed_url(url):
    """The player to embed for a stream link, when its host allows embedding and is allowed here; else None.

    YouTube (watch, live and youtu.be links), Facebook videos and Vimeo
    embed; Zoom and Teams do not, and get a big "watch" button instead.
    """
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    candidate = None
    if host in ("youtube.com", "www.youtube.com", "m.youtube.com"):
        video = parse_qs(parts.query).get("v", [""])[0]
        if not video and parts.path.startswith(("/live/", "/embed/")):
            video = parts.path.split("/")[2]
        if _YOUTUBE_ID.match(video or ""):
            candidate = f"https://www.youtube.com/embed/{video}"
    elif host == "youtu.be" and _YOUTUBE_ID.match(parts.path.strip("/")):
        candidate = f"https://www.youtube.com/embed/{parts.path.strip('/')}"
    elif host in ("facebook.com", "www.facebook.com", "fb.watch"):
        candidate = f"https://www.facebook.com/plugins/video.php?href={quote(url, safe='')}&show_text=false"
    elif host == "vimeo.com" and parts.path.strip("/").isdigit():
        candidate = f"https://player.vimeo.com/video/{parts.path.strip('/')}"
    if candidate and _host_allowed(urlsplit(candidate).hostname):
        return candidate
    return None


def _host_allowed(host):
    for allowed in current_app.config["STREAM_HOSTS"]:
        allowed = allowed.strip().lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return True
    return False


def frame_sources():
    """The CSP frame-src: exactly the configured stream hosts, over https."""
    return " ".join(f"https://{host.strip()}" for host in current_app.config["STREAM_HOSTS"] if host.strip())


# ---- the join link ---------------------------------------------------------------------

class JoinRefused(PermissionDenied):
    def __init__(self, message, reason):
        super().__init__(message)
        self.code = self.reason = reason


@dataclass
class Join:
    state: str                     # StreamState
    target: Optional[str]          # where to send the person now: the stream, the recording, or None
    opens_at: object = None        # when the window opens (for "upcoming")


def join(registration, session, now):
    """Where the registrant's join link leads now; records online attendance while the stream is on.

    The link is stable: it reads the session's stream link when it is
    followed, so an organizer may change the link at the last minute.
    """
    if session.event_id != registration.event_id or not _registered_for(registration, session):
        raise JoinRefused(_l("You did not register for this session."), "not_registered_for_session")
    if session.event.is_cancelled:
        raise JoinRefused(_l("This event has been cancelled by the organizer."), "event_cancelled")
    if session.cancelled_at is not None:
        raise JoinRefused(_l("This session has been cancelled by the organizer."), "session_cancelled")
    if registration.status == RegistrationStatus.cancelled or registration.erased_at is not None:
        raise JoinRefused(_l("This registration was cancelled."), "cancelled")
    if registration.status == RegistrationStatus.waitlisted:
        raise JoinRefused(_l("You are on the waitlist: the stream opens to you once you have a seat."), "waitlisted")
    state = stream_state(session, now)
    if state == StreamState.upcoming:
        return Join(state, None, opens_at(session))
    if state == StreamState.ended:
        return Join(state, session.recording_url or None)
    if session.stream_url:
        record_join(registration, session, now)
    return Join(state, session.stream_url or None)


_MEMBERSHIP = sa.select(registration_sessions.c.session_id).where(
    registration_sessions.c.registration_id == sa.bindparam("registration"),
    registration_sessions.c.session_id == sa.bindparam("session"))


def _registered_for(registration, session):
    return db.session.execute(_MEMBERSHIP, {"registration": registration.id, "session": session.id}).first() is not None


_attendance = OnlineAttendance.__table__
_UPSERTS = {}


def _upsert(dialect):
    """The join's one statement, built once per dialect: a herd of joins compiles nothing."""
    if dialect not in _UPSERTS:
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_attendance)
        statement = insert.values(
            event_id=sa.bindparam("event"), session_id=sa.bindparam("session"),
            registration_id=sa.bindparam("registration"), first_joined_at=sa.bindparam("now"),
            last_joined_at=sa.bindparam("now"), joins=1)
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["registration_id", "session_id"],
            set_={"last_joined_at": statement.excluded.last_joined_at, "joins": _attendance.c.joins + 1},
        )
    return _UPSERTS[dialect]


def record_join(registration, session, now):
    """One UPSERT: the first join makes the row, later ones move last_joined_at and count."""
    db.session.execute(_upsert(db.session.get_bind().dialect.name),
                       {"event": session.event_id, "session": session.id, "registration": registration.id, "now": now})


def stream_is_public(session):
    return session.stream_visibility == StreamVisibility.public


@personal_data_requested.connect
def personal_data(registration, **_):
    """The person's online joins for their data download (kept on erasure: they are numbers, no name)."""
    rows = db.session.scalars(sa.select(OnlineAttendance).where(OnlineAttendance.registration_id == registration.id)
                              .order_by(OnlineAttendance.id))
    return "online_joins", [{"session_id": a.session_id, "first": iso(a.first_joined_at),
                             "last": iso(a.last_joined_at), "times": a.joins} for a in rows]
