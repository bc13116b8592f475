"""When an event takes comments: the organizer's dates, else from its publication for EVENTSVC_COMMENT_PERIOD_DAYS."""
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
        closes = opens + timedelta(days=current_app.config["COMMENT_PERIOD_DAYS"])
    return opens, closes


def is_open(event, now, settings=None):
    opens, closes = comment_period(event, settings)
    return opens is not None and opens <= now < closes and event.is_published
