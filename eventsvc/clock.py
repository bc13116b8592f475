"""The time, in one place: the app's CLOCK setting when a test sets one, else the real time."""
from flask import current_app, has_app_context

from .models_base import utcnow


def now():
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock is not None else utcnow()
