"""When an event takes comments: the organizer's dates, else the defaults.

By default the period opens when the event is published and closes at the later of
(opens + EVENTSVC_COMMENT_PERIOD_DAYS) and the end of the hearing's last session: people who come to
the hearing can still comment after it, and the period is never shorter than the law's minimum.
"""
from datetime import timedelta

from flask import current_app

from ..extensions import db
from .models import CommentAccess, CommentSettings


def settings_of(event):
    """The event's comment settings; an unsaved row with the defaults when the organizer set none."""
    return db.session.get(CommentSettings, event.id) or CommentSettings(event_id=event.id,
                                                                         access=CommentAccess.registrants)


def comment_period(event, settings=None):
    """(opens, closes) as aware datetimes; opens is None for a draft that was never published and has no date."""
    settings = settings or settings_of(event)
    opens = settings.opens_at or event.published_at
    closes = settings.closes_at
    if closes is None and opens is not None:
        closes = default_closes(event, opens)
    return opens, closes


def default_closes(event, opens):
    """The later of opens + EVENTSVC_COMMENT_PERIOD_DAYS and the end of the event's last session."""
    closes = opens + timedelta(days=current_app.config["COMMENT_PERIOD_DAYS"])
    last_session_ends = max((s.ends_at for s in event.sessions), default=None) or event.ends_at
    return max(closes, last_session_ends) if last_session_ends is not None else closes


def is_open(event, now, settings=None):
    opens, closes = comment_period(event, settings)
    return opens is not None and opens <= now < closes and event.is_published
